// Replay memory on disk: a file of the wrong shape, empty, garbage or binary is refused when the
// store is opened (exit 2 from the CLI, naming the file and the field), so the agent never starts
// to answer every valid challenge with a 500 later. A good file round-trips.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GpuproofError } from '../src/errors.js';
import { FileReplayStore } from '../src/roles/stores.js';
import { buildCli, cliError, runCli } from './helpers/cli.js';
import { notInMutationRun } from './helpers/mutation.js';

let root = '';
let counter = 0;
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gpuproof-stores-'));
  await buildCli();
});
after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const planted = (content: string | Uint8Array): string => {
  const dir = join(root, `s${counter++}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'seen.json');
  writeFileSync(file, content);
  return file;
};

/** An INPUT error whose message names the file, then the field. */
const refusedAt = (file: string, field: string, says: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof GpuproofError, String(e));
  assert.equal(e.code, 'INPUT', e.message);
  assert.equal(e.field, field, e.message);
  assert.ok(e.message.startsWith(`${file}: ${field}: `), e.message);
  assert.match(e.message, says);
  return true;
};

const ID = 'ab'.repeat(16);
const HASH = 'cd'.repeat(32);

test('a replay file of the wrong shape is refused on open, naming the file and the field', () => {
  const wrong = planted('{"seen":"x","issued":5}');
  assert.throws(() => new FileReplayStore(wrong), refusedAt(wrong, 'seen', /expected record|expected object/));
  const badExpiry = planted(JSON.stringify({ seen: { [ID]: 'soon' }, issued: {} }));
  assert.throws(() => new FileReplayStore(badExpiry), refusedAt(badExpiry, `seen.${ID}`, /expected number/));
  const badIssued = planted(JSON.stringify({ seen: {}, issued: { [ID]: { id: ID, hash: HASH, expiresAt: 1, sentAt: 0 } } }));
  assert.throws(() => new FileReplayStore(badIssued), refusedAt(badIssued, `issued.${ID}.answered`, /expected boolean/));
  const otherId = planted(JSON.stringify({ seen: {}, issued: { [ID]: { id: 'ef'.repeat(16), hash: HASH, expiresAt: 1, sentAt: 0, answered: false } } }));
  assert.throws(() => new FileReplayStore(otherId), refusedAt(otherId, `issued.${ID}.id`, /record's key/));
});

test('an empty, garbage or binary replay file is refused on open, naming the file', () => {
  const empty = planted('');
  assert.throws(() => new FileReplayStore(empty), refusedAt(empty, '$', /empty/));
  const garbage = planted('{"seen": {');
  assert.throws(() => new FileReplayStore(garbage), refusedAt(garbage, '$', /not JSON/));
  const binary = planted(new Uint8Array([0x7b, 0xff, 0xfe, 0x00, 0x80, 0x7d]));
  assert.throws(() => new FileReplayStore(binary), refusedAt(binary, '$', /not UTF-8/));
});

test('a good replay file round-trips, and a missing one starts empty', () => {
  const file = join(root, `s${counter++}`, 'seen.json');
  const a = new FileReplayStore(file);
  const expires = Date.now() + 60_000;
  a.remember(ID, expires);
  a.recordIssued({ id: ID, hash: HASH, expiresAt: expires, sentAt: 1, answered: false });
  a.markAnswered(ID);
  const b = new FileReplayStore(file);
  assert.equal(b.seen(ID, Date.now()), true);
  assert.deepEqual(b.issued(ID), { id: ID, hash: HASH, expiresAt: expires, sentAt: 1, answered: true });
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { seen: { [ID]: expires }, issued: { [ID]: { id: ID, hash: HASH, expiresAt: expires, sentAt: 1, answered: true } } });
});

test('gpuproof serve refuses to start (exit 2) on a bad seen.json, naming the file and the field', notInMutationRun('spawns the CLI'), async () => {
  const home = join(root, `home${counter++}`);
  mkdirSync(join(home, 'agent'), { recursive: true });
  const keygen = await runCli(['keygen', '--out', join(home, 'executor.key'), '--json'], { home });
  assert.equal(keygen.code, 0, keygen.stderr);
  const keygenV = await runCli(['keygen', '--out', join(home, 'validator.key'), '--json'], { home });
  assert.equal(keygenV.code, 0, keygenV.stderr);
  const seen = join(home, 'agent', 'seen.json');
  const serve = (): ReturnType<typeof runCli> =>
    runCli(['serve', '--key', join(home, 'executor.key'), '--allow', join(home, 'validator.key.pub'), '--port', '0', '--json'], { home, timeoutMs: 30_000 });
  for (const [content, field] of [['{"seen":"x","issued":5}', 'seen'], ['', '$'], ['\u0000\u0001garbage', '$']] as const) {
    writeFileSync(seen, content);
    const r = await serve();
    assert.equal(r.code, 2, `${content}: ${r.stdout}${r.stderr}`);
    const err = cliError(r);
    assert.deepEqual([err.code, err.field], ['INPUT', field]);
    assert.ok(err.message.startsWith(`${seen}: ${field}: `), err.message);
  }
});
