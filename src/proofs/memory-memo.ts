// The word oracle's small-set strategy (memory-oracle.ts picks it): where a set has few rows,
// every path meets the same rows again, so every (p, c, r, w) is memoised. It also keeps very
// deep proofs of tiny sets tractable (P = 64 on one block), which a memo-free walk would not.
import { streamKey, STREAM_MEMORY_X0 } from './generator.js';
import { WordCache } from './word-cache.js';
import { fmix32, mix, passTables, type MemoryParams } from './memory-spec.js';

/** Memo entries per word asked of a large set at P = 12 (about 2,100 measured): a table hint. */
export const MEMO_ENTRIES_PER_WORD = 4000;
/**
 * Memo entries to pre-size per word at depth P: a word's recursion touches about 2^P rows, so
 * shallow proofs need far fewer than the P = 12 figure, and pre-sizing for it cost a 16 MiB
 * table (allocated and zeroed) per verification of a P = 4 selftest. The memo grows if needed.
 */
export const memoEntriesPerWord = (passes: number): number => Math.min(MEMO_ENTRIES_PER_WORD, 4 * 2 ** passes);
/** Sets of at most this many rows (4 MiB) memoise every word by default. */
export const MEMO_ALL_ROWS = 2 ** 14;

const GOLDEN = 0x9e3779b9;
const ROW_WORDS = 64;
const BLOCKS_PER_ROW = 4;

/** Recursion over single words (depth p + 1 ≤ 65 frames), every result memoised. */
export class MemoWordOracle {
  evaluations = 0;
  private readonly C: number;
  private readonly R: number;
  private readonly x0: WordCache;
  private readonly t: Int32Array;
  private readonly s: Int32Array;
  private readonly hkey: Int32Array;
  private readonly mkey: Int32Array;
  private readonly memo: WordMemo;

  constructor(seed: Uint8Array, params: MemoryParams, expectedEntries = 0) {
    this.C = params.chunks;
    this.R = params.rows;
    this.x0 = new WordCache(streamKey(seed, STREAM_MEMORY_X0));
    ({ t: this.t, s: this.s, hkey: this.hkey, mkey: this.mkey } = passTables(seed, params));
    const n = params.passes + 1;
    // A small set has at most 64·C·R·(P + 1) words: no point pre-sizing beyond that.
    this.memo = new WordMemo(Math.min(expectedEntries, ROW_WORDS * this.C * this.R * n));
  }

  get generated(): number {
    return this.x0.blocks;
  }

  clear(): void {
    this.memo.clear();
  }

  /** X_p[c][r][w], unchecked (WordOracle.word checks). */
  at(p: number, c: number, r: number, w: number): number {
    const { C, R } = this;
    // Word (c·R + r)·64 + w of memory.X0: a row is four blocks of 16 words.
    if (p === 0) {
      const x0 = this.x0;
      return (x0.data[x0.offsetOf((c * R + r) * BLOCKS_PER_ROW + (w >> 4)) + (w & 15)] as number) >>> 0;
    }
    const key = ((p * C + c) * R + r) * ROW_WORDS + w;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    const a = this.at(p - 1, c, r, w);
    const a0 = w === 0 ? a : this.at(p - 1, c, r, 0);
    let d = c + (this.t[p] as number);
    if (d >= C) d -= C;
    const q = fmix32((a0 ^ (this.hkey[p] as number)) >>> 0) % R;
    const b = this.at(p - 1, d, q, (w + (this.s[p] as number)) & 63);
    const v = mix(this.mkey[p] as number, a, b, w);
    this.evaluations++;
    this.memo.set(key, v);
    return v;
  }
}

/**
 * Open-addressing map from word keys (integers below 2^53) to u32 values. A Map keyed by numbers
 * past 2^31 boxes every key and was several times slower.
 */
class WordMemo {
  // Slot i is [key + 1, value] at 2i, 2i + 1 (0 marks an empty slot): one cache line a probe.
  private t: Float64Array;
  private size = 0;

  constructor(expected = 0) {
    let slots = 1 << 12;
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
