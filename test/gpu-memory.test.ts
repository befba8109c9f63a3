// The memory proof on the GPU against the CPU reference, the in-place schedule against two
// copies, a many-chunk run against the recursive oracle, and the sizing limits (both sides of
// each). Sizes stay at a few MiB so lavapipe runs the file in seconds.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { useGpu } from './helpers/gpu.js';
import { allocateChunks, runMemoryProof } from '../src/proofs/memory-gpu.js';
import { blockDigest, blockDigestsRef, BLOCK_WORDS, computeLayersRef, passConstants } from '../src/proofs/memory-spec.js';
import { drawBlockWords, verifyBlockWords } from '../src/proofs/memory-oracle.js';
import {
  bandwidthBytesPerSecond,
  capacityBytes,
  checkMemoryLayout,
  checkMemoryParams,
  checkMemoryRequest,
  chunkCapBytes,
  defaultMemoryMib,
  MAX_MIB,
  memoryBytesNeeded,
  memoryLayout,
  MIB,
  MIN_CHUNK_BYTES,
} from '../src/proofs/memory-size.js';
import { GpuproofError } from '../src/errors.js';
import { toHex } from '../src/util/bytes.js';
import { GPU_LIMIT } from './helpers/limits.js';

const gpu = useGpu();
const hex = (d: Uint8Array): string[] => Array.from({ length: d.length / 32 }, (_, i) => toHex(d.subarray(i * 32, i * 32 + 32)));

/** Asserts that fn throws a GpuproofError with this code (and field, when given). */
async function rejects(fn: () => unknown, code: string, field?: string): Promise<GpuproofError> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof GpuproofError, `expected a GpuproofError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (field !== undefined) assert.equal(err.field, field, err.message);
  return err;
}

describe('GPU memory proof equals the CPU reference', GPU_LIMIT, () => {
  for (const [C, R, P] of [[1, 64, 3], [2, 64, 4], [3, 128, 3], [5, 64, 5]] as const) {
    test(`C=${C} R=${R} P=${P}: every block digest and captured block`, async () => {
      const seed = new Uint8Array(randomBytes(32));
      const params = { chunks: C, rows: R, passes: P };
      const xp = computeLayersRef(seed, params);
      const last = (C * R) / 64 - 1;
      let progress = 0;
      const run = await runMemoryProof(gpu(), seed, params, { captureBlocks: [0, last], onProgress: (d) => (progress = d) });
      assert.deepEqual(hex(run.digests), hex(blockDigestsRef(xp)));
      assert.deepEqual(run.blocks.get(last)?.words, xp.slice(last * BLOCK_WORDS, (last + 1) * BLOCK_WORDS));
      assert.equal(run.schedule, C === 1 ? 'ping-pong' : 'in-place');
      assert.equal(run.bytesAllocated, memoryBytesNeeded(params));
      assert.equal(progress, P);
      assert.ok((run.phases['memory.passes'] ?? -1) > 0);
    });
  }

  test('every rotation class s mod 4 of the vec4 loads, over 8 passes', async () => {
    // Seeds are cheap to scan: take the first whose passes hit all four alignments.
    const params = { chunks: 3, rows: 64, passes: 8 };
    let seed = new Uint8Array(32);
    for (let i = 0; new Set(Array.from({ length: 8 }, (_, p) => passConstants(seed, p + 1, 3).s % 4)).size < 4; i++) {
      seed = Uint8Array.from({ length: 32 }, (_, j) => (j === 0 ? i & 255 : j === 1 ? i >> 8 : 0));
    }
    const run = await runMemoryProof(gpu(), seed, params);
    assert.deepEqual(hex(run.digests), hex(blockDigestsRef(computeLayersRef(seed, params))));
  });
});

describe('in place equals two copies', GPU_LIMIT, () => {
  for (const C of [2, 4, 6]) {
    test(`C=${C}: same digests, fewer bytes`, async () => {
      const seed = new Uint8Array(randomBytes(32));
      const params = { chunks: C, rows: 64, passes: 8 };
      const a = await runMemoryProof(gpu(), seed, params, { schedule: 'in-place', inplaceKernel: 'lanes' });
      const r = await runMemoryProof(gpu(), seed, params, { schedule: 'in-place', inplaceKernel: 'rows' });
      const b = await runMemoryProof(gpu(), seed, params, { schedule: 'ping-pong' });
      assert.deepEqual(hex(a.digests), hex(b.digests));
      assert.deepEqual(hex(r.digests), hex(b.digests), 'the barrier-free in-place kernel too');
      assert.deepEqual([a.inplaceKernel, r.inplaceKernel], ['lanes', 'rows'], 'each ran the kernel asked for');
      assert.equal(a.bytesAllocated, ((C + 1) / (2 * C)) * b.bytesAllocated);
    });
  }

  test('in place needs two chunks', async () => {
    await assert.rejects(runMemoryProof(gpu(), new Uint8Array(32), { chunks: 1, rows: 64, passes: 1 }, { schedule: 'in-place' }), RangeError);
  });
});

describe('a kept X_P answers openings without a re-run', GPU_LIMIT, () => {
  for (const C of [1, 3]) {
    test(`C=${C}: blocks copied from the kept layer equal the reference; not kept unless asked`, async () => {
      const seed = new Uint8Array(randomBytes(32));
      const params = { chunks: C, rows: 128, passes: 3 };
      const xp = computeLayersRef(seed, params);
      const run = await runMemoryProof(gpu(), seed, params, { keep: true });
      assert.ok(run.kept, 'kept when asked');
      const last = (C * 128) / 64 - 1;
      const blocks = await run.kept.blocks([last, 0]);
      for (const b of [0, last]) assert.deepEqual(blocks.get(b)?.words, xp.slice(b * BLOCK_WORDS, (b + 1) * BLOCK_WORDS), `block ${b}`);
      await assert.rejects(run.kept.blocks([last + 1]), RangeError, 'a block past the end is refused');
      run.kept.destroy();
      const plain = await runMemoryProof(gpu(), seed, params);
      assert.equal(plain.kept, undefined);
      assert.deepEqual(plain.digests, run.digests, 'keeping does not change the commitment');
    });
  }
});

describe('many small chunks against the word oracle', GPU_LIMIT, () => {
  test('2 MiB in 64 KiB chunks: opened blocks match their digests and recomputed words', async () => {
    const seed = new Uint8Array(randomBytes(32));
    const params = memoryLayout(2, 6, gpu().device.limits, { maxChunkBytes: 64 * 1024 });
    assert.deepEqual(params, { chunks: 32, rows: 256, passes: 6 });
    const picks = [0, 127, ...Array.from({ length: 4 }, () => randomInt(128))];
    const run = await runMemoryProof(gpu(), seed, params, { captureBlocks: picks });
    assert.equal(run.digests.length, 128 * 32);
    for (const b of picks) {
      const captured = run.blocks.get(b);
      assert.ok(captured);
      const data = captured.words;
      assert.equal(toHex(blockDigest(data)), hex(run.digests)[b], `digest of block ${b}`);
      assert.equal(toHex(captured.tree.root()), hex(run.digests)[b], `the captured tree of block ${b} is the committed leaf`);
      assert.ok(verifyBlockWords(seed, params, b, data, drawBlockWords(randomInt, 16)), `words of block ${b}`);
    }
  });
});

describe('sizing limits', GPU_LIMIT, () => {
  const lava = { maxStorageBufferBindingSize: 128 * MIB, maxBufferSize: 2 ** 32 - 1 };

  test('memory.mib and memory.passes: both sides of each bound', () => {
    for (const [mib, passes] of [[1, 1], [MAX_MIB, 64]] as const) checkMemoryRequest(mib, passes);
    for (const mib of [0, MAX_MIB + 1, 1.5, Number.NaN]) assert.throws(() => checkMemoryRequest(mib, 8), (e: GpuproofError) => e.field === 'memory.mib');
    for (const passes of [0, 65, 2.5]) assert.throws(() => checkMemoryRequest(8, passes), (e: GpuproofError) => e.field === 'memory.passes');
  });

  test('a chunk fits one binding: exactly the limit passes, one block more does not', () => {
    const cap = chunkCapBytes(gpu().device.limits);
    assert.equal(cap % (16 * 1024), 0);
    checkMemoryParams({ chunks: 2, rows: cap / 256, passes: 1 }, gpu().device.limits);
    assert.throws(() => checkMemoryParams({ chunks: 2, rows: cap / 256 + 64, passes: 1 }, gpu().device.limits), (e: GpuproofError) => e.field === 'memory.rows');
  });

  test('runMemoryProof refuses malformed or oversized parameters before allocating', async () => {
    const cap = chunkCapBytes(gpu().device.limits);
    await rejects(() => runMemoryProof(gpu(), new Uint8Array(32), { chunks: 2, rows: cap / 256 + 64, passes: 1 }), 'INPUT', 'memory.rows');
    await rejects(() => runMemoryProof(gpu(), new Uint8Array(32), { chunks: 2, rows: 96, passes: 1 }), 'INPUT', 'memory.rows');
    await rejects(() => runMemoryProof(gpu(), new Uint8Array(32), { chunks: 0, rows: 64, passes: 1 }), 'INPUT', 'memory.chunks');
    await rejects(() => runMemoryProof(gpu(), new Uint8Array(32), { chunks: 2, rows: 64, passes: 65 }), 'INPUT', 'memory.passes');
    await rejects(() => runMemoryProof(gpu(), new Uint8Array(32), { chunks: 2 ** 20, rows: 2 ** 12 + 64, passes: 1 }), 'INPUT', 'memory.chunks');
  });

  test('layout: fewest chunks ≥ 2 within the chunk cap, the budget and forced sizes', () => {
    assert.deepEqual(memoryLayout(64, 8, lava), { chunks: 2, rows: 131072, passes: 8 });
    assert.deepEqual(memoryLayout(256, 8, lava), { chunks: 2, rows: 524288, passes: 8 });
    // 1031 is prime: 9 chunks would fit the cap, 16 is the first count that divides 1031·64 blocks.
    assert.deepEqual(memoryLayout(1031, 8, lava), { chunks: 16, rows: 263936, passes: 8 });
    assert.deepEqual(memoryLayout(258, 8, lava), { chunks: 3, rows: 352256, passes: 8 });
    assert.deepEqual(memoryLayout(3, 2, lava, { chunks: 1 }), { chunks: 1, rows: 12288, passes: 2 });
    assert.throws(() => memoryLayout(3, 2, lava, { chunks: 5 }), (e: GpuproofError) => e.field === 'memory.chunks');
    // The budget must hold the spare chunk: (C + 1)/C of the capacity.
    const need = memoryBytesNeeded(memoryLayout(64, 8, lava));
    assert.equal(memoryLayout(64, 8, lava, { budgetBytes: need }).chunks, 2);
    assert.equal(memoryLayout(64, 8, lava, { budgetBytes: need - 1 }).chunks, 4);
    assert.throws(() => memoryLayout(64, 8, lava, { budgetBytes: 64 * MIB }), (e: GpuproofError) => e.field === 'memory.mib');
    assert.throws(() => memoryLayout(1, 1, lava, { maxChunkBytes: 16 * 1024 - 1 }), (e: GpuproofError) => e.field === 'memory.mib');
    assert.equal(memoryLayout(1, 1, lava, { maxChunkBytes: 16 * 1024 }).chunks, 64);
  });

  test('the validator accepts the honest layout and refuses a different or cache-sized one', () => {
    const p = memoryLayout(1024, 12, lava);
    checkMemoryLayout(p, 1024, 12);
    assert.throws(() => checkMemoryLayout(p, 1023, 12), (e: GpuproofError) => e.field === 'memory.chunks');
    assert.throws(() => checkMemoryLayout(p, 1024, 11), (e: GpuproofError) => e.field === 'memory.passes');
    const min = MIN_CHUNK_BYTES / 256;
    checkMemoryLayout({ chunks: 16, rows: min, passes: 12 }, 1024, 12);
    assert.throws(() => checkMemoryLayout({ chunks: 32, rows: min / 2, passes: 12 }, 1024, 12), (e: GpuproofError) => e.field === 'memory.rows');
    // Small sets: a sixteenth of the set is enough.
    checkMemoryLayout({ chunks: 16, rows: 1024, passes: 3 }, 4, 3);
    assert.throws(() => checkMemoryLayout({ chunks: 32, rows: 512, passes: 3 }, 4, 3), (e: GpuproofError) => e.field === 'memory.rows');
  });

  test('production default proves ≥ 85 % of the budget with the spare counted, and is accepted', () => {
    const h100 = { maxStorageBufferBindingSize: 2 ** 32 - 4, maxBufferSize: 2 ** 32 };
    for (const [limits, budget] of [[lava, 32 * MIB], [lava, 95.6 * MIB], [lava, 1024 * MIB], [h100, 80 * 2 ** 30], [h100, 24 * 2 ** 30], [gpu().device.limits, 512 * MIB]] as const) {
      const mib = defaultMemoryMib(limits, budget);
      assert.ok(mib * MIB >= 0.85 * budget, `${mib} MiB of ${budget / MIB}`);
      const p = memoryLayout(mib, 12, limits, { budgetBytes: budget });
      assert.ok(memoryBytesNeeded(p) <= budget);
      checkMemoryLayout(p, mib, 12);
    }
    assert.throws(() => defaultMemoryMib(lava, 3 * MIB - 1), (e: GpuproofError) => e.field === 'memory.budget');
    assert.equal(defaultMemoryMib(lava, 3 * MIB), 2);
  });

  test('figures: capacity is one layer, bandwidth counts 768 bytes per row per pass', () => {
    const p = { chunks: 4, rows: 4096, passes: 10 };
    assert.equal(capacityBytes(p), 4 * MIB);
    assert.equal(memoryBytesNeeded(p), 5 * MIB);
    assert.equal(memoryBytesNeeded({ ...p, chunks: 1 }), 2 * MIB);
    assert.equal(bandwidthBytesPerSecond(p, 500), 2 * 768 * 4 * 4096 * 10);
    assert.throws(() => bandwidthBytesPerSecond(p, 0), RangeError);
  });
});

describe('allocation failure', GPU_LIMIT, () => {
  test('is a GpuproofError naming the sizes, and nothing is left allocated', async () => {
    const { device } = gpu();
    const bytes = device.limits.maxBufferSize + 16 * 1024;
    const err = await rejects(() => allocateChunks(device, 3, bytes), 'GPU');
    assert.match(err.message, new RegExp(`3 chunk buffers of ${bytes} bytes`));
    // The device is still usable afterwards.
    const run = await runMemoryProof(gpu(), new Uint8Array(32), { chunks: 2, rows: 64, passes: 1 });
    assert.equal(run.digests.length, 64);
  });
});
