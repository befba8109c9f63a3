// Row checks for opened matmul rows: is cRow exactly aRow · B? The exact product costs n² per row;
// Freivalds' check costs t·n² once (B·r) and then 2·t·n per row, with soundness 2^-44.
//
// Why plain JS numbers are exact here. Inputs satisfy |a|, |b| ≤ 8 (generated or folded), r ∈
// [0, 2^11), and we reject any cRow entry above 64·n, the honest maximum. With n < 2^18:
//   |(B·r)_k|      ≤ n · 8 · (2^11 - 1)          < 2^32
//   |a · (B·r)|    ≤ n · 8 · n · 8 · (2^11 - 1)  < 2^17 · n² < 2^53
//   |c · r|        ≤ n · 64n · (2^11 - 1)        < 2^17 · n² < 2^53
// and every partial sum obeys the same bound, so each is an exactly represented integer.
// Soundness: if c ≠ a·B then d = c - a·B has some d_k ≠ 0, and for any fixed values of the other
// entries of r at most one choice of r_k in 2^11 makes d·r = 0 over the integers. One vector lets a
// wrong row through with probability ≤ 2^-11; four independent vectors, ≤ 2^-44. Over the integers
// there are no zero divisors, which is why the design forbids doing this mod 2^32.
import { accumulateRow, checkMatmulN, MAX_MATMUL_N, maxCEntry } from './reference.js';

/** Number of independent random vectors; rowTimesVectors sweeps B with exactly this many accumulators. */
export const FREIVALDS_VECTORS = 4;
/** Entries of r are uniform in [0, 2^R_BITS). */
export const FREIVALDS_R_BITS = 11;
/** Probability bound, as a power of two, that a wrong row passes: -(4 · 11). */
export const FREIVALDS_SOUNDNESS_LOG2 = -FREIVALDS_VECTORS * FREIVALDS_R_BITS;

/** A source of uniformly random bytes, e.g. node:crypto randomBytes. Must be unpredictable to the executor. */
export type RandomBytes = (length: number) => Uint8Array;

/** B as a row-major n×n matrix, or as a function returning row i, so B need not be held at once. */
export type MatrixRows = Int32Array | ((row: number) => Int32Array);

export interface FreivaldsContext {
  readonly n: number;
  /** The secret vectors r_j; they must never reach the executor. */
  readonly r: readonly Float64Array[];
  /** B · r_j, computed once and shared by every row checked with this context. */
  readonly Br: readonly Float64Array[];
}

const MAX_AB = 8;

function randomVector(n: number, random: RandomBytes): Float64Array {
  const bytes = random(2 * n);
  if (!(bytes instanceof Uint8Array) || bytes.length < 2 * n) throw new RangeError('random source returned too few bytes');
  const mask = (1 << FREIVALDS_R_BITS) - 1;
  const r = new Float64Array(n);
  // 2^16 is a multiple of 2^11, so masking 16 uniform bits gives uniform 11 bits.
  for (let k = 0; k < n; k++) r[k] = ((bytes[2 * k] as number) | ((bytes[2 * k + 1] as number) << 8)) & mask;
  return r;
}

/** Draws the vectors r_j and computes B · r_j for each. Throws on a B outside [-8, 8] or of the wrong shape. */
export function prepareFreivalds(B: MatrixRows, n: number, random: RandomBytes): FreivaldsContext {
  checkMatmulN(n);
  if (typeof B !== 'function' && B.length !== n * n) throw new RangeError('B must have n² entries');
  const r: Float64Array[] = [];
  for (let j = 0; j < FREIVALDS_VECTORS; j++) r.push(randomVector(n, random));
  const Br = r.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const row = typeof B === 'function' ? B(i) : B.subarray(i * n, (i + 1) * n);
    if (row.length !== n) throw new RangeError(`row ${i} of B has ${row.length} entries, expected ${n}`);
    const bad = rowTimesVectors(row, r, Br, i);
    if (bad >= 0) throw new RangeError(`B[${i}][${bad}] = ${row[bad]} is outside [-8, 8]`);
  }
  return { n, r, Br };
}

/**
 * Br[j][i] = row · r[j] for every j, in one sweep of the row that also range-checks it; returns
 * the column of the first entry outside [-8, 8], or -1. One sweep with the four accumulators in
 * registers is about twice as fast as a dot product per vector.
 */
function rowTimesVectors(row: Int32Array, r: readonly Float64Array[], Br: readonly Float64Array[], i: number): number {
  const n = row.length;
  if (r.length === 4) {
    const [r0, r1, r2, r3] = r as readonly [Float64Array, Float64Array, Float64Array, Float64Array];
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let out = 0;
    for (let k = 0; k < n; k++) {
      const b = row[k] as number;
      out |= (b + MAX_AB) >>> 0 > 2 * MAX_AB ? 1 : 0;
      s0 += b * (r0[k] as number);
      s1 += b * (r1[k] as number);
      s2 += b * (r2[k] as number);
      s3 += b * (r3[k] as number);
    }
    if (out) return firstOutOfRange(row);
    (Br[0] as Float64Array)[i] = s0;
    (Br[1] as Float64Array)[i] = s1;
    (Br[2] as Float64Array)[i] = s2;
    (Br[3] as Float64Array)[i] = s3;
    return -1;
  }
  const bad = firstOutOfRange(row);
  if (bad >= 0) return bad;
  r.forEach((rj, j) => {
    let s = 0;
    for (let k = 0; k < n; k++) s += (row[k] as number) * (rj[k] as number);
    (Br[j] as Float64Array)[i] = s;
  });
  return -1;
}

function firstOutOfRange(row: Int32Array): number {
  return row.findIndex((b) => b > MAX_AB || b < -MAX_AB);
}

/** Whether aRow and cRow are in the domain where the arithmetic above is exact. */
function inBounds(aRow: Int32Array, cRow: Int32Array, n: number): boolean {
  if (!(aRow instanceof Int32Array) || !(cRow instanceof Int32Array)) return false;
  if (aRow.length !== n || cRow.length !== n) return false;
  const cMax = maxCEntry(n);
  for (let k = 0; k < n; k++) {
    const a = aRow[k] as number;
    const c = cRow[k] as number;
    if (a > MAX_AB || a < -MAX_AB || c > cMax || c < -cMax) return false;
  }
  return true;
}

/** Freivalds' check of cRow = aRow · B. False for a wrong row except with probability ≤ 2^-44; never throws. */
export function checkRow(ctx: FreivaldsContext, aRow: Int32Array, cRow: Int32Array): boolean {
  const n = ctx.n;
  if (!inBounds(aRow, cRow, n)) return false;
  for (let j = 0; j < ctx.r.length; j++) {
    const rj = ctx.r[j] as Float64Array;
    const brj = ctx.Br[j] as Float64Array;
    let lhs = 0;
    let rhs = 0;
    for (let k = 0; k < n; k++) {
      lhs += (cRow[k] as number) * (rj[k] as number);
      rhs += (aRow[k] as number) * (brj[k] as number);
    }
    if (lhs !== rhs) return false;
  }
  return true;
}

/** Deterministic check: computes aRow · B in full (n² work) and compares. Never throws. */
export function checkRowExact(aRow: Int32Array, B: Int32Array, cRow: Int32Array): boolean {
  const n = aRow.length;
  if (n < 1 || n > MAX_MATMUL_N || !(B instanceof Int32Array) || B.length !== n * n) return false;
  if (!inBounds(aRow, cRow, n)) return false;
  // Float64 accumulation, compared before any narrowing, so no out-of-domain B can wrap into a match:
  // |a| ≤ 8 and |b| < 2^31 keep every partial sum below 2^52.
  const acc = accumulateRow(aRow, B, n);
  for (let j = 0; j < n; j++) if (acc[j] !== cRow[j]) return false;
  return true;
}
