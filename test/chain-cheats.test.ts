// The cheats that broke protocol v1's chain, performed against v2 and measured (docs/security.md):
// - collapse: C_0 committed with equal rows, then one vector–matrix product a layer copied to every
//   row. In v1 every later layer then had equal rows and only k = 0 openings could fail:
//   accepted with (1 − 1/K)^m. In v2 the mask keyed by L_k gives A_{k+1} distinct rows, so only
//   the computed row of each layer links: f = 1/n.
// - replay: p layers computed, then repeated. Without k in the mask key the repeats link for free
//   (83 % of links for a third of the work, at K = 12, p = 4); with it, only the computed layers.
// Each cheat's right links are counted exactly, and its acceptance is measured against f^m.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheatingExecutor } from './helpers/cheater.js';
import { makeParties, type Parties } from './helpers/parties.js';
import { buildCli, describeResult, runCli } from './helpers/cli.js';
import { receiveCommitment, makeOpenRequest, DEFAULT_OPEN_ROWS } from '../src/roles/validator.js';
import { verifyProof } from '../src/roles/verifier.js';
import { maskKey, maskRow, maskedFoldRow } from '../src/proofs/matmul-mask.js';
import { layerTree } from '../src/proofs/matmul-layers.js';
import { rowTimesMatrix } from '../src/proofs/reference.js';
import { readKeyFile } from '../src/protocol/keys.js';
import type { SignedChallenge, SignedOpenRequest } from '../src/protocol/schemas.js';
import type { MatmulSize } from '../src/proofs/matmul-size.js';
import { toB64 } from '../src/util/bytes.js';

type Cheat = (x: CheatingExecutor) => void;

/** v1's collapse, adapted: each layer's row 0 computed honestly from what was committed, copied to every row. */
const collapse: Cheat = (x) => {
  for (let k = 0; k < x.iterations; k++) {
    const next = k === 0 ? undefined : x.nextInput(k - 1);
    const row = x.honestRow(k, 0, next);
    for (let i = 0; i < x.n; i++) x.setRow(k, i, row);
  }
};

/** p layers computed honestly, then repeated: C_{k} := C_{k mod p}. */
const replay = (p: number): Cheat => (x) => {
  for (let k = p; k < x.iterations; k++) for (let i = 0; i < x.n; i++) x.setRow(k, i, x.row(k % p, i));
};

type MaskKeyFn = (x: CheatingExecutor, k: number, layerRoot: Uint8Array) => Uint8Array;
const realKey: MaskKeyFn = (x, k, root) => maskKey(x.seed, x.n, x.iterations, k, root);
/** The key without k (a hypothetical protocol): what the replay cheat exploits. */
const keyWithoutK: MaskKeyFn = (x, _k, root) => maskKey(x.seed, x.n, x.iterations, 0, root);

/** Recomputes layers 1 … p − 1 honestly under another mask key (a hypothetical protocol). */
function chainUnder(x: CheatingExecutor, keyOf: MaskKeyFn, p: number): void {
  for (let k = 1; k < p; k++) {
    const key = keyOf(x, k - 1, layerTree(x.layer(k - 1), x.n).root());
    for (let i = 0; i < x.n; i++) x.setRow(k, i, rowTimesMatrix(maskedFoldRow(x.row(k - 1, i), maskRow(key, x.n, i)), x.B, x.n));
  }
}

/** Fraction of the K·n links (k, i) whose held C_k[i] = A_k[i]·B, A_k built from the held layers. */
function rightLinks(x: CheatingExecutor, keyOf: MaskKeyFn = realKey): number {
  let right = 0;
  for (let k = 0; k < x.iterations; k++) {
    const key = k === 0 ? undefined : keyOf(x, k - 1, layerTree(x.layer(k - 1), x.n).root());
    for (let i = 0; i < x.n; i++) {
      const want = key ? rowTimesMatrix(maskedFoldRow(x.row(k - 1, i), maskRow(key, x.n, i)), x.B, x.n) : x.honestRow(0, i);
      if (want.every((v, j) => v === x.row(k, i)[j])) right++;
    }
  }
  return right / (x.iterations * x.n);
}

/** Commits the cheat for a fresh challenge, opens m random rows, and verifies. */
function attempt(p: Parties, size: MatmulSize, cheat: Cheat, m: number): boolean {
  const challenge = p.challenge({ matmul: size });
  const x = new CheatingExecutor(challenge, p.e);
  cheat(x);
  const commitment = x.commit();
  const window = receiveCommitment(p.v, challenge, commitment, p.vStore);
  const request = makeOpenRequest(p.v, challenge, commitment, { ...window, observedMs: 1 }, m);
  return verifyProof({ challenge, commitment, request, openings: x.open(request) }, toB64(p.v.publicKey)).accepted;
}

const acceptance = (size: MatmulSize, cheat: Cheat, m: number, trials: number): number => {
  const p = makeParties();
  let accepted = 0;
  for (let t = 0; t < trials; t++) if (attempt(p, size, cheat, m)) accepted++;
  return accepted;
};

describe('the row collapse (v1 critical hole) against v2', () => {
  const size: MatmulSize = { n: 16, iterations: 4 };

  test('only the one computed row of each layer links: f = 1/n, where v1 had f = 1 − 1/K', () => {
    const x = new CheatingExecutor(makeParties().challenge({ matmul: size }), makeParties().e);
    assert.equal(rightLinks(x), 1, 'the honest chain links everywhere');
    collapse(x);
    assert.equal(rightLinks(x), 1 / size.n);
  });

  test('acceptance measured against f^m: m = 1 near 1/16 (v1: 3/4), m = 2 near 1/256, default m = 66 never', (t) => {
    // Binomial(400, 1/16): mean 25, sd 4.8; 60 is over 7 sd above. v1's 3/4 would give ~300.
    const m1 = acceptance(size, collapse, 1, 400);
    assert.ok(m1 <= 60, `m = 1: ${m1} of 400 accepted, bound f = 1/16`);
    assert.ok(m1 >= 5, `m = 1: ${m1} of 400: the computed rows still pass, so the measurement is live`);
    const m2 = acceptance(size, collapse, 2, 200);
    t.diagnostic(`collapse accepted: m = 1 ${m1}/400 (f = 1/16 predicts 25), m = 2 ${m2}/200 (predicts 0.8)`);
    assert.ok(m2 <= 8, `m = 2: ${m2} of 200 accepted, bound f² = 1/256`);
    assert.equal(acceptance(size, collapse, DEFAULT_OPEN_ROWS, 20), 0, 'default m');
  });
});

describe('the layer replay against v2', () => {
  const size: MatmulSize = { n: 16, iterations: 12 };

  test('k in the mask key: replayed layers never link (f = p/K = 1/3); without k they would (f = 5/6)', () => {
    const p = makeParties();
    const x = new CheatingExecutor(p.challenge({ matmul: size }), p.e);
    replay(4)(x);
    assert.equal(rightLinks(x), 4 / 12, 'with k: only the 4 computed layers');
    // The same cheat against a protocol whose key lacks k: 4 layers computed under that protocol,
    // then repeated. Layers 5..7 and 9..11 repeat 1..3 exactly, masks included, so only the
    // boundaries 4 and 8 fail: the design's 83 % of links for 33 % of the work.
    const y = new CheatingExecutor(p.challenge({ matmul: size }), p.e);
    chainUnder(y, keyWithoutK, 4);
    replay(4)(y);
    assert.equal(rightLinks(y, keyWithoutK), 10 / 12, 'without k: the replay links for free');
    assert.equal(rightLinks(y), 2 / 12, 'and v2 sees through it: only layers 0 and 1 (where k = 0) link');
  });

  test('acceptance measured: m = 1 near 1/3, default m = 66 never', (t) => {
    // Binomial(150, 1/3): mean 50, sd 5.8; 85 is 6 sd above (and far below 5/6 · 150 = 125).
    const m1 = acceptance(size, replay(4), 1, 150);
    t.diagnostic(`replay accepted: m = 1 ${m1}/150 (f = 1/3 predicts 50)`);
    assert.ok(m1 <= 85 && m1 >= 20, `m = 1: ${m1} of 150 accepted, bound f = 1/3`);
    assert.equal(acceptance(size, replay(4), DEFAULT_OPEN_ROWS, 10), 0, 'default m');
  });
});

describe('the collapse through the CLI file flow', () => {
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpuproof-collapse-'));
    await buildCli();
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  test('challenge, cheating commitment, open-request, cheating openings, verify: exit 1 on matmul.rows', async () => {
    const home = join(dir, 'home');
    const cli = async (...args: string[]): Promise<void> => {
      const r = await runCli([...args, '--json'], { home, cwd: dir });
      assert.equal(r.code, 0, `${args[0]}: ${describeResult(r)}`);
    };
    await cli('keygen', '--out', 'v.key');
    await cli('keygen', '--out', 'e.key');
    await cli('challenge', '--key', 'v.key', '--executor', 'e.key', '--n', '64', '--iterations', '8', '--out', 'c.json');
    const challenge = JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8')) as SignedChallenge;
    const x = new CheatingExecutor(challenge, await readKeyFile(join(dir, 'e.key')));
    collapse(x);
    writeFileSync(join(dir, 'commit.json'), JSON.stringify(x.commit()));
    await cli('open-request', '--key', 'v.key', '--challenge', 'c.json', '--commitment', 'commit.json', '--out', 'req.json');
    const request = JSON.parse(readFileSync(join(dir, 'req.json'), 'utf8')) as SignedOpenRequest;
    writeFileSync(join(dir, 'open.json'), JSON.stringify(x.open(request)));
    const r = await runCli(['verify', '--challenge', 'c.json', '--commitment', 'commit.json', '--request', 'req.json', '--openings', 'open.json', '--json'], { home, cwd: dir });
    assert.equal(r.code, 1, describeResult(r));
    assert.equal(r.json?.accepted, false);
    const failedChecks = (r.json?.checks as { name: string; pass: boolean }[]).filter((c) => !c.pass).map((c) => c.name);
    assert.deepEqual(failedChecks, ['matmul.rows']);
  });
});
