// Every cheat on the integer proof that docs/alu-proof.md §7 names, each one PERFORMED by the CPU
// cheater of test/helpers/alu-cheater.ts (which computes lanes with the verifier's reference, lets
// the test alter them, commits to whatever it holds and opens with real audit paths) and shown to
// be rejected by the named check. Each test runs its honest counterpart in the same setting, so no
// test passes because nothing could pass. One test runs the honest GPU executor end to end.
// Sizes are tiny (W = 512 lanes, L = 64 rounds): the checks do not depend on size.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { useGpu } from './helpers/gpu.js';
import { AluCheater, type AluCheaterOptions, type AluCommitOptions, type AluOpenOptions } from './helpers/alu-cheater.js';
import type { AluParams, SignedChallenge, SignedCommitment, SignedOpenRequest, SignedOpenings } from '../src/protocol/schemas.js';
import { runChallenge, answerOpenings } from '../src/roles/executor.js';
import { receiveCommitment, makeOpenRequest, MEMORY_ONLY_MATMUL, DEFAULT_OPEN_LANES, type ObservedWindow } from '../src/roles/validator.js';
import { verifyProof, type Verification } from '../src/roles/verifier.js';
import { assertAccepted, assertRejectedBy } from './helpers/verdicts.js';
import { makeParties, type Parties } from './helpers/parties.js';
import { notInMutationRun, mutationRuns } from './helpers/mutation.js';
import { GPU_LIMIT } from './helpers/limits.js';

const gpu = useGpu();
const ALU: AluParams = { lanes: 512, rounds: 64 };

interface Round {
  p: Parties;
  challenge: SignedChallenge;
  x: AluCheater;
  commitment: SignedCommitment;
  window: ObservedWindow;
}

function committed(opts: { alu?: AluParams | undefined; cheater?: AluCheaterOptions; commit?: AluCommitOptions; edit?: (x: AluCheater) => void } = {}): Round {
  const p = makeParties();
  const challenge = p.challenge({ matmul: MEMORY_ONLY_MATMUL, ...(opts.alu === undefined && 'alu' in opts ? {} : { alu: opts.alu ?? ALU }) });
  const x = new AluCheater(challenge, p.e, opts.cheater);
  opts.edit?.(x);
  const commitment = x.commit(opts.commit);
  const window = { ...receiveCommitment(p.v, challenge, commitment, p.vStore), observedMs: 1000 };
  return { p, challenge, x, commitment, window };
}

function request(r: Round, lanes = DEFAULT_OPEN_LANES, window = r.window): SignedOpenRequest {
  return makeOpenRequest(r.p.v, r.challenge, r.commitment, window, 1, 0, lanes);
}

const verify = (r: Round, req: SignedOpenRequest, openings: SignedOpenings): Verification =>
  verifyProof({ challenge: r.challenge, commitment: r.commitment, request: req, openings }, r.challenge.body.validatorKey);

function run(r: Round, opts: AluOpenOptions = {}, lanes = DEFAULT_OPEN_LANES): Verification {
  const req = request(r, lanes);
  return verify(r, req, r.x.open(req, opts));
}

const flipBit = (x: AluCheater, i: number, word = 0, bit = 0): void => {
  const s = x.state(i);
  s[word] = ((s[word] as number) ^ (1 << bit)) >>> 0;
  x.setState(i, s);
};

// Exact hypergeometric chance that m distinct lanes drawn from W all fall among the `good` ones.
function allGood(W: number, good: number, m: number): number {
  let p = 1;
  for (let j = 0; j < m; j++) p *= (good - j) / (W - j);
  return Math.max(0, p);
}

describe('honest baselines', GPU_LIMIT, () => {
  test('the CPU cheater computing every lane honestly is accepted, with the figure over the observed window', () => {
    const r = committed();
    const v = run(r);
    assertAccepted(v, 'honest CPU lanes');
    const a = v.measured.alu!;
    assert.equal(a.lanesChecked, DEFAULT_OPEN_LANES);
    assert.equal(a.ops, 512 * 64 * 14);
    assert.equal(a.intGopsObserved, (512 * 64 * 14) / 1000 / 1e6);
    assert.equal(a.window, 'own');
  });

  test('the honest GPU executor is accepted end to end, from a kept run and from a re-run', notInMutationRun('GPU'), async () => {
    for (const keep of [true, false]) {
      const p = makeParties();
      const challenge = p.challenge({ matmul: MEMORY_ONLY_MATMUL, alu: { lanes: 1000, rounds: 300 } });
      const state = await runChallenge(gpu(), challenge, { ...p.execOpts, keepOnGpu: keep });
      const window = receiveCommitment(p.v, challenge, state.commitment, p.vStore);
      const req = makeOpenRequest(p.v, challenge, state.commitment, window, 1, 0, DEFAULT_OPEN_LANES);
      const openings = await answerOpenings(gpu(), state, req, p.execOpts);
      const v = verifyProof({ challenge, commitment: state.commitment, request: req, openings }, challenge.body.validatorKey);
      assertAccepted(v, `GPU executor (keep ${keep})`);
      assert.equal(v.measured.alu?.lanesChecked, DEFAULT_OPEN_LANES);
    }
  });
});

describe('cheats', GPU_LIMIT, () => {
  test('partial lanes: a cheater computing a fraction f of the lanes passes exactly when every opened lane is one it computed; measured rate ≈ C(fW, m)/C(W, m) ≤ f^m', () => {
    const good = 384; // f = 0.75
    const r = committed({ edit: (x) => { for (let i = good; i < x.lanes; i++) x.setState(i, new Uint32Array(randomBytes(16).buffer)); } });
    // Lanes ≥ good are garbage: acceptance must be exactly "all opened lanes < good".
    const m = 4;
    const trials = 300;
    let accepted = 0;
    for (let t = 0; t < trials; t++) {
      const req = request(r, m);
      const v = verify(r, req, r.x.open(req));
      const allComputed = (req.body.lanes ?? []).every((l) => l < good);
      assert.equal(v.accepted, allComputed, `trial ${t}: lanes ${req.body.lanes?.join(',')}`);
      if (!v.accepted) assertRejectedBy(v, ['alu.lanes'], 'partial lanes', true);
      accepted += v.accepted ? 1 : 0;
    }
    const expect = allGood(512, good, m);
    assert.ok(expect <= 0.75 ** m);
    const sigma = Math.sqrt((expect * (1 - expect)) / trials);
    assert.ok(Math.abs(accepted / trials - expect) < 5 * sigma, `measured ${accepted / trials}, expected ${expect.toFixed(3)}`);
    // At the default m = 66, 90 % of the lanes pass with less than f^m = 0.9^66 < 10^-3.
    assert.ok(allGood(512, 461, DEFAULT_OPEN_LANES) < 0.9 ** DEFAULT_OPEN_LANES && 0.9 ** DEFAULT_OPEN_LANES < 1e-3);
    assertRejectedBy(run(r), ['alu.lanes'], 'partial lanes at m = 66', true);
  });

  test('wrong final states under valid paths: one flipped bit in every lane, committed as held, fails alu.lanes', () => {
    const r = committed({ edit: (x) => { for (let i = 0; i < x.lanes; i++) flipBit(x, i, i % 4, i % 32); } });
    const v = run(r);
    assertRejectedBy(v, ['alu.lanes'], 'flipped bits', true);
    assert.ok(v.checks.find((c) => c.name === 'alu.paths')?.pass, 'the paths themselves verify');
  });

  test('short lanes: L − 1 rounds, or half of L, in every lane fail alu.lanes', () => {
    for (const rounds of [ALU.rounds - 1, ALU.rounds / 2, 0]) {
      assertRejectedBy(run(committed({ cheater: { rounds } })), ['alu.lanes'], `${rounds} rounds`, true);
    }
  });

  test("another lane's state: every lane committed as its neighbour's result fails alu.lanes", () => {
    const r = committed({ edit: (x) => { const first = x.state(0); for (let i = 0; i < x.lanes - 1; i++) x.setState(i, x.state(i + 1)); x.setState(x.lanes - 1, first); } });
    assertRejectedBy(run(r), ['alu.lanes'], 'shifted lanes', true);
  });

  test("another lane's opening: an honest commitment answered, for each asked lane, with another lane's state and path fails alu.paths", () => {
    const r = committed();
    assertRejectedBy(run(r, { substitute: (i) => (i + 1) % ALU.lanes }), ['alu.paths'], 'substituted openings', true);
    assertAccepted(run(r), 'same commitment, honest openings');
  });

  test("another challenge's lanes: lanes computed from an old seed (same W and L) fail alu.lanes", () => {
    const old = makeParties().challenge({ matmul: MEMORY_ONLY_MATMUL, alu: ALU });
    const { seed } = old.body;
    assertRejectedBy(run(committed({ cheater: { seed: Buffer.from(seed, 'hex') } })), ['alu.lanes'], 'old seed', true);
  });

  test("another challenge's commitment: the old signed commitment itself names the old challenge", () => {
    const old = committed();
    const r = committed();
    const req = makeOpenRequest(r.p.v, r.challenge, old.commitment, r.window, 1, 0, DEFAULT_OPEN_LANES);
    const v = verifyProof({ challenge: r.challenge, commitment: old.commitment, request: req, openings: old.x.open(req) }, r.challenge.body.validatorKey);
    assert.equal(v.accepted, false);
    assert.ok(v.checks.some((c) => c.name === 'commitment.challenge' && !c.pass));
  });

  test('a smaller tree: half the lanes committed while reporting W fails alu.paths (each path is checked against W leaves); reporting W/2 fails alu.shape', () => {
    assertRejectedBy(run(committed({ commit: { lanes: ALU.lanes / 2 } })), ['alu.paths'], 'tree of W/2 reported as W', true);
    assertRejectedBy(run(committed({ commit: { lanes: ALU.lanes / 2, report: { lanes: ALU.lanes / 2 } } })), ['alu.shape'], 'W/2 reported');
    assertRejectedBy(run(committed({ commit: { report: { rounds: ALU.rounds - 1 } } })), ['alu.shape'], 'L − 1 reported');
  });

  test('openings that are not exactly the asked lanes, in order, fail alu.openings-complete', () => {
    const r = committed();
    assertRejectedBy(run(r, { lanes: (a) => a.slice(1) }), ['alu.openings-complete'], 'one lane left out');
    assertRejectedBy(run(r, { lanes: (a) => [...a].reverse() }), ['alu.openings-complete'], 'reordered');
    assertRejectedBy(run(r, { lanes: (a) => a.map((l) => (l + 1) % ALU.lanes) }), ['alu.openings-complete'], 'other lanes');
    assertRejectedBy(run(r, { tamper: (b) => { delete b.lanes; } }), ['alu.openings-complete'], 'no lanes at all');
  });

  test('no integer part committed for a challenge that asked one fails alu.committed; integer data for a challenge without one fails alu.absent', () => {
    assertRejectedBy(run(committed({ commit: { omitAlu: true } })), ['alu.committed'], 'omitted');
    const r = committed({ alu: undefined, cheater: { as: ALU } });
    const req = request(r);
    assert.equal(req.body.lanes, undefined, 'the validator asks no lanes of a challenge without an integer part');
    assertRejectedBy(verify(r, req, r.x.open(req, { lanes: () => [0, 1] })), ['alu.absent'], 'lanes unasked');
  });

  test('a lane phase reported longer than the observed window fails timing.reported-within-observed', () => {
    const r = committed({ commit: { timings: { phases: { 'alu.lanes': 5000 }, totalMs: 5000 } } });
    assertRejectedBy(run(r), ['timing.reported-within-observed'], 'slow lanes claimed', true);
  });
});
