// The receipts ledger without a GPU: schema version and WAL, the issued → answered → receipted
// path, one receipt per challenge (in the code and in the UNIQUE constraint), refusal of a file
// from a newer gpuproof, and two handles on one file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Ledger } from '../src/ledger/ledger.js';
import { MIGRATIONS } from '../src/ledger/schema.js';
import { failedReceipt } from '../src/server/attest-steps.js';
import { challenge, validator } from './helpers/ledger.js';

let root = '';
let counter = 0;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'gpuproof-ledger-'));
});
after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const fresh = (): string => join(root, `l${counter++}`, 'receipts.db');

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
