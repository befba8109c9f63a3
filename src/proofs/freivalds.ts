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
import { sweepB, type MatrixRows } from './freivalds-sweep.js';

/** Number of independent random vectors; sweepB pairs them into two packed sums. */
export const FREIVALDS_VECTORS = 4;
/** Entries of r are uniform in [0, 2^R_BITS). */
export const FREIVALDS_R_BITS = 11;
/** Probability bound, as a power of two, that a wrong row passes: -(4 · 11). */
export const FREIVALDS_SOUNDNESS_LOG2 = -FREIVALDS_VECTORS * FREIVALDS_R_BITS;

/** A source of uniformly random bytes, e.g. node:crypto randomBytes. Must be unpredictable to the executor. */
export type RandomBytes = (length: number) => Uint8Array;

export type { EntrySource, MatrixRows } from './freivalds-sweep.js';

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

/**
 * Draws the vectors r_j and computes B · r_j for each in one sweep of B, which may stream
 * (B is never held: 64 MiB as int32 at n = 4096). Throws on a B outside [-8, 8] or of the wrong shape.
 */
export function prepareFreivalds(B: MatrixRows, n: number, random: RandomBytes): FreivaldsContext {
  checkMatmulN(n);
  if (B instanceof Int32Array && B.length !== n * n) throw new RangeError('B must have n² entries');
  const r = [randomVector(n, random), randomVector(n, random), randomVector(n, random), randomVector(n, random)] as const;
  return { n, r, Br: sweepB(B, n, r) };
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
