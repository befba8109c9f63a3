// Every check of the verifier (src/roles/verifier*.ts), one at a time: each cheat is performed and
// then everything downstream of it is re-signed by its honest party (the validator signs the open
// request for the changed commitment, the executor signs openings for that request), so the
// check under test is the only one that can object, and the test asserts that it is exactly the
// one that does. Edges are tested from both sides (the last accepted millisecond, the first
// refused), and the figures the verdict carries are computed by hand. CPU only, tiny sizes:
// the CPU cheaters of test/helpers commit exactly as the GPU executor does.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GpuproofError } from '../src/errors.js';
import type { KeyPair } from '../src/protocol/keys.js';
import type { SignedChallenge, SignedCommitment, SignedOpenRequest, SignedOpenings, OpenRequestBody, ChallengeBody } from '../src/protocol/schemas.js';
import { hashHex, signMessage } from '../src/protocol/signing.js';
import { issueChallenge, makeOpenRequest, MEMORY_ONLY_MATMUL, type ChallengeSpec } from '../src/roles/validator.js';
import { EXACT_ROW_CHECK_MAX_N, signReceipt, verifyProof, type Verification, type VerifyInput } from '../src/roles/verifier.js';
import { MATMUL_OPENING_CHECKS } from '../src/roles/verifier-matmul.js';
import { drawSegmentWords, WORDS_PER_BLOCK } from '../src/roles/verifier-memory.js';
import { MemoryReplayStore } from '../src/roles/stores.js';
import { matmulFlops } from '../src/proofs/matmul-size.js';
import { capacityBytes, trafficBytes } from '../src/proofs/memory-size.js';
import { TRAFFIC_PER_ROW } from '../src/proofs/memory-spec.js';
import { aluOps } from '../src/proofs/alu-size.js';
import { ALU_OPS_TOTAL } from '../src/proofs/alu-round.js';
import { MerkleTree } from '../src/proofs/merkle.js';
import { layerTree, topTree } from '../src/proofs/matmul-layers.js';
import { fromB64, sha256, toB64, toHex } from '../src/util/bytes.js';
import { CheatingExecutor, type CommitOptions, type OpenOptions } from './helpers/cheater.js';
import { MemoryCheater, type MemoryCheaterOptions, type MemoryCommitOptions, type MemoryOpenOptions } from './helpers/memory-cheater.js';
import { AluCheater, type AluCheaterOptions, type AluCommitOptions, type AluOpenOptions } from './helpers/alu-cheater.js';
import { makeParties } from './helpers/parties.js';

const p = makeParties();
const V = toB64(p.v.publicKey);
const SMALL = { n: 16, iterations: 3 };
const MEM = { mib: 1, passes: 2 };
const ALU = { lanes: 64, rounds: 4 };
const T0 = 1_800_000_000_000;

type Executor = CheatingExecutor | MemoryCheater | AluCheater;
interface Built extends VerifyInput {
  x: Executor;
}

/** Whatever a test changes along the way; every message after the change is signed by its honest party. */
interface Spec {
  spec?: Omit<ChallengeSpec, 'executorKey'>;
  /** Replaces the issued challenge (re-signed or edited); the executor then answers this one. */
  challenge?: (c: SignedChallenge) => SignedChallenge;
  kind?: 'matmul' | 'memory' | 'alu';
  memory?: MemoryCheaterOptions;
  alu?: AluCheaterOptions;
  cheat?: (x: Executor) => void;
  commit?: CommitOptions & MemoryCommitOptions & AluCommitOptions;
  commitment?: (c: SignedCommitment) => SignedCommitment;
  /** The validator's window: sentAt, receivedAt, observedMs. */
  window?: Partial<OpenRequestBody['observed']>;
  rows?: number;
  /** Memory blocks the validator opens (8 unless said: each costs the verifier an X_P word). */
  blocks?: number;
  /** Edits to the request body before the validator signs it. */
  request?: (b: OpenRequestBody) => void;
  /** Replaces the signed request; the executor answers this one. */
  signedRequest?: (r: SignedOpenRequest) => SignedOpenRequest;
  open?: OpenOptions & MemoryOpenOptions & AluOpenOptions;
  openings?: (o: SignedOpenings) => SignedOpenings;
}

// Computing X_P costs a MemoryCheater most of its time: one per challenge spec, copied for each test.
const memoryCheaters = new Map<string, MemoryCheater>();
function memoryCheater(s: Spec): MemoryCheater {
  const key = JSON.stringify([s.spec, s.memory]);
  let x0 = memoryCheaters.get(key);
  if (!x0) {
    const challenge = issueChallenge(p.v, { executorKey: toB64(p.e.publicKey), matmul: SMALL, ttlMs: 60_000, ...s.spec }, new MemoryReplayStore(), T0);
    x0 = new MemoryCheater(challenge, p.e, s.memory);
    memoryCheaters.set(key, x0);
  }
  const copy = Object.assign(Object.create(MemoryCheater.prototype) as MemoryCheater, x0);
  return Object.assign(copy, { layer: x0.layer.slice(), matmul: new CheatingExecutor(x0.challenge, p.e) });
}

function build(s: Spec = {}): Built {
  const kind = s.kind ?? (s.spec?.memory ? 'memory' : s.spec?.alu ? 'alu' : 'matmul');
  const shared = kind === 'memory' && !s.challenge ? memoryCheater(s) : undefined;
  const issued = shared?.challenge ?? issueChallenge(p.v, { executorKey: toB64(p.e.publicKey), matmul: SMALL, ttlMs: 60_000, ...s.spec }, new MemoryReplayStore(), T0);
  const challenge = s.challenge ? s.challenge(issued) : issued;
  const x: Executor =
    shared ?? (kind === 'memory' ? new MemoryCheater(challenge, p.e, s.memory) : kind === 'alu' ? new AluCheater(challenge, p.e, s.alu) : new CheatingExecutor(challenge, p.e));
  s.cheat?.(x);
  const committed = x.commit(s.commit ?? {});
  const commitment = s.commitment ? s.commitment(committed) : committed;
  const base = makeOpenRequest(p.v, challenge, commitment, { sentAt: T0 + 1, receivedAt: T0 + 20, observedMs: 19 }, s.rows ?? 8, s.blocks ?? 8);
  const body: OpenRequestBody = { ...base.body, observed: { ...base.body.observed, ...s.window } };
  s.request?.(body);
  const signed = signMessage('open-request', body, p.v.secretKey);
  const request = s.signedRequest ? s.signedRequest(signed) : signed;
  const opened = x.open(request, s.open ?? {});
  const openings = s.openings ? s.openings(opened) : opened;
  return { challenge, commitment, request, openings, x };
}

const verify = (t: VerifyInput, key: string | null = V): Verification => verifyProof({ challenge: t.challenge, commitment: t.commitment, request: t.request, openings: t.openings }, key);
const failedChecks = (v: Verification): string[] => v.checks.filter((c) => !c.pass && !c.reason.startsWith('not checked')).map((c) => c.name);
const skipped = (v: Verification): string[] => v.checks.filter((c) => !c.pass && c.reason.startsWith('not checked')).map((c) => c.name);

/** Each check appears once in a verdict, whatever failed. */
function namesOnce(v: Verification, what: string): void {
  const names = v.checks.map((c) => c.name);
  assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), [], `${what}: a check reported twice`);
  assert.ok(names.every((n) => n.length > 0), `${what}: a check without a name`);
}

function accepted(v: Verification, what: string): void {
  assert.deepEqual(v.checks.filter((c) => !c.pass), [], what);
  assert.equal(v.accepted, true, what);
  namesOnce(v, what);
}

/** Rejected by exactly `name`; with `cheap`, the matrix checks were skipped (reported as failed, never as passed). */
function onlyFails(v: Verification, name: string, what: string, cheap = false): void {
  assert.equal(v.accepted, false, `${what}: accepted`);
  assert.deepEqual(failedChecks(v), [name], `${what}: ${JSON.stringify(v.checks.filter((c) => !c.pass))}`);
  namesOnce(v, what);
  if (cheap) {
    for (const c of MATMUL_OPENING_CHECKS) assert.ok(v.checks.some((x) => x.name === c && !x.pass), `${what}: ${c} ran after a cheap check failed`);
  }
}

/** A message re-signed with `keys`, its signer still the one it names (a valid signature by the wrong key). */
const signedBy = <T extends { type: string; body: unknown; signer: string }>(msg: T, keys: KeyPair): T =>
  ({ ...signMessage(msg.type as 'challenge', msg.body as ChallengeBody, keys.secretKey), signer: msg.signer }) as unknown as T;

const NAMED = ['challenge.signature', 'challenge.validator', 'commitment.signature', 'commitment.challenge', 'request.signature', 'request.binding', 'commitment.in-time', 'openings.signature', 'openings.binding', 'matmul.shape', ...MATMUL_OPENING_CHECKS, 'memory.absent', 'alu.absent', 'timing.reported-within-observed'];

describe('verifyProof: the honest transcript and its figures', () => {
  test('every named check passes, in order, and the figures are the observed window\'s', () => {
    const v = verify(build({ window: { observedMs: 40 }, commit: { timings: { totalMs: 30, phases: { 'matmul.chain': 25 } } } }));
    accepted(v, 'honest');
    assert.deepEqual(v.checks.map((c) => c.name), NAMED);
    assert.ok(v.checks.every((c) => c.reason === 'ok'));
    const flops = matmulFlops(SMALL);
    assert.deepEqual(v.measured, {
      matmul: {
        n: 16,
        iterations: 3,
        path: 'f32',
        kernel: 'cpu-cheater',
        flops,
        observedMs: 40,
        reportedMs: 25,
        gflopsObserved: flops / 40 / 1e6,
        gflopsReported: flops / 25 / 1e6,
        timingMethod: 'timestamp-query',
        rowsOpened: 8,
        rowCheck: 'exact',
        window: 'own',
      },
    });
  });

  test('reportedMs: the chain phase, else totalMs, capped at the observed window; zero times give zero rates', () => {
    const m = (window: Partial<OpenRequestBody['observed']>, timings: CommitOptions['timings']) => verify(build({ window, commit: { timings } })).measured.matmul;
    assert.equal(m({ observedMs: 40 }, { totalMs: 30, phases: {} }).reportedMs, 30);
    // The phase is over the window (rejected, but the figure is still capped).
    assert.equal(m({ observedMs: 40 }, { totalMs: 10, phases: { 'matmul.chain': 50 } }).reportedMs, 40);
    const zero = m({ observedMs: 0 }, { totalMs: 0, phases: { 'matmul.chain': 0 } });
    assert.deepEqual([zero.observedMs, zero.reportedMs, zero.gflopsObserved, zero.gflopsReported], [0, 0, 0, 0]);
    const noChain = m({ observedMs: 40 }, { totalMs: 0, phases: { 'matmul.chain': 0 } });
    assert.deepEqual([noChain.reportedMs, noChain.gflopsReported], [0, 0]);
    assert.ok(noChain.gflopsObserved > 0);
  });

  test('without a pinned validator there is no challenge.validator check, and a stranger\'s transcript verifies as self-consistent', () => {
    const v = verify(build(), null);
    accepted(v, 'unpinned');
    assert.equal(v.checks.some((c) => c.name === 'challenge.validator'), false);
  });

  test('the rows are checked exactly up to n = 128 and with Freivalds above', () => {
    assert.equal(EXACT_ROW_CHECK_MAX_N, 128);
    assert.equal(verify(build({ spec: { matmul: { n: 128, iterations: 1 } }, rows: 2 })).measured.matmul.rowCheck, 'exact');
    const big = build({ spec: { matmul: { n: 144, iterations: 1 } }, rows: 2 });
    const v = verify(big);
    accepted(v, 'n = 144');
    assert.equal(v.measured.matmul.rowCheck, 'freivalds');
  });
});

describe('verifyProof: the cheap checks, each alone', () => {
  test('challenge.signature: a body changed under the validator\'s signature, or signed by another key', () => {
    const edited = build({ challenge: (c) => ({ ...c, body: { ...c.body, claim: 'h100' } }) });
    onlyFails(verify(edited), 'challenge.signature', 'edited challenge', true);
    const byMallory = build({ challenge: (c) => signedBy(c, p.mallory) });
    onlyFails(verify(byMallory), 'challenge.signature', 'signed by mallory as the validator', true);
    // Signed and named by mallory, body naming the validator: the signer is not the body's validatorKey.
    const mallorys = build({ challenge: (c) => signMessage('challenge', c.body, p.mallory.secretKey) });
    onlyFails(verify(mallorys), 'challenge.signature', 'mallory signs as herself', true);
  });

  test('challenge.validator: a consistent transcript of another validator, against the pinned key', () => {
    const v = verify(build(), toB64(p.mallory.publicKey));
    onlyFails(v, 'challenge.validator', 'pinned to another key', true);
  });

  test('commitment.signature: changed under the executor\'s signature, signed by another key, or naming another executor', () => {
    onlyFails(verify(build({ commitment: (c) => ({ ...c, body: { ...c.body, adapter: { ...c.body.adapter, device: 'B200' } } }) })), 'commitment.signature', 'edited', true);
    onlyFails(verify(build({ commitment: (c) => signedBy(c, p.mallory) })), 'commitment.signature', 'mallory as the executor', true);
    onlyFails(verify(build({ commit: { signWith: p.mallory } })), 'commitment.signature', 'mallory signs as herself', true);
    onlyFails(verify(build({ commit: { editBody: (b) => (b.executorKey = toB64(p.mallory.publicKey)) } })), 'commitment.signature', 'names mallory', true);
  });

  test('commitment.challenge: a commitment naming another challenge', () => {
    onlyFails(verify(build({ commit: { editBody: (b) => (b.challengeHash = 'ab'.repeat(32)) } })), 'commitment.challenge', 'other challenge', true);
  });

  test('request.signature: changed under the validator\'s signature, or signed by another key', () => {
    onlyFails(verify(build({ signedRequest: (r) => ({ ...r, body: { ...r.body, rows: r.body.rows.slice(1) } }) })), 'request.signature', 'edited', true);
    onlyFails(verify(build({ signedRequest: (r) => signedBy(r, p.mallory) })), 'request.signature', 'mallory as the validator', true);
    onlyFails(verify(build({ signedRequest: (r) => signMessage('open-request', r.body, p.mallory.secretKey) })), 'request.signature', 'mallory signs as herself', true);
  });

  test('request.binding: a request naming another commitment, or another challenge', () => {
    onlyFails(verify(build({ request: (b) => (b.commitmentHash = 'ab'.repeat(32)) })), 'request.binding', 'other commitment', true);
    onlyFails(verify(build({ request: (b) => (b.challengeHash = 'ab'.repeat(32)) })), 'request.binding', 'other challenge', true);
  });

  test('commitment.in-time: received by the last millisecond, sent no earlier than issued', () => {
    const expiresAt = T0 + 60_000;
    accepted(verify(build({ window: { sentAt: T0, receivedAt: expiresAt - 1 } })), 'edges inside');
    onlyFails(verify(build({ window: { sentAt: T0, receivedAt: expiresAt } })), 'commitment.in-time', 'received at expiry', true);
    onlyFails(verify(build({ window: { sentAt: T0 - 1, receivedAt: T0 + 5 } })), 'commitment.in-time', 'sent before issue', true);
  });

  test('openings.signature: changed under the executor\'s signature, or signed by another key', () => {
    const otherRow = toB64(new Uint8Array(4 * SMALL.n).fill(7));
    onlyFails(verify(build({ openings: (o) => ({ ...o, body: { ...o.body, rows: o.body.rows.map((r, j) => (j === 0 ? { ...r, row: otherRow } : r)) } }) })), 'openings.signature', 'edited', true);
    onlyFails(verify(build({ openings: (o) => signedBy(o, p.mallory) })), 'openings.signature', 'mallory as the executor', true);
    onlyFails(verify(build({ open: { signWith: p.mallory } })), 'openings.signature', 'mallory signs as herself', true);
  });

  test('openings.binding: openings answering another request', () => {
    onlyFails(verify(build({ open: { tamper: (b) => (b.requestHash = 'ab'.repeat(32)) } })), 'openings.binding', 'other request', true);
  });

  test('matmul.shape: a commitment with other K or other n than the challenge\'s', () => {
    onlyFails(verify(build({ commit: { editBody: (b) => (b.matmul.layers = 4) } })), 'matmul.shape', 'K + 1', true);
    onlyFails(verify(build({ commit: { editBody: (b) => (b.matmul.rows = 32) } })), 'matmul.shape', '2n', true);
  });
});

describe('verifyProof: timing', () => {
  const timed = (observedMs: number, timings: CommitOptions['timings']): Verification => verify(build({ window: { observedMs }, commit: { timings } }));

  test('a reported time equal to the observed window passes; any more fails, whether total, a phase or the phases\' sum', () => {
    accepted(timed(40, { totalMs: 40, phases: { 'matmul.chain': 40 } }), 'equal');
    accepted(timed(40, { totalMs: 10, phases: { a: 15, b: 25 } }), 'sum equal');
    onlyFails(timed(40, { totalMs: 40.5, phases: {} }), 'timing.reported-within-observed', 'total over');
    onlyFails(timed(40, { totalMs: 10, phases: { 'matmul.chain': 41 } }), 'timing.reported-within-observed', 'phase over');
    onlyFails(timed(40, { totalMs: 10, phases: { a: 24, b: 24 } }), 'timing.reported-within-observed', 'sum over');
  });
});

describe('verifyProof: the matmul openings', () => {
  const bad = (s: Spec, name: string, what: string): void => {
    const v = verify(build(s));
    onlyFails(v, name, what);
    if (name !== 'matmul.rows') for (const later of MATMUL_OPENING_CHECKS.slice(MATMUL_OPENING_CHECKS.indexOf(name as never) + 1)) assert.ok(skipped(v).includes(later), `${what}: ${later} ran`);
  };

  test('openings.complete: fewer, more, reordered, or other rows than asked', () => {
    bad({ open: { tamper: (b) => b.rows.pop() } }, 'openings.complete', 'one short');
    bad({ open: { tamper: (b) => b.rows.push(b.rows[0]!) } }, 'openings.complete', 'one extra');
    bad({ open: { tamper: (b) => b.rows.reverse() } }, 'openings.complete', 'reversed');
    bad({ rows: 1, request: (b) => (b.rows = [{ k: 1, i: 5 }]), open: { tamper: (b) => (b.rows[0]!.i = 6) } }, 'openings.complete', 'another i');
    bad({ rows: 1, request: (b) => (b.rows = [{ k: 1, i: 5 }]), open: { tamper: (b) => (b.rows[0]!.k = 2) } }, 'openings.complete', 'another k');
    // One row of eight answered for another i: every other row is the one asked.
    bad({ rows: 8, open: { tamper: (b) => (b.rows[7]!.i = (b.rows[7]!.i + 1) % SMALL.n) } }, 'openings.complete', 'the last of eight');
    bad({ rows: 8, open: { tamper: (b) => (b.rows[0]!.i = (b.rows[0]!.i + 1) % SMALL.n) } }, 'openings.complete', 'the first of eight');
  });

  test('matmul.paths: a row, a row path, a layer root or a layer path that does not lead to the committed root', () => {
    const one = (edit: (o: SignedOpenings['body']['rows'][number]) => void): Spec => ({ rows: 1, request: (b) => (b.rows = [{ k: 1, i: 5 }]), open: { tamper: (b) => edit(b.rows[0]!) } });
    const flip = (h: string): string => (h[0] === 'a' ? 'b' : 'a') + h.slice(1);
    bad(one((o) => (o.row = toB64(new Uint8Array(64).fill(1)))), 'matmul.paths', 'other row data');
    bad(one((o) => (o.path[0] = flip(o.path[0]!))), 'matmul.paths', 'row path');
    bad(one((o) => (o.layerRoot = flip(o.layerRoot))), 'matmul.paths', 'layer root');
    bad(one((o) => (o.layerPath[0] = flip(o.layerPath[0]!))), 'matmul.paths', 'layer path');
    bad(one((o) => (o.prev!.path[1] = flip(o.prev!.path[1]!))), 'matmul.paths', 'previous row path');
    bad(one((o) => (o.prev!.layerPath[0] = flip(o.prev!.layerPath[0]!))), 'matmul.paths', 'previous layer path');
    bad(one((o) => (o.prev!.row = toB64(new Uint8Array(64)))), 'matmul.paths', 'previous row');
  });

  test('matmul.paths: the sizes and indices are the validator\'s own, not the opening\'s', () => {
    // Row 6's own data and path, answered at i = 5; layer 0's root and path answered at k = 1.
    const x0 = build();
    const o6 = (x0.x as CheatingExecutor).openRow({ k: 1, i: 6 });
    bad({ rows: 1, request: (b) => (b.rows = [{ k: 1, i: 5 }]), open: { tamper: (b) => (b.rows[0] = { ...o6, i: 5 }) } }, 'matmul.paths', 'row 6 at 5');
    bad({ rows: 1, request: (b) => (b.rows = [{ k: 1, i: 5 }]), open: { tamper: (b) => {
      const r = b.rows[0]!;
      b.rows[0] = { ...r, row: r.prev!.row, path: r.prev!.path, layerRoot: r.prev!.layerRoot, layerPath: r.prev!.layerPath };
    } } }, 'matmul.paths', 'layer 0 at 1');
  });

  test('matmul.paths: a row of 4n + 4 bytes committed as the leaf is still refused by its length', () => {
    // The tree commits the digest of the long row itself, so every path is right but the length.
    const n = SMALL.n;
    let long!: Uint8Array;
    let layer!: MerkleTree;
    let top!: MerkleTree;
    const t = build({
      rows: 1,
      request: (b) => (b.rows = [{ k: 0, i: 2 }]),
      cheat: (x) => {
        const cx = x as CheatingExecutor;
        long = new Uint8Array(4 * n + 4);
        long.set(new Uint8Array(cx.row(0, 2).buffer));
        const digests = Array.from({ length: n }, (_, i) => (i === 2 ? sha256(long) : sha256(new Uint8Array(cx.row(0, i).buffer))));
        layer = MerkleTree.fromLeafData(digests);
        const roots = new Uint8Array(SMALL.iterations * 32);
        for (let k = 0; k < SMALL.iterations; k++) roots.set(k === 0 ? layer.root() : layerTree(cx.layer(k), n).root(), k * 32);
        top = topTree(roots);
      },
      commit: { editBody: (b) => (b.matmul.root = toHex(top.root())) },
      open: { tamper: (b) => (b.rows[0] = { k: 0, i: 2, row: toB64(long), path: layer.auditPath(2).map(toHex), layerRoot: toHex(layer.root()), layerPath: top.auditPath(0).map(toHex) }) },
    });
    onlyFails(verify(t), 'matmul.paths', 'long row');
  });

  test('matmul.rows: a wrong value, in the first layer or a later one, exact and with Freivalds', () => {
    const wrongAt = (k: number, i: number, size = SMALL): Spec => ({
      spec: { matmul: size },
      rows: 1,
      request: (b) => (b.rows = [{ k, i }]),
      cheat: (x) => {
        const cx = x as CheatingExecutor;
        cx.setRow(k, i, cx.perturbed(k, i, 3, 1));
      },
    });
    bad(wrongAt(0, 4), 'matmul.rows', 'k = 0');
    bad(wrongAt(2, 9), 'matmul.rows', 'k = 2');
    bad(wrongAt(0, 100, { n: 144, iterations: 1 }), 'matmul.rows', 'Freivalds');
    // A row honest given its (wrong) predecessor passes where it is opened, and the predecessor fails.
    const chained = (open: { k: number; i: number }): Spec => ({
      rows: 1,
      request: (b) => (b.rows = [open]),
      cheat: (x) => {
        const cx = x as CheatingExecutor;
        cx.setRow(0, 7, cx.perturbed(0, 7, 0, 2));
        cx.recomputeAfter(0);
      },
    });
    accepted(verify(build(chained({ k: 1, i: 7 }))), 'honest from a wrong predecessor');
    bad(chained({ k: 0, i: 7 }), 'matmul.rows', 'the wrong predecessor itself');
    // Another row of the same wrong layer also passes at k = 1 (the mask follows the layer root).
    accepted(verify(build(chained({ k: 1, i: 3 }))), 'a neighbour');
  });

  test('every row asked is checked, not only the first', () => {
    const t = build({
      rows: 3,
      request: (b) => (b.rows = [{ k: 0, i: 1 }, { k: 1, i: 2 }, { k: 2, i: 3 }]),
      cheat: (x) => (x as CheatingExecutor).setRow(2, 3, (x as CheatingExecutor).perturbed(2, 3, 0, 1)),
    });
    onlyFails(verify(t), 'matmul.rows', 'last row wrong');
  });
});

describe('verifyProof: memory', () => {
  const memSpec = (s: Spec = {}): Spec => ({ kind: 'memory', spec: { matmul: MEMORY_ONLY_MATMUL, memory: MEM }, rows: 1, ...s });

  test('an honest memory-only proof: every block opened is checked, and the figures are the window\'s', () => {
    const t = build(memSpec({ blocks: 66, window: { observedMs: 40 }, commit: { timings: { totalMs: 30, phases: { 'memory.passes': 20 } } } }));
    const v = verify(t);
    accepted(v, 'honest memory');
    assert.deepEqual(v.checks.map((c) => c.name), [...NAMED.slice(0, NAMED.indexOf('memory.absent')), 'memory.committed', 'memory.layout', 'memory.shape', 'memory.openings-complete', 'memory.paths', 'memory.words', 'alu.absent', 'timing.reported-within-observed']);
    const blocks = t.request.body.blocks.length;
    assert.equal(blocks, 64);
    const x = t.x as MemoryCheater;
    const layout = { chunks: x.params.chunks, rows: x.params.rows, passes: MEM.passes };
    const bytes = trafficBytes(layout);
    assert.deepEqual(v.measured.memory, {
      mib: 1,
      passes: MEM.passes,
      chunks: layout.chunks,
      rowsPerChunk: layout.rows,
      capacityBytes: capacityBytes(layout),
      capacityGib: capacityBytes(layout) / 2 ** 30,
      bytesPerRowPerPass: TRAFFIC_PER_ROW,
      trafficBytes: bytes,
      observedMs: 40,
      reportedMs: 20,
      bandwidthGbsObserved: bytes / 40 / 1e6,
      bandwidthGbsReported: bytes / 20 / 1e6,
      window: 'own',
      blocksOpened: blocks,
      wordsChecked: blocks * WORDS_PER_BLOCK,
    });
    assert.equal(v.measured.matmul.window, 'own');
  });

  test('many chunks, later segments, later blocks: honest data is found where the layout puts it', () => {
    for (const chunks of [2, 4]) {
      const t = build(memSpec({ spec: { matmul: MEMORY_ONLY_MATMUL, memory: { mib: 2, passes: 2 } }, memory: { chunks }, blocks: 32 }));
      accepted(verify(t), `${chunks} chunks`);
    }
  });

  test('memory figures: passes phase, else totalMs, capped at the window; zero times give zero rates', () => {
    const m = (observedMs: number, timings: CommitOptions['timings']) => verify(build(memSpec({ window: { observedMs }, commit: { timings } }))).measured.memory!;
    assert.equal(m(40, { totalMs: 30, phases: {} }).reportedMs, 30);
    assert.equal(m(40, { totalMs: 10, phases: { 'memory.passes': 50 } }).reportedMs, 40);
    const zero = m(0, { totalMs: 0, phases: { 'memory.passes': 0 } });
    assert.deepEqual([zero.bandwidthGbsObserved, zero.bandwidthGbsReported], [0, 0]);
  });

  test('memory.absent: memory data of any kind for a challenge that asked for none', () => {
    const as = { as: MEM };
    onlyFails(verify(build({ kind: 'memory', memory: as, rows: 1 })), 'memory.absent', 'committed memory');
    const t = build({ kind: 'memory', memory: as, rows: 1, commit: { omitMemory: true }, request: (b) => (b.blocks = [{ index: 0, segment: 0 }]), open: { blocks: () => [] } });
    onlyFails(verify(t), 'memory.absent', 'blocks asked');
    const o = build({ kind: 'memory', memory: as, rows: 1, commit: { omitMemory: true }, open: { blocks: () => [{ index: 3, segment: 1 }] } });
    onlyFails(verify(o), 'memory.absent', 'blocks opened');
    assert.equal(verify(o).measured.memory, undefined);
  });

  test('memory.committed: a memory challenge answered without a memory part', () => {
    const v = verify(build(memSpec({ commit: { omitMemory: true } })));
    onlyFails(v, 'memory.committed', 'no memory part');
    assert.equal(v.measured.memory, undefined);
    assert.equal(v.checks.some((c) => c.name.startsWith('memory.') && c.name !== 'memory.committed'), false);
  });

  test('memory.layout: a layout that does not hold the capacity asked; the blocks are then not checked', () => {
    const v = verify(build(memSpec({ commit: { report: { chunks: 1, rowsPerChunk: 2048 } } })));
    onlyFails(v, 'memory.layout', 'half the rows');
    assert.deepEqual(skipped(v), ['memory.paths', 'memory.words']);
    assert.equal(v.checks.find((c) => c.name === 'memory.openings-complete')?.pass, true);
    assert.equal(v.measured.memory?.wordsChecked, 0);
  });

  test('memory.shape: a tree over other than mib·64 blocks', () => {
    const v = verify(build(memSpec({ commit: { report: { blocks: 63 } } })));
    onlyFails(v, 'memory.shape', 'blocks − 1');
    assert.deepEqual(skipped(v), ['memory.paths', 'memory.words']);
  });

  test('memory.openings-complete: none asked, fewer, other blocks or other segments than asked', () => {
    const incomplete = (s: Spec, what: string): void => {
      const v = verify(build(memSpec(s)));
      onlyFails(v, 'memory.openings-complete', what);
      assert.deepEqual(skipped(v), ['memory.paths', 'memory.words']);
      assert.equal(v.measured.memory?.wordsChecked, 0);
    };
    incomplete({ request: (b) => (b.blocks = []), open: { blocks: () => [] } }, 'none asked');
    incomplete({ open: { blocks: (a) => a.slice(1) } }, 'one short');
    incomplete({ open: { blocks: (a) => [...a, a[0]!] } }, 'one extra');
    incomplete({ open: { blocks: (a) => a.map((b, j) => (j === 5 ? { ...b, index: (b.index + 1) % 64 } : b)) } }, 'another block');
    incomplete({ open: { blocks: (a) => a.map((b, j) => (j === 5 ? { ...b, segment: (b.segment + 1) % 8 } : b)) } }, 'another segment');
  });

  test('memory.paths: data, segment path, block root or block path not leading to the committed root, or data of the wrong length', () => {
    const flip = (h: string): string => (h[0] === 'a' ? 'b' : 'a') + h.slice(1);
    const tampered = (edit: (b: SignedOpenings['body']['blocks'][number]) => void, what: string, at = 3): void => {
      const v = verify(build(memSpec({ open: { tamper: (body) => edit(body.blocks[at]!) } })));
      onlyFails(v, 'memory.paths', what);
      assert.equal(v.checks.find((c) => c.name === 'memory.words')?.pass, true, `${what}: the other blocks' words are still checked`);
    };
    tampered((b) => (b.segmentPath[0] = flip(b.segmentPath[0]!)), 'segment path');
    tampered((b) => (b.blockRoot = flip(b.blockRoot)), 'block root');
    tampered((b) => (b.path[0] = flip(b.path[0]!)), 'block path');
    tampered((b) => (b.path = b.path.slice(1)), 'block path short');
    tampered((b) => (b.data = toB64(fromB64(b.data).map((x) => x ^ 1))), 'data');
    tampered((b) => (b.data = toB64(fromB64(b.data).map((x) => x ^ 1))), 'the last block asked', 7);
    // Another segment of the same block, with its own (correct) path, answered for the asked segment.
    let mx!: MemoryCheater;
    const v = verify(build(memSpec({
      cheat: (x) => (mx = x as MemoryCheater),
      open: {
        tamper: (body) => {
          const asked = body.blocks[3]!;
          body.blocks[3] = { ...mx.openBlock({ index: asked.index, segment: (asked.segment + 1) % 8 }), segment: asked.segment };
        },
      },
    })));
    onlyFails(v, 'memory.paths', 'another segment\'s data and path');
  });

  test('memory.words: a segment whose every word differs from X_P, in any block (1 MiB, 66 asked: every block is opened)', () => {
    for (const block of [0, 40, 63]) {
      const segment = block % 8;
      const v = verify(build(memSpec({
        blocks: 66,
        cheat: (x) => (x as MemoryCheater).corruptWords(block, Array.from({ length: 512 }, (_, w) => segment * 512 + w)),
        request: (b) => (b.blocks = b.blocks.map((r) => (r.index === block ? { index: block, segment } : r))),
      })));
      onlyFails(v, 'memory.words', `block ${block}`);
    }
  });

  test('drawSegmentWords: s distinct words of a segment, at most all 512', () => {
    for (const s of [1, 5, 600]) {
      const w = drawSegmentWords(s);
      assert.equal(w.length, Math.min(s, 512));
      assert.equal(new Set(w).size, w.length);
      assert.ok(w.every((x) => Number.isInteger(x) && x >= 0 && x < 512));
    }
    assert.equal(WORDS_PER_BLOCK, 1);
  });
});

describe('verifyProof: the integer proof', () => {
  const aluSpec = (s: Spec = {}): Spec => ({ kind: 'alu', spec: { matmul: MEMORY_ONLY_MATMUL, alu: ALU }, rows: 1, ...s });

  test('an honest integer-only proof: every lane opened is recomputed, and the figures are the window\'s', () => {
    const t = build(aluSpec({ window: { observedMs: 40 }, commit: { timings: { totalMs: 30, phases: { 'alu.lanes': 12, 'alu.tree': 3 } } } }));
    const v = verify(t);
    accepted(v, 'honest alu');
    assert.deepEqual(v.checks.map((c) => c.name), [...NAMED.slice(0, NAMED.indexOf('alu.absent')), 'alu.committed', 'alu.shape', 'alu.openings-complete', 'alu.paths', 'alu.lanes', 'timing.reported-within-observed']);
    const ops = aluOps(ALU);
    const opened = t.request.body.lanes?.length ?? 0;
    assert.equal(opened, 64);
    assert.deepEqual(v.measured.alu, {
      lanes: ALU.lanes,
      rounds: ALU.rounds,
      opsPerRound: ALU_OPS_TOTAL,
      ops,
      kernel: 'cpu-cheater',
      observedMs: 40,
      reportedMs: 15,
      intGopsObserved: ops / 40 / 1e6,
      intGopsReported: ops / 15 / 1e6,
      window: 'own',
      lanesOpened: opened,
      lanesChecked: opened,
    });
  });

  test('integer figures: lanes phase (or totalMs) plus tree phase, capped at the window; zero times give zero rates', () => {
    const m = (observedMs: number, timings: CommitOptions['timings']) => verify(build(aluSpec({ window: { observedMs }, commit: { timings } }))).measured.alu!;
    assert.equal(m(40, { totalMs: 30, phases: {} }).reportedMs, 30);
    assert.equal(m(40, { totalMs: 30, phases: { 'alu.tree': 4 } }).reportedMs, 34);
    assert.equal(m(40, { totalMs: 10, phases: { 'alu.lanes': 30, 'alu.tree': 20 } }).reportedMs, 40);
    const zero = m(0, { totalMs: 0, phases: { 'alu.lanes': 0, 'alu.tree': 0 } });
    assert.deepEqual([zero.intGopsObserved, zero.intGopsReported], [0, 0]);
  });

  test('alu.absent: integer data of any kind for a challenge that asked for none', () => {
    const as = { as: ALU };
    onlyFails(verify(build({ kind: 'alu', alu: as, rows: 1 })), 'alu.absent', 'committed lanes');
    onlyFails(verify(build({ kind: 'alu', alu: as, rows: 1, commit: { omitAlu: true }, request: (b) => (b.lanes = [1, 2]), open: { tamper: (b) => delete b.lanes } })), 'alu.absent', 'lanes asked');
    const o = build({ kind: 'alu', alu: as, rows: 1, commit: { omitAlu: true }, open: { lanes: () => [3] } });
    onlyFails(verify(o), 'alu.absent', 'lanes opened');
    assert.equal(verify(o).measured.alu, undefined);
  });

  test('alu.committed: an integer challenge answered without an integer part', () => {
    const v = verify(build(aluSpec({ commit: { omitAlu: true } })));
    onlyFails(v, 'alu.committed', 'no integer part');
    assert.equal(v.measured.alu, undefined);
    assert.equal(v.checks.some((c) => c.name.startsWith('alu.') && c.name !== 'alu.committed'), false);
  });

  test('alu.shape: other lanes or other rounds than asked; the lanes are then not checked', () => {
    for (const report of [{ lanes: 32 }, { rounds: 5 }]) {
      const v = verify(build(aluSpec({ commit: { report } })));
      onlyFails(v, 'alu.shape', JSON.stringify(report));
      assert.deepEqual(skipped(v), ['alu.paths', 'alu.lanes']);
      assert.equal(v.measured.alu?.lanesChecked, 0);
    }
  });

  test('alu.openings-complete: none asked, fewer, more, other or reordered lanes', () => {
    const incomplete = (s: Spec, what: string): void => {
      const v = verify(build(aluSpec(s)));
      onlyFails(v, 'alu.openings-complete', what);
      assert.deepEqual(skipped(v), ['alu.paths', 'alu.lanes']);
    };
    incomplete({ request: (b) => delete b.lanes }, 'none asked');
    incomplete({ open: { tamper: (b) => delete b.lanes } }, 'none opened');
    incomplete({ request: (b) => delete b.lanes, open: { lanes: () => [1, 2] } }, 'lanes opened that none asked');
    incomplete({ open: { lanes: (a) => a.slice(1) } }, 'one short');
    incomplete({ open: { lanes: (a) => [...a, a[0]!] } }, 'one extra');
    incomplete({ open: { lanes: (a) => [...a].reverse() } }, 'reversed');
    incomplete({ open: { lanes: (a) => a.map((l, j) => (j === 9 ? (l + 1) % 64 : l)) } }, 'another lane');
  });

  test('alu.paths: another lane\'s state and path answered for the asked lane, or a tree over fewer lanes', () => {
    const v = verify(build(aluSpec({ open: { substitute: (i) => (i + 1) % 64 } })));
    onlyFails(v, 'alu.paths', 'neighbour');
    assert.deepEqual(skipped(v), ['alu.lanes']);
    assert.equal(v.measured.alu?.lanesChecked, 0);
    const flip = (h: string): string => (h[0] === 'a' ? 'b' : 'a') + h.slice(1);
    onlyFails(verify(build(aluSpec({ open: { tamper: (b) => (b.lanes![63]!.path[0] = flip(b.lanes![63]!.path[0]!)) } }))), 'alu.paths', 'last lane\'s path');
    onlyFails(verify(build(aluSpec({ commit: { lanes: 32 } }))), 'alu.paths', 'half the lanes in the tree');
  });

  test('alu.lanes: a committed state that is not the lane\'s L rounds, in any opened lane', () => {
    for (const lane of [0, 31, 63]) {
      const v = verify(build(aluSpec({ cheat: (x) => (x as AluCheater).setState(lane, (x as AluCheater).state(lane).map((w, j) => (j === 2 ? w ^ 1 : w))) })));
      onlyFails(v, 'alu.lanes', `lane ${lane}`);
    }
    onlyFails(verify(build(aluSpec({ alu: { rounds: ALU.rounds - 1 } }))), 'alu.lanes', 'L − 1 rounds');
    onlyFails(verify(build(aluSpec({ alu: { seed: new Uint8Array(32) } }))), 'alu.lanes', 'another seed');
  });
});

describe('verifyProof: windows shared by several proofs', () => {
  test('a window timing more than one proof is shared for each figure; one proof alone owns it', () => {
    const w = (spec: Omit<ChallengeSpec, 'executorKey'>, kind: Spec['kind']) => verify(build({ spec, kind, rows: 1 })).measured;
    const matmulOnly = w({ matmul: SMALL }, 'matmul');
    assert.equal(matmulOnly.matmul.window, 'own');
    const memOnly = w({ matmul: MEMORY_ONLY_MATMUL, memory: MEM }, 'memory');
    assert.deepEqual([memOnly.matmul.window, memOnly.memory?.window], ['own', 'own']);
    const aluOnly = w({ matmul: MEMORY_ONLY_MATMUL, alu: ALU }, 'alu');
    assert.deepEqual([aluOnly.matmul.window, aluOnly.alu?.window], ['own', 'own']);
    const both = w({ matmul: SMALL, memory: MEM }, 'memory');
    assert.deepEqual([both.matmul.window, both.memory?.window], ['shared', 'shared']);
    const matmulAlu = w({ matmul: SMALL, alu: ALU }, 'alu');
    assert.deepEqual([matmulAlu.matmul.window, matmulAlu.alu?.window], ['shared', 'shared']);
  });
});

describe('signReceipt', () => {
  test('the receipt names both hashes and keys, the verdict, class and score; a rejected run scores 0', () => {
    const t = build();
    const v = verify(t);
    const r = signReceipt(p.v, t, v, { class: 'h100', score: 12.5 }, T0 + 99);
    assert.equal(r.signer, V);
    assert.deepEqual(
      { ...r.body, checks: r.body.checks.length },
      { version: 2, challengeHash: hashHex(t.challenge), commitmentHash: hashHex(t.commitment), executorKey: toB64(p.e.publicKey), validatorKey: V, accepted: true, checks: v.checks.length, measured: v.measured, class: 'h100', score: 12.5, issuedAt: T0 + 99 },
    );
    const plain = signReceipt(p.v, t, v, {}, T0);
    assert.deepEqual([plain.body.class, plain.body.score], [null, 0]);
    const rejected = { ...v, accepted: false };
    assert.equal(signReceipt(p.v, t, rejected, { score: 12.5 }).body.score, 0);
    assert.equal(signReceipt(p.v, t, rejected, { score: 12.5 }).body.accepted, false);
  });

  test('no receipt for a challenge another validator key issued', () => {
    const t = build();
    assert.throws(() => signReceipt(p.mallory, t, verify(t)), (e: unknown) => e instanceof GpuproofError && e.code === 'REFUSED' && e.field === 'challenge.body.validatorKey');
  });
});
