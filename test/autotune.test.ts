// The autotuner measures the matmul variants, both in-place memory kernels and the integer kernels
// once per adapter, caches its picks, serves them from the cache, and re-tunes an entry it cannot
// trust.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useGpu } from './helpers/gpu.js';
import { chooseKernel, KIT_VERSION } from '../src/roles/autotune.js';
import { IN_PLACE_KERNELS, isInPlaceKernel, tuneMemoryKernel } from '../src/proofs/memory-tune.js';
import { NAIVE_VARIANT } from '../src/proofs/matmul-variants.js';
import { isAluKernel } from '../src/proofs/alu-gpu.js';
import { GPU_LIMIT } from './helpers/limits.js';

const gpu = useGpu();

type Cache = Record<string, Record<string, unknown>>;
const readCache = (path: string): Cache => JSON.parse(readFileSync(path, 'utf8')) as Cache;
const onlyKey = (cache: Cache): string => {
  const keys = Object.keys(cache);
  assert.equal(keys.length, 1, `cache keys: ${keys.join(', ')}`);
  return keys[0] as string;
};

test('the memory tuner times both in-place kernels, fastest first', GPU_LIMIT, async () => {
  const t = await tuneMemoryKernel(gpu(), { mib: 2, passes: 1 }, 1);
  assert.deepEqual(t.map((x) => x.kernel).sort(), [...IN_PLACE_KERNELS].sort());
  for (const x of t) assert.ok(Number.isFinite(x.gbs) && x.gbs > 0 && x.ms > 0, `${x.kernel}: ${x.gbs} GB/s in ${x.ms} ms`);
  assert.ok((t[0]?.gbs ?? 0) >= (t[1]?.gbs ?? Infinity));
  await assert.rejects(tuneMemoryKernel(gpu(), { mib: 2, passes: 1 }, 0), RangeError);
});

test('chooseKernel tunes once, caches the three picks per adapter, then serves them from the cache', GPU_LIMIT, async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'gpuproof-tune-')), 'autotune.json');
  const first = await chooseKernel(gpu(), path);
  assert.equal(first.source, 'tuned');
  assert.equal(first.kernel, first.timings?.[0]?.id);
  assert.equal(first.memoryKernel, first.memoryTimings?.[0]?.kernel);
  assert.equal(first.aluKernel, first.aluTimings?.[0]?.kernel);
  const key = onlyKey(readCache(path));
  assert.ok(key.endsWith(`|${KIT_VERSION}`), key);
  const picks = { kernel: first.kernel, memoryKernel: first.memoryKernel, aluKernel: first.aluKernel };
  assert.deepEqual({ ...readCache(path)[key], at: undefined }, { ...picks, at: undefined });
  const again = await chooseKernel(gpu(), path);
  assert.deepEqual({ kernel: again.kernel, memoryKernel: again.memoryKernel, aluKernel: again.aluKernel, source: again.source }, { ...picks, source: 'cache' });
});

test('a cache entry that names no usable kernel is tuned again and rewritten', GPU_LIMIT, async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'gpuproof-tune-')), 'autotune.json');
  const good = await chooseKernel(gpu(), path);
  const key = onlyKey(readCache(path));
  // Hand-edited or older entries: a memory or integer kernel we do not have, no memory kernel (a
  // 0.2.0-style entry) or no integer kernel (0.3.0-style), and the naive baseline, never a pick.
  const bad: Record<string, unknown>[] = [
    { kernel: good.kernel, memoryKernel: 'warp', aluKernel: good.aluKernel },
    { kernel: good.kernel },
    { kernel: good.kernel, memoryKernel: good.memoryKernel },
    { kernel: good.kernel, memoryKernel: good.memoryKernel, aluKernel: 'x3-wg64' },
    { kernel: NAIVE_VARIANT.id, memoryKernel: good.memoryKernel, aluKernel: good.aluKernel },
  ];
  for (const entry of bad) {
    writeFileSync(path, JSON.stringify({ [key]: entry }));
    const r = await chooseKernel(gpu(), path);
    assert.equal(r.source, 'tuned', JSON.stringify(entry));
    const written = readCache(path)[key];
    assert.ok(isInPlaceKernel(written?.memoryKernel), `rewritten as ${JSON.stringify(written)}`);
    assert.ok(isAluKernel(written?.aluKernel), `rewritten as ${JSON.stringify(written)}`);
    assert.notEqual(written?.kernel, NAIVE_VARIANT.id);
  }
});
