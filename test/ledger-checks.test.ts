// The receipts ledger's own rules, each refusal and each field, without a CLI: what recordIssued
// stores, that a challenge is answered once and receipted once and only with its own receipt,
// every column of a receipt read back (accepted and rejected, extras given and absent), the
// filters and their order, a row edited behind the code named by its field, and check()'s two
// rules about receipts and receipted challenges.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { GpuproofError } from '../src/errors.js';
import { Ledger } from '../src/ledger/ledger.js';
import { PROTOCOL_VERSION, type SignedChallenge, type SignedVerdict } from '../src/protocol/schemas.js';
import { hashHex, signMessage } from '../src/protocol/signing.js';
import { failedReceipt } from '../src/server/attest-steps.js';
import { toB64 } from '../src/util/bytes.js';
import { challenge, executor, validator } from './helpers/ledger.js';

const root = mkdtempSync(join(tmpdir(), 'gpuproof-ledger-checks-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const fresh = (): string => join(root, `l${counter++}`, 'receipts.db');

const refusedAt = (field: string) => (e: unknown): boolean => {
  assert.ok(e instanceof GpuproofError, String(e));
  assert.deepEqual([e.code, e.field], ['REFUSED', field], e.message);
  return true;
};

/** An accepted receipt for `ch`, signed by the validator, with a class and a score. */
function acceptedReceipt(ch: SignedChallenge, issuedAt = Date.now()): SignedVerdict {
  return signMessage('verdict', {
    version: PROTOCOL_VERSION,
    challengeHash: hashHex(ch),
    commitmentHash: 'ab'.repeat(32),
    executorKey: ch.body.executorKey,
    validatorKey: ch.body.validatorKey,
    accepted: true,
    checks: [{ name: 'matmul.rows', pass: true, reason: 'ok' }],
    measured: {},
    class: 'h100-sxm',
    score: 12.5,
    issuedAt,
  }, validator.secretKey);
}

function receipted(ledger: Ledger, ch: SignedChallenge, receipt: SignedVerdict, extra: Parameters<Ledger['storeReceipt']>[2]): number {
  ledger.recordIssued(ch, extra.url);
  ledger.markAnswered(ch.body.id);
  return ledger.storeReceipt(receipt, ch.body.id, extra);
}

test('recordIssued stores the challenge as issued; markAnswered moves it once, at the time given', () => {
  const ledger = Ledger.open(fresh());
  const ch = challenge();
  ledger.recordIssued(ch, 'http://10.0.0.1:7');
  assert.deepEqual(ledger.challenges(), [{
    id: ch.body.id, hash: hashHex(ch), executorKey: ch.body.executorKey, url: 'http://10.0.0.1:7', claim: ch.body.claim,
    status: 'issued', issuedAt: ch.body.issuedAt, expiresAt: ch.body.expiresAt, answeredAt: null,
  }]);
  ledger.markAnswered(ch.body.id, 1234);
  assert.deepEqual([ledger.challenges()[0]?.status, ledger.challenges()[0]?.answeredAt], ['answered', 1234]);
  assert.throws(() => ledger.markAnswered(ch.body.id), refusedAt('challenge.body.id'));
  assert.throws(() => ledger.markAnswered('cd'.repeat(16)), refusedAt('challenge.body.id'));
  ledger.close();
});

test('storeReceipt: only for a challenge issued here, only its own receipt, only once', () => {
  const ledger = Ledger.open(fresh());
  const ch = challenge();
  const other = challenge();
  assert.throws(() => ledger.storeReceipt(acceptedReceipt(ch), ch.body.id, { url: 'u' }), refusedAt('challenge.body.id'));
  ledger.recordIssued(ch, 'u');
  ledger.markAnswered(ch.body.id);
  assert.throws(() => ledger.storeReceipt(acceptedReceipt(other), ch.body.id, { url: 'u' }), refusedAt('receipt.body.challengeHash'));
  const seq = ledger.storeReceipt(acceptedReceipt(ch), ch.body.id, { url: 'u' });
  assert.equal(typeof seq, 'number');
  assert.throws(() => ledger.storeReceipt(acceptedReceipt(ch), ch.body.id, { url: 'u' }), refusedAt('challenge.body.id'));
  assert.deepEqual(ledger.challenges().map((c) => c.status), ['receipted']);
  assert.deepEqual(ledger.check(), []);
  ledger.close();
});

test('every column of a receipt reads back: accepted with extras, rejected without', () => {
  const ledger = Ledger.open(fresh());
  const a = challenge();
  const good = acceptedReceipt(a, 1_700_000_000_000);
  const seqA = receipted(ledger, a, good, { url: 'http://a:1', observedMs: 12.5, rttMs: 3.25, gflops: 99.5, reason: null });
  const b = challenge();
  const bad = failedReceipt(validator, b, null, 'openings.delivery', 'test');
  const seqB = receipted(ledger, b, bad, { url: 'http://b:2' });
  assert.ok(seqB > seqA);
  const [rb, ra] = ledger.receipts();
  assert.deepEqual({ ...ra, receipt: undefined }, {
    seq: seqA, challengeId: a.body.id, executorKey: toB64(executor.publicKey), validatorKey: toB64(validator.publicKey), url: 'http://a:1',
    accepted: true, class: 'h100-sxm', score: 12.5, observedMs: 12.5, rttMs: 3.25, gflops: 99.5, reason: null, issuedAt: 1_700_000_000_000, receipt: undefined,
  });
  assert.deepEqual(ra?.receipt, good);
  assert.deepEqual([rb?.seq, rb?.accepted, rb?.observedMs, rb?.rttMs, rb?.gflops, rb?.reason, rb?.class, rb?.score], [seqB, false, null, null, null, null, null, 0]);
  ledger.close();
});

test('receipts(): newest first, filtered by executor, limited; challenges(): by status', () => {
  const ledger = Ledger.open(fresh());
  const seqs = [0, 1, 2].map(() => {
    const ch = challenge();
    return receipted(ledger, ch, acceptedReceipt(ch), { url: 'u' });
  });
  const pending = challenge();
  ledger.recordIssued(pending, 'u');
  assert.deepEqual(ledger.receipts().map((r) => r.seq), [...seqs].reverse());
  assert.deepEqual(ledger.receipts({ limit: 2 }).map((r) => r.seq), [seqs[2], seqs[1]]);
  assert.equal(ledger.receipts({ executor: toB64(executor.publicKey) }).length, 3);
  assert.equal(ledger.receipts({ executor: toB64(validator.publicKey) }).length, 0);
  assert.deepEqual(ledger.challenges({ status: 'issued' }).map((c) => c.id), [pending.body.id]);
  assert.equal(ledger.challenges({ status: 'receipted' }).length, 3);
  assert.equal(ledger.challenges().length, 4);
  ledger.close();
});

test('a stored receipt edited behind the code is named by its row and field: receipt, receipt.<field>', () => {
  const path = fresh();
  const ledger = Ledger.open(path);
  const ch = challenge();
  const seq = receipted(ledger, ch, acceptedReceipt(ch), { url: 'u' });
  const db = new Database(path);
  const edit = (text: string): void => void db.prepare('UPDATE receipts SET receipt = ? WHERE seq = ?').run(text, seq);
  const errorOf = (): GpuproofError => {
    try {
      ledger.receipts();
    } catch (e) {
      assert.ok(e instanceof GpuproofError, String(e));
      assert.match(e.message, new RegExp(`receipt #${seq} \\(challenge ${ch.body.id}\\)`));
      return e;
    }
    assert.fail('the edited receipt was read');
  };
  edit('not json');
  assert.deepEqual([errorOf().code, errorOf().field], ['INPUT', 'receipt']);
  edit(JSON.stringify({ ...acceptedReceipt(ch), body: { ...acceptedReceipt(ch).body, score: -1 } }));
  assert.equal(errorOf().field, 'receipt.body.score');
  edit(JSON.stringify({ ...acceptedReceipt(ch), extra: 1 }));
  assert.equal(errorOf().field, 'receipt.extra');
  // The whole receipt is wrong (not an object): named as the receipt, not as 'receipt.$'.
  edit('5');
  assert.equal(errorOf().field, 'receipt');
  // A member whose own name begins with "receipt" is still prefixed: one rule for every field.
  edit('{"receipt":1,"receipt":2}');
  assert.equal(errorOf().field, 'receipt.receipt');
  edit(JSON.stringify({ ...acceptedReceipt(ch), receiptNote: 1 }));
  assert.equal(errorOf().field, 'receipt.receiptNote');
  db.close();
  ledger.close();
});

test('check(): a receipt whose challenge is not receipted, and a receipted challenge without a receipt', () => {
  const path = fresh();
  const ledger = Ledger.open(path);
  const a = challenge();
  const b = challenge();
  receipted(ledger, a, acceptedReceipt(a), { url: 'u' });
  receipted(ledger, b, acceptedReceipt(b), { url: 'u' });
  assert.deepEqual(ledger.check(), []);
  const db = new Database(path);
  db.prepare(`UPDATE challenges SET status = 'answered' WHERE id = ?`).run(a.body.id);
  db.prepare('DELETE FROM receipts WHERE challenge_id = ?').run(b.body.id);
  db.close();
  const problems = ledger.check();
  assert.equal(problems.length, 2, problems.join('; '));
  assert.match(problems[0] ?? '', new RegExp(a.body.id));
  assert.match(problems[1] ?? '', /^1 receipted challenges? without a receipt/);
  ledger.close();
});

test('check(): what the SQLite integrity check finds is reported, and only that ("ok" is not a problem)', () => {
  const path = fresh();
  const ledger = Ledger.open(path);
  const a = challenge();
  receipted(ledger, a, acceptedReceipt(a), { url: 'u' });
  assert.deepEqual(ledger.check(), []);
  ledger.close();
  // One byte of the status index changed on disk: its entry no longer matches its row.
  const db = new Database(path);
  const rootPage = (db.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'challenges_status'`).get() as { rootpage: number }).rootpage;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const bytes = readFileSync(path);
  const page = bytes.subarray((rootPage - 1) * pageSize, rootPage * pageSize);
  const at = page.indexOf(Buffer.from('receipted'));
  assert.ok(at >= 0, 'the index page holds the status');
  page[at] = 's'.charCodeAt(0);
  writeFileSync(path, bytes);
  const reopened = Ledger.open(path);
  const problems = reopened.check();
  assert.ok(problems.length >= 1, 'the damaged index is reported');
  assert.ok(problems.every((p) => p !== 'ok'), problems.join('; '));
  assert.ok(problems.some((p) => /missing from index challenges_status|challenges_status/.test(p)), problems.join('; '));
  reopened.close();
});

test('a closed ledger refuses further work', () => {
  const ledger = Ledger.open(fresh());
  ledger.close();
  assert.throws(() => ledger.recordIssued(challenge(), 'u'), /not open/);
});
