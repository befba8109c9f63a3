// The one counter-based generator behind every challenge value. Threefry-4x32 (Salmon et al.,
// "Parallel Random Numbers: As Easy as 1, 2, 3", SC11; Random123) was chosen because it is pure
// 32-bit add/rotate/xor: WGSL has no 64-bit integers and no wide multiply, so the GPU twin in
// shaders/ can be bit-exact with this file without emulation. docs/generator.md is the spec.
import { sha256, utf8 } from '../util/bytes.js';

/** Stream names: each independent quantity gets its own key, so streams never share counters. */
export const STREAM_MATMUL_A0 = 'matmul.A0';
export const STREAM_MATMUL_B = 'matmul.B';

/** Domain prefix of stream keys; the "1" versions the whole derivation. */
export const STREAM_KEY_PREFIX = 'gpuproof/1/gen/';

/** Random123's default and our only production round count. */
export const THREEFRY_ROUNDS = 20;

/** Random123 R_32x4 rotation constants, indexed by round mod 8: [rot for pair 0, rot for pair 1]. */
const ROT: readonly (readonly [number, number])[] = [
  [10, 26],
  [11, 21],
  [13, 27],
  [23, 5],
  [6, 20],
  [17, 11],
  [25, 10],
  [18, 20],
];
const ROT_A = new Uint8Array(ROT.map((r) => r[0]));
const ROT_B = new Uint8Array(ROT.map((r) => r[1]));

/** Skein's key-schedule parity constant for 32-bit words. */
const KS_PARITY32 = 0x1bd11bda;

// Scratch state reused across calls: the matrix generator calls the block function millions of
// times and allocation would dominate.
const ks = new Uint32Array(5);
const x = new Uint32Array(4);

function block(k0: number, k1: number, k2: number, k3: number, c0: number, c1: number, c2: number, c3: number, rounds: number): void {
  ks[0] = k0;
  ks[1] = k1;
  ks[2] = k2;
  ks[3] = k3;
  ks[4] = (KS_PARITY32 ^ k0 ^ k1 ^ k2 ^ k3) >>> 0;
  let x0 = (c0 + k0) >>> 0;
  let x1 = (c1 + k1) >>> 0;
  let x2 = (c2 + k2) >>> 0;
  let x3 = (c3 + k3) >>> 0;
  for (let r = 0; r < rounds; r++) {
    const ra = ROT_A[r & 7] as number;
    const rb = ROT_B[r & 7] as number;
    // Even rounds mix (0,1),(2,3); odd rounds mix (0,3),(2,1): the 4-word Threefish permutation.
    if ((r & 1) === 0) {
      x0 = (x0 + x1) >>> 0;
      x1 = ((x1 << ra) | (x1 >>> (32 - ra))) ^ x0;
      x2 = (x2 + x3) >>> 0;
      x3 = ((x3 << rb) | (x3 >>> (32 - rb))) ^ x2;
    } else {
      x0 = (x0 + x3) >>> 0;
      x3 = ((x3 << ra) | (x3 >>> (32 - ra))) ^ x0;
      x2 = (x2 + x1) >>> 0;
      x1 = ((x1 << rb) | (x1 >>> (32 - rb))) ^ x2;
    }
    x1 >>>= 0;
    x3 >>>= 0;
    if ((r & 3) === 3) {
      // Key injection s after every 4th round; only injections that fall inside `rounds` happen.
      const s = (r + 1) >>> 2;
      x0 = (x0 + (ks[s % 5] as number)) >>> 0;
      x1 = (x1 + (ks[(s + 1) % 5] as number)) >>> 0;
      x2 = (x2 + (ks[(s + 2) % 5] as number)) >>> 0;
      x3 = (x3 + (ks[(s + 3) % 5] as number) + s) >>> 0;
    }
  }
  x[0] = x0;
  x[1] = x1;
  x[2] = x2;
  x[3] = x3;
}


// block20's output, as int32: reading a Uint32Array gives doubles above 2^31, which V8 boxes.
const xi = new Int32Array(4);

/**
 * Threefry-4x32-20 fully unrolled (rotation constants and key schedule inlined), in int32
 * arithmetic (`| 0`) so V8 keeps every value a small integer. The verifier runs it for each of
 * B's n²/4 blocks; unrolled it is about 2.5× faster than a loop over the rounds. `block` stays the
 * readable reference and the tests hold the two equal.
 */
function block20(k0: number, k1: number, k2: number, k3: number, c0: number, c1: number): void {
  const k4 = KS_PARITY32 ^ k0 ^ k1 ^ k2 ^ k3;
  let x0 = (c0 + k0) | 0;
  let x1 = (c1 + k1) | 0;
  let x2 = k2 | 0;
  let x3 = k3 | 0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 10) | (x1 >>> 22)) ^ x0; x2 = (x2 + x3) | 0; x3 = ((x3 << 26) | (x3 >>> 6)) ^ x2;
  x0 = (x0 + x3) | 0; x3 = ((x3 << 11) | (x3 >>> 21)) ^ x0; x2 = (x2 + x1) | 0; x1 = ((x1 << 21) | (x1 >>> 11)) ^ x2;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0; x2 = (x2 + x3) | 0; x3 = ((x3 << 27) | (x3 >>> 5)) ^ x2;
  x0 = (x0 + x3) | 0; x3 = ((x3 << 23) | (x3 >>> 9)) ^ x0; x2 = (x2 + x1) | 0; x1 = ((x1 << 5) | (x1 >>> 27)) ^ x2;
  x0 = (x0 + k1) | 0; x1 = (x1 + k2) | 0; x2 = (x2 + k3) | 0; x3 = (x3 + k4 + 1) | 0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0; x2 = (x2 + x3) | 0; x3 = ((x3 << 20) | (x3 >>> 12)) ^ x2;
  x0 = (x0 + x3) | 0; x3 = ((x3 << 17) | (x3 >>> 15)) ^ x0; x2 = (x2 + x1) | 0; x1 = ((x1 << 11) | (x1 >>> 21)) ^ x2;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 25) | (x1 >>> 7)) ^ x0; x2 = (x2 + x3) | 0; x3 = ((x3 << 10) | (x3 >>> 22)) ^ x2;
  x0 = (x0 + x3) | 0; x3 = ((x3 << 18) | (x3 >>> 14)) ^ x0; x2 = (x2 + x1) | 0; x1 = ((x1 << 20) | (x1 >>> 12)) ^ x2;
  x0 = (x0 + k2) | 0; x1 = (x1 + k3) | 0; x2 = (x2 + k4) | 0; x3 = (x3 + k0 + 2) | 0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 10) | (x1 >>> 22)) ^ x0; x2 = (x2 + x3) | 0; x3 = ((x3 << 26) | (x3 >>> 6)) ^ x2;
  x0 = (x0 + x3) | 0; x3 = ((x3 << 11) | (x3 >>> 21)) ^ x0; x2 = (x2 + x1) | 0; x1 = ((x1 << 21) | (x1 >>> 11)) ^ x2;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0; x2 = (x2 + x3) | 0; x3 = ((x3 << 27) | (x3 >>> 5)) ^ x2;
  x0 = (x0 + x3) | 0; x3 = ((x3 << 23) | (x3 >>> 9)) ^ x0; x2 = (x2 + x1) | 0; x1 = ((x1 << 5) | (x1 >>> 27)) ^ x2;
  x0 = (x0 + k3) | 0; x1 = (x1 + k4) | 0; x2 = (x2 + k0) | 0; x3 = (x3 + k1 + 3) | 0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0; x2 = (x2 + x3) | 0; x3 = ((x3 << 20) | (x3 >>> 12)) ^ x2;
  x0 = (x0 + x3) | 0; x3 = ((x3 << 17) | (x3 >>> 15)) ^ x0; x2 = (x2 + x1) | 0; x1 = ((x1 << 11) | (x1 >>> 21)) ^ x2;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 25) | (x1 >>> 7)) ^ x0; x2 = (x2 + x3) | 0; x3 = ((x3 << 10) | (x3 >>> 22)) ^ x2;
  x0 = (x0 + x3) | 0; x3 = ((x3 << 18) | (x3 >>> 14)) ^ x0; x2 = (x2 + x1) | 0; x1 = ((x1 << 20) | (x1 >>> 12)) ^ x2;
  x0 = (x0 + k4) | 0; x1 = (x1 + k0) | 0; x2 = (x2 + k1) | 0; x3 = (x3 + k2 + 4) | 0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 10) | (x1 >>> 22)) ^ x0; x2 = (x2 + x3) | 0; x3 = ((x3 << 26) | (x3 >>> 6)) ^ x2;
  x0 = (x0 + x3) | 0; x3 = ((x3 << 11) | (x3 >>> 21)) ^ x0; x2 = (x2 + x1) | 0; x1 = ((x1 << 21) | (x1 >>> 11)) ^ x2;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0; x2 = (x2 + x3) | 0; x3 = ((x3 << 27) | (x3 >>> 5)) ^ x2;
  x0 = (x0 + x3) | 0; x3 = ((x3 << 23) | (x3 >>> 9)) ^ x0; x2 = (x2 + x1) | 0; x1 = ((x1 << 5) | (x1 >>> 27)) ^ x2;
  x0 = (x0 + k0) | 0; x1 = (x1 + k1) | 0; x2 = (x2 + k2) | 0; x3 = (x3 + k3 + 5) | 0;
  xi[0] = x0;
  xi[1] = x1;
  xi[2] = x2;
  xi[3] = x3;
}

const u32 = (v: number | undefined): number => (v ?? 0) >>> 0;

/** Random123 threefry4x32_R(rounds, ctr, key); the output is a fresh array of 4 words. */
export function threefry4x32(key: ArrayLike<number>, ctr: ArrayLike<number>, rounds = THREEFRY_ROUNDS): Uint32Array {
  if (key.length !== 4 || ctr.length !== 4) throw new RangeError('threefry4x32: key and ctr must have 4 words');
  if (!Number.isInteger(rounds) || rounds < 0 || rounds > 72) throw new RangeError('threefry4x32: rounds in [0, 72]');
  block(u32(key[0]), u32(key[1]), u32(key[2]), u32(key[3]), u32(ctr[0]), u32(ctr[1]), u32(ctr[2]), u32(ctr[3]), rounds);
  return Uint32Array.from(x);
}

/** A stream's key: the first 16 bytes of SHA-256(prefix || stream || seed), as 4 little-endian words. */
export function streamKey(seed: Uint8Array, stream: string): Uint32Array {
  if (seed.length !== 32) throw new RangeError('streamKey: seed must be 32 bytes');
  const d = sha256(utf8(STREAM_KEY_PREFIX + stream), seed);
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  return Uint32Array.of(v.getUint32(0, true), v.getUint32(4, true), v.getUint32(8, true), v.getUint32(12, true));
}

const TWO32 = 2 ** 32;

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError('word index must be an integer in [0, 2^53)');
}

function blockAt(key: ArrayLike<number>, blk: number): void {
  block20(u32(key[0]), u32(key[1]), u32(key[2]), u32(key[3]), blk % TWO32, Math.floor(blk / TWO32));
}

/** Word `index` of the stream: lane index mod 4 of block floor(index / 4). */
export function word(key: ArrayLike<number>, index: number): number {
  checkIndex(index);
  blockAt(key, Math.floor(index / 4));
  return (xi[index % 4] as number) >>> 0;
}

/**
 * `word` for hot loops that hold the key as four u32 and an index already known to be a safe
 * non-negative integer: no checks, no key conversion.
 */
export function wordUnchecked(k0: number, k1: number, k2: number, k3: number, index: number): number {
  const blk = Math.floor(index / 4);
  block20(k0 | 0, k1 | 0, k2 | 0, k3 | 0, blk % TWO32, Math.floor(blk / TWO32));
  return (xi[index & 3] as number) >>> 0;
}

/**
 * Entry of a word, in [-8, 8]: (u mod 17) - 8 for the word's u32 value u. 2^32 ≡ 1 (mod 17), so
 * the bias toward one residue is 1 in 2^32: immaterial for a proof of work. Takes the word as
 * int32 or u32 (same low 32 bits) and stays in small integers: with u = hi·2^16 + lo and
 * 2^16 ≡ 1 (mod 17), u ≡ hi + lo.
 */
const entryOf = (w: number): number => (((w >>> 16) + (w & 0xffff)) % 17) - 8;

/** Entry (r, c) of the n×n matrix of a stream, in [-8, 8]. */
export function matrixEntry(key: ArrayLike<number>, n: number, r: number, c: number): number {
  return entryOf(word(key, r * n + c));
}

/** Entries for word indices [start, start + out.length) into out, one Threefry call per 4 words. */
function fillEntries(key: ArrayLike<number>, start: number, out: Int32Array): void {
  const end = start + out.length;
  checkIndex(start);
  checkIndex(end);
  const k0 = u32(key[0]) | 0;
  const k1 = u32(key[1]) | 0;
  const k2 = u32(key[2]) | 0;
  const k3 = u32(key[3]) | 0;
  const first = Math.floor(start / 4);
  const last = Math.ceil(end / 4);
  // A 64-bit block counter in ctr[0..1] keeps every index below 2^53 distinct; ctr[2..3] stay 0.
  // Carried by hand: a division per block cost a third of the generator's time.
  let lo = first % TWO32;
  let hi = Math.floor(first / TWO32);
  for (let blk = first; blk < last; blk++) {
    block20(k0, k1, k2, k3, lo, hi);
    if (++lo === TWO32) {
      lo = 0;
      hi++;
    }
    const at = blk * 4 - start;
    if (at >= 0 && at + 4 <= out.length) {
      out[at] = entryOf(xi[0] as number);
      out[at + 1] = entryOf(xi[1] as number);
      out[at + 2] = entryOf(xi[2] as number);
      out[at + 3] = entryOf(xi[3] as number);
    } else {
      // A block cut by either end of the range.
      for (let j = Math.max(0, -at); j < Math.min(4, out.length - at); j++) out[at + j] = entryOf(xi[j] as number);
    }
  }
}

function checkN(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n * n > Number.MAX_SAFE_INTEGER) throw new RangeError('matrix size n must be a positive integer');
}

/** The n×n matrix of a stream, row-major: entry (r, c) is word r·n + c. */
export function generateMatrix(key: ArrayLike<number>, n: number): Int32Array {
  checkN(n);
  const out = new Int32Array(n * n);
  fillEntries(key, 0, out);
  return out;
}

/** Row r of generateMatrix(key, n), without generating the rest. */
export function generateRow(key: ArrayLike<number>, n: number, r: number): Int32Array {
  checkN(n);
  if (!Number.isSafeInteger(r) || r < 0 || r >= n) throw new RangeError('row index out of range');
  const out = new Int32Array(n);
  fillEntries(key, r * n, out);
  return out;
}
