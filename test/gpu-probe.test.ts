// The memory probe on the adapter at hand, with caps small enough for lavapipe: both sides of the
// cap, and every probe buffer freed (a second probe gets as much as the first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useGpu } from './helpers/gpu.js';
import { probeAllocatableBytes } from '../src/gpu/probe.js';
import { defaultMemoryMib, MIB } from '../src/proofs/memory-size.js';
import { GPU_LIMIT } from './helpers/limits.js';

const gpu = useGpu();

test('the probe stops at the cap, takes whole chunks, and frees them', GPU_LIMIT, async () => {
  const { device } = gpu();
  const a = await probeAllocatableBytes(device, 4 * MIB, 16 * MIB);
  assert.deepEqual(a, { bytes: 16 * MIB, chunks: 4, chunkBytes: 4 * MIB, capped: true });
  const b = await probeAllocatableBytes(device, 4 * MIB, 18 * MIB);
  assert.equal(b.bytes, 16 * MIB, 'a cap between chunks rounds down');
  const c = await probeAllocatableBytes(device, 4 * MIB, 3 * MIB);
  assert.equal(c.bytes, 0, 'a cap below one chunk allocates nothing');
});

test('an allocation the device refuses ends the probe instead of throwing', GPU_LIMIT, async () => {
  const { device } = gpu();
  // Larger than maxBufferSize: refused (validation), so the probe reports what it got before.
  const tooBig = device.limits.maxBufferSize + 4;
  const r = await probeAllocatableBytes(device, tooBig, tooBig * 2);
  assert.equal(r.bytes, 0);
  assert.equal(r.capped, false);
});

test('the production default proves at least 85 % of a probed budget', GPU_LIMIT, () => {
  const limits = { maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 32 };
  for (const gib of [8, 24, 80, 141]) {
    const budget = gib * 2 ** 30;
    const mib = defaultMemoryMib(limits, budget);
    assert.ok(mib * MIB >= 0.85 * budget, `${gib} GiB: ${mib} MiB proven`);
    assert.ok(mib * MIB < budget, 'leaves room for the spare chunk');
  }
});
