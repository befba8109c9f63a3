// The tensor path. Its ids, shapes, candidates and limits are checked without a GPU; its pack and
// unpad kernels on any adapter (they need no matrix units); the whole path, bit for bit against
// the CPU reference, wherever the adapter has chromium-experimental-subgroup-matrix (Mesa ≥ 26
// lavapipe and recent GPUs do; Mesa 25's lavapipe does not, and that test then says so and skips).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { useGpu } from './helpers/gpu.js';
import { exactShapes, paddedOrder, parseTensorId, SUBGROUP_MATRIX_FEATURE, tensorCandidates, tensorId, type TensorParams } from '../src/proofs/tensor-variants.js';
import { candidateVariants, findVariant, variantFits, type VariantNeeds } from '../src/proofs/matmul-variants.js';
import { multiplyPipelines } from '../src/proofs/matmul-multiply.js';
import { runMatmulChain } from '../src/proofs/matmul-gpu.js';
import { variantNeedsOf } from '../src/proofs/matmul-tune.js';
import { chainInputs, chainRef } from '../src/proofs/reference.js';
import { bindInOrder, dispatchSize, readBuffer, storageBuffer, uniformBuffer } from '../src/gpu/buffers.js';
import { getPipeline } from '../src/gpu/shaders.js';
import { toHex } from '../src/util/bytes.js';
import { layerRootsOf } from '../src/proofs/matmul-layers.js';
import { GPU_LIMIT } from './helpers/limits.js';

const gpu = useGpu();
const i8x8 = { type: 'i8', M: 8, N: 8, K: 8 } as const;
const f16x16 = { type: 'f16', M: 16, N: 16, K: 16 } as const;
const limits = { maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupSizeX: 256, maxComputeWorkgroupStorageSize: 16384 } as GPUSupportedLimits;
const needs = (over: Partial<VariantNeeds> = {}): VariantNeeds => ({
  features: new Set([SUBGROUP_MATRIX_FEATURE, 'subgroups', 'shader-f16']),
  subgroupMaxSize: 32,
  tensorShapes: [i8x8, f16x16],
  ...over,
});

describe('tensor variants without a GPU', GPU_LIMIT, () => {
  test('ids round-trip; malformed, out-of-range and non-canonical ids are refused', () => {
    const p: TensorParams = { ...f16x16, TM: 4, TN: 2, WG: 128 };
    assert.equal(tensorId(p), 'tensor-f16-16x16x16-t4x2-w128');
    assert.deepEqual(parseTensorId(tensorId(p)), p);
    assert.equal(findVariant(tensorId(p)).path, 'f16-subgroup-matrix');
    assert.equal(findVariant(tensorId({ ...i8x8, TM: 1, TN: 1, WG: 8 })).path, 'i8-subgroup-matrix');
    for (const bad of ['tensor-u8-8x8x8-t1x1-w8', 'tensor-i8-8x8x8-t5x1-w8', 'tensor-i8-8x8x8-t0x1-w8', 'tensor-i8-2x8x8-t1x1-w8', 'tensor-i8-128x8x8-t1x1-w8',
      'tensor-i8-12x8x8-t1x1-w8', 'tensor-i8-08x8x8-t1x1-w8', 'tensor-i8-8x8x8-t1x1-w24', 'tensor-i8-8x8x8-t1x1-w8 ', 'tensor-i8-8x8x8-t1x1']) {
      assert.equal(parseTensorId(bad), undefined, bad);
      assert.throws(() => findVariant(bad), RangeError, bad);
    }
  });

  test('exact shapes: i8 → i32 and f16 → f32 only', () => {
    const configs = [
      { componentType: 'f16', resultComponentType: 'f16', M: 8, N: 8, K: 8 },
      { componentType: 'f16', resultComponentType: 'f32', M: 8, N: 8, K: 8 },
      { componentType: 'u8', resultComponentType: 'u32', M: 8, N: 8, K: 8 },
      { componentType: 'i8', resultComponentType: 'i32', M: 16, N: 16, K: 32 },
      { componentType: 'i8', resultComponentType: 'i8', M: 8, N: 8, K: 8 },
      { componentType: 'f32', resultComponentType: 'f32', M: 8, N: 8, K: 8 },
      { componentType: 'i8', resultComponentType: 'i32', M: 3, N: 8, K: 8 },
    ];
    assert.deepEqual(exactShapes(configs), [{ type: 'f16', M: 8, N: 8, K: 8 }, { type: 'i8', M: 16, N: 16, K: 32 }]);
  });

  test('candidates: whole largest subgroups a workgroup, within the invocation limit', () => {
    const c = tensorCandidates([i8x8], 32, 64);
    assert.ok(c.length > 0 && c.every((p) => p.WG % 32 === 0 && p.WG <= 64));
    assert.equal(tensorCandidates([i8x8], 32, 32).every((p) => p.WG === 32), true);
    assert.deepEqual(tensorCandidates([i8x8], null, 256), [], 'no subgroup size: no tensor candidates');
  });

  test('padded order: ≥ n, a multiple of every tile and of 16, and n itself when already whole', () => {
    const p: TensorParams = { ...f16x16, TM: 4, TN: 2, WG: 32 };
    for (const n of [1, 15, 16, 17, 63, 64, 65, 100, 4096]) {
      const np = paddedOrder(p, n);
      assert.ok(np >= n && np % 64 === 0 && np % 32 === 0 && np - n < 64, `n=${n} np=${np}`);
    }
    assert.equal(paddedOrder({ ...i8x8, TM: 1, TN: 1, WG: 8 }, 48), 48);
  });

  test('fits: both sides of every condition', () => {
    const v = findVariant(tensorId({ ...f16x16, TM: 2, TN: 2, WG: 64 }));
    assert.ok(variantFits(v, limits, needs()));
    assert.ok(!variantFits(v, limits, needs({ features: new Set(['subgroups', 'shader-f16']) })), 'no subgroup-matrix feature');
    assert.ok(!variantFits(v, limits, needs({ tensorShapes: [i8x8] })), 'the adapter lacks the shape');
    assert.ok(!variantFits(v, limits, needs({ features: new Set([SUBGROUP_MATRIX_FEATURE, 'subgroups']) })), 'f16 without shader-f16');
    assert.ok(variantFits(findVariant(tensorId({ ...i8x8, TM: 1, TN: 1, WG: 32 })), limits, needs({ features: new Set([SUBGROUP_MATRIX_FEATURE, 'subgroups']) })), 'i8 needs no f16');
    assert.ok(!variantFits(v, limits, needs({ subgroupMaxSize: 128 })), 'a workgroup of 64 cannot hold a subgroup of 128');
    assert.ok(!variantFits(v, limits, needs({ subgroupMaxSize: null })));
    assert.ok(!variantFits(findVariant(tensorId({ ...f16x16, TM: 1, TN: 1, WG: 512 })), limits, needs()), 'above the invocation limit');
    assert.ok(!variantFits(v, limits), 'no device facts: nothing tensor fits');
    const all = candidateVariants(limits, needs());
    assert.ok(all.some((x) => x.path === 'i8-subgroup-matrix') && all.some((x) => x.path === 'f16-subgroup-matrix') && all.some((x) => x.path === 'f32'));
    assert.ok(!candidateVariants(limits, needs({ tensorShapes: [] })).some((x) => x.tensor), 'no shapes: f32 only');
  });
});

/** Runs one pipeline over (src, dst, params) and returns dst. */
async function runKernel(label: string, files: string[], defines: Record<string, number>, src: ArrayBufferView, dstBytes: number, params: number[], invocations: number): Promise<Uint8Array> {
  const { device } = gpu();
  const p = await getPipeline(device, { label, files, defines });
  const a = storageBuffer(device, `test.${label}.src`, src.byteLength);
  const b = storageBuffer(device, `test.${label}.dst`, dstBytes);
  const u = uniformBuffer(device, `test.${label}.params`, new Uint32Array(params));
  try {
    device.queue.writeBuffer(a, 0, src.buffer, src.byteOffset, src.byteLength);
    const enc = device.createCommandEncoder({ label });
    const pass = enc.beginComputePass({ label });
    pass.setPipeline(p);
    pass.setBindGroup(0, bindInOrder(device, label, p, [a, b, u]));
    pass.dispatchWorkgroups(...dispatchSize(invocations, 64));
    pass.end();
    device.queue.submit([enc.finish()]);
    return await readBuffer(device, b);
  } finally {
    for (const x of [a, b, u]) x.destroy();
  }
}

describe('pack and unpad kernels (any adapter)', GPU_LIMIT, () => {
  const n = 21;
  const np = 32;
  const { A0 } = chainInputs(new Uint8Array(randomBytes(32)), n);
  const padded = (r: number, c: number): number => (r < n && c < n ? (A0[r * n + c] as number) : 0);

  test('i8: four entries a word, two-complement bytes, zero padding', async () => {
    const out = await runKernel('pack.i8', ['matmul_pad', 'matmul_pack'], { PER_WORD: 4 }, Float32Array.from(A0), np * np, [n, np, 0, 0], (np * np) / 4);
    const bytes = new Int8Array(out.buffer, out.byteOffset, np * np);
    for (let r = 0; r < np; r++) for (let c = 0; c < np; c++) assert.equal(bytes[r * np + c], padded(r, c), `(${r}, ${c})`);
  });

  test('f16: two entries a word, exact halves, zero padding', async () => {
    const out = await runKernel('pack.f16', ['matmul_pad', 'matmul_pack'], { PER_WORD: 2 }, Float32Array.from(A0), np * np * 2, [n, np, 0, 0], (np * np) / 2);
    const halves = new Uint16Array(out.buffer, out.byteOffset, np * np);
    // f16 of an integer in [-8, 8]: sign, exponent 15 + e, 10-bit mantissa.
    const f16 = (x: number): number => {
      if (x === 0) return 0;
      const e = Math.floor(Math.log2(Math.abs(x)));
      return (x < 0 ? 0x8000 : 0) | ((15 + e) << 10) | ((Math.abs(x) / 2 ** e - 1) * 1024);
    };
    for (let r = 0; r < np; r++) for (let c = 0; c < np; c++) assert.equal(halves[r * np + c], f16(padded(r, c)), `(${r}, ${c})`);
  });

  for (const f32 of [false, true]) {
    test(`unpad (${f32 ? 'f32' : 'i32'} results): the top-left n×n as contiguous int32`, async () => {
      const src = new Int32Array(np * np).map((_, i) => (i % 7) * 1000 - (i % 5) * 12345);
      const words = f32 ? new Uint32Array(Float32Array.from(src).buffer) : new Uint32Array(src.buffer);
      const out = await runKernel(`unpad.${f32}`, ['matmul_pad', 'matmul_unpad'], { RESULT_F32: f32 ? 1 : 0 }, words, n * n * 4, [n, np, 0, 0], n * n);
      const got = new Int32Array(out.buffer, out.byteOffset, n * n);
      for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) assert.equal(got[r * n + c], src[r * np + c]);
    });
  }
});

describe('the tensor path on the adapter', GPU_LIMIT, () => {
  test('every tensor candidate is bit-exact with the CPU reference (padding at n = 48 and 144)', async (t) => {
    const cands = candidateVariants(gpu().device.limits, variantNeedsOf(gpu())).filter((v) => v.tensor);
    if (!gpu().device.features.has(SUBGROUP_MATRIX_FEATURE)) return t.skip(`${gpu().report.description} has no ${SUBGROUP_MATRIX_FEATURE}`);
    assert.ok(cands.length > 0, 'the feature without an exact shape');
    for (const n of [48, 144]) {
      const seed = new Uint8Array(randomBytes(32));
      const want = toHex(layerRootsOf(chainRef(seed, n, 2), n));
      for (const v of cands) {
        await multiplyPipelines(gpu().device, v);
        const run = await runMatmulChain(gpu(), seed, { n, iterations: 2 }, { kernel: v.id, capture: [{ k: 1, i: n - 1 }] });
        assert.equal(run.path, v.path);
        assert.equal(toHex(run.layerRoots), want, `${v.id} at n=${n}`);
      }
    }
  });
});
