// The adapter benchmark a provider runs before listing, and the GPU half of `npm run bench`:
// every matmul variant's GFLOPS (the naive 16×16 baseline included, for the ratio) and both
// in-place memory kernels' GB/s and every integer kernel's GOPS, each timed with GPU timestamps where the adapter has them.
import type { GpuContext } from '../gpu/context.js';
import { isSoftwareAdapter } from '../gpu/adapter-info.js';
import { tuneMatmul, type VariantTiming } from '../proofs/matmul-tune.js';
import { checkMatmulSize } from '../proofs/matmul-size.js';
import type { InPlaceKernel } from '../proofs/memory-gpu.js';
import { memoryLayout } from '../proofs/memory-size.js';
import { IN_PLACE_KERNELS, timeMemoryKernel, type MemoryKernelRun } from '../proofs/memory-tune.js';
import { TRAFFIC_PER_ROW } from '../proofs/memory-spec.js';
import { tuneAluKernel, type AluKernelTiming } from '../proofs/alu-tune.js';
import { checkAluSize } from '../proofs/alu-size.js';

export interface BenchmarkOptions {
  /** Matrix order for the variants (default 512 on software, 4096 on GPUs). */
  n?: number | undefined;
  /** Multiplications per timed pass (default 2 on software, 10 on GPUs). */
  reps?: number | undefined;
  /** Memory working set and passes (default 64 MiB on software; on GPUs 4096 MiB, the size of the PyTorch triad baseline in docs/gpu-run.md; P = 8). */
  memoryMib?: number | undefined;
  passes?: number | undefined;
  /** Timed memory runs per kernel (default 3), interleaved so drift hits both kernels alike. */
  memoryRuns?: number | undefined;
  /** Integer-proof lanes and rounds per kernel run (default 4096 × 1024 on software, 2^22 × 4096 on GPUs). */
  aluLanes?: number | undefined;
  aluRounds?: number | undefined;
  onProgress?: ((phase: string, done: number, total: number) => void) | undefined;
}

export interface BenchmarkResult {
  matmul: { n: number; reps: number; variants: VariantTiming[] };
  memory: { mib: number; passes: number; chunks: number; rowsPerChunk: number; bytesPerRowPerPass: number; runs: MemoryKernelRun[]; best: Record<InPlaceKernel, number> };
  /** Every integer kernel's best of two runs, fastest first (counted ops: 14 a round). */
  alu: { lanes: number; rounds: number; kernels: AluKernelTiming[] };
}

export function benchmarkDefaults(ctx: GpuContext): Required<Omit<BenchmarkOptions, 'onProgress'>> {
  const soft = isSoftwareAdapter(ctx.report);
  return { n: soft ? 512 : 4096, reps: soft ? 2 : 10, memoryMib: soft ? 64 : 4096, passes: 8, memoryRuns: 3, aluLanes: soft ? 4096 : 2 ** 22, aluRounds: soft ? 1024 : 4096 };
}

export async function benchmarkAdapter(ctx: GpuContext, opts: BenchmarkOptions = {}): Promise<BenchmarkResult> {
  const d = benchmarkDefaults(ctx);
  const n = opts.n ?? d.n;
  const reps = opts.reps ?? d.reps;
  checkMatmulSize({ n, iterations: 1 }, ctx.device.limits);
  const layout = memoryLayout(opts.memoryMib ?? d.memoryMib, opts.passes ?? d.passes, ctx.device.limits);
  const alu = { lanes: opts.aluLanes ?? d.aluLanes, rounds: opts.aluRounds ?? d.aluRounds };
  checkAluSize(alu);
  opts.onProgress?.('matmul', 0, 1);
  const variants = await tuneMatmul(ctx, n, reps, { includeBaseline: true });
  opts.onProgress?.('matmul', 1, 1);
  const runs: MemoryKernelRun[] = [];
  const memoryRuns = opts.memoryRuns ?? d.memoryRuns;
  const total = memoryRuns * IN_PLACE_KERNELS.length;
  for (let i = 0; i < memoryRuns; i++) {
    for (const kernel of IN_PLACE_KERNELS) {
      runs.push(await timeMemoryKernel(ctx, new Uint8Array(32).fill(i), layout, kernel));
      opts.onProgress?.('memory', runs.length, total);
    }
  }
  opts.onProgress?.('integer', 0, 1);
  const aluKernels = await tuneAluKernel(ctx, alu);
  opts.onProgress?.('integer', 1, 1);
  const best = Object.fromEntries(IN_PLACE_KERNELS.map((k) => [k, Math.max(...runs.filter((r) => r.kernel === k).map((r) => r.gbs))])) as Record<InPlaceKernel, number>;
  return {
    matmul: { n, reps, variants },
    memory: { mib: opts.memoryMib ?? d.memoryMib, passes: layout.passes, chunks: layout.chunks, rowsPerChunk: layout.rows, bytesPerRowPerPass: TRAFFIC_PER_ROW, runs, best },
    alu: { ...alu, kernels: aluKernels },
  };
}
