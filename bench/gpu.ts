// GPU suite: every matmul variant's GFLOPS (timestamp queries where the adapter has them), both
// memory kernels' GB/s (src/roles/benchmark.ts, also `gpuproof bench`), and the selftest figures the issue tracker asks for: overhead of selftest
// over its GPU phases, and the kit's observed throughput against the naive 16×16 kernel.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GpuContext } from '../src/gpu/context.js';
import { isSoftwareAdapter } from '../src/gpu/adapter-info.js';
import { benchmarkAdapter } from '../src/roles/benchmark.js';
import { selftest } from '../src/roles/selftest.js';
import { chooseKernel } from '../src/roles/autotune.js';
import { NAIVE_VARIANT } from '../src/proofs/matmul-variants.js';
import { median, splitSelftest, type SelftestTimings } from './lib.js';

/** `gpuproof bench`'s figures at its defaults, and on software the selftest figures below. */
export async function runGpuBench(ctx: GpuContext): Promise<Record<string, unknown>> {
  const figures = await benchmarkAdapter(ctx);
  const st = isSoftwareAdapter(ctx.report) ? await selftestFigures(ctx) : undefined;
  return { ...figures, ...(st ? { selftest: st } : {}) };
}

const med = median;

/**
 * n = 512 on software: wall time against GPU phases (the default selftest, memory proof included,
 * and the matmul alone), and the tuned kernel against the naive one.
 */
async function selftestFigures(ctx: GpuContext): Promise<Record<string, unknown>> {
  const runs = 7;
  // Tuned once, as the CLI's per-adapter cache does after its first run: without it every selftest
  // call would re-tune before its clock starts and leave that garbage to be collected inside it.
  const chosen = await chooseKernel(ctx, undefined);
  const { memoryKernel } = chosen;
  const pick = async (kernel: string, memoryMib = 0): Promise<{ observed: number[]; wall: number[]; gpu: number[]; host: Record<string, number>[] }> => {
    const out = { observed: [] as number[], wall: [] as number[], gpu: [] as number[], host: [] as Record<string, number>[] };
    for (let i = 0; i < runs; i++) {
      const r = await selftest(ctx, { n: 512, iterations: 4, memoryMib, passes: 4, kernel, memoryKernel });
      if (!r.accepted) throw new Error('selftest rejected during the bench');
      out.observed.push(r.measured.matmul.gflopsObserved);
      out.wall.push(r.timings.totalMs);
      const { gpu, host } = splitSelftest(r.timings);
      out.gpu.push(gpu);
      out.host.push(host);
    }
    return out;
  };
  const tuned = await pick(chosen.kernel);
  const naive = await pick(NAIVE_VARIANT.id);
  const full = await pick(chosen.kernel, 16);
  return {
    n: 512,
    iterations: 4,
    runs,
    kernel: chosen.kernel,
    memory_kernel: memoryKernel,
    memory_kernel_timings: chosen.memoryTimings,
    default_selftest: { memory_mib: 16, passes: 4, wall_ms: full.wall, gpu_phase_ms: full.gpu, wall_over_gpu: med(full.wall) / med(full.gpu), host_ms: full.host },
    tuned_gflops_observed: tuned.observed,
    naive_gflops_observed: naive.observed,
    tuned_over_naive: med(tuned.observed) / med(naive.observed),
    matmul_only_selftest: { wall_ms: tuned.wall, gpu_phase_ms: tuned.gpu, wall_over_gpu: med(tuned.wall) / med(tuned.gpu) },
  };
}

/**
 * The default selftest as a user runs it: a fresh `gpuproof selftest --json` process each time,
 * with its untimed warm-up round (the default) and without it, where V8 compiles the verifier, the
 * schemas and the canonicaliser inside the timed round. Runs with no device open here.
 */
export function coldSelftests(runs = 5): Record<string, unknown> {
  return { warmup: coldRuns(runs, []), no_warmup: coldRuns(runs, ['--no-warmup']) };
}

function coldRuns(runs: number, flags: string[]): Record<string, unknown> {
  const cli = fileURLToPath(new URL('../bin/gpuproof.js', import.meta.url));
  if (!existsSync(fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)))) return { skipped: 'dist/ not built (npm run setup builds it)' };
  const wall: number[] = [];
  const gpu: number[] = [];
  const host: Record<string, number>[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, [cli, 'selftest', '--json', ...flags], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const r = JSON.parse(out) as { accepted: boolean; timings: SelftestTimings };
    if (!r.accepted) throw new Error('cold selftest rejected during the bench');
    const split = splitSelftest(r.timings);
    wall.push(r.timings.totalMs);
    gpu.push(split.gpu);
    host.push(split.host);
  }
  return { runs, wall_ms: wall, gpu_phase_ms: gpu, wall_over_gpu: med(wall) / med(gpu), host_ms: host };
}
