// Challenge sizes for a claimed class: large enough that the validator's observed window is
// seconds long on a card that just meets the class's floors (so timer and network jitter are
// small against it), and a memory proof of the class's capacity floor.
import type { MatmulSize } from '../proofs/matmul-size.js';
import { MIB } from '../proofs/memory-size.js';
import { ALU_OPS_TOTAL } from '../proofs/alu-round.js';
import type { ClassTable } from './classes.js';

export interface ChallengeSizes {
  matmul: MatmulSize;
  memory: { mib: number; passes: number };
  /** The integer proof: W lanes, each a dependent chain of L rounds. */
  alu: { lanes: number; rounds: number };
  /** Expected seconds per proof on a card at the floors. */
  expected: { matmulS: number; memoryS: number; aluS: number };
}

/** The software class and unknown claims get the sizes selftest uses on lavapipe. */
export const SOFTWARE_SIZES: ChallengeSizes = {
  matmul: { n: 512, iterations: 4 },
  memory: { mib: 16, passes: 4 },
  alu: { lanes: 4096, rounds: 1024 },
  expected: { matmulS: 1, memoryS: 1, aluS: 1 },
};

/** n = 4096 needs 64 MiB per matrix: inside every adapter's binding limit. */
const CLASS_N = 4096;
const PRODUCTION_PASSES = 12;
/**
 * L = 2^16 rounds a lane: long enough that launch and readback are small against a lane's run,
 * short enough that the verifier recomputes an opened lane whole in milliseconds (docs/alu-proof.md).
 */
export const ALU_PRODUCTION_ROUNDS = 2 ** 16;
/** Lane counts are multiples of 256, so any workgroup of up to 256 invocations divides them. */
export const ALU_LANE_STEP = 256;
/** 2^26 lanes of 16-byte results is 1 GiB of results: the most a class's challenge asks for. */
export const ALU_MAX_LANES = 2 ** 26;

/** Lanes, a multiple of ALU_LANE_STEP, so that lanes × rounds × 14 ops take about `seconds` at `gops`. */
export function aluLanesFor(gops: number, seconds: number, rounds = ALU_PRODUCTION_ROUNDS): number {
  const lanes = Math.ceil((seconds * gops * 1e9) / (rounds * ALU_OPS_TOTAL) / ALU_LANE_STEP) * ALU_LANE_STEP;
  return Math.min(ALU_MAX_LANES, Math.max(ALU_LANE_STEP, lanes));
}

export function sizeForClass(table: ClassTable, claim: string, targetSeconds = 3): ChallengeSizes {
  const c = table.classes.find((x) => x.id === claim);
  const f = c?.floors;
  if (!c || !f || c.kind !== 'gpu' || !f.f32_gflops || !f.capacity_gib || !f.bandwidth_gbs || !f.int_gops) return SOFTWARE_SIZES;
  const gflops = f.f32_gflops.value;
  const perIteration = (2 * CLASS_N ** 3) / (gflops * 1e9);
  const iterations = Math.min(4096, Math.max(1, Math.ceil(targetSeconds / perIteration)));
  const mib = Math.max(16, Math.floor((f.capacity_gib.value * 2 ** 30) / MIB));
  const memorySeconds = (768 * (mib * MIB / 256) * PRODUCTION_PASSES) / (f.bandwidth_gbs.value * 1e9);
  const lanes = aluLanesFor(f.int_gops.value, targetSeconds);
  return {
    matmul: { n: CLASS_N, iterations },
    memory: { mib, passes: PRODUCTION_PASSES },
    alu: { lanes, rounds: ALU_PRODUCTION_ROUNDS },
    expected: { matmulS: iterations * perIteration, memoryS: memorySeconds, aluS: (lanes * ALU_PRODUCTION_ROUNDS * ALU_OPS_TOTAL) / (f.int_gops.value * 1e9) },
  };
}
