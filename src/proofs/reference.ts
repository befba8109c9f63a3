// CPU reference for the matmul chain. The validator uses the row functions to check openings; the
// whole-matrix functions exist for tests and small self-checks, not for production sizes.
import { EntryReader, generateMatrix, streamKey, STREAM_MATMUL_A0, STREAM_MATMUL_B } from './generator.js';
import { fold, maskKey, maskedFoldRow } from './matmul-mask.js';
import { layerTree } from './matmul-layers.js';

export { fold };

/**
 * Largest n for which every partial sum of a row times B stays below 2^24 in magnitude
 * (|a|, |b| ≤ 8, so |sum| ≤ 64·n), which is what makes f32 accumulation on the GPU exact.
 */
export const MAX_MATMUL_N = 2 ** 18 - 1;

/** Largest magnitude an honest entry of C can have: n products of magnitude at most 8·8. */
export const maxCEntry = (n: number): number => 64 * n;

export function checkMatmulN(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_MATMUL_N) {
    throw new RangeError(`matmul n must be an integer in [1, ${MAX_MATMUL_N}]`);
  }
}

/** aRow · B for row-major n×n B. Exact: every partial sum is an integer below 2^24 in magnitude. */
export function rowTimesMatrix(aRow: Int32Array, B: Int32Array, n: number): Int32Array {
  checkMatmulN(n);
  if (aRow.length !== n || B.length !== n * n) throw new RangeError('rowTimesMatrix: shape mismatch');
  return Int32Array.from(accumulateRow(aRow, B, n));
}

/**
 * aRow · B in a Float64Array (exact for integers below 2^53), k-outer so B is read row by row.
 * Callers narrow or compare it; no bounds are checked here.
 */
export function accumulateRow(aRow: Int32Array, B: Int32Array, n: number): Float64Array {
  const acc = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const a = aRow[k] as number;
    if (a === 0) continue;
    const base = k * n;
    for (let j = 0; j < n; j++) acc[j] = (acc[j] as number) + a * (B[base + j] as number);
  }
  return acc;
}

/** A · B for row-major n×n matrices. */
export function matmulRef(A: Int32Array, B: Int32Array, n: number): Int32Array {
  checkMatmulN(n);
  if (A.length !== n * n || B.length !== n * n) throw new RangeError('matmulRef: shape mismatch');
  const C = new Int32Array(n * n);
  for (let i = 0; i < n; i++) C.set(rowTimesMatrix(A.subarray(i * n, (i + 1) * n), B, n), i * n);
  return C;
}

/** The matrices A_0 and B of a challenge seed. */
export function chainInputs(seed: Uint8Array, n: number): { A0: Int32Array; B: Int32Array } {
  checkMatmulN(n);
  return {
    A0: generateMatrix(streamKey(seed, STREAM_MATMUL_A0), n),
    B: generateMatrix(streamKey(seed, STREAM_MATMUL_B), n),
  };
}

/** A_{k+1} = fold(C_k + M_k) for a whole layer, M_k keyed by the layer's own root. */
export function nextLayerInput(seed: Uint8Array, n: number, K: number, k: number, C: Int32Array): Int32Array {
  const mask = new Uint8Array(n * n);
  new EntryReader(maskKey(seed, n, K, k, layerTree(C, n).root()), 0, 'mask').read(mask);
  return maskedFoldRow(C, mask);
}

/** C_0 .. C_{K-1} with C_k = A_k · B and A_{k+1} = fold(C_k + M_k) (protocol v2). */
export function chainRef(seed: Uint8Array, n: number, K: number): Int32Array[] {
  if (!Number.isSafeInteger(K) || K < 1) throw new RangeError('chain length K must be a positive integer');
  const { A0, B } = chainInputs(seed, n);
  const out: Int32Array[] = [];
  let A = A0;
  for (let k = 0; k < K; k++) {
    const C = matmulRef(A, B, n);
    out.push(C);
    if (k < K - 1) A = nextLayerInput(seed, n, K, k, C);
  }
  return out;
}
