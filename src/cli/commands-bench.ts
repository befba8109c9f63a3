// `gpuproof bench`: what the adapter's kernels reach (GFLOPS per matmul variant, GB/s per memory
// kernel, GOPS per integer kernel), for a provider sizing a listing and for ratios against vendor libraries on a GPU.
import type { Argv } from 'yargs';
import { withGpu } from '../gpu/context.js';
import { MAX_EXACT_N, checkMatmulSize } from '../proofs/matmul-size.js';
import { MAX_MIB, MIN_PASSES, MAX_PASSES, checkMemoryRequest } from '../proofs/memory-size.js';
import { benchmarkAdapter, type BenchmarkResult } from '../roles/benchmark.js';
import { MAX_ALU_LANES_PROOF, MAX_ALU_ROUNDS } from '../proofs/alu-size.js';
import { optionalInt } from './inputs.js';
import { makeOut, table, type SetCode } from './output.js';

type Args = Record<string, unknown> & { json: boolean };

const MAX_REPS = 1000;
const MAX_RUNS = 100;
const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '—');

export function benchCommands<T>(y: Argv<T>, setCode: SetCode): Argv<T> {
  return y.command('bench', 'time every matmul variant (GFLOPS), both memory kernels (GB/s) and every integer kernel (GOPS) on this adapter', (c) => c
    .example('$0 bench', 'default sizes for this adapter')
    .example('$0 bench --n 256 --reps 1 --memory-mib 8 --runs 1 --alu-lanes 1024 --alu-rounds 256 --json', 'a quick small run, machine-readable')
    .option('n', { type: 'number', describe: 'matrix order (default 512 on software, 4096 on GPUs)' })
    .option('reps', { type: 'number', describe: 'multiplications per timed pass (default 2 on software, 10 on GPUs)' })
    .option('memory-mib', { type: 'number', describe: 'memory working set in MiB (default 64 on software, 4096 on GPUs)' })
    .option('passes', { type: 'number', describe: 'memory passes P (default 8)' })
    .option('runs', { type: 'number', describe: 'timed memory runs per kernel (default 3)' })
    .option('alu-lanes', { type: 'number', describe: 'integer-proof lanes per kernel run (default 4096 on software, 4194304 on GPUs)' })
    .option('alu-rounds', { type: 'number', describe: 'integer-proof rounds a lane (default 1024 on software, 4096 on GPUs)' }), async (raw) => {
    const a = raw as unknown as Args;
    const out = makeOut(a.json, 'bench');
    const opt = (k: string, min: number, max: number): number | undefined => optionalInt(a, k, min, max);
    const n = opt('n', 16, MAX_EXACT_N);
    const reps = opt('reps', 1, MAX_REPS);
    const memoryMib = opt('memory-mib', 1, MAX_MIB);
    const passes = opt('passes', MIN_PASSES, MAX_PASSES);
    const memoryRuns = opt('runs', 1, MAX_RUNS);
    const aluLanes = opt('alu-lanes', 1, MAX_ALU_LANES_PROOF);
    const aluRounds = opt('alu-rounds', 1, MAX_ALU_ROUNDS);
    // Bad sizes are refused before the GPU is opened.
    if (n !== undefined) checkMatmulSize({ n, iterations: 1 });
    if (memoryMib !== undefined) checkMemoryRequest(memoryMib, passes ?? MIN_PASSES);
    const { report, result } = await withGpu({}, async (ctx) => ({
      report: ctx.report,
      result: await benchmarkAdapter(ctx, { n, reps, memoryMib, passes, memoryRuns, aluLanes, aluRounds, onProgress: out.progress }),
    })).finally(out.progressEnd);
    out.result({ adapter: report, ...result }, human(report.description || report.device, result));
    setCode(0);
  });
}

function human(adapter: string, r: BenchmarkResult): string {
  const m = r.memory;
  return [
    `adapter: ${adapter}`,
    '',
    table([['matmul variant', `GFLOPS (n=${r.matmul.n}, ${r.matmul.reps} reps)`, 'timing'], ...r.matmul.variants.map((v) => [v.id, fmt(v.gflops), v.method])]),
    '',
    table([['memory kernel', `best GB/s (${m.mib} MiB, ${m.chunks} chunks, P=${m.passes})`, 'runs'], ...Object.entries(m.best).map(([k, gbs]) => [k, fmt(gbs), m.runs.filter((x) => x.kernel === k).map((x) => fmt(x.gbs)).join(' ')])]),
    '',
    table([['integer kernel', `GOPS (${r.alu.lanes} lanes × ${r.alu.rounds} rounds, 14 ops a round)`, 'timing'], ...r.alu.kernels.map((k) => [k.kernel, fmt(k.intGops), k.method])]),
  ].join('\n');
}
