// The sizes of a selftest run, shared by `selftest` and `calibrate` (N selftests): the options and
// their checks, all made before the GPU is opened so a bad value is exit 2 naming it.
import type { Argv } from 'yargs';
import { MAX_ITERATIONS, MAX_EXACT_N, checkMatmulSize } from '../proofs/matmul-size.js';
import { MAX_MIB, MIN_PASSES, MAX_PASSES, checkMemoryRequest } from '../proofs/memory-size.js';
import { MAX_ALU_LANES_PROOF, MAX_ALU_ROUNDS } from '../proofs/alu-size.js';
import { optionalInt } from './inputs.js';

/** Each undefined where not given: the adapter's default then (roles/selftest.ts). */
export interface SelftestSizes {
  n: number | undefined;
  iterations: number | undefined;
  memoryMib: number | undefined;
  passes: number | undefined;
  aluLanes: number | undefined;
  aluRounds: number | undefined;
}

export function sizeOptions<T>(c: Argv<T>): Argv<T> {
  return c
    .option('n', { type: 'number', describe: 'matrix size (default from the adapter)' })
    .option('iterations', { type: 'number', describe: 'chained multiplications K' })
    .option('memory-mib', { type: 'number', describe: 'capacity to prove in MiB, 0 to skip (default from the adapter)' })
    .option('passes', { type: 'number', describe: 'memory passes P (default 4 on software, 12 on GPUs)' })
    .option('alu-lanes', { type: 'number', describe: `integer-proof lanes W, 0 to skip it (default 4096 on software, 2^22 on GPUs; at most ${MAX_ALU_LANES_PROOF})` })
    .option('alu-rounds', { type: 'number', describe: `integer-proof rounds a lane L (default 4096 on software, 2^16 on GPUs; at most ${MAX_ALU_ROUNDS})` });
}

export function selftestSizes(a: Record<string, unknown>): SelftestSizes {
  const s: SelftestSizes = {
    n: optionalInt(a, 'n', 16, MAX_EXACT_N),
    iterations: optionalInt(a, 'iterations', 1, MAX_ITERATIONS),
    memoryMib: optionalInt(a, 'memory-mib', 0, MAX_MIB),
    passes: optionalInt(a, 'passes', MIN_PASSES, MAX_PASSES),
    aluLanes: optionalInt(a, 'alu-lanes', 0, MAX_ALU_LANES_PROOF),
    aluRounds: optionalInt(a, 'alu-rounds', 1, MAX_ALU_ROUNDS),
  };
  if (s.n !== undefined || s.iterations !== undefined) checkMatmulSize({ n: s.n ?? 512, iterations: s.iterations ?? 1 });
  if (s.memoryMib) checkMemoryRequest(s.memoryMib, s.passes ?? 12);
  return s;
}
