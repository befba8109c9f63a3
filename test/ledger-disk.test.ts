// The ledger on bad disks: a corrupt file refused on open (writers, readers, receipts, attest --db),
// a bad row named, SQLite failures (full, read-only) as IO naming the path, and readers that never
// create or write a ledger and work on a read-only file or filesystem.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { GpuproofError } from '../src/errors.js';
import { Ledger } from '../src/ledger/ledger.js';
import { checkFreeSpace } from '../src/ledger/open.js';
import { buildCli, cliError, REPO_ROOT, runCli } from './helpers/cli.js';
import { challenge, fillLedger } from './helpers/ledger.js';
import { notInMutationRun } from './helpers/mutation.js';

let root = '';
let counter = 0;
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gpuproof-ledger-disk-'));
  await buildCli();
});
after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const fresh = (): string => join(root, `l${counter++}`, 'receipts.db');

/** A new ledger holding `count` receipts. */
function filled(count: number): string {
  const path = fresh();
  fillLedger(path, count);
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

test('a ledger with garbage in the middle is refused on open by writers, readers, receipts and attest --db, unchanged', notInMutationRun('spawns the CLI'), async () => {
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

test('a row whose stored receipt does not decode is named by its number and challenge', notInMutationRun('spawns the CLI'), async () => {
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

test('a writer refuses a file it may not write at open (as uid 65534 when the tests run as root)', (t) => {
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
    const code = `import(${JSON.stringify(module)}).then(({ Ledger }) => { try { Ledger.open(${JSON.stringify(path)}); console.log('{}'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); } }, (e) => console.log(JSON.stringify({ skip: String(e) })))`;
    let e: { code?: string; message?: string; skip?: string };
    try {
      e = JSON.parse(execFileSync(process.execPath, ['-e', code], { uid: 65534, gid: 65534, encoding: 'utf8' })) as typeof e;
    } catch (err) {
      e = { skip: String(err) };
    }
    // A checkout that uid 65534 cannot read (under /root), or no right to switch users: nothing to try.
    if (e.skip !== undefined) {
      t.skip(`cannot run as uid 65534 here: ${e.skip.slice(0, 200)}`);
      return;
    }
    assert.equal(e.code, 'IO', e.message);
    assert.match(e.message ?? '', /read-only/);
    assert.ok(e.message?.includes(path), e.message);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('receipts never creates or changes a ledger: missing and empty files are refused, a 0444 copy is listed', notInMutationRun('spawns the CLI'), async () => {
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

test('receipts lists a ledger on a read-only filesystem', { skip: process.getuid?.() !== 0 ? 'needs root for a read-only bind mount' : false, ...notInMutationRun('spawns the CLI') }, async (t) => {
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
