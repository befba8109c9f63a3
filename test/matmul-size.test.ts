import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMatmulSize, maxNForLimits, MAX_EXACT_N, MAX_ITERATIONS } from '../src/proofs/matmul-size.js';
import { GpuproofError } from '../src/errors.js';
import { dawnFlags } from '../src/gpu/context.js';
import { isSoftwareAdapter } from '../src/gpu/adapter-info.js';
import { dispatchSize } from '../src/gpu/buffers.js';

const fails = (fn: () => void, field: string): void =>
  assert.throws(fn, (e: unknown) => e instanceof GpuproofError && e.code === 'INPUT' && e.field === field);

test('n: both sides of every limit', () => {
  checkMatmulSize({ n: 16, iterations: 1 });
  fails(() => checkMatmulSize({ n: 0, iterations: 1 }), 'n');
  fails(() => checkMatmulSize({ n: 8, iterations: 1 }), 'n');
  fails(() => checkMatmulSize({ n: 24, iterations: 1 }), 'n');
  fails(() => checkMatmulSize({ n: 16.5, iterations: 1 }), 'n');
  const top = Math.floor(MAX_EXACT_N / 16) * 16;
  checkMatmulSize({ n: top, iterations: 1 });
  assert.ok((top + 16) * 64 >= 2 ** 24, 'the next multiple of 16 breaks exactness');
  fails(() => checkMatmulSize({ n: top + 16, iterations: 1 }), 'n');
});

test('iterations: both sides', () => {
  checkMatmulSize({ n: 16, iterations: MAX_ITERATIONS });
  fails(() => checkMatmulSize({ n: 16, iterations: 0 }), 'iterations');
  fails(() => checkMatmulSize({ n: 16, iterations: MAX_ITERATIONS + 1 }), 'iterations');
  fails(() => checkMatmulSize({ n: 16, iterations: Number.NaN }), 'iterations');
});

test('adapter buffer limit: the largest n fits, the next does not', () => {
  const limits = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 2 ** 32 - 1 };
  const n = maxNForLimits(limits);
  assert.equal(n, 5792);
  checkMatmulSize({ n, iterations: 1 }, limits);
  fails(() => checkMatmulSize({ n: n + 16, iterations: 1 }, limits), 'n');
  fails(() => checkMatmulSize({ n: n + 16, iterations: 1 }, limits, 'body.matmul'), 'body.matmul.n');
});

test('Dawn flags: the tensor path toggles by default, then options, then the environment', () => {
  const env = { GPUPROOF_BACKEND: 'vulkan', GPUPROOF_ADAPTER: 'llvmpipe', GPUPROOF_TOGGLES: 'a, b', GPUPROOF_DISABLE_TOGGLES: 'c' };
  assert.deepEqual(dawnFlags({}, env), [
    'backend=vulkan', 'adapter=llvmpipe', 'enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia,a,b', 'disable-dawn-features=timestamp_quantization,c',
  ]);
  assert.deepEqual(dawnFlags({ backend: 'null', toggles: ['allow_unsafe_apis'] }, {}), [
    'backend=null', 'enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia', 'disable-dawn-features=timestamp_quantization',
  ]);
  // A default can be turned off; it then appears only among the disabled.
  assert.deepEqual(dawnFlags({}, { GPUPROOF_DISABLE_TOGGLES: 'allow_unsafe_apis' }), [
    'enable-dawn-features=vulkan_enable_f16_on_nvidia', 'disable-dawn-features=timestamp_quantization,allow_unsafe_apis',
  ]);
});

test('software adapters are recognised, real ones are not', () => {
  const base = { description: '', device: '', architecture: '', isFallbackAdapter: false, backend: 'vulkan' };
  assert.ok(isSoftwareAdapter({ ...base, description: 'llvmpipe: Mesa 25.0.7' }));
  assert.ok(isSoftwareAdapter({ ...base, description: 'SwiftShader Device (Subzero)' }));
  assert.ok(isSoftwareAdapter({ ...base, backend: 'null' }));
  assert.ok(isSoftwareAdapter({ ...base, isFallbackAdapter: true }));
  assert.ok(!isSoftwareAdapter({ ...base, description: 'NVIDIA H100 80GB HBM3', architecture: 'hopper' }));
});

test('dispatch folds into 2-D only past the per-dimension limit', () => {
  assert.deepEqual(dispatchSize(64 * 65535, 64), [65535, 1]);
  const [x, y] = dispatchSize(64 * 65536, 64);
  assert.ok(y === 2 && x * y * 64 >= 64 * 65536 && x <= 65535);
});
