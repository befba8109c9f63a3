// Every matmul variant the autotuner can pick (and the baseline) computes the same exact bits:
// identical row digests to each other and to the CPU reference, at sizes that leave partial
// tiles at the edges. On an adapter with subgroup matrices the candidates include the tensor
// path's variants (test/tensor.test.ts covers them and their parts on any adapter).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { useGpu } from './helpers/gpu.js';
import { runMatmulChain } from '../src/proofs/matmul-gpu.js';
import { MATMUL_VARIANTS, DEFAULT_VARIANT_ID, candidateVariants, findVariant, variantFits } from '../src/proofs/matmul-variants.js';
import { chainRef } from '../src/proofs/reference.js';
import { layerRootsOf } from '../src/proofs/matmul-layers.js';
import { variantNeedsOf } from '../src/proofs/matmul-tune.js';
import { toHex } from '../src/util/bytes.js';
import { GPU_LIMIT } from './helpers/limits.js';

const gpu = useGpu();

for (const n of [48, 144]) {
  test(`all variants are bit-exact with the CPU reference at n=${n}`, async () => {
    const seed = new Uint8Array(randomBytes(32));
    const K = 2;
    const ref = chainRef(seed, n, K);
    const want = toHex(layerRootsOf(ref, n));
    let ran = 0;
    const candidates = candidateVariants(gpu().device.limits, variantNeedsOf(gpu()), true);
    for (const v of candidates) {
      const run = await runMatmulChain(gpu(), seed, { n, iterations: K }, { kernel: v.id });
      assert.equal(run.kernel, v.id);
      assert.equal(run.path, v.path);
      assert.equal(toHex(run.layerRoots), want, `variant ${v.id}`);
      ran++;
    }
    const needSubgroups = MATMUL_VARIANTS.filter((v) => v.requires === 'subgroups').length;
    const hasSubgroups = gpu().device.features.has('subgroups');
    assert.ok(ran >= MATMUL_VARIANTS.length - (hasSubgroups ? 0 : needSubgroups), `only ${ran} variants fit`);
  });
}

test('variant table: unique ids, a valid default, unknown ids refused', GPU_LIMIT, () => {
  assert.equal(new Set(MATMUL_VARIANTS.map((v) => v.id)).size, MATMUL_VARIANTS.length);
  assert.equal(findVariant(DEFAULT_VARIANT_ID).id, DEFAULT_VARIANT_ID);
  assert.throws(() => findVariant('no-such-kernel'), RangeError);
  const small = { maxComputeInvocationsPerWorkgroup: 64, maxComputeWorkgroupStorageSize: 16384 } as GPUSupportedLimits;
  assert.ok(!variantFits(findVariant('tiled-64x64-r4x4-k16'), small), '256 invocations do not fit a 64-invocation limit');
  assert.ok(variantFits(findVariant('tiled-32x32-r4x4-k16'), small));
  const sg = findVariant('subgroup-8x256-r8x4');
  const big = { maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupStorageSize: 16384 } as GPUSupportedLimits;
  assert.ok(!variantFits(sg, big, { features: new Set(), subgroupMaxSize: 32 }), 'no subgroups feature: not a candidate');
  assert.ok(variantFits(sg, big, { features: new Set(['subgroups']), subgroupMaxSize: 32 }));
  assert.ok(!variantFits(sg, big, { features: new Set(['subgroups']), subgroupMaxSize: 128 }), 'a subgroup wider than the 64-lane row');
});
