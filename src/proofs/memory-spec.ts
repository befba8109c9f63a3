// The memory proof, bit-exact on the CPU (docs/memory-proof.md is the spec): the validator's
// recomputation of single words and the reference the WGSL kernels must reproduce. Everything is
// 32-bit add/xor/rotate/Math.imul so shaders/memory_*.wgsl can match it without emulation.
import { chacha20Block, keystream, streamKey, STREAM_MEMORY_PASS, STREAM_MEMORY_X0 } from './generator.js';
import { blockRoot } from './memory-block-tree.js';

export { STREAM_MEMORY_PASS, STREAM_MEMORY_X0 } from './generator.js';
// The oracle lives in its own module; importers of this one keep working.

/** u32 words per row (a 256-byte row), rows per block (a 16 KiB block). */
export const ROW_WORDS = 64;
export const BLOCK_ROWS = 64;
export const BLOCK_WORDS = ROW_WORDS * BLOCK_ROWS;
/** Bytes moved per row per pass: own row read, other row read, row written. */
export const TRAFFIC_PER_ROW = 3 * ROW_WORDS * 4;
/** ChaCha20 blocks of X_0 per row; at most 2^30 rows keep X_0 within a stream's 2^32 blocks (256 GiB). */
const BLOCKS_PER_ROW = ROW_WORDS / 16;
export const MAX_ROWS = 2 ** 30;

export interface MemoryParams {
  /** C: chunks, each held in one storage binding. */
  chunks: number;
  /** R: rows per chunk, a multiple of BLOCK_ROWS so no block straddles two chunks. */
  rows: number;
  /** P: passes, 1..64. */
  passes: number;
}

export interface PassConstants {
  /** Chunk offset of the other row's chunk: d = (c + t) mod C; in [1, C), 0 when C = 1. */
  t: number;
  /** Word rotation of the other row, in [0, 64). */
  s: number;
  /** Keys of h_p and mix_p. */
  hkey: number;
  mkey: number;
}

const GOLDEN = 0x9e3779b9;

/** MurmurHash3's 32-bit finaliser: a bijection with two multiplies, avalanche on every bit. */
export function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;

/** Pass p's constants: words 4p .. 4p + 3 of the `memory.pass` stream. */
export function passConstants(seed: Uint8Array, p: number, chunks: number): PassConstants {
  return passConstantsFromKey(streamKey(seed, STREAM_MEMORY_PASS), p, chunks);
}

function passConstantsFromKey(key: Uint8Array, p: number, chunks: number): PassConstants {
  const block = chacha20Block(key, p >> 2);
  const [k0 = 0, k1 = 0, k2 = 0, k3 = 0] = block.subarray(4 * (p & 3), 4 * (p & 3) + 4);
  return { t: chunks === 1 ? 0 : 1 + (k0 % (chunks - 1)), s: k1 & 63, hkey: k2, mkey: k3 };
}

/** Passes 1..P's constants as int32 tables indexed by p (entry 0 unused): the oracles' hot loops read them. */
export interface PassTables {
  t: Int32Array;
  s: Int32Array;
  hkey: Int32Array;
  mkey: Int32Array;
}

export function passTables(seed: Uint8Array, params: MemoryParams): PassTables {
  const key = streamKey(seed, STREAM_MEMORY_PASS);
  const n = params.passes + 1;
  const tables = { t: new Int32Array(n), s: new Int32Array(n), hkey: new Int32Array(n), mkey: new Int32Array(n) };
  for (let p = 1; p < n; p++) {
    const k = passConstantsFromKey(key, p, params.chunks);
    [tables.t[p], tables.s[p], tables.hkey[p], tables.mkey[p]] = [k.t, k.s, k.hkey, k.mkey];
  }
  return tables;
}

/** h_p: the other row's index before reduction mod R. */
export const h = (hkey: number, a0: number): number => fmix32((a0 ^ hkey) >>> 0);

/** mix_p of own word a (column w) with the other row's rotated word b. */
export const mix = (mkey: number, a: number, b: number, w: number): number =>
  fmix32((((a ^ mkey) + rotl(b, 11)) ^ Math.imul(w, GOLDEN)) >>> 0);

export function checkParams(params: MemoryParams): void {
  const { chunks: C, rows: R, passes: P } = params;
  if (!Number.isSafeInteger(C) || C < 1) throw new RangeError('memory: chunks must be a positive integer');
  if (!Number.isSafeInteger(R) || R < BLOCK_ROWS || R % BLOCK_ROWS !== 0) throw new RangeError('memory: rows must be a positive multiple of 64');
  if (C * R > MAX_ROWS) throw new RangeError('memory: at most 2^30 rows in all');
  if (!Number.isSafeInteger(P) || P < 0 || P > 64) throw new RangeError('memory: passes must be an integer in 0..64');
}

/** Row r of chunk c of X_0, into out (64 words): word (c·R + r)·64 + w of `memory.X0`. */
export function generateX0Row(seed: Uint8Array, C: number, R: number, c: number, r: number, out = new Uint32Array(ROW_WORDS)): Uint32Array {
  if (!(Number.isInteger(c) && c >= 0 && c < C && Number.isInteger(r) && r >= 0 && r < R)) throw new RangeError('row out of range');
  return x0RowFromKey(streamKey(seed, STREAM_MEMORY_X0), R, c, r, out);
}

function x0RowFromKey(key: Uint8Array, R: number, c: number, r: number, out: Uint32Array): Uint32Array {
  out.set(new Uint32Array(keystream(key, (c * R + r) * BLOCKS_PER_ROW, BLOCKS_PER_ROW).buffer));
  return out;
}

/** X_P in full, (c, r, w) order, by the plain two-copy schedule. For small sizes only. */
export function computeLayersRef(seed: Uint8Array, params: MemoryParams): Uint32Array {
  checkParams(params);
  const { chunks: C, rows: R, passes: P } = params;
  const xkey = streamKey(seed, STREAM_MEMORY_X0);
  const pkey = streamKey(seed, STREAM_MEMORY_PASS);
  let cur = new Uint32Array(C * R * ROW_WORDS);
  let next = new Uint32Array(cur.length);
  cur.set(new Uint32Array(keystream(xkey, 0, C * R * BLOCKS_PER_ROW).buffer));
  for (let p = 1; p <= P; p++) {
    const k = passConstantsFromKey(pkey, p, C);
    for (let c = 0; c < C; c++) {
      const d = (c + k.t) % C;
      for (let r = 0; r < R; r++) {
        const ao = (c * R + r) * ROW_WORDS;
        const q = h(k.hkey, cur[ao] as number) % R;
        const bo = (d * R + q) * ROW_WORDS;
        for (let w = 0; w < ROW_WORDS; w++) next[ao + w] = mix(k.mkey, cur[ao + w] as number, cur[bo + ((w + k.s) & 63)] as number, w);
      }
    }
    [cur, next] = [next, cur];
  }
  return cur;
}

/** Blocks in all: C·R / 64. */
export const blockCount = (params: MemoryParams): number => (params.chunks * params.rows) / BLOCK_ROWS;

/**
 * Leaf data of a block (v2): the RFC 6962 root over the SHA-256 digests of its 64 rows, each the
 * row's words as little-endian bytes (memory-block-tree.ts).
 */
export function blockDigest(words: Uint32Array): Uint8Array {
  if (words.length !== BLOCK_WORDS) throw new RangeError(`a block is ${BLOCK_WORDS} words`);
  return blockRoot(words);
}

/** Digests of every block of a full layer in (c, r) order, packed 32 bytes each. */
export function blockDigestsRef(layer: Uint32Array): Uint8Array {
  const n = layer.length / BLOCK_WORDS;
  const out = new Uint8Array(n * 32);
  for (let b = 0; b < n; b++) out.set(blockDigest(layer.subarray(b * BLOCK_WORDS, (b + 1) * BLOCK_WORDS)), b * 32);
  return out;
}
