// Epoch weights on a hand-computed ledger: receipts signed here with real keys, stored through the
// ledger's own API, and the weights `gpuproof weights` prints compared with the arithmetic below.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Ledger } from '../src/ledger/ledger.js';
import { readEpochRows } from '../src/ledger/weights.js';
import { generateKeyPair, type KeyPair } from '../src/protocol/keys.js';
import type { Figure } from '../src/protocol/primitives.js';
import { PROTOCOL_VERSION, type SignedChallenge } from '../src/protocol/schemas.js';
import { hashHex, signMessage } from '../src/protocol/signing.js';
import { MemoryReplayStore } from '../src/roles/stores.js';
import { issueChallenge, MEMORY_ONLY_MATMUL } from '../src/roles/validator.js';
import { epochWeights, lastCompleteEpoch } from '../src/roles/weights.js';
import { toB64 } from '../src/util/bytes.js';
import { buildCli, describeResult, runCli, type JsonObject } from './helpers/cli.js';

const MIN = 60_000;
/** The epoch the hand-computed ledger is built around (any start works: --since sets it). */
const T0 = Date.UTC(2026, 11, 1, 18, 0, 0);
const EPOCH = 72 * MIN;

let root = '';
let counter = 0;
const validator = generateKeyPair();
const A = generateKeyPair();
const B = generateKeyPair();
const C = generateKeyPair();
const key = (k: KeyPair): string => toB64(k.publicKey);

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gpuproof-weights-'));
  await buildCli();
});
after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

interface Spec {
  exec: KeyPair;
  at: number;
  accepted: boolean;
  score?: number;
  machine?: { cards: number; windowMs: number };
  memoryOnly?: boolean;
  class?: string;
  /** Signs the receipt with this key while its body still names the validator (a forgery). */
  signer?: KeyPair;
  /** Another validator issues the challenge and signs the receipt, naming itself. */
  validator?: KeyPair;
}

/** Issues a challenge, answers it and stores a receipt signed by the validator with these figures. */
function store(ledger: Ledger, s: Spec): SignedChallenge {
  const spec = s.memoryOnly ? { matmul: MEMORY_ONLY_MATMUL, memory: { mib: 1, passes: 1 } } : { matmul: { n: 64, iterations: 2 } };
  const v = s.validator ?? validator;
  const ch = issueChallenge(v, { executorKey: key(s.exec), ...spec }, new MemoryReplayStore(), s.at - MIN);
  ledger.recordIssued(ch, 'http://127.0.0.1:1');
  ledger.markAnswered(ch.body.id, s.at);
  const measured: Record<string, Figure> = s.machine ? { machine: { cards: s.machine.cards, committed: s.machine.cards, windowMs: s.machine.windowMs } } : {};
  const receipt = signMessage('verdict', {
    version: PROTOCOL_VERSION,
    challengeHash: hashHex(ch),
    commitmentHash: null,
    executorKey: key(s.exec),
    validatorKey: key(v),
    accepted: s.accepted,
    checks: [{ name: 'test', pass: s.accepted, reason: s.accepted ? 'ok' : 'rejected in the test' }],
    measured,
    class: s.accepted ? (s.class ?? 'a100') : null,
    score: s.accepted ? (s.score ?? 0) : 0,
    issuedAt: s.at,
  }, (s.signer ?? v).secretKey);
  ledger.storeReceipt(receipt, ch.body.id, { url: 'http://127.0.0.1:1' });
  return ch;
}

/**
 * The hand-computed epoch [T0, T0 + 72 min):
 *
 * A, one agent with two cards, attested in machine mode twice: the first attest accepted both
 *   cards at score 3 (one window, 1234.5 ms); the second rejected both (window 2000 ms). A memory
 *   component receipt (memory-only challenge) is not an attest.
 *   attempted 4, accepted 2 → uptime 0.5; score (3 + 3) / 2 = 3; GPUs 2 (cards in one window)
 *   raw = 3 × 2 × 0.5 = 3
 * B, one card: accepted at score 1 (class l4) exactly at T0 (inside), then at score 3 (class
 *   h100-sxm, the latest accepted: B's class), rejected twice.
 *   Also an accepted score-5 receipt 1 ms before T0 and one exactly at T0 + 72 min: both outside.
 *   attempted 4, accepted 2 → uptime 0.5; score (1 + 3) / 2 = 2; GPUs 1
 *   raw = 2 × 1 × 0.5 = 1
 * C, rejected twice: attempted 2, accepted 0, uptime 0, score 0, GPUs 0, raw 0.
 *
 * Σ raw = 4 → weights A 3/4 = 0.75, B 1/4 = 0.25, C 0.
 */
function handLedger(): string {
  const path = join(root, `l${counter++}`, 'receipts.db');
  const ledger = Ledger.open(path);
  const specs: Spec[] = [
    { exec: A, at: T0 + 5 * MIN, accepted: true, score: 0, memoryOnly: true, machine: { cards: 2, windowMs: 500.25 } },
    { exec: A, at: T0 + 6 * MIN, accepted: true, score: 3, machine: { cards: 2, windowMs: 1234.5 } },
    { exec: A, at: T0 + 6 * MIN, accepted: true, score: 3, machine: { cards: 2, windowMs: 1234.5 } },
    { exec: A, at: T0 + 40 * MIN, accepted: false, machine: { cards: 2, windowMs: 2000 } },
    { exec: A, at: T0 + 40 * MIN, accepted: false, machine: { cards: 2, windowMs: 2000 } },
    { exec: B, at: T0 - 1, accepted: true, score: 5 },
    { exec: B, at: T0, accepted: true, score: 1, class: 'l4' },
    { exec: B, at: T0 + 10 * MIN, accepted: true, score: 3, class: 'h100-sxm' },
    { exec: B, at: T0 + 20 * MIN, accepted: false },
    { exec: B, at: T0 + 30 * MIN, accepted: false },
    { exec: B, at: T0 + EPOCH, accepted: true, score: 5 },
    { exec: C, at: T0 + 15 * MIN, accepted: false },
    { exec: C, at: T0 + 50 * MIN, accepted: false },
  ];
  for (const s of specs) store(ledger, s);
  ledger.close();
  return path;
}

const home = (): string => {
  const h = join(root, `home${counter++}`);
  mkdirSync(h);
  return h;
};

async function weightsCli(args: string[], code = 0): Promise<JsonObject> {
  const r = await runCli(['weights', ...args, '--json'], { home: home(), cwd: root });
  assert.equal(r.code, code, describeResult(r));
  assert.ok(r.json, describeResult(r));
  return r.json;
}

type Row = { executorKey: string; attempted: number; accepted: number; components: number; uptime: number; score: number; class: string | null; gpus: number; raw: number; weight: number };

test('gpuproof weights prints the hand-computed weights of a known ledger', async () => {
  const db = handLedger();
  const out = await weightsCli(['--db', db, '--since', new Date(T0).toISOString(), '--epoch-minutes', '72']);
  assert.equal(out.since, '2026-12-01T18:00:00.000Z');
  assert.equal(out.until, '2026-12-01T19:12:00.000Z');
  assert.equal(out.total, 4);
  assert.deepEqual(out.executors as Row[], [
    { executorKey: key(A), attempted: 4, accepted: 2, components: 1, uptime: 0.5, score: 3, class: 'a100', gpus: 2, raw: 3, weight: 0.75 },
    { executorKey: key(B), attempted: 4, accepted: 2, components: 0, uptime: 0.5, score: 2, class: 'h100-sxm', gpus: 1, raw: 1, weight: 0.25 },
    { executorKey: key(C), attempted: 2, accepted: 0, components: 0, uptime: 0, score: 0, class: null, gpus: 0, raw: 0, weight: 0 },
  ]);
  // --since as ms since 1970 is the same epoch.
  const again = await weightsCli(['--db', db, '--since', String(T0)]);
  assert.deepEqual(again.executors, out.executors);
});

test('an epoch with no receipts lists nobody; one where nobody earned gives every weight 0', async () => {
  const db = handLedger();
  const empty = await weightsCli(['--db', db, '--since', new Date(T0 + 10 * EPOCH).toISOString()]);
  assert.deepEqual([empty.executors, empty.total], [[], 0]);
  // [T0 + 45 min, +5 min) holds only C's second rejection.
  const rejectedOnly = await weightsCli(['--db', db, '--since', String(T0 + 45 * MIN), '--epoch-minutes', '10']);
  assert.deepEqual((rejectedOnly.executors as Row[]).map((e) => [e.executorKey, e.attempted, e.weight]), [[key(C), 1, 0]]);
  assert.equal(rejectedOnly.total, 0);
});

test('the default epoch is the last complete one, aligned to multiples of its length', () => {
  assert.deepEqual(lastCompleteEpoch(EPOCH, 10 * EPOCH + 7), { since: 9 * EPOCH, until: 10 * EPOCH });
  assert.deepEqual(lastCompleteEpoch(EPOCH, 10 * EPOCH), { since: 9 * EPOCH, until: 10 * EPOCH });
});

test('a window boundary: a receipt at since counts, one at until does not', () => {
  const db = handLedger();
  const b = (w: ReturnType<typeof epochWeights>) => w.executors.find((e) => e.executorKey === key(B));
  const rows = readEpochRows(db, 0, Number.MAX_SAFE_INTEGER);
  assert.equal(rows.length, 13);
  // The pure function applies the window too, whatever rows it is given.
  assert.deepEqual([b(epochWeights(rows, { since: T0, until: T0 + EPOCH }))?.attempted, b(epochWeights(rows, { since: T0 + 1, until: T0 + EPOCH + 1 }))?.attempted], [4, 4]);
  assert.equal(b(epochWeights(rows, { since: T0 + 1, until: T0 + EPOCH + 1 }))?.score, 4);
});

test('a receipt whose columns were edited behind the signature stops the command, naming the row', async () => {
  const db = handLedger();
  const raw = new Database(db);
  raw.prepare('UPDATE receipts SET score = 50, accepted = 1 WHERE seq = 12').run();
  raw.close();
  const r = await runCli(['weights', '--db', db, '--since', String(T0), '--json'], { home: home(), cwd: root });
  assert.equal(r.code, 1, describeResult(r));
  const e = (r.json as { error: { code: string; field: string; message: string } }).error;
  assert.deepEqual([e.code, e.field], ['REFUSED', 'receipts.12']);
  assert.match(e.message, /receipt #12: the row's columns disagree with the signed receipt/);
});

test('a receipt signed by another key than the validator it names stops the command', () => {
  const path = join(root, `l${counter++}`, 'receipts.db');
  const ledger = Ledger.open(path);
  store(ledger, { exec: A, at: T0 + MIN, accepted: true, score: 3 });
  // The executor signs a receipt for itself that names the validator: the signature verifies
  // against its own signer field, so only the binding to body.validatorKey catches it.
  store(ledger, { exec: A, at: T0 + 2 * MIN, accepted: true, score: 99, signer: A });
  ledger.close();
  assert.throws(() => readEpochRows(path, T0, T0 + EPOCH), (e: Error & { code?: string; field?: string }) => {
    assert.deepEqual([e.code, e.field], ['REFUSED', 'receipts.2.signer']);
    assert.match(e.message, /receipt #2: signed by .* not by the validator it names/);
    return true;
  });
});

test('receipts marks a row BAD whose receipt another key signed or whose columns were edited', async () => {
  const path = join(root, `l${counter++}`, 'receipts.db');
  const ledger = Ledger.open(path);
  store(ledger, { exec: A, at: T0 + MIN, accepted: true, score: 3 });
  store(ledger, { exec: A, at: T0 + 2 * MIN, accepted: true, score: 99, signer: A });
  store(ledger, { exec: B, at: T0 + 3 * MIN, accepted: false });
  ledger.close();
  const raw = new Database(path);
  raw.prepare('UPDATE receipts SET score = 50, accepted = 1 WHERE seq = 3').run();
  raw.close();
  const r = await runCli(['receipts', '--db', path, '--json'], { home: home(), cwd: root });
  assert.equal(r.code, 1, describeResult(r));
  const rows = (r.json as { receipts: { seq: number; signatureValid: boolean }[] }).receipts;
  assert.deepEqual(rows.map((x) => [x.seq, x.signatureValid]), [[3, false], [2, false], [1, true]]);
});

test('a read command never creates a ledger nor touches one', async () => {
  const missing = join(root, 'nothing', 'receipts.db');
  const r = await runCli(['weights', '--db', missing, '--json'], { home: home(), cwd: root });
  assert.equal(r.code, 2, describeResult(r));
  assert.equal((r.json as { error: { code: string; field: string } }).error.field, 'db');
  assert.equal(existsSync(join(root, 'nothing')), false);
  const db = handLedger();
  const before = statSync(db).mtimeMs;
  await weightsCli(['--db', db, '--since', String(T0)]);
  assert.equal(statSync(db).mtimeMs, before);
});

test('--validator counts only the receipts that validator signed; without it, every signing key is listed', async () => {
  const path = join(root, `l${counter++}`, 'receipts.db');
  const ledger = Ledger.open(path);
  store(ledger, { exec: A, at: T0 + MIN, accepted: true, score: 3 });
  // Whoever can write the ledger can add a challenge and receipt of a key of its own, all consistent.
  store(ledger, { exec: B, at: T0 + 2 * MIN, accepted: true, score: 3, validator: C });
  ledger.close();
  const all = await weightsCli(['--db', path, '--since', String(T0)]);
  assert.deepEqual([all.validator, all.validatorKeys], [null, [key(validator), key(C)].sort()]);
  assert.deepEqual((all.executors as Row[]).map((e) => e.weight), [0.5, 0.5]);
  const pinned = await weightsCli(['--db', path, '--since', String(T0), '--validator', key(validator)]);
  assert.deepEqual([pinned.validator, pinned.validatorKeys], [key(validator), [key(validator)]]);
  assert.deepEqual((pinned.executors as Row[]).map((e) => [e.executorKey, e.weight]), [[key(A), 1]]);
  const bad = await runCli(['weights', '--db', path, '--validator', 'not-a-key', '--json'], { home: home(), cwd: root });
  assert.equal(bad.code, 2, describeResult(bad));
  assert.equal((bad.json as { error: { field: string } }).error.field, 'validator');
});

test('bad options exit 2 naming the option', async () => {
  for (const [args, field] of [[['--since', 'yesterday'], 'since'], [['--since', '2026-12-01T18:00:00'], 'since'], [['--epoch-minutes', '0'], 'epoch-minutes'], [['--since', '9000000000000000'], 'since'], [['--since', '8639999999999999'], 'since']] as const) {
    const r = await runCli(['weights', '--db', join(root, 'x.db'), ...args, '--json'], { home: home(), cwd: root });
    assert.equal(r.code, 2, describeResult(r));
    assert.equal((r.json as { error: { field: string } }).error.field, field);
  }
});
