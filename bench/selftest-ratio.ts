// The default selftest's wall time over its GPU phases, warm, in one process (n = 512, K = 4,
// 16 MiB at P = 4 on software adapters): the overhead figure the issues track, without the rest
// of `npm run bench`. Usage: node --import tsx bench/selftest-ratio.ts [runs]
import { openGpu } from '../src/gpu/context.js';
import { chooseKernel } from '../src/roles/autotune.js';
import { selftest } from '../src/roles/selftest.js';
import { median, splitSelftest } from './lib.js';

const med = median;

export async function selftestRatio(runs = 7): Promise<Record<string, unknown>> {
  const ctx = await openGpu();
  try {
    const { kernel, memoryKernel } = await chooseKernel(ctx, undefined);
    const wall: number[] = [];
    const gpu: number[] = [];
    const host: Record<string, number>[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await selftest(ctx, { n: 512, iterations: 4, memoryMib: 16, passes: 4, kernel, memoryKernel });
      if (!r.accepted) throw new Error('selftest rejected');
      const split = splitSelftest(r.timings);
      wall.push(r.timings.totalMs);
      gpu.push(split.gpu);
      host.push(split.host);
    }
    const part = (k: string): number => med(host.map((h) => h[k] ?? Number.NaN));
    return {
      adapter: ctx.report.description,
      kernel,
      memory_kernel: memoryKernel,
      runs,
      wall_ms: wall,
      gpu_phase_ms: gpu,
      wall_over_gpu: med(wall) / med(gpu),
      hostMedianMs: { commit_host: part('commitHostMs'), open: part('openMs'), verify: part('verifyMs'), other: part('otherMs') },
    };
  } finally {
    await ctx.close();
  }
}

if (process.argv[1]?.endsWith('selftest-ratio.ts')) console.log(JSON.stringify(await selftestRatio(Number(process.argv[2]) || 7), null, 2));
