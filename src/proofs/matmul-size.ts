// Limits on the matmul proof's sizes: exactness (every partial sum below 2^24) and the adapter's
// buffer limits. Both sides of each limit are tested.
import { inputError } from '../errors.js';

export interface MatmulSize {
  n: number;
  iterations: number;
}

/** n·64 < 2^24 keeps every f32 partial sum an exact integer. */
export const MAX_EXACT_N = Math.floor((2 ** 24 - 1) / 64);
export const MAX_ITERATIONS = 4096;

export interface BufferLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

/** Throws inputError naming `n` or `iterations` when the size is not provable. */
export function checkMatmulSize(size: MatmulSize, limits?: BufferLimits, field = ''): void {
  const f = (name: string): string => (field ? `${field}.${name}` : name);
  const { n, iterations } = size;
  if (!Number.isSafeInteger(n) || n < 16) throw inputError(f('n'), `must be an integer ≥ 16, got ${n}`);
  if (n % 16 !== 0) throw inputError(f('n'), `must be a multiple of 16, got ${n}`);
  if (n * 64 >= 2 ** 24) throw inputError(f('n'), `n·64 must stay below 2^24 for exact f32 sums (n ≤ ${MAX_EXACT_N}), got ${n}`);
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw inputError(f('iterations'), `must be an integer in 1..${MAX_ITERATIONS}, got ${iterations}`);
  }
  if (limits) {
    const bytes = n * n * 4;
    const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
    if (bytes > cap) {
      throw inputError(f('n'), `an ${n}×${n} matrix needs ${bytes} bytes, over this adapter's ${cap}-byte buffer limit (n ≤ ${maxNForLimits(limits)})`);
    }
  }
}

/** Largest provable n (multiple of 16) for the adapter's buffer limits. */
export function maxNForLimits(limits: BufferLimits): number {
  const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const n = Math.floor(Math.sqrt(cap / 4) / 16) * 16;
  return Math.min(n, Math.floor(MAX_EXACT_N / 16) * 16);
}

export const matmulFlops = (s: MatmulSize): number => 2 * s.n ** 3 * s.iterations;
