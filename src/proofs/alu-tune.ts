// Times every integer kernel on the device at hand and ranks them. They compute the same bits
// (test/gpu-alu.test.ts), so the choice changes only the speed: how many lanes an invocation
// interleaves to hide the round's latency, against the registers that costs, differs by GPU.
import type { GpuContext } from '../gpu/context.js';
import { isSoftwareAdapter } from '../gpu/adapter-info.js';
import { ALU_KERNELS } from './alu-gpu.js';
import { runAluProof } from './alu-proof.js';
import { aluOps, type AluSize } from './alu-size.js';

export interface AluKernelTiming {
  kernel: string;
  lanes: number;
  rounds: number;
  /** The best repetition's lane phase. */
  ms: number;
  intGops: number;
  method: string;
}

/** Enough lanes to fill a GPU several times over, few enough rounds to take milliseconds. */
export const aluTuneSize = (ctx: GpuContext): AluSize => (isSoftwareAdapter(ctx.report) ? { lanes: 2048, rounds: 1024 } : { lanes: 2 ** 20, rounds: 2048 });

export async function tuneAluKernel(ctx: GpuContext, size = aluTuneSize(ctx), reps = 2): Promise<AluKernelTiming[]> {
  if (!(Number.isSafeInteger(reps) && reps >= 1)) throw new RangeError('reps must be a positive integer');
  const seed = new Uint8Array(32);
  const out: AluKernelTiming[] = [];
  for (const k of ALU_KERNELS) {
    let best = { ms: Number.POSITIVE_INFINITY, method: '' };
    for (let r = 0; r < reps; r++) {
      const run = await runAluProof(ctx, seed, size, { kernel: k.id });
      const ms = run.phases['alu.lanes'] ?? Number.NaN;
      if (ms < best.ms) best = { ms, method: run.method };
    }
    out.push({ kernel: k.id, ...size, ms: best.ms, intGops: aluOps(size) / best.ms / 1e6, method: best.method });
  }
  return out.sort((x, y) => y.intGops - x.intGops);
}
