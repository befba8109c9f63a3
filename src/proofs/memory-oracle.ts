// The verifier's recomputation of single words of X_p from the seed (docs/memory-proof.md §3).
// Two strategies with the same output bits: large sets walk each word's dependency tree by row
// (nothing there is shared across paths, so nothing is memoised); small sets, where rows recur
// everywhere, memoise every word (memory-memo.ts). The spec's functions come from memory-spec.ts,
// which imports nothing back: imports run one way.
import { blockInto, inputWords } from './chacha20.js';
import { streamKey, STREAM_MEMORY_X0 } from './generator.js';
import { blockCount, checkParams, passTables, BLOCK_ROWS, BLOCK_WORDS, ROW_WORDS, type MemoryParams } from './memory-spec.js';
import { MemoWordOracle, MEMO_ALL_ROWS, memoEntriesPerWord } from './memory-memo.js';

export { MEMO_ENTRIES_PER_WORD, memoEntriesPerWord } from './memory-memo.js';

export interface WordOracleOptions {
  /**
   * Memoise every word (the small-set strategy) instead of walking rows. Defaults to sets of at
   * most 2^14 rows; tests force either strategy on small layouts to compare them.
   */
  memoAll?: boolean;
}

/**
 * X_p[c][r][w] from the seed alone. One oracle may serve every word of a proof. `expectedEntries`
 * pre-sizes the small-set memo (memoEntriesPerWord(P) per word asked); large sets need none.
 */
export class WordOracle {
  private readonly walker: RowWalker | undefined;
  private readonly memo: MemoWordOracle | undefined;
  private readonly passes: number;
  private readonly C: number;
  private readonly R: number;

  constructor(seed: Uint8Array, params: MemoryParams, expectedEntries = 0, options: WordOracleOptions = {}) {
    checkParams(params);
    [this.C, this.R, this.passes] = [params.chunks, params.rows, params.passes];
    if (options.memoAll ?? params.chunks * params.rows <= MEMO_ALL_ROWS) this.memo = new MemoWordOracle(seed, params, expectedEntries);
    else this.walker = new RowWalker(seed, params);
  }

  /** mix evaluations (words of layers p ≥ 1) computed so far. */
  get evaluations(): number {
    return this.walker?.evaluations ?? this.memo?.evaluations ?? 0;
  }

  /** ChaCha20 blocks generated for X_0 words so far. */
  get generated(): number {
    return this.walker?.blocks ?? this.memo?.generated ?? 0;
  }

  /** Drops the memo, if any (its size grows with every word asked). */
  clear(): void {
    this.memo?.clear();
  }

  /** X_p[c][r][w]. */
  word(p: number, c: number, r: number, w: number): number {
    const ok = (v: number, n: number): boolean => Number.isInteger(v) && v >= 0 && v < n;
    if (!(ok(p, this.passes + 1) && ok(c, this.C) && ok(r, this.R) && ok(w, ROW_WORDS))) throw new RangeError('word out of range');
    return this.walker ? this.walker.word(p, c, r, w) : (this.memo as MemoWordOracle).at(p, c, r, w);
  }
}

const GOLDEN = 0x9e3779b9;

/**
 * The large-set strategy. A row asked at layer p for a word set W needs, at every layer k ≤ p,
 * its own words W ∪ {0} (word 0 picks the other row) and, for k ≥ 1, the other row at layer
 * k − 1 for W ∪ {0} rotated by s_k. So one walk up the row computes each needed word once:
 * X_0 words first, then each layer in place, recursing (depth ≤ P + 1) for each other row.
 * That is exactly the set a word-by-word recursion with a word-0 memo evaluates, without the
 * memo's hashing and cache misses; a row met twice on different paths (rare in a large set) is
 * simply computed twice. Word sets are 64-bit masks as two int32 halves; values are int32
 * throughout (read with `>>> 0`) so V8 never boxes them.
 */
class RowWalker {
  evaluations = 0;
  blocks = 0;
  private readonly C: number;
  private readonly R: number;
  private readonly input: Int32Array;
  private readonly t: Int32Array;
  private readonly s: Int32Array;
  private readonly hkey: Int32Array;
  private readonly mkey: Int32Array;
  /** One 64-word row per recursion depth: the row being walked, in place, layer by layer. */
  private readonly rows: Int32Array;

  constructor(seed: Uint8Array, params: MemoryParams) {
    [this.C, this.R] = [params.chunks, params.rows];
    this.input = inputWords(streamKey(seed, STREAM_MEMORY_X0));
    ({ t: this.t, s: this.s, hkey: this.hkey, mkey: this.mkey } = passTables(seed, params));
    this.rows = new Int32Array((params.passes + 2) * ROW_WORDS);
  }

  word(p: number, c: number, r: number, w: number): number {
    this.walk(0, p, c, r, w < 32 ? 1 << w : 0, w < 32 ? 0 : 1 << (w - 32));
    return (this.rows[w] as number) >>> 0;
  }

  /** Words (lo, hi) of X_p[c][r] into rows[64·depth ..]; other words there are scratch. */
  private walk(depth: number, p: number, c: number, r: number, lo: number, hi: number): void {
    const o = depth * ROW_WORDS;
    // Below the top layer the row also needs word 0, which picks the other row.
    const below = p > 0 ? lo | 1 : lo;
    this.readX0(c, r, below, hi, o);
    for (let k = 1; k <= p; k++) {
      const wlo = k < p ? below : lo;
      const a0 = this.rows[o] as number; // X_{k-1}[c][r][0]
      const q = (fmix(a0 ^ (this.hkey[k] as number)) >>> 0) % this.R;
      let d = c + (this.t[k] as number);
      if (d >= this.C) d -= this.C;
      const s = this.s[k] as number;
      // The other row's word (w + s) mod 64 meets own word w: rotate the mask left by s.
      const lo1 = s < 32 ? wlo : hi;
      const hi1 = s < 32 ? hi : wlo;
      const n = s & 31;
      const rlo = n === 0 ? lo1 : (lo1 << n) | (hi1 >>> (32 - n));
      const rhi = n === 0 ? hi1 : (hi1 << n) | (lo1 >>> (32 - n));
      this.walk(depth + 1, k - 1, d, q, rlo, rhi);
      this.mixRow(o, wlo, 0, s, this.mkey[k] as number);
      this.mixRow(o, hi, 32, s, this.mkey[k] as number);
    }
  }

  /**
   * Own words (bits of `mask`, offset by `w0`) of layer k from layer k − 1, in place: mix_k of
   * own word w with the other row's word (w + s) mod 64, which the recursion left one row up.
   */
  private mixRow(o: number, mask: number, w0: number, s: number, mkey: number): void {
    const rows = this.rows;
    const other = o + ROW_WORDS;
    for (let m = mask; m !== 0; m &= m - 1) {
      const w = w0 + 31 - Math.clz32(m & -m);
      const a = rows[o + w] as number;
      const b = rows[other + ((w + s) & 63)] as number;
      // mix(mkey, a, b, w) of memory-spec.ts, inlined: fmix32(((a ^ mkey) + rotl(b, 11)) ^ w·GOLDEN).
      rows[o + w] = fmix((((a ^ mkey) + ((b << 11) | (b >>> 21))) | 0) ^ Math.imul(w, GOLDEN));
      this.evaluations++;
    }
  }

  /** The X_0 words of row (c, r) that the mask names: only the ChaCha20 blocks (16 words) they lie in. */
  private readX0(c: number, r: number, lo: number, hi: number, o: number): void {
    const first = (c * this.R + r) * 4; // a row is blocks 4(cR + r) .. + 3 of memory.X0
    if ((lo & 0xffff) !== 0) this.block(first, o);
    if (lo >>> 16 !== 0) this.block(first + 1, o + 16);
    if ((hi & 0xffff) !== 0) this.block(first + 2, o + 32);
    if (hi >>> 16 !== 0) this.block(first + 3, o + 48);
  }

  private block(counter: number, o: number): void {
    blockInto(this.input, counter, this.rows, o);
    this.blocks++;
  }
}

/** fmix32 of memory-spec.ts on int32 in and out (the hot loop's form; `>>> 0` gives the u32). */
function fmix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
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
    const oracle = shared ?? new WordOracle(seed, params, words.length * memoEntriesPerWord(params.passes));
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
