// Every cheat of the threat model that the matmul proof and the message layer must stop, each one
// PERFORMED and shown to be rejected: by the verifier (accepted === false and the named check
// failing) or refused by a role (GpuproofError 'REFUSED'). Each test also runs the honest
// counterpart in the same setting, so no test can pass because nothing could ever pass.
// The honest executor and the role refusals use the real GPU executor; data cheats use the CPU
// cheater of test/helpers/cheater.ts, which commits to whatever rows it holds.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { useGpu } from './helpers/gpu.js';
import { CheatingExecutor, type CommitOptions } from './helpers/cheater.js';
import { GpuproofError } from '../src/errors.js';
import { signMessage, hashHex } from '../src/protocol/signing.js';
import { parseJsonText } from '../src/protocol/parse.js';
import type {
  MessageType,
  RowIndex,
  SignedChallenge,
  SignedCommitment,
  SignedOpenRequest,
  SignedOpenings,
} from '../src/protocol/schemas.js';
import { checkChallenge, runChallenge, answerOpenings, type ExecutorState } from '../src/roles/executor.js';
import { issueChallenge, receiveCommitment, makeOpenRequest, type ObservedWindow } from '../src/roles/validator.js';
import { EXACT_ROW_CHECK_MAX_N, verifyProof, type Verification } from '../src/roles/verifier.js';
import { MemoryReplayStore } from '../src/roles/stores.js';
import type { MatmulSize } from '../src/proofs/matmul-size.js';
import { fromB64, toB64 } from '../src/util/bytes.js';
import { assertAccepted, assertRejectedBy, failed } from './helpers/verdicts.js';
import { makeParties, type Parties as BaseParties } from './helpers/parties.js';
import { notInMutationRun, mutationRuns } from './helpers/mutation.js';
import { GPU_LIMIT } from './helpers/limits.js';

const gpu = useGpu();

// ---------------------------------------------------------------------------------------------
// Parties, transcripts and assertions

interface Parties extends BaseParties {
  issue(size: MatmulSize, ttlMs?: number): SignedChallenge;
}

function parties(): Parties {
  const p = makeParties();
  return { ...p, issue: (size, ttlMs) => p.challenge({ matmul: size, ...(ttlMs ? { ttlMs } : {}) }) };
}

interface Committed {
  challenge: SignedChallenge;
  commitment: SignedCommitment;
  window: ObservedWindow & { observedMs: number };
}

interface Transcript extends Committed {
  request: SignedOpenRequest;
  openings: SignedOpenings;
}

// Each test's challenges are issued by its own honest validator: pinned to the key they name.
const verify = (c: Committed, request: SignedOpenRequest, openings: SignedOpenings): Verification =>
  verifyProof({ challenge: c.challenge, commitment: c.commitment, request, openings }, c.challenge.body.validatorKey);


function refusedWith(re: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof GpuproofError, `expected GpuproofError, got ${String(err)}`);
    assert.equal(err.code, 'REFUSED', err.message);
    assert.match(err.message, re);
    return true;
  };
}

const key = (r: RowIndex): string => `${r.k}:${r.i}`;

/**
 * An open request the validator signs for `c`: drawn by makeOpenRequest, then rewritten (signed
 * with the validator's key, as the validator itself would) so that it opens `forced` first, and
 * none of the random rows for which `avoid` holds. The rows are random, so a test that needs a
 * particular row opened has to place it there itself.
 */
function requestFor(p: Parties, c: Committed, forced: RowIndex[], m = 32, avoid: (r: RowIndex) => boolean = () => false): SignedOpenRequest {
  const base = makeOpenRequest(p.v, c.challenge, c.commitment, c.window, m);
  const have = new Set(forced.map(key));
  const rest = base.body.rows.filter((r) => !have.has(key(r)) && !avoid(r));
  const rows = [...forced, ...rest].slice(0, Math.max(m, forced.length));
  return signMessage('open-request', { ...base.body, rows }, p.v.secretKey);
}

/** The CPU cheater: a fresh challenge, `cheat` applied to the held rows, a commitment the validator receives. */
function cheaterCommit(p: Parties, size: MatmulSize, cheat?: (x: CheatingExecutor) => void, opts?: CommitOptions): Committed & { x: CheatingExecutor } {
  const challenge = p.issue(size);
  const sent = performance.now();
  const x = new CheatingExecutor(challenge, p.e);
  cheat?.(x);
  const commitment = x.commit(opts);
  const window = { ...receiveCommitment(p.v, challenge, commitment, p.vStore), observedMs: performance.now() - sent };
  return { challenge, commitment, window, x };
}

/** The real executor on the GPU: challenge, commitment (received by the validator) and its state. */
async function gpuCommit(p: Parties, size: MatmulSize): Promise<Committed & { state: ExecutorState }> {
  const challenge = p.issue(size);
  const sent = performance.now();
  const state = await runChallenge(gpu(), challenge, p.execOpts);
  const observedMs = performance.now() - sent;
  const window = { ...receiveCommitment(p.v, challenge, state.commitment, p.vStore), observedMs };
  return { challenge, commitment: state.commitment, window, state };
}

async function gpuTranscript(p: Parties, size: MatmulSize, m = 32, forced: RowIndex[] = []): Promise<Transcript & { state: ExecutorState }> {
  const c = await gpuCommit(p, size);
  const request = forced.length > 0 ? requestFor(p, c, forced, m) : makeOpenRequest(p.v, c.challenge, c.commitment, c.window, m);
  const openings = await answerOpenings(gpu(), c.state, request, p.execOpts);
  return { ...c, request, openings };
}

/** Flips one hex digit of a hex string (stays well-formed). */
const flipHex = (s: string, at = 0): string => s.slice(0, at) + ((parseInt(s[at] as string, 16) + 1) % 16).toString(16) + s.slice(at + 1);

/** Every check name the tests below rely on; the honest baseline shows each exists and passes. */
const NAMED_CHECKS = [
  'challenge.signature',
  'challenge.validator',
  'commitment.signature',
  'commitment.challenge',
  'request.signature',
  'request.binding',
  'commitment.in-time',
  'openings.signature',
  'openings.binding',
  'matmul.shape',
  'openings.complete',
  'matmul.paths',
  'matmul.rows',
  'memory.absent',
  'alu.absent',
  'timing.reported-within-observed',
];

const SMALL: MatmulSize = { n: 32, iterations: 3 };

// ---------------------------------------------------------------------------------------------

describe('honest baselines', { ...GPU_LIMIT, ...notInMutationRun('GPU') }, () => {
  test('the GPU executor passes every named check (n=32, K=3, 32 random openings)', async () => {
    const p = parties();
    const t = await gpuTranscript(p, SMALL);
    const v = verify(t, t.request, t.openings);
    assertAccepted(v, 'GPU honest');
    assert.deepEqual(v.checks.map((c) => c.name).sort(), [...NAMED_CHECKS].sort());
    assert.equal(v.measured.matmul.rowsOpened, 32);
    assert.equal(v.measured.matmul.rowCheck, 'exact');
  });

  test('the CPU cheater, not cheating, commits to the GPU executor\'s root and is accepted', async () => {
    const p = parties();
    const c = await gpuCommit(p, SMALL);
    const x = new CheatingExecutor(c.challenge, p.e);
    assert.deepEqual(x.layerRoots(), new Uint8Array(Buffer.from(c.state.layerRoots, 'base64')));
    assert.equal(x.commit().body.matmul.root, c.commitment.body.matmul.root);
    const h = cheaterCommit(p, SMALL);
    const request = makeOpenRequest(p.v, h.challenge, h.commitment, h.window, 32);
    assertAccepted(verify(h, request, h.x.open(request)), 'CPU honest');
  });
});

describe('data cheats (CPU cheater)', GPU_LIMIT, () => {
  test('a wrong value in one committed row fails matmul.rows when that row is opened', () => {
    const p = parties();
    for (const bad of [{ k: 0, i: 7 }, { k: 1, i: 30 }, { k: 2, i: 0 }]) {
      const honest = cheaterCommit(p, SMALL);
      const hreq = requestFor(p, honest, [bad]);
      assertAccepted(verify(honest, hreq, honest.x.open(hreq)), `honest, (${key(bad)}) opened`);

      const c = cheaterCommit(p, SMALL, (x) => x.setRow(bad.k, bad.i, x.perturbed(bad.k, bad.i, 5, 1)));
      const req = requestFor(p, c, [bad]);
      assert.deepEqual(req.body.rows[0], bad);
      const v = verify(c, req, c.x.open(req));
      assertRejectedBy(v, ['matmul.rows'], `bad row (${key(bad)})`, true);
      assert.match(v.checks.find((x) => x.name === 'matmul.rows')?.reason ?? '', new RegExp(`C_${bad.k}\\[${bad.i}\\]`));
    }
  });

  test('above the exact-check size the integer Freivalds check catches a wrong value too', () => {
    const p = parties();
    const size: MatmulSize = { n: 2 * EXACT_ROW_CHECK_MAX_N, iterations: 2 };
    const bad = { k: 1, i: 17 };
    const honest = cheaterCommit(p, size);
    const hreq = requestFor(p, honest, [bad]);
    const hv = verify(honest, hreq, honest.x.open(hreq));
    assertAccepted(hv, 'honest, Freivalds');
    assert.equal(hv.measured.matmul.rowCheck, 'freivalds');
    for (const delta of [1, -1, 64]) {
      const c = cheaterCommit(p, size, (x) => x.setRow(bad.k, bad.i, x.perturbed(bad.k, bad.i, 100, delta)));
      const req = requestFor(p, c, [bad]);
      assertRejectedBy(verify(c, req, c.x.open(req)), ['matmul.rows'], `Freivalds, entry off by ${delta}`, true);
    }
  });

  test('a bad row whose next row is computed honestly from it: opening (k, i) passes, opening (k-1, i) rejects', () => {
    const p = parties();
    const i = 11;
    // C_1[i] is wrong; layer 2 is then computed honestly from the layer holding it (its mask keyed
    // by that layer's root), so C_2[i] = fold(C_1[i] + M_1[i])·B holds.
    const c = cheaterCommit(p, SMALL, (x) => {
      x.setRow(1, i, x.perturbed(1, i, 3, 2));
      x.recomputeAfter(1);
    });
    const otherRows = (r: RowIndex): boolean => r.i === i;
    // Opening only (2, i) among row i: C_2[i] = fold(opened C_1[i] + M_1[i])·B holds, so it passes, as it
    // must: the lie sits in C_1[i] alone and only opening (1, i) itself can see it.
    const atK = requestFor(p, c, [{ k: 2, i }], 32, otherRows);
    const vk = verify(c, atK, c.x.open(atK));
    assert.equal(vk.checks.find((x) => x.name === 'matmul.rows')?.pass, true, 'the honest product from the bad row passes at k');
    assert.equal(vk.accepted, true);
    // Opening (1, i) checks C_1[i] against fold(C_0[i] + M_0[i])·B: caught.
    const atPrev = requestFor(p, c, [{ k: 1, i }], 32, otherRows);
    const vp = verify(c, atPrev, c.x.open(atPrev));
    assertRejectedBy(vp, ['matmul.rows'], 'opening (k-1, i)', true);
    assert.match(vp.checks.find((x) => x.name === 'matmul.rows')?.reason ?? '', new RegExp(`C_1\\[${i}\\]`));
  });

  test('half the rows never computed (random data, committed honestly): 32 random openings reject every time', () => {
    const p = parties();
    const size = { n: 64, iterations: 2 };
    const honest = cheaterCommit(p, size);
    const hreq = makeOpenRequest(p.v, honest.challenge, honest.commitment, honest.window, 32);
    assertAccepted(verify(honest, hreq, honest.x.open(hreq)), 'honest n=64');
    // Rows i ≥ n/2 of every C_k are random: half the K·n committed rows, and every (k, i ≥ n/2)
    // opening is wrong. Passing needs all 32 distinct draws among the 64 good leaves: < 2^-32.
    for (let trial = 0; trial < 6; trial++) {
      const c = cheaterCommit(p, size, (x) => {
        for (let k = 0; k < x.iterations; k++) for (let i = x.n / 2; i < x.n; i++) x.setRow(k, i, x.randomRow());
      });
      const req = makeOpenRequest(p.v, c.challenge, c.commitment, c.window, 32);
      assert.equal(req.body.rows.length, 32);
      const v = verify(c, req, c.x.open(req));
      assertRejectedBy(v, ['matmul.rows'], `half random, trial ${trial}`, true);
    }
  });

  describe('openings that do not match the committed root fail matmul.paths', () => {
    const bad = { k: 2, i: 9 };

    test('a row changed after committing (and the honest row opened over committed garbage)', () => {
      const p = parties();
      const honest = cheaterCommit(p, SMALL);
      const hreq = requestFor(p, honest, [bad]);
      assertAccepted(verify(honest, hreq, honest.x.open(hreq)), 'honest');

      // Committed honestly, then opened a different row.
      const c = cheaterCommit(p, SMALL);
      c.x.setRow(bad.k, bad.i, c.x.perturbed(bad.k, bad.i, 0, 1));
      const req = requestFor(p, c, [bad]);
      assertRejectedBy(verify(c, req, c.x.open(req)), ['matmul.paths'], 'row changed after commit', true);

      // Committed garbage, then opened the right row: the product holds, the path does not.
      const g = cheaterCommit(p, SMALL, (x) => x.setRow(bad.k, bad.i, x.randomRow()));
      const right = new CheatingExecutor(g.challenge, p.e).row(bad.k, bad.i);
      g.x.setRow(bad.k, bad.i, right);
      const greq = requestFor(p, g, [bad]);
      assertRejectedBy(verify(g, greq, g.x.open(greq)), ['matmul.paths'], 'honest row over committed garbage', true);

      // The previous row C_{k-1}[i] changed after committing (it is opened with (k, i)).
      const q = cheaterCommit(p, SMALL);
      q.x.setRow(bad.k - 1, bad.i, q.x.perturbed(bad.k - 1, bad.i, 1, -1));
      q.x.recomputeAfter(bad.k - 1); // C_k[i] consistent with it, yet both are off the committed trees
      const qreq = requestFor(p, q, [bad], 32, (r) => r.i === bad.i);
      assertRejectedBy(verify(q, qreq, q.x.open(qreq)), ['matmul.paths'], 'prev row changed after commit', true);
    });

    test('a path element changed, dropped or added', () => {
      const p = parties();
      const c = cheaterCommit(p, SMALL);
      const req = requestFor(p, c, [bad]);
      assertAccepted(verify(c, req, c.x.open(req)), 'untampered');
      const depth = c.x.openRow(bad).path.length;
      assert.ok(depth >= 5 && (c.x.openRow(bad).prev?.path.length ?? 0) >= 5);
      type Paths = { path: string[]; layerRoot: string; layerPath: string[] };
      const cases: [string, (o: Paths & { prev?: Paths | undefined }) => void][] = [];
      for (let j = 0; j < depth; j++) {
        cases.push([`path[${j}] changed`, (o) => (o.path[j] = flipHex(o.path[j] as string, 63))]);
        cases.push([`prev.path[${j}] changed`, (o) => o.prev && (o.prev.path[j] = flipHex(o.prev.path[j] as string, 0))]);
      }
      const top = c.x.openRow(bad).layerPath.length;
      assert.ok(top >= 1, 'layer 2 of 3 has a one-hash top path');
      for (let j = 0; j < top; j++) {
        cases.push([`layerPath[${j}] changed`, (o) => (o.layerPath[j] = flipHex(o.layerPath[j] as string, 5))]);
        cases.push([`prev.layerPath[${j}] changed`, (o) => o.prev && (o.prev.layerPath[j] = flipHex(o.prev.layerPath[j] as string, 9))]);
      }
      cases.push(['layerRoot changed', (o) => (o.layerRoot = flipHex(o.layerRoot, 0))]);
      cases.push(['prev.layerRoot changed', (o) => o.prev && (o.prev.layerRoot = flipHex(o.prev.layerRoot, 31))]);
      cases.push(['layer path dropped', (o) => void o.layerPath.pop()]);
      cases.push(['layer path element added', (o) => void o.layerPath.push(o.layerPath[0] as string)]);
      cases.push(['prev layer root and path swapped for this layer\'s', (o) => o.prev && Object.assign(o.prev, { layerRoot: o.layerRoot, layerPath: o.layerPath })]);
      cases.push(['path element dropped', (o) => void o.path.pop()]);
      cases.push(['path element added', (o) => void o.path.push(o.path[0] as string)]);
      cases.push(['path elements swapped', (o) => void o.path.reverse()]);
      cases.push(['path empty', (o) => void o.path.splice(0)]);
      cases.push(['prev.path element dropped', (o) => void o.prev?.path.shift()]);
      for (const [what, edit] of cases) {
        const openings = c.x.open(req, { tamper: (b) => edit(b.rows[0]!) });
        assertRejectedBy(verify(c, req, openings), ['matmul.paths'], what, true);
      }
    });

    test('a row swapped with another index\'s row', () => {
      const p = parties();
      const c = cheaterCommit(p, SMALL);
      const other = { k: bad.k, i: bad.i + 1 };
      const req = requestFor(p, c, [bad, other]);
      assertAccepted(verify(c, req, c.x.open(req)), 'untampered');
      // (k, i) answered with the whole opening of (k, i + 1): rows, prev and paths, all genuine and
      // consistent with each other (so the product holds), at the wrong index.
      const swapped = c.x.open(req, { tamper: (b) => void Object.assign(b.rows[0]!, { ...c.x.openRow(other), k: bad.k, i: bad.i }) });
      assertRejectedBy(verify(c, req, swapped), ['matmul.paths'], 'opening of another index', true);
      // Another index's row with this index's genuine path.
      const rowOnly = c.x.open(req, { tamper: (b) => void (b.rows[0]!.row = c.x.openRow(other).row) });
      assertRejectedBy(verify(c, req, rowOnly), ['matmul.paths', 'matmul.rows'], 'row of another index');
      // Two openings exchange their rows (and paths): each is a genuine committed row, at the wrong index.
      const exchanged = c.x.open(req, {
        tamper: (b) => {
          const [a, z] = [b.rows[0]!, b.rows[1]!];
          [a.row, z.row, a.path, z.path] = [z.row, a.row, z.path, a.path];
        },
      });
      assertRejectedBy(verify(c, req, exchanged), ['matmul.paths'], 'rows exchanged');
      // C_k[i] sent as its own prev: the same leaf at the wrong position.
      const asPrev = c.x.open(req, { tamper: (b) => void (b.rows[0]!.prev = { row: b.rows[0]!.row, path: b.rows[0]!.path, layerRoot: b.rows[0]!.layerRoot, layerPath: b.rows[0]!.layerPath }) });
      assertRejectedBy(verify(c, req, asPrev), ['matmul.paths'], 'row as its own prev');
    });
  });

  test('rows spliced from another challenge are rejected', notInMutationRun('GPU'), async () => {
    const p = parties();
    const a = await gpuTranscript(p, SMALL);
    const b = await gpuTranscript(p, SMALL);
    assertAccepted(verify(a, a.request, a.openings), 'A honest');
    assertAccepted(verify(b, b.request, b.openings), 'B honest');
    // The executor asks the GPU for A's rows at B's requested indices (a request the validator
    // signed for A), then answers B's request with them: real rows, real paths, wrong tree.
    const forA = signMessage(
      'open-request',
      { ...b.request.body, challengeHash: hashHex(a.challenge), commitmentHash: hashHex(a.commitment), observed: a.request.body.observed },
      p.v.secretKey,
    );
    const aRows = await answerOpenings(gpu(), a.state, forA, p.execOpts);
    assertAccepted(verify(a, forA, aRows), 'A at B\'s indices');
    const spliced = signMessage('openings', { ...aRows.body, requestHash: hashHex(b.request) }, p.e.secretKey);
    assertRejectedBy(verify(b, b.request, spliced), ['matmul.paths'], 'A\'s rows for B', true);
    // A's openings message as it was: it answers another request (the row work is then skipped).
    assertRejectedBy(verify(b, b.request, aRows), ['openings.binding'], 'A\'s openings for B', true);
    // A's whole transcript presented under B's challenge.
    assertRejectedBy(verifyProof({ ...a, challenge: b.challenge }, toB64(p.v.publicKey)), ['commitment.challenge', 'request.binding'], 'A under B\'s challenge');
    // Half of B's openings replaced by A's.
    const half = signMessage('openings', { ...b.openings.body, rows: b.openings.body.rows.map((r, j) => (j % 2 ? aRows.body.rows[j]! : r)) }, p.e.secretKey);
    assertRejectedBy(verify(b, b.request, half), ['matmul.paths'], 'half spliced', true);
    // An old answer re-committed for a new challenge: A's rows under B's challenge, consistent
    // root and paths, but the seed is B's.
    const xa = new CheatingExecutor(a.challenge, p.e);
    const re = cheaterCommit(p, SMALL, (x) => {
      for (let k = 0; k < x.iterations; k++) for (let i = 0; i < x.n; i++) x.setRow(k, i, xa.row(k, i));
    });
    assert.equal(re.commitment.body.matmul.root, a.commitment.body.matmul.root);
    const rreq = makeOpenRequest(p.v, re.challenge, re.commitment, re.window, 32);
    assertRejectedBy(verify(re, rreq, re.x.open(rreq)), ['matmul.rows'], 'old answer re-committed', true);
  });

  test('reported time above the validator-observed time fails timing.reported-within-observed', () => {
    const p = parties();
    const honest = cheaterCommit(p, SMALL, undefined, { timings: { totalMs: 0 } });
    const hreq = makeOpenRequest(p.v, honest.challenge, honest.commitment, honest.window, 32);
    assertAccepted(verify(honest, hreq, honest.x.open(hreq)), 'honest timings');
    // Claims a 60 s run (a slow, big card's window) in a window the validator saw last milliseconds.
    const c = cheaterCommit(p, SMALL, undefined, { timings: { totalMs: 60_000, phases: { 'matmul.chain': 59_000 } } });
    assert.ok(c.window.observedMs < 60_000);
    const req = makeOpenRequest(p.v, c.challenge, c.commitment, c.window, 32);
    const v = verify(c, req, c.x.open(req));
    assertRejectedBy(v, ['timing.reported-within-observed'], 'reported > observed', true);
    // At the boundary: equal passes, a microsecond more fails.
    const t = cheaterCommit(p, SMALL, undefined, { timings: { totalMs: 1234.5 } });
    const eq = makeOpenRequest(p.v, t.challenge, t.commitment, { ...t.window, observedMs: 1234.5 }, 32);
    assertAccepted(verify(t, eq, t.x.open(eq)), 'reported = observed');
    const under = makeOpenRequest(p.v, t.challenge, t.commitment, { ...t.window, observedMs: 1234.499 }, 32);
    assertRejectedBy(verify(t, under, t.x.open(under)), ['timing.reported-within-observed'], 'reported = observed + 1 µs', true);
  });
});

describe('role refusals (GPU executor)', { ...GPU_LIMIT, ...notInMutationRun('GPU') }, () => {
  test('a replayed commitment, a commitment for another challenge, and a challenge never issued are REFUSED', async () => {
    const p = parties();
    const c1 = p.issue(SMALL);
    const c2 = p.issue(SMALL);
    const s1 = await runChallenge(gpu(), c1, p.execOpts);
    const s2 = await runChallenge(gpu(), c2, p.execOpts);
    // Commitment 1 offered for challenge 2: refused, and challenge 2 stays open.
    assert.throws(() => receiveCommitment(p.v, c2, s1.commitment, p.vStore), refusedWith(/another challenge/));
    receiveCommitment(p.v, c2, s2.commitment, p.vStore);
    // The first receipt of commitment 1 is accepted; the same commitment again is refused.
    receiveCommitment(p.v, c1, s1.commitment, p.vStore);
    assert.throws(() => receiveCommitment(p.v, c1, s1.commitment, p.vStore), refusedWith(/already answered/));
    // A fresh (even different) commitment for an answered challenge is refused too.
    const again = signMessage('commitment', { ...s1.commitment.body, timings: { ...s1.commitment.body.timings, totalMs: 1 } }, p.e.secretKey);
    assert.throws(() => receiveCommitment(p.v, c1, again, p.vStore), refusedWith(/already answered/));

    // A challenge signed by another validator key, run honestly by the executor.
    const otherValidator = issueChallenge(p.mallory, { executorKey: toB64(p.e.publicKey), matmul: SMALL }, new MemoryReplayStore());
    const so = await runChallenge(gpu(), otherValidator, p.execOpts);
    assert.throws(() => receiveCommitment(p.v, otherValidator, so.commitment, p.vStore), refusedWith(/not issued by this validator/));
    // Signed by this validator's key but never recorded as issued (a forged or lost challenge).
    const unrecorded = issueChallenge(p.v, { executorKey: toB64(p.e.publicKey), matmul: SMALL }, new MemoryReplayStore());
    const su = await runChallenge(gpu(), unrecorded, p.execOpts);
    assert.throws(() => receiveCommitment(p.v, unrecorded, su.commitment, p.vStore), refusedWith(/unknown to this validator/));
    // A recorded challenge with its body altered (same id, new seed) under the original signature.
    const altered: SignedChallenge = { ...c2, body: { ...c2.body, seed: flipHex(c2.body.seed) } };
    assert.throws(() => receiveCommitment(p.v, altered, s2.commitment, p.vStore), refusedWith(/not issued by this validator/));
  });

  test('an expired challenge: the executor refuses to run it, the validator refuses a late commitment', async () => {
    const p = parties();
    const ch = p.issue(SMALL, 60_000);
    const { expiresAt } = ch.body;
    assert.throws(() => checkChallenge(ch, p.e, new MemoryReplayStore(), expiresAt), refusedWith(/expired/));
    assert.throws(() => checkChallenge(ch, p.e, new MemoryReplayStore(), expiresAt + 3_600_000), refusedWith(/expired/));
    await assert.rejects(runChallenge(gpu(), ch, { ...p.execOpts, now: () => expiresAt }), refusedWith(/expired/));
    // A refused run is not remembered: one millisecond earlier the same challenge runs.
    checkChallenge(ch, p.e, p.eStore, expiresAt - 1);
    const state = await runChallenge(gpu(), ch, { ...p.execOpts, now: () => expiresAt - 1 });
    // The validator: a commitment arriving at or after expiry is refused (and does not consume it).
    assert.throws(() => receiveCommitment(p.v, ch, state.commitment, p.vStore, expiresAt), refusedWith(/after the challenge expired/));
    assert.throws(() => receiveCommitment(p.v, ch, state.commitment, p.vStore, expiresAt + 1), refusedWith(/after the challenge expired/));
    const window = { ...receiveCommitment(p.v, ch, state.commitment, p.vStore, expiresAt - 1), observedMs: 60_000 };
    const request = makeOpenRequest(p.v, ch, state.commitment, window, 8);
    const openings = await answerOpenings(gpu(), state, request, p.execOpts);
    const c = { challenge: ch, commitment: state.commitment, window };
    assertAccepted(verify(c, request, openings), 'received 1 ms before expiry');
    // And the verifier sees a window ending after expiry in a signed request.
    const late = makeOpenRequest(p.v, ch, state.commitment, { ...window, receivedAt: expiresAt }, 8);
    const lateOpenings = await answerOpenings(gpu(), state, late, p.execOpts);
    assertRejectedBy(verify(c, late, lateOpenings), ['commitment.in-time'], 'window past expiry', true);
  });

  test('a challenge for another executor key, and a challenge id already run, are REFUSED', async () => {
    const p = parties();
    const forMallory = issueChallenge(p.v, { executorKey: toB64(p.mallory.publicKey), matmul: SMALL }, p.vStore);
    assert.throws(() => checkChallenge(forMallory, p.e, new MemoryReplayStore(), Date.now()), refusedWith(/another executor key/));
    await assert.rejects(runChallenge(gpu(), forMallory, p.execOpts), refusedWith(/another executor key/));
    checkChallenge(forMallory, p.mallory, new MemoryReplayStore(), Date.now()); // its addressee accepts it

    const ch = p.issue(SMALL);
    await runChallenge(gpu(), ch, p.execOpts);
    await assert.rejects(runChallenge(gpu(), ch, p.execOpts), refusedWith(/already run/));
    assert.throws(() => checkChallenge(ch, p.e, p.eStore, Date.now()), refusedWith(/already run/));
    // Re-spelling the same id in a re-issued challenge (new seed, new signature) does not help.
    const reissued = signMessage('challenge', { ...ch.body, seed: flipHex(ch.body.seed) }, p.v.secretKey);
    await assert.rejects(runChallenge(gpu(), reissued, p.execOpts), refusedWith(/already run/));
  });

  test('a challenge signed by someone other than its validatorKey is REFUSED', async () => {
    const p = parties();
    const ch = p.issue(SMALL);
    checkChallenge(ch, p.e, new MemoryReplayStore(), Date.now()); // the genuine one is fine
    const forged = signMessage('challenge', ch.body, p.mallory.secretKey); // names v, signed by mallory
    assert.equal(forged.body.validatorKey, toB64(p.v.publicKey));
    assert.throws(() => checkChallenge(forged, p.e, new MemoryReplayStore(), Date.now()), refusedWith(/signature/));
    await assert.rejects(runChallenge(gpu(), forged, p.execOpts), refusedWith(/signature/));
    // mallory's signature under v's name as signer: does not verify.
    const relabelled: SignedChallenge = { ...forged, signer: ch.signer };
    await assert.rejects(runChallenge(gpu(), relabelled, p.execOpts), refusedWith(/signature/));
    // v's signature over a body mallory edited (a cheaper seed).
    const edited: SignedChallenge = { ...ch, body: { ...ch.body, seed: '00'.repeat(32) } };
    await assert.rejects(runChallenge(gpu(), edited, p.execOpts), refusedWith(/signature/));
    // None of these was remembered: the genuine challenge still runs.
    await runChallenge(gpu(), ch, p.execOpts);
    // The verifier, handed a forged challenge, fails challenge.signature.
    const t = await gpuTranscript(p, SMALL, 8);
    const vf = verifyProof({ challenge: signMessage('challenge', t.challenge.body, p.mallory.secretKey), commitment: t.commitment, request: t.request, openings: t.openings }, toB64(p.v.publicKey));
    assertRejectedBy(vf, ['challenge.signature'], 'forged challenge at the verifier');
  });

  test('signer substitution: commitment, open request or openings signed by another key', async () => {
    const p = parties();
    const t = await gpuTranscript(p, SMALL, 16);
    assertAccepted(verify(t, t.request, t.openings), 'honest');
    const c = p.issue(SMALL);
    const s = await runChallenge(gpu(), c, p.execOpts);

    // Commitment signed by mallory, body still naming the challenged executor.
    const byMallory = signMessage('commitment', s.commitment.body, p.mallory.secretKey);
    assert.throws(() => receiveCommitment(p.v, c, byMallory, p.vStore), refusedWith(/not signed by the challenged executor/));
    // Commitment by mallory naming mallory.
    const asMallory = signMessage('commitment', { ...s.commitment.body, executorKey: toB64(p.mallory.publicKey) }, p.mallory.secretKey);
    assert.throws(() => receiveCommitment(p.v, c, asMallory, p.vStore), refusedWith(/not signed by the challenged executor/));
    // The executor's own signature with mallory named as signer.
    const relabelled: SignedCommitment = { ...s.commitment, signer: toB64(p.mallory.publicKey) };
    assert.throws(() => receiveCommitment(p.v, c, relabelled, p.vStore), refusedWith(/not signed by the challenged executor/));
    receiveCommitment(p.v, c, s.commitment, p.vStore); // none of them consumed the challenge

    // At the verifier: the honest transcript with the commitment re-signed by mallory (and the
    // request/openings re-bound to it so only the signer differs).
    {
      const commitment = signMessage('commitment', t.commitment.body, p.mallory.secretKey);
      const request = signMessage('open-request', { ...t.request.body, commitmentHash: hashHex(commitment) }, p.v.secretKey);
      const openings = signMessage('openings', { ...t.openings.body, requestHash: hashHex(request) }, p.e.secretKey);
      assertRejectedBy(verifyProof({ challenge: t.challenge, commitment, request, openings }, toB64(p.v.publicKey)), ['commitment.signature'], 'commitment by mallory', true);
      const named = signMessage('commitment', { ...t.commitment.body, executorKey: toB64(p.mallory.publicKey) }, p.mallory.secretKey);
      const r2 = signMessage('open-request', { ...t.request.body, commitmentHash: hashHex(named) }, p.v.secretKey);
      const o2 = signMessage('openings', { ...t.openings.body, requestHash: hashHex(r2) }, p.mallory.secretKey);
      const v2 = verifyProof({ challenge: t.challenge, commitment: named, request: r2, openings: o2 }, toB64(p.v.publicKey));
      assertRejectedBy(v2, ['commitment.signature', 'openings.signature'], 'mallory as executor', true);
    }
    // Openings signed by mallory.
    const openings = signMessage('openings', t.openings.body, p.mallory.secretKey);
    assertRejectedBy(verify(t, t.request, openings), ['openings.signature'], 'openings by mallory', true);
    const relabelledO: SignedOpenings = { ...t.openings, signer: toB64(p.mallory.publicKey) };
    assertRejectedBy(verify(t, t.request, relabelledO), ['openings.signature'], 'openings relabelled', true);
    // An open request signed by mallory: the executor refuses it, the verifier rejects it.
    const reqByMallory = signMessage('open-request', t.request.body, p.mallory.secretKey);
    await assert.rejects(answerOpenings(gpu(), t.state, reqByMallory, p.execOpts), refusedWith(/not signed by the challenge validator/));
    const o3 = signMessage('openings', { ...t.openings.body, requestHash: hashHex(reqByMallory) }, p.e.secretKey);
    assertRejectedBy(verify(t, reqByMallory, o3), ['request.signature'], 'request by mallory', true);
  });
});

// ---------------------------------------------------------------------------------------------
// Any changed byte of any signed message

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Slot = 'challenge' | 'commitment' | 'request' | 'openings';
const SLOT_TYPE: Record<Slot, MessageType> = { challenge: 'challenge', commitment: 'commitment', request: 'open-request', openings: 'openings' };
const SIG_CHECK: Record<Slot, string> = { challenge: 'challenge.signature', commitment: 'commitment.signature', request: 'request.signature', openings: 'openings.signature' };

const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A different character of the same kind where there is one, so most mutants still parse and reach the signature. */
function otherChar(c: string, hexOnly: boolean): string {
  const alphabet = hexOnly ? HEX : B64.includes(c) ? B64 : '';
  if (alphabet.includes(c)) return alphabet[(alphabet.indexOf(c) + 1) % alphabet.length] as string;
  if (c === '=') return 'A';
  return String.fromCharCode(c.charCodeAt(0) ^ 1);
}

/** Positions of a string to change: all of a short one, else both ends and evenly spaced ones. */
function positions(len: number, most: number): number[] {
  if (len <= most) return Array.from({ length: len }, (_, j) => j);
  const out = new Set([0, len - 1]);
  for (let j = 1; out.size < most; j++) out.add(Math.floor((j * len) / most));
  return [...out].sort((a, b) => a - b);
}

interface Mutant {
  where: string;
  /** The envelope field changed, or `body.<field>` for a body field. */
  field: string;
  value: Json;
}

function setAt(root: Json, path: (string | number)[], value: Json): Json {
  const copy = structuredClone(root);
  let o = copy as Record<string | number, Json>;
  for (const step of path.slice(0, -1)) o = o[step] as Record<string | number, Json>;
  o[path[path.length - 1] as string | number] = value;
  return copy;
}

/** Every leaf of the envelope: characters of strings, numbers ±1, booleans negated. */
function fieldMutants(envelope: Json, charsPerString: (path: (string | number)[]) => number): Mutant[] {
  const out: Mutant[] = [];
  const walk = (v: Json, path: (string | number)[]): void => {
    const where = path.join('.');
    const field = path[0] === 'body' ? `body.${String(path[1])}` : String(path[0]);
    const push = (suffix: string, value: Json): number => out.push({ where: `${where}${suffix}`, field, value: setAt(envelope, path, value) });
    if (typeof v === 'string') {
      const hexOnly = /^[0-9a-f]+$/.test(v) && v.length % 2 === 0 && v.length >= 32;
      for (const j of positions(v.length, charsPerString(path))) {
        push(`[${j}]`, v.slice(0, j) + otherChar(v[j] as string, hexOnly) + v.slice(j + 1));
      }
    } else if (typeof v === 'number') {
      push('+1', v + 1);
      push('-1', v - 1);
    } else if (typeof v === 'boolean') {
      push('!', !v);
    } else if (Array.isArray(v)) {
      v.forEach((x, j) => walk(x, [...path, j]));
    } else if (v !== null) {
      for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    }
  };
  walk(envelope, []);
  return out;
}

/** Characters of the JSON text itself, every `stride`-th position (punctuation, keys and values alike). */
function textMutants(text: string, count: number): { where: string; text: string }[] {
  return positions(text.length, count).map((j) => ({
    where: `text[${j}] '${text[j]}'`,
    text: text.slice(0, j) + otherChar(text[j] as string, false) + text.slice(j + 1),
  }));
}

describe('any changed byte of a signed message is rejected', { ...GPU_LIMIT, ...notInMutationRun('GPU') }, () => {
  let t: Transcript;
  before(async () => {
    const p = parties();
    // Small on purpose: every mutant costs a full verification (four ed25519 checks).
    const c = await gpuCommit(p, { n: 16, iterations: 2 });
    const request = requestFor(p, c, [{ k: 0, i: 3 }, { k: 1, i: 12 }], 2);
    const openings = await answerOpenings(gpu(), c.state, request, p.execOpts);
    t = { ...c, request, openings };
  });

  /** The transcript with one message replaced by `raw` must fail to parse or fail verification on its signature. */
  function assertMutantRejected(slot: Slot, raw: string, where: string, stats: { parse: number; verify: number }): void {
    let msg: unknown;
    try {
      msg = parseJsonText(SLOT_TYPE[slot], raw);
    } catch (err) {
      assert.ok(err instanceof GpuproofError && err.code === 'INPUT', `${slot} ${where}: parse threw ${String(err)}`);
      stats.parse++;
      return;
    }
    assert.ok(!isDeepStrictEqual(msg, t[slot]), `${slot} ${where}: mutant parses to the original message`);
    const input = { challenge: t.challenge, commitment: t.commitment, request: t.request, openings: t.openings, [slot]: msg };
    const v = verifyProof(input, t.challenge.body.validatorKey);
    assert.equal(v.accepted, false, `${slot} ${where}: ACCEPTED after a change`);
    assert.ok(failed(v).includes(SIG_CHECK[slot]), `${slot} ${where}: ${SIG_CHECK[slot]} passed; failed: ${failed(v).join(', ')}`);
    stats.verify++;
  }

  const slots: Slot[] = ['challenge', 'commitment', 'request', 'openings'];
  for (const slot of slots) {
    test(`${slot}: every field (string characters, numbers ±1, booleans), the signer and the signature`, (ctx) => {
      assertAccepted(verify(t, t.request, t.openings), 'untouched transcript');
      const envelope = t[slot] as unknown as Json;
      // Long row data and path hashes get fewer positions: each mutant is a full verification.
      const per = (path: (string | number)[]): number =>
        slot === 'openings' && path.includes('rows') ? (path.includes('path') ? 2 : 3) : path.includes('features') ? 1 : 4;
      const mutants = fieldMutants(envelope, per);
      const stats = { parse: 0, verify: 0 };
      const touched = new Set<string>();
      for (const m of mutants) {
        assertMutantRejected(slot, JSON.stringify(m.value), m.where, stats);
        touched.add(m.field);
      }
      // Every top-level envelope field and every body field with a value was changed at least once.
      const body = (t[slot] as { body: Record<string, unknown> }).body;
      const expected = ['type', 'signer', 'signature', ...Object.keys(body).filter((k) => JSON.stringify(body[k]) !== '[]').map((k) => `body.${k}`)];
      for (const f of expected) assert.ok(touched.has(f), `${slot}: field ${f} never mutated`);
      assert.ok(stats.verify > 0.5 * mutants.length, `${slot}: most field mutants should reach the verifier (${JSON.stringify(stats)})`);
      ctx.diagnostic(`${mutants.length} mutants: ${stats.parse} refused by the parser, ${stats.verify} rejected by verifyProof on ${SIG_CHECK[slot]}`);
    });

    test(`${slot}: characters of the JSON text at evenly spaced positions`, (ctx) => {
      const text = JSON.stringify(t[slot]);
      const stats = { parse: 0, verify: 0 };
      const mutants = textMutants(text, slot === 'openings' ? 72 : 48);
      for (const m of mutants) assertMutantRejected(slot, m.text, m.where, stats);
      assert.ok(stats.parse > 0 && stats.verify > 0, JSON.stringify(stats));
      ctx.diagnostic(`${mutants.length} of ${text.length} positions: ${stats.parse} refused by the parser, ${stats.verify} rejected by verifyProof`);
    });
  }

  test('a body field removed or added is a parse error for every message', () => {
    for (const slot of slots) {
      const env = t[slot] as unknown as { body: Record<string, Json> };
      for (const k of Object.keys(env.body)) {
        const { [k]: _gone, ...rest } = env.body;
        const raw = JSON.stringify({ ...env, body: rest });
        assert.throws(() => parseJsonText(SLOT_TYPE[slot], raw), (e: unknown) => e instanceof GpuproofError && e.code === 'INPUT', `${slot} without ${k}`);
      }
      assert.throws(() => parseJsonText(SLOT_TYPE[slot], JSON.stringify({ ...env, body: { ...env.body, extra: 1 } })), (e: unknown) => e instanceof GpuproofError && e.code === 'INPUT');
    }
  });

  test('signature bytes flipped (first and last byte of R and of S, through base64) fail the signature check', () => {
    for (const slot of slots) {
      const env = t[slot];
      const sig = fromB64(env.signature);
      for (const b of [0, 31, 32, 63]) {
        const s = sig.slice();
        s[b] = (s[b] as number) ^ 0x80;
        const v = verifyProof({ ...t, [slot]: { ...env, signature: toB64(s) } }, t.challenge.body.validatorKey);
        assert.ok(failed(v).includes(SIG_CHECK[slot]), `${slot}: signature byte ${b}`);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Gaps these tests found, now closed in src/roles/verifier.ts.

describe('timing phases and forged sizes', GPU_LIMIT, () => {
  test('a reported PHASE time above the observed window is rejected like totalMs', () => {
    const p = parties();
    // totalMs 0 passes the check; the chain phase claims 11.6 days in a window of milliseconds.
    const c = cheaterCommit(p, SMALL, undefined, { timings: { totalMs: 0, phases: { 'matmul.chain': 1e9 } } });
    const req = makeOpenRequest(p.v, c.challenge, c.commitment, c.window, 32);
    const v = verify(c, req, c.x.open(req));
    assert.ok(v.measured.matmul.reportedMs <= v.measured.matmul.observedMs, 'reported time is capped at the observed window');
    assertRejectedBy(v, ['timing.reported-within-observed'], 'phase above observed');
  });

  test('verifyProof does no matrix work for a challenge whose signature fails (huge forged n)', () => {
    const p = parties();
    const c = cheaterCommit(p, SMALL);
    const req = makeOpenRequest(p.v, c.challenge, c.commitment, c.window, 32);
    const openings = c.x.open(req);
    let t0 = performance.now();
    assertAccepted(verify(c, req, openings), 'honest');
    const honestMs = performance.now() - t0;
    // Schema-valid, signature broken: the body now says n = 4096 (65520 is as valid and 256× worse).
    const forged = parseJsonText('challenge', JSON.stringify({ ...c.challenge, body: { ...c.challenge.body, matmul: { n: 4096, iterations: 1 } } }));
    t0 = performance.now();
    const v = verifyProof({ challenge: forged, commitment: c.commitment, request: req, openings }, c.challenge.body.validatorKey);
    const forgedMs = performance.now() - t0;
    assertRejectedBy(v, ['challenge.signature'], 'forged n');
    assert.ok(forgedMs < 5 * honestMs + 100, `a forged challenge cost ${forgedMs.toFixed(0)} ms against ${honestMs.toFixed(0)} ms for an honest proof`);
  });
});
