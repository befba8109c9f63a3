// Single words of one stream for callers that ask for many scattered ones: the memory oracle's
// small-set strategy (memory-memo.ts); its large-set row walk makes a row's blocks itself. Measured
// when it served every set: about 23,000 X_0 reads an opened word at P = 12, 11,400 distinct blocks.
// Each block is made by the pure-TS block function (a node:crypto call costs microseconds, far
// more than one block) and kept in a direct-mapped cache, so the word-0 and word-w reads of one
// row, and a row met again on another path, mostly cost one block between them.
import { blockInto, inputWords, MAX_STREAM_BLOCKS } from './chacha20.js';

/**
 * Direct-mapped slots: at P = 12, 4096 blocks (256 KiB) made 12,300 blocks a word against 11,400
 * distinct ones (1024 slots: 13,700), for 22,900 reads.
 */
const DEFAULT_SLOTS = 4096;

export class WordCache {
  /** Blocks generated so far (cache misses). */
  blocks = 0;
  private readonly input: Int32Array;
  private readonly tags: Float64Array;
  /** The cached blocks' words, 16 a slot (int32: read them with `>>> 0`). */
  readonly data: Int32Array;
  private readonly mask: number;

  constructor(key: Uint8Array, slots = DEFAULT_SLOTS) {
    if (!Number.isInteger(Math.log2(slots)) || slots < 1) throw new RangeError('slots must be a power of two');
    this.input = inputWords(key);
    this.tags = new Float64Array(slots).fill(-1);
    this.data = new Int32Array(16 * slots);
    this.mask = slots - 1;
  }

  /** Word `index` of the stream, as u32. */
  word(index: number): number {
    if (!Number.isSafeInteger(index) || index < 0 || index >= MAX_STREAM_BLOCKS * 16) throw new RangeError('word index must be an integer in [0, 2^36)');
    return this.at(Math.floor(index / 16), index % 16);
  }

  /** Word `lane` (0..15) of block `block` (an integer below 2^32), unchecked. */
  at(block: number, lane: number): number {
    return (this.data[this.offsetOf(block) + lane] as number) >>> 0;
  }

  /**
   * Where block `block` (an integer below 2^32, unchecked) starts in `data`, made if missing. Hot
   * loops read `data` themselves: a u32 returned from a call V8 does not inline is boxed.
   */
  offsetOf(block: number): number {
    const slot = block & this.mask;
    const o = slot * 16;
    if (this.tags[slot] !== block) {
      blockInto(this.input, block, this.data, o);
      this.tags[slot] = block;
      this.blocks++;
    }
    return o;
  }
}
