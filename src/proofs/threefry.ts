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


const rotl = (v: number, r: number): number => (v << r) | (v >>> (32 - r));

/**
 * Threefry-4x32-20 unrolled, in int32 arithmetic (`| 0`): values stay small integers for V8
 * instead of the doubles that `>>> 0` makes above 2^31. The verifier calls it millions of times;
 * `block` stays as the readable reference and the tests hold the two equal.
 */
function block20(k0: number, k1: number, k2: number, k3: number, c0: number, c1: number): void {
  const k4 = KS_PARITY32 ^ k0 ^ k1 ^ k2 ^ k3;
  let x0 = (c0 + k0) | 0;
  let x1 = (c1 + k1) | 0;
  let x2 = k2 | 0;
  let x3 = k3 | 0;
  const ks = [k0 | 0, k1 | 0, k2 | 0, k3 | 0, k4 | 0] as const;
  for (let g = 0; g < 5; g++) {
    // Rounds 4g..4g+3 use rotation rows 0..3 for even g and 4..7 for odd g.
    const even = (g & 1) === 0;
    x0 = (x0 + x1) | 0; x1 = rotl(x1, even ? 10 : 6) ^ x0; x2 = (x2 + x3) | 0; x3 = rotl(x3, even ? 26 : 20) ^ x2;
    x0 = (x0 + x3) | 0; x3 = rotl(x3, even ? 11 : 17) ^ x0; x2 = (x2 + x1) | 0; x1 = rotl(x1, even ? 21 : 11) ^ x2;
    x0 = (x0 + x1) | 0; x1 = rotl(x1, even ? 13 : 25) ^ x0; x2 = (x2 + x3) | 0; x3 = rotl(x3, even ? 27 : 10) ^ x2;
    x0 = (x0 + x3) | 0; x3 = rotl(x3, even ? 23 : 18) ^ x0; x2 = (x2 + x1) | 0; x1 = rotl(x1, even ? 5 : 20) ^ x2;
    const s = g + 1;
    x0 = (x0 + ks[s % 5]!) | 0;
    x1 = (x1 + ks[(s + 1) % 5]!) | 0;
    x2 = (x2 + ks[(s + 2) % 5]!) | 0;
    x3 = (x3 + ks[(s + 3) % 5]! + s) | 0;
  }
  x[0] = x0;
  x[1] = x1;
  x[2] = x2;
  x[3] = x3;
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
  // A 64-bit block counter in ctr[0..1] keeps every index below 2^53 distinct; ctr[2..3] stay 0.
  block20(u32(key[0]), u32(key[1]), u32(key[2]), u32(key[3]), blk % TWO32, Math.floor(blk / TWO32));
}

/** Word `index` of the stream: lane index mod 4 of block floor(index / 4). */
export function word(key: ArrayLike<number>, index: number): number {
  checkIndex(index);
  blockAt(key, Math.floor(index / 4));
  return x[index % 4] as number;
}

/**
 * `word` for hot loops that hold the key as four u32 and an index already known to be a safe
 * non-negative integer: no checks, no key conversion.
 */
export function wordUnchecked(k0: number, k1: number, k2: number, k3: number, index: number): number {
  const blk = Math.floor(index / 4);
  block20(k0, k1, k2, k3, blk % TWO32, Math.floor(blk / TWO32));
  return x[index & 3] as number;
}

/** 2^32 ≡ 1 (mod 17), so the bias toward one residue is 1 in 2^32: immaterial for a proof of work. */
const entryOf = (w: number): number => (w % 17) - 8;

/** Entry (r, c) of the n×n matrix of a stream, in [-8, 8]. */
export function matrixEntry(key: ArrayLike<number>, n: number, r: number, c: number): number {
  return entryOf(word(key, r * n + c));
}

/** Entries for word indices [start, start + out.length) into out, one Threefry call per 4 words. */
function fillEntries(key: ArrayLike<number>, start: number, out: Int32Array): void {
  const end = start + out.length;
  checkIndex(start);
  checkIndex(end);
  let i = start;
  while (i < end) {
    const blk = Math.floor(i / 4);
    blockAt(key, blk);
    const lastInBlock = Math.min(end, blk * 4 + 4);
    for (; i < lastInBlock; i++) out[i - start] = entryOf(x[i - blk * 4] as number);
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
