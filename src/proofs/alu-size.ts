// Sizes of the integer proof: lanes W and rounds L a lane, their limits, the chunk span an adapter
// can hold in one binding, and the counted work W·L·14 (docs/alu-proof.md §4).
import { inputError } from '../errors.js';
import { ALU_OPS_TOTAL } from './alu-round.js';
import { merkleTreeBytes } from './merkle-gpu.js';

export interface AluSize {
  lanes: number;
  rounds: number;
}

/** 2^28 lanes: 4 GiB of results and 16 GiB of trees, above any class's seconds-long window. */
export const MAX_ALU_LANES_PROOF = 2 ** 28;
/** L: at 2^20 the verifier spends about 6 ms a lane; production uses 2^16 (≈ 0.4 ms a lane). */
export const MAX_ALU_ROUNDS = 2 ** 20;
/** Chunks of at most 2^20 lanes (16 MiB of results, 64 MiB of tree): fits every binding limit WebGPU allows. */
export const MAX_ALU_CHUNK_LANES = 2 ** 20;

export function checkAluSize(size: AluSize, field = 'alu'): void {
  if (!Number.isSafeInteger(size.lanes) || size.lanes < 1 || size.lanes > MAX_ALU_LANES_PROOF) {
    throw inputError(`${field}.lanes`, `must be an integer in 1..${MAX_ALU_LANES_PROOF}, got ${size.lanes}`);
  }
  if (!Number.isSafeInteger(size.rounds) || size.rounds < 1 || size.rounds > MAX_ALU_ROUNDS) {
    throw inputError(`${field}.rounds`, `must be an integer in 1..${MAX_ALU_ROUNDS}, got ${size.rounds}`);
  }
}

/** Counted integer ops of a proof: W·L·14 (a rotate counted once, as GPUs run it). */
export const aluOps = (size: AluSize): number => size.lanes * size.rounds * ALU_OPS_TOTAL;

/** The largest power-of-two chunk (≤ 2^20 lanes) whose tree fits one storage binding. */
export function aluChunkLanes(limits: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>): number {
  const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  let span = MAX_ALU_CHUNK_LANES;
  while (span > 4 && merkleTreeBytes(span) > cap) span /= 2;
  return span;
}
