// The roles' own refusals, on the CPU: what the executor refuses before any GPU work
// (checkChallenge, and answerOpenings' checks of the open request), and the validator's side
// (issueChallenge, receiveCommitment, the rows, blocks and lanes it draws). Each refusal is
// performed alone, at the edge where it starts to hold: the message one field off, re-signed so
// that only the check under test can object, and its honest neighbour accepted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GpuproofError } from '../src/errors.js';
import type { GpuContext } from '../src/gpu/context.js';
import { generateKeyPair } from '../src/protocol/keys.js';
import { PROTOCOL_VERSION, type SignedChallenge, type SignedOpenRequest } from '../src/protocol/schemas.js';
import { hashHex, signMessage, verifySignature } from '../src/protocol/signing.js';
import { answerOpenings, checkChallenge, CLOCK_SKEW_MS, type ExecutorState } from '../src/roles/executor.js';
import {
  DEFAULT_OPEN_BLOCKS,
  DEFAULT_OPEN_LANES,
  DEFAULT_OPEN_ROWS,
  DEFAULT_TTL_MS,
  drawRows,
  isMemoryOnly,
  issueChallenge,
  makeOpenRequest,
  MEMORY_ONLY_MATMUL,
  receiveCommitment,
} from '../src/roles/validator.js';
import { MemoryReplayStore } from '../src/roles/stores.js';
import { toB64 } from '../src/util/bytes.js';
import { CheatingExecutor } from './helpers/cheater.js';
import { makeParties } from './helpers/parties.js';

const SIZE = { n: 16, iterations: 3 };
const NOW = 1_800_000_000_000;

function refusedAt(field: string | undefined, code = 'REFUSED') {
  return (e: unknown): boolean => {
    assert.ok(e instanceof GpuproofError, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.field, field, e.message);
    return true;
  };
}

/** A device whose first use throws: an answer that reaches it passed every check before the GPU. */
const GPU_TRAP = new Proxy({}, {
  get() {
    throw new Error('GPU reached');
  },
}) as GpuContext;

describe('executor: checkChallenge', () => {
  const p = makeParties();
  const issue = (now = NOW, ttlMs = 60_000): SignedChallenge => issueChallenge(p.v, { executorKey: toB64(p.e.publicKey), matmul: SIZE, ttlMs }, p.vStore, now);

  test('an honest challenge passes, up to the last millisecond before it expires', () => {
    const ch = issue();
    checkChallenge(ch, p.e, new MemoryReplayStore(), NOW);
    checkChallenge(ch, p.e, new MemoryReplayStore(), ch.body.expiresAt - 1);
  });

  test('a body changed under its signature, or a body re-signed by a key other than its validatorKey: signature', () => {
    const ch = issue();
    const edited = { ...ch, body: { ...ch.body, claim: 'h100' } };
    assert.throws(() => checkChallenge(edited, p.e, new MemoryReplayStore(), NOW), refusedAt('signature'));
    // A valid signature, by mallory, over a body that names the validator.
    const mallory = signMessage('challenge', ch.body, p.mallory.secretKey);
    assert.equal(verifySignature(mallory), true);
    assert.throws(() => checkChallenge(mallory, p.e, new MemoryReplayStore(), NOW), refusedAt('signature'));
  });

  test('a challenge for another executor key: body.executorKey', () => {
    const ch = issueChallenge(p.v, { executorKey: toB64(p.mallory.publicKey), matmul: SIZE }, p.vStore, NOW);
    assert.throws(() => checkChallenge(ch, p.e, new MemoryReplayStore(), NOW), refusedAt('body.executorKey'));
    checkChallenge(ch, p.mallory, new MemoryReplayStore(), NOW);
  });

  test('expired at expiresAt itself: body.expiresAt', () => {
    const ch = issue();
    assert.throws(() => checkChallenge(ch, p.e, new MemoryReplayStore(), ch.body.expiresAt), refusedAt('body.expiresAt'));
    assert.throws(() => checkChallenge(ch, p.e, new MemoryReplayStore(), ch.body.expiresAt + 1), refusedAt('body.expiresAt'));
  });

  test(`issued more than the clock skew (${CLOCK_SKEW_MS} ms) ahead of the executor's clock: body.issuedAt`, () => {
    const ch = issue(NOW, 20 * 60_000);
    checkChallenge(ch, p.e, new MemoryReplayStore(), NOW - CLOCK_SKEW_MS);
    assert.throws(() => checkChallenge(ch, p.e, new MemoryReplayStore(), NOW - CLOCK_SKEW_MS - 1), refusedAt('body.issuedAt'));
  });

  test('an id the executor already ran, until it expires: body.id', () => {
    const ch = issue();
    const seen = new MemoryReplayStore();
    seen.remember(ch.body.id, ch.body.expiresAt);
    assert.throws(() => checkChallenge(ch, p.e, seen, NOW), refusedAt('body.id'));
    const other = new MemoryReplayStore();
    other.remember('ab'.repeat(16), ch.body.expiresAt);
    checkChallenge(ch, p.e, other, NOW);
  });
});

describe('executor: the open request, before the GPU', () => {
  const p = makeParties();
  const challenge = p.challenge({ matmul: SIZE });
  const x = new CheatingExecutor(challenge, p.e);
  const commitment = x.commit();
  const window = receiveCommitment(p.v, challenge, commitment, p.vStore);
  const state = (): ExecutorState => ({ challenge, commitment, layerRoots: toB64(x.layerRoots()) });
  const base = makeOpenRequest(p.v, challenge, commitment, window, 4);
  const resign = (edit: Partial<SignedOpenRequest['body']>, keys = p.v): SignedOpenRequest => signMessage('open-request', { ...base.body, ...edit }, keys.secretKey);
  const answer = (r: SignedOpenRequest): Promise<unknown> => answerOpenings(GPU_TRAP, state(), r, p.execOpts);

  test('a well-formed request, rows up to the last layer and row, passes every check and reaches the GPU', async () => {
    await assert.rejects(answer(base), /GPU reached/);
    await assert.rejects(answer(resign({ rows: [{ k: SIZE.iterations - 1, i: SIZE.n - 1 }, { k: 0, i: 0 }] })), /GPU reached/);
  });

  test('signed by another key, or changed under the validator\'s signature: signature', async () => {
    await assert.rejects(answer(resign({}, p.mallory)), refusedAt('signature'));
    await assert.rejects(answer({ ...base, body: { ...base.body, rows: [{ k: 0, i: 1 }] } }), refusedAt('signature'));
    // mallory's signature, the validator named as signer.
    await assert.rejects(answer({ ...resign({}, p.mallory), signer: base.signer }), refusedAt('signature'));
  });

  test('bound to another commitment or another challenge: body.commitmentHash, body.challengeHash', async () => {
    await assert.rejects(answer(resign({ commitmentHash: 'ab'.repeat(32) })), refusedAt('body.commitmentHash'));
    await assert.rejects(answer(resign({ challengeHash: 'ab'.repeat(32) })), refusedAt('body.challengeHash'));
  });

  test('a row outside the K×n proof is bad input naming it: body.rows.<j>', async () => {
    const rows = [{ k: 0, i: 0 }, { k: 1, i: 2 }];
    await assert.rejects(answer(resign({ rows: [...rows, { k: SIZE.iterations, i: 0 }] })), refusedAt('body.rows.2', 'INPUT'));
    await assert.rejects(answer(resign({ rows: [...rows, { k: 0, i: SIZE.n }] })), refusedAt('body.rows.2', 'INPUT'));
    await assert.rejects(answer(resign({ rows: [{ k: 0, i: SIZE.n + 3 }] })), refusedAt('body.rows.0', 'INPUT'));
  });
});

describe('validator: issueChallenge', () => {
  const v = generateKeyPair();
  const e = toB64(generateKeyPair().publicKey);

  test('the body says what was asked, signed by the validator and recorded as issued, unanswered', () => {
    const store = new MemoryReplayStore();
    const ch = issueChallenge(v, { executorKey: e, matmul: SIZE, memory: { mib: 1, passes: 3 }, alu: { lanes: 64, rounds: 8 }, ttlMs: 5000, claim: 'h100' }, store, NOW);
    assert.equal(verifySignature(ch), true);
    assert.equal(ch.signer, toB64(v.publicKey));
    const b = ch.body;
    assert.deepEqual(
      { version: b.version, validatorKey: b.validatorKey, executorKey: b.executorKey, issuedAt: b.issuedAt, expiresAt: b.expiresAt, claim: b.claim, matmul: b.matmul, memory: b.memory, alu: b.alu },
      { version: PROTOCOL_VERSION, validatorKey: toB64(v.publicKey), executorKey: e, issuedAt: NOW, expiresAt: NOW + 5000, claim: 'h100', matmul: SIZE, memory: { mib: 1, passes: 3 }, alu: { lanes: 64, rounds: 8 } },
    );
    assert.match(b.id, /^[0-9a-f]{32}$/);
    assert.match(b.seed, /^[0-9a-f]{64}$/);
    assert.deepEqual(store.issued(b.id), { id: b.id, hash: hashHex(ch), expiresAt: NOW + 5000, sentAt: NOW, answered: false });
  });

  test('defaults: any claim, the default lifetime, no memory or integer part; fresh id and seed each time', () => {
    const store = new MemoryReplayStore();
    const now = Date.now();
    const a = issueChallenge(v, { executorKey: e, matmul: SIZE }, store, now);
    const b = issueChallenge(v, { executorKey: e, matmul: SIZE }, store, now);
    assert.equal(a.body.claim, 'any');
    assert.equal(a.body.expiresAt, now + DEFAULT_TTL_MS);
    assert.equal('memory' in a.body, false);
    assert.equal('alu' in a.body, false);
    assert.notEqual(a.body.id, b.body.id);
    assert.notEqual(a.body.seed, b.body.seed);
    assert.ok(store.issued(a.body.id) && store.issued(b.body.id));
  });

  test('sizes outside the protocol are bad input naming the part, and nothing is recorded', () => {
    const store = new MemoryReplayStore();
    const issue = (spec: object): unknown => issueChallenge(v, { executorKey: e, matmul: SIZE, ...spec }, store, NOW);
    assert.throws(() => issue({ matmul: { n: 24, iterations: 1 } }), refusedAt('matmul.n', 'INPUT'));
    assert.throws(() => issue({ memory: { mib: 0, passes: 3 } }), refusedAt('memory.mib', 'INPUT'));
    assert.throws(() => issue({ alu: { lanes: 0, rounds: 8 } }), refusedAt('alu.lanes', 'INPUT'));
    assert.equal(Object.keys((store as unknown as { data: { issued: object } }).data.issued).length, 0);
  });

  test('a memory-only challenge carries the smallest matmul, and isMemoryOnly says so for exactly that size', () => {
    assert.equal(isMemoryOnly(MEMORY_ONLY_MATMUL), true);
    assert.equal(isMemoryOnly({ n: 16, iterations: 2 }), false);
    assert.equal(isMemoryOnly({ n: 32, iterations: 1 }), false);
  });
});

describe('validator: receiveCommitment', () => {
  const setup = (ttlMs = 60_000) => {
    const p = makeParties();
    const challenge = issueChallenge(p.v, { executorKey: toB64(p.e.publicKey), matmul: SIZE, ttlMs }, p.vStore, NOW);
    const x = new CheatingExecutor(challenge, p.e);
    return { p, challenge, x, commitment: x.commit() };
  };

  test('an honest commitment gives the window from the validator\'s own send time, and marks the challenge answered', () => {
    const { p, challenge, commitment } = setup();
    assert.deepEqual(receiveCommitment(p.v, challenge, commitment, p.vStore, NOW + 7), { sentAt: NOW, receivedAt: NOW + 7 });
    assert.equal(p.vStore.issued(challenge.body.id)?.answered, true);
    assert.throws(() => receiveCommitment(p.v, challenge, commitment, p.vStore, NOW + 8), refusedAt('commitment'));
  });

  test('the last millisecond before expiry is accepted; expiresAt itself is refused, and leaves it unanswered', () => {
    const { p, challenge, commitment } = setup();
    assert.throws(() => receiveCommitment(p.v, challenge, commitment, p.vStore, challenge.body.expiresAt), refusedAt('commitment'));
    assert.equal(p.vStore.issued(challenge.body.id)?.answered, false);
    receiveCommitment(p.v, challenge, commitment, p.vStore, challenge.body.expiresAt - 1);
  });

  test('a challenge this key did not issue, or never recorded, or recorded with another hash', () => {
    const { p, challenge, commitment } = setup();
    const other = generateKeyPair();
    assert.throws(() => receiveCommitment(other, challenge, commitment, p.vStore, NOW), refusedAt('challenge.signer'));
    const edited = { ...challenge, body: { ...challenge.body, claim: 'x' } };
    assert.throws(() => receiveCommitment(p.v, edited, commitment, p.vStore, NOW), refusedAt('challenge.signer'));
    assert.throws(() => receiveCommitment(p.v, challenge, commitment, new MemoryReplayStore(), NOW), refusedAt('challenge.body.id'));
    const wrongHash = new MemoryReplayStore();
    wrongHash.recordIssued({ id: challenge.body.id, hash: 'ab'.repeat(32), expiresAt: challenge.body.expiresAt, sentAt: NOW, answered: false });
    assert.throws(() => receiveCommitment(p.v, challenge, commitment, wrongHash, NOW), refusedAt('challenge.body.id'));
    assert.equal(p.vStore.issued(challenge.body.id)?.answered, false);
  });

  test('a commitment not signed by the challenged executor, naming another, or for another challenge', () => {
    const { p, challenge, x } = setup();
    const bySomeoneElse = x.commit({ signWith: p.mallory });
    assert.throws(() => receiveCommitment(p.v, challenge, bySomeoneElse, p.vStore, NOW), refusedAt('commitment.signature'));
    // Signed by the executor, but naming mallory as executorKey.
    const naming = x.commit({ editBody: (b) => (b.executorKey = toB64(p.mallory.publicKey)) });
    assert.throws(() => receiveCommitment(p.v, challenge, naming, p.vStore, NOW), refusedAt('commitment.signature'));
    // Signed by mallory, naming mallory as signer and key, for a challenge addressed to the executor.
    const mallorys = x.commit({ signWith: p.mallory, editBody: (b) => (b.executorKey = toB64(p.mallory.publicKey)) });
    assert.throws(() => receiveCommitment(p.v, challenge, mallorys, p.vStore, NOW), refusedAt('commitment.signature'));
    const broken = { ...x.commit(), body: { ...x.commit().body, adapter: { ...x.commit().body.adapter, device: 'x' } } };
    assert.throws(() => receiveCommitment(p.v, challenge, broken, p.vStore, NOW), refusedAt('commitment.signature'));
    const elsewhere = x.commit({ editBody: (b) => (b.challengeHash = 'ab'.repeat(32)) });
    assert.throws(() => receiveCommitment(p.v, challenge, elsewhere, p.vStore, NOW), refusedAt('commitment.body.challengeHash'));
    assert.equal(p.vStore.issued(challenge.body.id)?.answered, false);
  });
});

describe('validator: what it draws', () => {
  const p = makeParties();
  const rowsOf = (r: { k: number; i: number }[]): string[] => r.map(({ k, i }) => `${k}:${i}`);

  test('drawRows: distinct (k, i) inside the K×n proof; asking for all of them gets every one', () => {
    const size = { n: 16, iterations: 3 };
    const all = drawRows(size, 48);
    assert.equal(new Set(rowsOf(all)).size, 48);
    assert.ok(all.every(({ k, i }) => Number.isInteger(k) && Number.isInteger(i) && k >= 0 && k < 3 && i >= 0 && i < 16));
    assert.equal(drawRows(size, 1000).length, 48);
    const some = drawRows(size, 5);
    assert.equal(new Set(rowsOf(some)).size, 5);
    // Every layer is reachable (k = floor(x / n)), not only the first.
    const ks = new Set<number>();
    for (let t = 0; t < 40 && ks.size < 3; t++) drawRows(size, 4).forEach(({ k }) => ks.add(k));
    assert.equal(ks.size, 3);
  });

  test('makeOpenRequest: m rows, bound to the challenge and commitment, the observed window as given', () => {
    const ch = p.challenge({ matmul: SIZE });
    const c = new CheatingExecutor(ch, p.e).commit();
    const r = makeOpenRequest(p.v, ch, c, { sentAt: NOW, receivedAt: NOW + 50, observedMs: 12.5 }, 7);
    assert.equal(verifySignature(r), true);
    assert.equal(r.signer, toB64(p.v.publicKey));
    assert.equal(r.body.challengeHash, hashHex(ch));
    assert.equal(r.body.commitmentHash, hashHex(c));
    assert.equal(r.body.rows.length, 7);
    assert.equal(new Set(rowsOf(r.body.rows)).size, 7);
    assert.deepEqual(r.body.blocks, []);
    assert.equal('lanes' in r.body, false);
    assert.deepEqual(r.body.observed, { sentAt: NOW, receivedAt: NOW + 50, observedMs: 12.5 });
    const d = makeOpenRequest(p.v, ch, c, { sentAt: NOW, receivedAt: NOW + 50 });
    assert.equal(d.body.observed.observedMs, 50, 'observedMs defaults to receivedAt − sentAt');
    assert.equal(d.body.rows.length, Math.min(DEFAULT_OPEN_ROWS, 48));
  });

  test('makeOpenRequest: distinct memory blocks with a segment each, at least one, at most the proof\'s', () => {
    const ch = p.challenge({ matmul: MEMORY_ONLY_MATMUL, memory: { mib: 2, passes: 3 } });
    const c = new CheatingExecutor(ch, p.e).commit();
    const w = { sentAt: NOW, receivedAt: NOW + 1 };
    const r = makeOpenRequest(p.v, ch, c, w);
    assert.equal(r.body.blocks.length, DEFAULT_OPEN_BLOCKS);
    assert.equal(new Set(r.body.blocks.map((b) => b.index)).size, DEFAULT_OPEN_BLOCKS);
    assert.ok(r.body.blocks.every((b) => b.index >= 0 && b.index < 128 && Number.isInteger(b.segment) && b.segment >= 0 && b.segment < 8));
    assert.ok(new Set(r.body.blocks.map((b) => b.segment)).size > 1, 'segments are drawn, not fixed');
    assert.equal(makeOpenRequest(p.v, ch, c, w, 4, 0).body.blocks.length, 1);
    assert.equal(makeOpenRequest(p.v, ch, c, w, 4, 500).body.blocks.length, 128);
    assert.equal(makeOpenRequest(p.v, ch, c, w, 4, 3).body.blocks.length, 3);
  });

  test('makeOpenRequest: distinct lanes of the integer proof, at least one, at most W', () => {
    const ch = p.challenge({ matmul: MEMORY_ONLY_MATMUL, alu: { lanes: 100, rounds: 4 } });
    const c = new CheatingExecutor(ch, p.e).commit();
    const w = { sentAt: NOW, receivedAt: NOW + 1 };
    const lanes = makeOpenRequest(p.v, ch, c, w).body.lanes ?? [];
    assert.equal(lanes.length, DEFAULT_OPEN_LANES);
    assert.equal(new Set(lanes).size, DEFAULT_OPEN_LANES);
    assert.ok(lanes.every((l) => Number.isInteger(l) && l >= 0 && l < 100));
    assert.equal(makeOpenRequest(p.v, ch, c, w, 4, 1, 0).body.lanes?.length, 1);
    assert.equal(makeOpenRequest(p.v, ch, c, w, 4, 1, 1000).body.lanes?.length, 100);
    assert.equal(makeOpenRequest(p.v, ch, c, w, 4, 1, 9).body.lanes?.length, 9);
  });
});
