// Picks the kernels for this adapter: the fastest matmul variant and the faster in-place memory
// kernel, both measured here, cached per adapter and kit version so a provider pays for tuning
// once. A stale or unreadable cache entry is re-tuned.
import { existsSync, readFileSync } from 'node:fs';
import type { GpuContext } from '../gpu/context.js';
import { isSoftwareAdapter } from '../gpu/adapter-info.js';
import { tuneMatmul, variantNeedsOf, type VariantTiming } from '../proofs/matmul-tune.js';
import { DEFAULT_VARIANT_ID, lookupVariant, variantFits } from '../proofs/matmul-variants.js';
import { defaultInPlaceKernel, type InPlaceKernel } from '../proofs/memory-gpu.js';
import { isInPlaceKernel, tuneMemoryKernel, type MemoryKernelTiming } from '../proofs/memory-tune.js';
import { writeFileAtomic } from '../util/files.js';
import { DEFAULT_ALU_KERNEL, isAluKernel } from '../proofs/alu-gpu.js';
import { tuneAluKernel, type AluKernelTiming } from '../proofs/alu-tune.js';
import { prepareExecutor } from './executor.js';
import { parseIJson } from '../protocol/ijson.js';

// 0.2.0: tensor variants join the candidates, so choices cached before them are tuned again.
// 0.3.0: the memory kernel is measured too; entries without one are tuned again.
// 0.4.0: the integer kernel is measured too.
export const KIT_VERSION = '0.4.0';

export interface TuneChoice {
  kernel: string;
  memoryKernel: InPlaceKernel;
  aluKernel: string;
  source: 'cache' | 'tuned' | 'default';
  timings?: VariantTiming[];
  memoryTimings?: MemoryKernelTiming[];
  aluTimings?: AluKernelTiming[];
}

interface CacheEntry {
  kernel: string;
  memoryKernel: InPlaceKernel;
  aluKernel: string;
  at: string;
}

const adapterKey = (ctx: GpuContext): string => {
  const r = ctx.report;
  return [r.vendor, r.architecture, r.device, r.description, r.backend, KIT_VERSION].join('|');
};

function readCache(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {};
  try {
    const parsed = parseIJson(readFileSync(path, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The tuning size: large enough to rank kernels, small enough to take seconds at most. */
export const tuneSize = (ctx: GpuContext): number => (isSoftwareAdapter(ctx.report) ? 256 : 2048);

export async function chooseKernel(ctx: GpuContext, cachePath: string | undefined): Promise<TuneChoice> {
  const key = adapterKey(ctx);
  const cache = cachePath ? readCache(cachePath) : {};
  const hit = usableEntry(ctx, cache[key]);
  if (hit) return { ...hit, source: 'cache' };
  const timings = await tuneMatmul(ctx, tuneSize(ctx), 2);
  const memoryTimings = await tuneMemoryKernel(ctx);
  const aluTimings = await tuneAluKernel(ctx);
  const best = timings[0];
  const memoryKernel = memoryTimings[0] && Number.isFinite(memoryTimings[0].gbs) ? memoryTimings[0].kernel : defaultInPlaceKernel(ctx);
  const aluKernel = aluTimings[0] && Number.isFinite(aluTimings[0].intGops) ? aluTimings[0].kernel : DEFAULT_ALU_KERNEL;
  if (!best || !Number.isFinite(best.gflops)) return { kernel: DEFAULT_VARIANT_ID, memoryKernel, aluKernel, source: 'default', timings, memoryTimings, aluTimings };
  if (cachePath) {
    const entry: CacheEntry = { kernel: best.id, memoryKernel, aluKernel, at: new Date().toISOString() };
    cache[key] = entry;
    writeFileAtomic(cachePath, `${JSON.stringify(cache, null, 2)}\n`);
  }
  return { kernel: best.id, memoryKernel, aluKernel, source: 'tuned', timings, memoryTimings, aluTimings };
}

export interface ReadyKernels {
  /** Absent: the default variant. */
  kernel: string | undefined;
  /** Absent: the adapter's default in-place kernel. */
  memoryKernel: InPlaceKernel | undefined;
  /** Absent: the untuned default integer kernel. */
  aluKernel: string | undefined;
}

/**
 * The kernels an executor will run, made ready on this device: forced ones as given, the others
 * the autotuner's (cached in `tuneCache` when given) unless `tune` is false; then prepareExecutor.
 */
export async function readyKernels(ctx: GpuContext, opts: { kernel?: string | undefined; memoryKernel?: InPlaceKernel | undefined; aluKernel?: string | undefined; tuneCache?: string | undefined; tune?: boolean; onProgress?: ((phase: string, done: number, total: number) => void) | undefined }): Promise<ReadyKernels> {
  if (opts.kernel === undefined && opts.tune !== false) opts.onProgress?.('autotune', 0, 1);
  const tuned = opts.kernel === undefined && opts.tune !== false ? await chooseKernel(ctx, opts.tuneCache) : undefined;
  const kernel = opts.kernel ?? tuned?.kernel;
  const memoryKernel = opts.memoryKernel ?? tuned?.memoryKernel;
  const aluKernel = opts.aluKernel ?? tuned?.aluKernel;
  opts.onProgress?.('warm-up', 0, 1);
  await prepareExecutor(ctx, kernel, memoryKernel, aluKernel);
  return { kernel, memoryKernel, aluKernel };
}

/**
 * A cached entry whose matmul id still names a non-baseline variant this device can run and whose
 * memory kernel is one of ours (caches are files anyone can edit); anything else is re-tuned.
 */
function usableEntry(ctx: GpuContext, raw: unknown): Omit<CacheEntry, 'at'> | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { kernel, memoryKernel, aluKernel } = raw as Record<string, unknown>;
  const v = typeof kernel === 'string' ? lookupVariant(kernel) : undefined;
  if (v === undefined || v.baseline || !variantFits(v, ctx.device.limits, variantNeedsOf(ctx))) return undefined;
  if (!isInPlaceKernel(memoryKernel) || !isAluKernel(aluKernel)) return undefined;
  return { kernel: v.id, memoryKernel, aluKernel };
}
