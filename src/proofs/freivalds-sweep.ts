// B · r_j for Freivalds' check in one sweep over B, read a chunk of whole rows (up to 32768
// entries: 64 KiB of keystream when B streams from the generator) at a time. At n = 4096 the
// sweep is 16.7 M entries, so the inner loops are what the verifier's time is made of.
//
// Two vectors share one float64 accumulator. With r entries in [0, 2^11) and |b| ≤ 8, a run of
// at most SEGMENT = 2048 columns sums to less than 2048·8·2047 < 2^25 in magnitude per vector, so
// with p = r_0 + r_1·2^26 the run's sum Σ b·p = S_0 + S_1·2^26 has |S_0|, |S_1| < 2^25: every
// product and partial sum is an integer below 2^52 (exact), and S_1 = round(sum / 2^26) (the
// remainder S_0 / 2^26 is below 1/2 in magnitude), S_0 = sum − S_1·2^26, both exact. That halves
// the multiply-adds of four separate sums; sweeping four rows at once shares each load of p and
// gives eight independent accumulators.

/** B's entries in row-major order: read(out) writes the next out.length entries. */
export interface EntrySource {
  read(out: Int8Array): void;
}

/** B as a row-major n×n matrix, a function returning row i, or a stream of entries. */
export type MatrixRows = Int32Array | ((row: number) => Int32Array) | EntrySource;

const MAX_AB = 8;
const SEGMENT = 2048;
const SHIFT = 2 ** 26;
const CHUNK = 32768;
// Module-level so V8 treats it as a constant in the loops below (as generator.ts's buffers).
const chunk = new Int8Array(CHUNK);

/** Entries of a row-major matrix, range-checked before they are narrowed to int8. */
function arraySource(B: Int32Array | ((row: number) => Int32Array), n: number): EntrySource {
  let e = 0;
  let row = -1;
  let cur: Int32Array = new Int32Array(0);
  const rowAt = (i: number): Int32Array => {
    if (i !== row) {
      cur = typeof B === 'function' ? B(i) : B.subarray(i * n, (i + 1) * n);
      if (cur.length !== n) throw new RangeError(`row ${i} of B has ${cur.length} entries, expected ${n}`);
      row = i;
    }
    return cur;
  };
  return {
    read(out) {
      for (let t = 0; t < out.length; t++, e++) {
        const i = Math.floor(e / n);
        const k = e - i * n;
        const b = rowAt(i)[k] as number;
        if (!(b >= -MAX_AB && b <= MAX_AB)) throw new RangeError(`B[${i}][${k}] = ${b} is outside [-8, 8]`);
        out[t] = b;
      }
    },
  };
}

/**
 * Br[j][i] = row i of B · r[j] for the four vectors r (entries in [0, 2^11)). Throws RangeError
 * on an entry outside [-8, 8] or a row of the wrong length.
 */
export function sweepB(B: MatrixRows, n: number, r: readonly [Float64Array, Float64Array, Float64Array, Float64Array]): Float64Array[] {
  const src = typeof B === 'function' || B instanceof Int32Array ? arraySource(B, n) : B;
  const [r0, r1, r2, r3] = r;
  const p01 = r0.map((v, k) => v + (r1[k] as number) * SHIFT);
  const p23 = r2.map((v, k) => v + (r3[k] as number) * SHIFT);
  const Br = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  const sums = new Float64Array(16);
  const store = (row: number, count: number): void => {
    for (let t = 0; t < count; t++) for (let j = 0; j < 4; j++) (Br[j] as Float64Array)[row + t] = sums[4 * t + j] as number;
    sums.fill(0);
  };
  // Whole rows a chunk; a row longer than a chunk is read in pieces.
  const rowsPer = Math.max(1, Math.floor(CHUNK / n));
  for (let i0 = 0; i0 < n; i0 += rowsPer) {
    const rows = Math.min(rowsPer, n - i0);
    if (n > CHUNK) {
      for (let k0 = 0; k0 < n; k0 += CHUNK) {
        const len = Math.min(CHUNK, n - k0);
        src.read(chunk.subarray(0, len));
        for (let at = 0; at < len; at += SEGMENT) addRun(at, Math.min(SEGMENT, len - at), k0 + at, i0, p01, p23, sums);
      }
      store(i0, 1);
      continue;
    }
    src.read(rows * n === CHUNK ? chunk : chunk.subarray(0, rows * n));
    let t = 0;
    // Four rows at a time share each load of p: about a fifth faster than one.
    for (; t + 4 <= rows; t += 4) {
      for (let k0 = 0; k0 < n; k0 += SEGMENT) addQuad(t * n + k0, n, k0, Math.min(SEGMENT, n - k0), i0 + t, p01, p23, sums);
      store(i0 + t, 4);
    }
    for (; t < rows; t++) {
      for (let k0 = 0; k0 < n; k0 += SEGMENT) addRun(t * n + k0, Math.min(SEGMENT, n - k0), k0, i0 + t, p01, p23, sums);
      store(i0 + t, 1);
    }
  }
  return Br;
}

/** Splits a packed run sum into its two exact halves and adds them to sums[j], sums[j + 1]. */
function unpack(sum: number, sums: Float64Array, j: number): void {
  const high = Math.round(sum / SHIFT);
  sums[j] = (sums[j] as number) + (sum - high * SHIFT);
  sums[j + 1] = (sums[j + 1] as number) + high;
}

/** Adds chunk[at .. at + len) · p over columns col.. to sums[0..3] (row `row`, for errors). */
function addRun(at: number, len: number, col: number, row: number, p01: Float64Array, p23: Float64Array, sums: Float64Array): void {
  let u0 = 0;
  let u1 = 0;
  let v0 = 0;
  let v1 = 0;
  let bad = 0;
  const d = col - at;
  const end = at + len;
  let e = at;
  for (; e + 1 < end; e += 2) {
    const b = chunk[e] as number;
    const c = chunk[e + 1] as number;
    bad |= (b + MAX_AB) | (MAX_AB - b) | (c + MAX_AB) | (MAX_AB - c);
    const k = e + d;
    u0 += b * (p01[k] as number);
    v0 += b * (p23[k] as number);
    u1 += c * (p01[k + 1] as number);
    v1 += c * (p23[k + 1] as number);
  }
  if (e < end) {
    const b = chunk[e] as number;
    bad |= (b + MAX_AB) | (MAX_AB - b);
    u0 += b * (p01[e + d] as number);
    v0 += b * (p23[e + d] as number);
  }
  // A negative term sets the sign bit: some entry was below −8 or above 8.
  if (bad < 0) throwOutOfRange(at, len, row, col);
  unpack(u0 + u1, sums, 0);
  unpack(v0 + v1, sums, 2);
}

/** addRun for the four rows starting at chunk[at] (stride n), into sums[0..15]. */
function addQuad(at: number, n: number, col: number, len: number, row: number, p01: Float64Array, p23: Float64Array, sums: Float64Array): void {
  let u0 = 0, u1 = 0, u2 = 0, u3 = 0, v0 = 0, v1 = 0, v2 = 0, v3 = 0;
  let bad = 0;
  const d = at - col;
  for (let k = col; k < col + len; k++) {
    const p = p01[k] as number;
    const q = p23[k] as number;
    const e = k + d;
    const b0 = chunk[e] as number;
    const b1 = chunk[e + n] as number;
    const b2 = chunk[e + 2 * n] as number;
    const b3 = chunk[e + 3 * n] as number;
    bad |= (b0 + MAX_AB) | (MAX_AB - b0) | (b1 + MAX_AB) | (MAX_AB - b1) | (b2 + MAX_AB) | (MAX_AB - b2) | (b3 + MAX_AB) | (MAX_AB - b3);
    u0 += b0 * p;
    v0 += b0 * q;
    u1 += b1 * p;
    v1 += b1 * q;
    u2 += b2 * p;
    v2 += b2 * q;
    u3 += b3 * p;
    v3 += b3 * q;
  }
  if (bad < 0) for (let t = 0; t < 4; t++) throwOutOfRange(at + t * n, len, row + t, col, true);
  unpack(u0, sums, 0);
  unpack(v0, sums, 2);
  unpack(u1, sums, 4);
  unpack(v1, sums, 6);
  unpack(u2, sums, 8);
  unpack(v2, sums, 10);
  unpack(u3, sums, 12);
  unpack(v3, sums, 14);
}

/** Throws for the first entry of chunk[at .. at + len) outside [-8, 8]; unless `mayPass`, always throws. */
function throwOutOfRange(at: number, len: number, row: number, col: number, mayPass = false): void {
  for (let t = 0; t < len; t++) {
    const b = chunk[at + t] as number;
    if (b < -MAX_AB || b > MAX_AB) throw new RangeError(`B[${row}][${col + t}] = ${b} is outside [-8, 8]`);
  }
  if (!mayPass) throw new RangeError(`B row ${row} has an entry outside [-8, 8]`);
}
