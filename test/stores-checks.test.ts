// Replay memory (src/roles/stores.ts) at its edges: an id is seen until the millisecond it expires
// and not from then on, what has expired is forgotten when the store next writes (so the file does
// not grow without end), answering an unknown challenge changes nothing, and the file is written
// 0600 and read back refusing what is unreadable (IO, with the cause), not UTF-8 (with the cause)
// or a repeated member (named).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GpuproofError } from '../src/errors.js';
import { FileReplayStore, MemoryReplayStore, type IssuedChallenge } from '../src/roles/stores.js';

const root = mkdtempSync(join(tmpdir(), 'gpuproof-stores-checks-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const fresh = (): string => join(mkdtempSync(join(root, 's')), 'seen.json');
const ID = (i: number): string => i.toString(16).padStart(32, '0');
const issued = (i: number, expiresAt: number): IssuedChallenge => ({ id: ID(i), hash: 'cd'.repeat(32), expiresAt, sentAt: 1, answered: false });

test('seen: until the millisecond an id expires, and not from then on; never for an id not remembered', () => {
  const s = new MemoryReplayStore();
  const exp = Date.now() + 60_000;
  s.remember(ID(1), exp);
  assert.equal(s.seen(ID(1), exp - 1), true);
  assert.equal(s.seen(ID(1), exp), false);
  assert.equal(s.seen(ID(1), exp + 1), false);
  assert.equal(s.seen(ID(2), 0), false);
});

test('what has expired is forgotten at the next write: remembered ids and issued challenges, at expiry itself', (t) => {
  let now = 1_000_000;
  t.mock.method(Date, 'now', () => now);
  const path = fresh();
  const s = new FileReplayStore(path);
  s.remember(ID(1), now + 10);
  s.recordIssued(issued(2, now + 10));
  s.remember(ID(3), now + 11);
  s.recordIssued(issued(4, now + 11));
  now += 10; // ID(1) and challenge 2 expire now
  s.remember(ID(5), now + 100);
  const file = JSON.parse(readFileSync(path, 'utf8')) as { seen: Record<string, number>; issued: Record<string, unknown> };
  assert.deepEqual(Object.keys(file.seen).sort(), [ID(3), ID(5)]);
  assert.deepEqual(Object.keys(file.issued), [ID(4)]);
  assert.equal(s.issued(ID(2)), undefined);
  assert.ok(s.issued(ID(4)));
  now += 1;
  s.recordIssued(issued(6, now + 100));
  const again = JSON.parse(readFileSync(path, 'utf8')) as { seen: Record<string, number>; issued: Record<string, unknown> };
  assert.deepEqual(Object.keys(again.seen), [ID(5)]);
  assert.deepEqual(Object.keys(again.issued), [ID(6)]);
});

test('answering a challenge never issued changes nothing; answering one issued marks it and writes', () => {
  const path = fresh();
  const s = new FileReplayStore(path);
  s.markAnswered(ID(9));
  s.recordIssued(issued(1, Date.now() + 60_000));
  s.markAnswered(ID(1));
  assert.equal(s.issued(ID(1))?.answered, true);
  assert.equal(new FileReplayStore(path).issued(ID(1))?.answered, true);
  assert.equal(new FileReplayStore(path).issued(ID(9)), undefined);
});

test('the file is private (0600) and round-trips', () => {
  const path = fresh();
  const s = new FileReplayStore(path);
  s.remember(ID(1), Date.now() + 60_000);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(new FileReplayStore(path).seen(ID(1), Date.now()), true);
});

test('an unreadable file is IO with its cause; bytes that are not UTF-8 carry theirs; a repeated member is named', () => {
  const dir = join(root, `dir${counter++}`);
  mkdirSync(dir);
  assert.throws(() => new FileReplayStore(dir), (e: unknown) => e instanceof GpuproofError && e.code === 'IO' && (e.cause as NodeJS.ErrnoException).code === 'EISDIR');
  const binary = fresh();
  writeFileSync(binary, Buffer.from([0x7b, 0xff, 0x7d]));
  assert.throws(() => new FileReplayStore(binary), (e: unknown) => e instanceof GpuproofError && e.code === 'INPUT' && e.field === '$' && e.cause !== undefined);
  const shape = fresh();
  writeFileSync(shape, '{"seen":{},"issued":{},"x":1}');
  assert.throws(() => new FileReplayStore(shape), (e: unknown) => e instanceof GpuproofError && e.field === 'x' && !('cause' in e));
  const dup = fresh();
  writeFileSync(dup, `{"seen":{"${ID(1)}":1,"${ID(1)}":2},"issued":{}}`);
  assert.throws(() => new FileReplayStore(dup), (e: unknown) => e instanceof GpuproofError && e.code === 'INPUT' && e.field === `seen.${ID(1)}`);
});
