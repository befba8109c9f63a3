// The memory proof, bit-exact on the CPU (docs/memory-proof.md is the spec): the validator's
// recomputation of single words and the reference the WGSL kernels must reproduce. Everything is
// 32-bit add/xor/rotate/Math.imul so shaders/memory_*.wgsl can match it without emulation.
import { chacha20Block, keystream, streamKey, STREAM_MEMORY_PASS, STREAM_MEMORY_X0 } from './generator.js';
import { WordCache } from './word-cache.js';
import { blockRoot } from './memory-block-tree.js';

export { STREAM_MEMORY_PASS, STREAM_MEMORY_X0 } from './generator.js';

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

/** h_p: the other row's index before reduction mod R. */
export const h = (hkey: number, a0: number): number => fmix32((a0 ^ hkey) >>> 0);

/** mix_p of own word a (column w) with the other row's rotated word b. */
export const mix = (mkey: number, a: number, b: number, w: number): number =>
  fmix32((((a ^ mkey) + rotl(b, 11)) ^ Math.imul(w, GOLDEN)) >>> 0);

function checkParams(params: MemoryParams): void {
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

/**
 * Recomputes single words of any layer from the seed alone, memoising the (p, c, r, w) that are
 * shared (see `at`). Recursion depth is P + 1. A word of X_p
 * needs its own word and word 0 of the row below (the latter picks the other row) plus one word
 * of the other row: 2^k rows at depth k, each with about k/2 + 1 words (docs/memory-proof.md §3).
 */
export class WordOracle {
  /** mix evaluations (words of layers p ≥ 1) computed so far. */
  evaluations = 0;
  private readonly C: number;
  private readonly R: number;
  private readonly x0: WordCache;
  // Pass constants as typed arrays: the hot loop reads them millions of times at P = 12.
  private readonly t: Int32Array;
  private readonly s: Int32Array;
  private readonly hkey: Uint32Array;
  private readonly mkey: Uint32Array;
  private readonly memo: WordMemo;

  /** `expectedEntries` pre-sizes the memo (MEMO_ENTRIES_PER_WORD per word asked). */
  constructor(seed: Uint8Array, params: MemoryParams, expectedEntries = 0) {
    checkParams(params);
    this.C = params.chunks;
    this.R = params.rows;
    this.x0 = new WordCache(streamKey(seed, STREAM_MEMORY_X0));
    const pkey = streamKey(seed, STREAM_MEMORY_PASS);
    const n = params.passes + 1;
    [this.t, this.s, this.hkey, this.mkey] = [new Int32Array(n), new Int32Array(n), new Uint32Array(n), new Uint32Array(n)];
    for (let p = 0; p < n; p++) {
      const k = passConstantsFromKey(pkey, p, this.C);
      this.t[p] = k.t;
      this.s[p] = k.s;
      this.hkey[p] = k.hkey;
      this.mkey[p] = k.mkey;
    }
    this.memo = new WordMemo(expectedEntries);
  }

  /** ChaCha20 blocks generated for X_0 words (each is cached, so this counts distinct blocks, about). */
  get generated(): number {
    return this.x0.blocks;
  }

  /** Drops the memo (its size grows with every word asked). */
  clear(): void {
    this.memo.clear();
  }

  /** X_p[c][r][w]. */
  word(p: number, c: number, r: number, w: number): number {
    const ok = (v: number, n: number): boolean => Number.isInteger(v) && v >= 0 && v < n;
    if (!(ok(p, this.t.length) && ok(c, this.C) && ok(r, this.R) && ok(w, ROW_WORDS))) throw new RangeError('word out of range');
    return this.at(p, c, r, w);
  }

  /**
   * X_p[c][r][w]. Plain recursion: its depth is p + 1 ≤ 65 frames, and
   * V8 keeps every value a small integer. In a large set only word 0 of a row is shared (every word
   * of the row above reads it to pick its other row); any other word is asked for once per path,
   * so memoising it would only cost cache misses. Small sets share rows everywhere: there every
   * word is memoised.
   */
  private at(p: number, c: number, r: number, w: number): number {
    const { C, R } = this;
    // Word (c·R + r)·64 + w of memory.X0: a row is four blocks of 16 words.
    if (p === 0) {
      const x0 = this.x0;
      return (x0.data[x0.offsetOf((c * R + r) * BLOCKS_PER_ROW + (w >> 4)) + (w & 15)] as number) >>> 0;
    }
    // Rows travel as (chunk, row) so the hot path needs one division (q mod R), not four.
    const memoised = w === 0 || C * R <= MEMO_ALL_ROWS;
    const key = ((p * C + c) * R + r) * ROW_WORDS + w;
    if (memoised) {
      const known = this.memo.get(key);
      if (known !== undefined) return known;
    }
    const a = this.at(p - 1, c, r, w);
    const a0 = w === 0 ? a : this.at(p - 1, c, r, 0);
    let d = c + (this.t[p] as number);
    if (d >= C) d -= C;
    const q = fmix32((a0 ^ (this.hkey[p] as number)) >>> 0) % R;
    const b = this.at(p - 1, d, q, (w + (this.s[p] as number)) & 63);
    const v = mix(this.mkey[p] as number, a, b, w);
    this.evaluations++;
    if (memoised) this.memo.set(key, v);
    return v;
  }
}

/** Memo entries per word asked of a large set at P = 12 (about 2,100 measured): a table hint. */
export const MEMO_ENTRIES_PER_WORD = 4000;
/**
 * Memo entries to pre-size per word at depth P: a word's recursion touches about 2^P rows, so
 * shallow proofs need far fewer than the P = 12 figure, and pre-sizing for it cost a 16 MiB
 * table (allocated and zeroed) per verification of a P = 4 selftest. The memo grows if needed.
 */
export const memoEntriesPerWord = (passes: number): number => Math.min(MEMO_ENTRIES_PER_WORD, 4 * 2 ** passes);
/** Sets of at most this many rows (4 MiB) memoise every word; larger ones only word 0. */
const MEMO_ALL_ROWS = 2 ** 14;

/**
 * Open-addressing map from word keys (integers below 2^53) to u32 values. A Map keyed by numbers
 * past 2^31 boxes every key and was several times slower; verification at P = 12 touches millions.
 */
class WordMemo {
  // Slot i is [key + 1, value] at 2i, 2i + 1 (0 marks an empty slot): one cache line a probe.
  private t: Float64Array;
  private size = 0;

  constructor(expected = 0) {
    let slots = 1 << 16;
    while (slots < 2 * expected) slots *= 2; // load factor ≤ 1/2 without growing
    this.t = new Float64Array(2 * slots);
  }

  private slot(key: number): number {
    const mask = (this.t.length >> 1) - 1;
    let i = fmix32((key >>> 0) ^ Math.imul(Math.floor(key / 2 ** 32), GOLDEN)) & mask;
    for (;;) {
      const k = this.t[2 * i] as number;
      if (k === 0 || k === key + 1) return 2 * i;
      i = (i + 1) & mask;
    }
  }

  get(key: number): number | undefined {
    const i = this.slot(key);
    return this.t[i] === 0 ? undefined : this.t[i + 1];
  }

  set(key: number, value: number): void {
    if (4 * (this.size + 1) > this.t.length) this.grow();
    const i = this.slot(key);
    if (this.t[i] === 0) this.size++;
    this.t[i] = key + 1;
    this.t[i + 1] = value;
  }

  clear(): void {
    this.t.fill(0);
    this.size = 0;
  }

  private grow(): void {
    const old = this.t;
    this.t = new Float64Array(old.length * 2);
    for (let j = 0; j < old.length; j += 2) {
      const k = old[j] as number;
      if (k === 0) continue;
      const i = this.slot(k - 1);
      this.t[i] = k;
      this.t[i + 1] = old[j + 1] as number;
    }
  }
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

/**
 * Do the given words (indices into the block, 0..4095) of an opened block equal X_P recomputed
 * from the seed? False, never a throw, for a malformed block, index or word list.
 */
export function verifyBlockWords(seed: Uint8Array, params: MemoryParams, blockIndex: number, data: Uint32Array, words: readonly number[], shared?: WordOracle): boolean {
  try {
    if (!(data instanceof Uint32Array) || data.length !== BLOCK_WORDS || !Array.isArray(words) || words.length === 0) return false;
    if (!Number.isSafeInteger(blockIndex) || blockIndex < 0 || blockIndex >= blockCount(params)) return false;
    const perChunk = params.rows / BLOCK_ROWS;
    const c = Math.floor(blockIndex / perChunk);
    const r0 = (blockIndex % perChunk) * BLOCK_ROWS;
    // One oracle may serve every block of a proof: its memo is valid for any word of the same X.
    const oracle = shared ?? new WordOracle(seed, params, words.length * MEMO_ENTRIES_PER_WORD);
    for (const i of words) {
      if (!Number.isInteger(i) || i < 0 || i >= BLOCK_WORDS) return false;
      const got = oracle.word(params.passes, c, r0 + Math.floor(i / ROW_WORDS), i % ROW_WORDS);
      if (got !== data[i]) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * s distinct word indices of a block, drawn with `random(bound)` (uniform integer in [0, bound),
 * e.g. node:crypto randomInt) after the block is in hand.
 */
export function drawBlockWords(random: (bound: number) => number, s: number): number[] {
  if (!Number.isInteger(s) || s < 1 || s > BLOCK_WORDS) throw new RangeError(`words per block must be in 1..${BLOCK_WORDS}`);
  const picked = new Set<number>();
  while (picked.size < s) {
    const i = random(BLOCK_WORDS);
    if (!Number.isInteger(i) || i < 0 || i >= BLOCK_WORDS) throw new RangeError('random() out of range');
    picked.add(i);
  }
  return [...picked];
}
