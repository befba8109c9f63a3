// Times the two in-place memory kernels on the device at hand and picks the faster. They compute
// the same bits (test/gpu-memory.test.ts), so the choice changes only how fast a proof runs: 16
// invocations a row with barriers suits GPUs, one a row suits CPU rasterisers, and an adapter
// that is neither (or a driver that surprises) is measured rather than guessed.
import type { GpuContext } from '../gpu/context.js';
import { isSoftwareAdapter } from '../gpu/adapter-info.js';
import { runMemoryProof, type InPlaceKernel } from './memory-gpu.js';
import { memoryLayout, trafficBytes } from './memory-size.js';
import type { MemoryParams } from './memory-spec.js';

export const IN_PLACE_KERNELS: readonly InPlaceKernel[] = ['lanes', 'rows'];

export const isInPlaceKernel = (x: unknown): x is InPlaceKernel => IN_PLACE_KERNELS.includes(x as InPlaceKernel);

export interface MemoryKernelTiming {
  kernel: InPlaceKernel;
  mib: number;
  passes: number;
  /** The best of the repetitions' pass phases. */
  ms: number;
  gbs: number;
  method: string;
}

/** One timed memory proof with `kernel`: its pass phase and the bandwidth that makes. */
export interface MemoryKernelRun {
  kernel: InPlaceKernel;
  passesMs: number;
  gbs: number;
  method: string;
}

export async function timeMemoryKernel(ctx: GpuContext, seed: Uint8Array, layout: MemoryParams, kernel: InPlaceKernel): Promise<MemoryKernelRun> {
  const run = await runMemoryProof(ctx, seed, layout, { inplaceKernel: kernel });
  const ms = run.phases['memory.passes'] ?? Number.NaN;
  return { kernel: run.inplaceKernel, passesMs: ms, gbs: trafficBytes(layout) / ms / 1e6, method: run.method };
}

/** Large enough that the passes, not the dispatch overhead, are timed; seconds at most. */
export const memoryTuneSize = (ctx: GpuContext): { mib: number; passes: number } =>
  isSoftwareAdapter(ctx.report) ? { mib: 8, passes: 2 } : { mib: 256, passes: 4 };

/** Times each in-place kernel `reps` times (two chunks, so every pass runs in place) and returns them fastest first. */
export async function tuneMemoryKernel(ctx: GpuContext, size = memoryTuneSize(ctx), reps = 2): Promise<MemoryKernelTiming[]> {
  if (!(Number.isSafeInteger(reps) && reps >= 1)) throw new RangeError('reps must be a positive integer');
  const layout = memoryLayout(size.mib, size.passes, ctx.device.limits, { chunks: 2 });
  const seed = new Uint8Array(32);
  const out: MemoryKernelTiming[] = [];
  for (const kernel of IN_PLACE_KERNELS) {
    const runs: MemoryKernelRun[] = [];
    for (let r = 0; r < reps; r++) runs.push(await timeMemoryKernel(ctx, seed, layout, kernel));
    const best = runs.reduce((x, y) => (y.passesMs < x.passesMs ? y : x));
    out.push({ kernel, ...size, ms: best.passesMs, gbs: best.gbs, method: best.method });
  }
  return out.sort((x, y) => y.gbs - x.gbs);
}
