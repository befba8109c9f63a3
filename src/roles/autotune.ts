// Picks the matmul kernel for this adapter: the fastest variant measured here, cached per adapter
// and kit version so a provider pays for tuning once. A stale or unreadable cache is re-tuned.
import { existsSync, readFileSync } from 'node:fs';
import type { GpuContext } from '../gpu/context.js';
import { isSoftwareAdapter } from '../gpu/adapter-info.js';
import { tuneMatmul, variantNeedsOf, type VariantTiming } from '../proofs/matmul-tune.js';
import { DEFAULT_VARIANT_ID, lookupVariant, variantFits } from '../proofs/matmul-variants.js';
import { writeFileAtomic } from '../util/files.js';

// 0.2.0: tensor variants join the candidates, so choices cached before them are tuned again.
export const KIT_VERSION = '0.2.0';

export interface TuneChoice {
  kernel: string;
  source: 'cache' | 'tuned' | 'default';
  timings?: VariantTiming[];
}

const adapterKey = (ctx: GpuContext): string => {
  const r = ctx.report;
  return [r.vendor, r.architecture, r.device, r.description, r.backend, KIT_VERSION].join('|');
};

function readCache(path: string): Record<string, { kernel: string; at: string }> {
  if (!existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, { kernel: string; at: string }>) : {};
  } catch {
    return {};
  }
}

/** The tuning size: large enough to rank kernels, small enough to take seconds at most. */
export const tuneSize = (ctx: GpuContext): number => (isSoftwareAdapter(ctx.report) ? 256 : 2048);

export async function chooseKernel(ctx: GpuContext, cachePath: string | undefined): Promise<TuneChoice> {
  const key = adapterKey(ctx);
  const cache = cachePath ? readCache(cachePath) : {};
  const hit = cache[key];
  if (hit && cachedFits(ctx, hit.kernel)) return { kernel: hit.kernel, source: 'cache' };
  const timings = await tuneMatmul(ctx, tuneSize(ctx), 2);
  const best = timings[0];
  if (!best || !Number.isFinite(best.gflops)) return { kernel: DEFAULT_VARIANT_ID, source: 'default', timings };
  if (cachePath) {
    cache[key] = { kernel: best.id, at: new Date().toISOString() };
    writeFileAtomic(cachePath, `${JSON.stringify(cache, null, 2)}\n`);
  }
  return { kernel: best.id, source: 'tuned', timings };
}

/** A cached id still names a non-baseline variant this device can run (caches are files anyone can edit). */
function cachedFits(ctx: GpuContext, id: unknown): boolean {
  const v = typeof id === 'string' ? lookupVariant(id) : undefined;
  return v !== undefined && !v.baseline && variantFits(v, ctx.device.limits, variantNeedsOf(ctx));
}
