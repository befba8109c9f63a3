// The receipts ledger without a GPU: schema version and WAL, the issued → answered → receipted
// path, one receipt per challenge (in the code and in the UNIQUE constraint), refusal of a file
// from a newer gpuproof, and two handles on one file. Bad disks: a corrupt file refused on open,
// a bad row named, SQLite failures (full, read-only) as IO naming the path, and readers that never
// write or create a ledger.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { Ledger } from '../src/ledger/ledger.js';
import { MIGRATIONS } from '../src/ledger/schema.js';
import { generateKeyPair } from '../src/protocol/keys.js';
import { issueChallenge } from '../src/roles/validator.js';
import { MemoryReplayStore } from '../src/roles/stores.js';
import { failedReceipt } from '../src/server/attest-steps.js';
import { toB64 } from '../src/util/bytes.js';
import { GpuproofError } from '../src/errors.js';
import { checkFreeSpace } from '../src/ledger/open.js';
import { buildCli, cliError, REPO_ROOT, runCli } from './helpers/cli.js';

let root = '';
let counter = 0;
const validator = generateKeyPair();
const executor = generateKeyPair();

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gpuproof-ledger-'));
  await buildCli();
});
after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const fresh = (): string => join(root, `l${counter++}`, 'receipts.db');
const challenge = () => issueChallenge(validator, { executorKey: toB64(executor.publicKey), matmul: { n: 32, iterations: 2 } }, new MemoryReplayStore());

test('a new ledger is at the latest schema version, in WAL mode, mode 0600', () => {
  const path = fresh();
  Ledger.open(path).close();
  const db = new Database(path, { readonly: true });
  assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test('issued → answered → receipted, each step once', () => {
  const ledger = Ledger.open(fresh());
  const ch = challenge();
  ledger.recordIssued(ch, 'http://127.0.0.1:1');
  assert.equal(ledger.challenges({ status: 'issued' }).length, 1);
  ledger.markAnswered(ch.body.id);
  assert.throws(() => ledger.markAnswered(ch.body.id), { code: 'REFUSED' });
  const receipt = failedReceipt(validator, ch, null, 'openings.delivery', 'test');
  const seq = ledger.storeReceipt(receipt, ch.body.id, { url: 'http://127.0.0.1:1', reason: 'openings.delivery: test' });
  assert.ok(seq > 0);
  assert.throws(() => ledger.storeReceipt(receipt, ch.body.id, { url: 'x' }), { code: 'REFUSED' });
  const rows = ledger.receipts();
  assert.equal(rows.length, 1);
  assert.deepEqual([rows[0]?.accepted, rows[0]?.challengeId, rows[0]?.reason], [false, ch.body.id, 'openings.delivery: test']);
  assert.deepEqual(rows[0]?.receipt, receipt);
  assert.deepEqual(ledger.check(), []);
  ledger.close();
});

test('a stored receipt whose JSON repeats a member (a row edited behind the code) is refused, naming it', () => {
  const path = fresh();
  const ledger = Ledger.open(path);
  const ch = challenge();
  ledger.recordIssued(ch, 'http://127.0.0.1:1');
  ledger.markAnswered(ch.body.id);
  const receipt = failedReceipt(validator, ch, null, 'openings.delivery', 'test');
  ledger.storeReceipt(receipt, ch.body.id, { url: 'http://127.0.0.1:1' });
  const db = new Database(path);
  // Signed as rejected; JSON.parse alone would read the appended "accepted": true.
  db.prepare('UPDATE receipts SET receipt = ?').run(JSON.stringify(receipt).replace('"accepted":false,', '"accepted":false,"accepted":true,'));
  db.close();
  assert.throws(() => ledger.receipts(), (e: unknown) => (e as { code?: string; field?: string }).code === 'INPUT' && (e as { field?: string }).field === 'receipt.body.accepted');
  ledger.close();
});

test('a receipt for a challenge never issued, or for another challenge, is refused', () => {
  const ledger = Ledger.open(fresh());
  const a = challenge();
  const b = challenge();
  ledger.recordIssued(a, 'u');
  assert.throws(() => ledger.storeReceipt(failedReceipt(validator, b, null, 'x', 'y'), b.body.id, { url: 'u' }), { code: 'REFUSED' });
  assert.throws(() => ledger.storeReceipt(failedReceipt(validator, b, null, 'x', 'y'), a.body.id, { url: 'u' }), { code: 'REFUSED' });
  assert.equal(ledger.receipts().length, 0);
  ledger.close();
});

test('the UNIQUE constraint holds even for a writer that bypasses the code', () => {
  const path = fresh();
  const ledger = Ledger.open(path);
  const ch = challenge();
  ledger.recordIssued(ch, 'u');
  ledger.storeReceipt(failedReceipt(validator, ch, null, 'x', 'y'), ch.body.id, { url: 'u' });
  ledger.close();
  const db = new Database(path);
  const insert = () => db.prepare(`INSERT INTO receipts (challenge_id, executor_key, validator_key, url, accepted, score, issued_at, receipt) VALUES (?, 'k', 'k', 'u', 1, 0, 0, '{}')`).run(ch.body.id);
  assert.throws(insert, /UNIQUE constraint failed: receipts.challenge_id/);
  assert.throws(() => db.prepare(`INSERT INTO challenges (id, hash, executor_key, validator_key, url, claim, status, issued_at, expires_at, challenge) VALUES (?, ?, 'k', 'k', 'u', 'any', 'issued', 0, 1, '{}')`).run(ch.body.id, 'a'.repeat(64)), /UNIQUE|PRIMARY KEY/);
  db.close();
});

test('a ledger from a newer gpuproof is refused; a missing one is an error for readers', () => {
  const path = fresh();
  Ledger.open(path).close();
  const db = new Database(path);
  db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  db.close();
  assert.throws(() => Ledger.open(path), /newer than this gpuproof/);
  assert.throws(() => Ledger.open(join(root, 'nope', 'receipts.db'), { mustExist: true }), /no ledger/);
});

test('two handles on one file (two validators) see each other\'s writes', () => {
  const path = fresh();
  const a = Ledger.open(path);
  const b = Ledger.open(path);
  const ch = challenge();
  a.recordIssued(ch, 'u');
  assert.equal(b.challenges().length, 1);
  b.markAnswered(ch.body.id);
  assert.throws(() => a.markAnswered(ch.body.id), { code: 'REFUSED' });
  a.close();
  b.close();
});

/** A ledger holding `count` receipts, closed (checkpointed: the file alone holds them). */
function filled(count: number): string {
  const path = fresh();
  const ledger = Ledger.open(path);
  for (let i = 0; i < count; i++) {
    const ch = challenge();
    ledger.recordIssued(ch, 'http://127.0.0.1:1');
    ledger.markAnswered(ch.body.id);
    ledger.storeReceipt(failedReceipt(validator, ch, null, 'openings.delivery', 'test'), ch.body.id, { url: 'http://127.0.0.1:1' });
  }
  ledger.close();
  return path;
}

/** A GpuproofError of `code` whose message names `path` and matches `says`. */
const failsWith = (code: string, path: string, says: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof GpuproofError, String(e));
  assert.equal(e.code, code, e.message);
  assert.ok(e.message.includes(path), e.message);
  assert.match(e.message, says);
  return true;
};

const fileState = (path: string): { bytes: string; mtimeMs: number } => ({ bytes: readFileSync(path).toString('base64'), mtimeMs: statSync(path).mtimeMs });

/** A fresh GPUPROOF_HOME (and working directory) for one CLI run. */
const newHome = (): string => {
  const home = join(root, `home${counter++}`);
  mkdirSync(home);
  return home;
};

let keyFile: string | undefined;
async function validatorKey(): Promise<string> {
  if (keyFile !== undefined) return keyFile;
  const file = join(root, 'validator.key');
  const r = await runCli(['keygen', '--out', file, '--json'], { home: root });
  assert.equal(r.code, 0, r.stderr);
  return (keyFile = file);
}

test('a ledger with garbage in the middle is refused on open by writers, readers, receipts and attest --db, unchanged', async () => {
  const path = filled(40);
  const size = statSync(path).size;
  const pageSize = 4096;
  const fd = readFileSync(path);
  const at = pageSize * Math.floor(size / pageSize / 2);
  for (let i = 0; i < 512; i++) fd[at + i] = (i * 37 + 11) & 0xff;
  writeFileSync(path, fd);
  const before = fileState(path);
  assert.throws(() => Ledger.open(path), failsWith('IO', path, /corrupt|malformed|quick_check/i));
  assert.throws(() => Ledger.open(path, { readonly: true }), failsWith('IO', path, /corrupt|malformed|quick_check/i));
  const home = newHome();
  const listed = await runCli(['receipts', '--db', path, '--json'], { home });
  assert.equal(listed.code, 1, listed.stdout);
  assert.equal(cliError(listed).code, 'IO');
  assert.ok(cliError(listed).message.includes(path), cliError(listed).message);
  const attested = await runCli(['attest', 'http://127.0.0.1:9', '--key', await validatorKey(), '--db', path, '--n', '64', '--iterations', '1', '--json'], { home });
  assert.equal(attested.code, 1, attested.stdout);
  assert.equal(cliError(attested).code, 'IO');
  assert.ok(cliError(attested).message.includes(path), cliError(attested).message);
  assert.deepEqual(fileState(path), before);
});

test('a file that is not a ledger at all is refused, naming the path', () => {
  const path = fresh();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, 'not a database, just some text that is long enough to be read as a header or not');
  assert.throws(() => Ledger.open(path), failsWith('IO', path, /not a database|not a gpuproof ledger/));
  assert.throws(() => Ledger.open(path, { readonly: true }), failsWith('IO', path, /not a database|not a gpuproof ledger/));
});

test('a row whose stored receipt does not decode is named by its number and challenge', async () => {
  for (const bad of ['not json', '{}', 'null']) {
    const path = filled(3);
    const db = new Database(path);
    const row = db.prepare('SELECT seq, challenge_id AS id FROM receipts ORDER BY seq LIMIT 1 OFFSET 1').get() as { seq: number; id: string };
    db.prepare('UPDATE receipts SET receipt = ? WHERE seq = ?').run(bad, row.seq);
    db.close();
    const ledger = Ledger.open(path, { readonly: true });
    assert.throws(() => ledger.receipts(), (e: unknown) => {
      assert.ok(e instanceof GpuproofError && e.code === 'INPUT', String(e));
      assert.ok(e.message.startsWith(`${path}: receipt #${row.seq} (challenge ${row.id}): `), e.message);
      assert.match(e.field ?? '', /^receipt(\.|$)/);
      return true;
    });
    ledger.close();
    const r = await runCli(['receipts', '--db', path, '--json'], { home: newHome() });
    assert.equal(r.code, 2, r.stdout);
    assert.ok(cliError(r).message.includes(`receipt #${row.seq} (challenge ${row.id})`), cliError(r).message);
  }
});

test('a full disk while writing is an IO error naming the ledger, not INTERNAL', () => {
  const path = filled(1);
  const ledger = Ledger.open(path);
  // max_page_count is per connection: the ledger's own handle, capped at its current size, is a
  // disk that just filled up.
  const db = (ledger as unknown as { db: Database.Database }).db;
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  const fill = (): void => {
    for (let i = 0; i < 200; i++) ledger.recordIssued(challenge(), 'http://127.0.0.1:1');
  };
  assert.throws(fill, failsWith('IO', path, /full/));
  ledger.close();
});

test('a writer checks free space before any work; a read-only handle refuses writes as IO', () => {
  const path = filled(1);
  assert.doesNotThrow(() => checkFreeSpace(path, 1));
  assert.throws(() => checkFreeSpace(path, Number.MAX_SAFE_INTEGER), failsWith('IO', dirname(path), /free/));
  assert.throws(() => Ledger.open(path, { minFreeBytes: Number.MAX_SAFE_INTEGER }), failsWith('IO', path, /free/));
  const reader = Ledger.open(path, { readonly: true });
  assert.throws(() => reader.recordIssued(challenge(), 'u'), failsWith('IO', path, /read-only/));
  reader.close();
});

test('a writer refuses a file it may not write at open (as uid 65534 when the tests run as root)', () => {
  // Root writes a 0444 file, so under root the open is tried in a child that is not root.
  const dir = mkdtempSync(join(tmpdir(), 'gpuproof-ro-'));
  chmodSync(dir, 0o777);
  try {
    const path = join(dir, 'receipts.db');
    Ledger.open(path).close();
    chmodSync(path, 0o444);
    if (process.getuid?.() !== 0) {
      assert.throws(() => Ledger.open(path), failsWith('IO', path, /read-only/));
      return;
    }
    const module = pathToFileURL(join(REPO_ROOT, 'dist', 'ledger', 'ledger.js')).href;
    const code = `import(${JSON.stringify(module)}).then(({ Ledger }) => { try { Ledger.open(${JSON.stringify(path)}); console.log('{}'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); } })`;
    const e = JSON.parse(execFileSync(process.execPath, ['-e', code], { uid: 65534, gid: 65534, encoding: 'utf8' })) as { code?: string; message?: string };
    assert.equal(e.code, 'IO', e.message);
    assert.match(e.message ?? '', /read-only/);
    assert.ok(e.message?.includes(path), e.message);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('receipts never creates or changes a ledger: missing and empty files are refused, a 0444 copy is listed', async () => {
  const home = newHome();
  const missing = join(root, `l${counter++}`, 'receipts.db');
  const r1 = await runCli(['receipts', '--db', missing, '--json'], { home });
  assert.equal(r1.code, 2, r1.stdout);
  assert.deepEqual([cliError(r1).code, cliError(r1).field], ['INPUT', 'db']);
  assert.equal(existsSync(missing), false);
  assert.equal(existsSync(dirname(missing)), false);

  const empty = fresh();
  mkdirSync(dirname(empty), { recursive: true });
  writeFileSync(empty, '');
  const r2 = await runCli(['receipts', '--db', empty, '--json'], { home });
  assert.equal(r2.code, 2, r2.stdout);
  assert.deepEqual([cliError(r2).code, cliError(r2).field], ['INPUT', 'db']);
  assert.match(cliError(r2).message, /not a gpuproof ledger/);
  assert.equal(statSync(empty).size, 0);

  const copy = join(root, `ro${counter++}`, 'receipts.db');
  mkdirSync(dirname(copy));
  copyFileSync(filled(2), copy);
  chmodSync(copy, 0o444);
  const before = fileState(copy);
  const r3 = await runCli(['receipts', '--db', copy, '--json'], { home });
  assert.equal(r3.code, 0, r3.stdout + r3.stderr);
  assert.equal((r3.json?.receipts as unknown[]).length, 2);
  assert.deepEqual(fileState(copy), before);
  // SQLite's reader may leave its shared-memory index and an empty log beside the file; no rows.
  assert.ok(readdirSync(dirname(copy)).every((f) => f === 'receipts.db' || f === 'receipts.db-shm' || (f === 'receipts.db-wal' && statSync(`${copy}-wal`).size === 0)));
});

test('receipts lists a ledger on a read-only filesystem', { skip: process.getuid?.() !== 0 ? 'needs root for a read-only bind mount' : false }, async (t) => {
  const src = join(root, `src${counter++}`);
  const mnt = join(root, `mnt${counter++}`);
  mkdirSync(src);
  mkdirSync(mnt);
  copyFileSync(filled(2), join(src, 'receipts.db'));
  try {
    execFileSync('mount', ['--bind', src, mnt], { stdio: 'ignore' });
    execFileSync('mount', ['-o', 'remount,ro,bind', mnt], { stdio: 'ignore' });
  } catch {
    t.skip('mount is not permitted here');
    return;
  }
  try {
    const r = await runCli(['receipts', '--db', join(mnt, 'receipts.db'), '--json'], { home: newHome() });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal((r.json?.receipts as unknown[]).length, 2);
  } finally {
    execFileSync('umount', [mnt]);
  }
});
