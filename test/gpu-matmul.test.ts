import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { useGpu } from './helpers/gpu.js';
import { sha256MessagesGpu } from '../src/proofs/sha256-gpu.js';
import { runMatmulChain } from '../src/proofs/matmul-gpu.js';
import { chainRef } from '../src/proofs/reference.js';
import { layerRootsOf, layerTree } from '../src/proofs/matmul-layers.js';
import { sha256, toHex } from '../src/util/bytes.js';
import { GPU_LIMIT } from './helpers/limits.js';

const gpu = useGpu();

describe('GPU SHA-256 against node:crypto', GPU_LIMIT, () => {
  for (const words of [16, 32, 256, 4096]) {
    test(`messages of ${words} words`, async () => {
      const count = 37;
      const data = new Uint32Array(randomBytes(words * count * 4).buffer);
      const got = await sha256MessagesGpu(gpu(), data, words);
      for (let m = 0; m < count; m++) {
        const msg = new Uint8Array(data.buffer, m * words * 4, words * 4);
        assert.equal(toHex(got.subarray(m * 32, m * 32 + 32)), toHex(sha256(msg)), `message ${m}`);
      }
    });
  }
});

describe('GPU matmul chain equals the CPU reference (v2: layer trees, GPU mask keys, masked fold)', GPU_LIMIT, () => {
  for (const [n, K] of [[16, 3], [48, 2], [128, 3]] as const) {
    test(`n=${n} K=${K}: every layer root, captured row and captured layer tree`, async () => {
      const seed = new Uint8Array(randomBytes(32));
      const ref = chainRef(seed, n, K);
      const capture = [{ k: 0, i: 0 }, { k: K - 1, i: n - 1 }, { k: 1, i: 5 }];
      const run = await runMatmulChain(gpu(), seed, { n, iterations: K }, { capture });
      assert.equal(toHex(run.layerRoots), toHex(layerRootsOf(ref, n)));
      for (const { k, i } of capture) {
        assert.deepEqual(run.rows.get(`${k}:${i}`), ref[k]!.slice(i * n, (i + 1) * n));
        const want = layerTree(ref[k]!, n);
        const got = run.trees.get(k);
        assert.ok(got, `layer ${k}'s tree was captured`);
        assert.equal(toHex(got.root()), toHex(want.root()));
        assert.deepEqual(got.auditPath(i).map(toHex), want.auditPath(i).map(toHex), `path of (${k}, ${i})`);
      }
      assert.deepEqual([...run.trees.keys()].sort(), [...new Set(capture.map((c) => c.k))].sort(), 'only the captured layers come back');
      assert.ok(run.phases.chain! > 0 && run.phases.generate! >= 0);
    });
  }
});

describe('a kept chain answers openings without a re-run', GPU_LIMIT, () => {
  test('rows and layer trees copied from the kept chain equal the reference, and the chain is freed after', async () => {
    const n = 48;
    const K = 3;
    const seed = new Uint8Array(randomBytes(32));
    const ref = chainRef(seed, n, K);
    const run = await runMatmulChain(gpu(), seed, { n, iterations: K }, { keep: true });
    assert.ok(run.kept, 'a small chain is kept');
    const refs = [{ k: 0, i: 3 }, { k: 2, i: n - 1 }, { k: 1, i: 0 }];
    const { rows, trees } = await run.kept.open(refs);
    for (const { k, i } of refs) assert.deepEqual(rows.get(`${k}:${i}`), ref[k]!.slice(i * n, (i + 1) * n));
    assert.deepEqual([...trees.keys()], [0, 2, 1], 'one tree per opened layer, in first-asked order');
    for (const [k, t] of trees) assert.equal(toHex(t.root()), toHex(layerTree(ref[k]!, n).root()), `kept tree ${k}`);
    run.kept.destroy();
    const plain = await runMatmulChain(gpu(), seed, { n, iterations: K });
    assert.equal(plain.kept, undefined, 'nothing is kept unless asked');
    assert.deepEqual(plain.layerRoots, run.layerRoots, 'keeping does not change the commitment');
  });
});
