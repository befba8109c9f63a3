// Challenge sizes for a claimed class: large enough that the validator's observed window is
// seconds long on a card that just meets the class's floors (so timer and network jitter are
// small against it), and a memory proof of the class's capacity floor.
import type { MatmulSize } from '../proofs/matmul-size.js';
import { MIB } from '../proofs/memory-size.js';
import type { ClassTable } from './classes.js';

export interface ChallengeSizes {
  matmul: MatmulSize;
  memory: { mib: number; passes: number };
  /** Expected seconds per proof on a card at the floors. */
  expected: { matmulS: number; memoryS: number };
}

/** The software class and unknown claims get the sizes selftest uses on lavapipe. */
export const SOFTWARE_SIZES: ChallengeSizes = { matmul: { n: 512, iterations: 4 }, memory: { mib: 16, passes: 4 }, expected: { matmulS: 1, memoryS: 1 } };

/** n = 4096 needs 64 MiB per matrix: inside every adapter's binding limit. */
const CLASS_N = 4096;
const PRODUCTION_PASSES = 12;

export function sizeForClass(table: ClassTable, claim: string, targetSeconds = 3): ChallengeSizes {
  const c = table.classes.find((x) => x.id === claim);
  const f = c?.floors;
  if (!c || !f || c.kind !== 'gpu' || !f.f32_gflops || !f.capacity_gib || !f.bandwidth_gbs) return SOFTWARE_SIZES;
  const gflops = f.f32_gflops.value;
  const perIteration = (2 * CLASS_N ** 3) / (gflops * 1e9);
  const iterations = Math.min(4096, Math.max(1, Math.ceil(targetSeconds / perIteration)));
  const mib = Math.max(16, Math.floor((f.capacity_gib.value * 2 ** 30) / MIB));
  const memorySeconds = (768 * (mib * MIB / 256) * PRODUCTION_PASSES) / (f.bandwidth_gbs.value * 1e9);
  return {
    matmul: { n: CLASS_N, iterations },
    memory: { mib, passes: PRODUCTION_PASSES },
    expected: { matmulS: iterations * perIteration, memoryS: memorySeconds },
  };
}
