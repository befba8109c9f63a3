// A CPU "executor" of the memory proof for tests that can lie (small sets only: the whole of X_P
// lives in a Uint32Array). It computes X_P of the challenge with computeLayersRef for a layout of
// its choosing (memoryLayout's pick for the given adapter limits, or any C×R it is told), or with
// computeLayersWith, which lets a test change where single rows of single passes read their
// other row. A test may then alter the held layer, commit to SHA-256 of whatever blocks it holds
// (the tree built exactly as src/roles/executor-memory.ts builds it) while reporting any layout,
// change blocks after committing, and answer an open request with whole blocks as held then and
// real audit paths into the committed tree. The matmul part (MEMORY_ONLY_MATMUL for memory-only
// challenges, or whatever the challenge asks) is the honest CPU chain of test/helpers/cheater.ts.
// Nothing here checks anything: it is the adversary.
import { MerkleTree } from '../../src/proofs/merkle.js';
import { blockTree, SEGMENT_BYTES } from '../../src/proofs/memory-block-tree.js';
import {
  blockDigestsRef,
  computeLayersRef,
  generateX0Row,
  h,
  mix,
  passConstants,
  BLOCK_ROWS,
  BLOCK_WORDS,
  ROW_WORDS,
  type MemoryParams,
} from '../../src/proofs/memory-spec.js';
import { memoryLayout, MIB, type MemoryLimits } from '../../src/proofs/memory-size.js';
import type { BlockOpening, BlockRef, CommitmentBody, MemoryParams as MemoryRequest, SignedChallenge, SignedCommitment, SignedOpenRequest, SignedOpenings } from '../../src/protocol/schemas.js';
import type { KeyPair } from '../../src/protocol/keys.js';
import { fromHex, toB64, toHex } from '../../src/util/bytes.js';
import { CheatingExecutor, type CommitOptions, type OpenOptions } from './cheater.js';

/** Lavapipe's buffer limits (as in test/gpu-memory.test.ts): 128 MiB bindings, so C = 2 at test sizes. */
export const LAVAPIPE_LIMITS: MemoryLimits = { maxStorageBufferBindingSize: 128 * MIB, maxBufferSize: 2 ** 32 - 1 };

/** Largest capacity the cheater will hold on the CPU. */
export const MEMORY_CHEATER_MAX_MIB = 4;

/** Where row r of chunk c reads its other row in pass p: chunk d, row q. */
export interface OtherRow {
  d: number;
  q: number;
}

/**
 * Returns the (d, q) a cheating pass uses for row r of chunk c in pass p instead of the honest one
 * (given), or undefined to read the honest row. `a0` is word 0 of the row's own row of X_{p-1}.
 */
export type ReadOverride = (p: number, c: number, r: number, honest: OtherRow, a0: number) => OtherRow | undefined;

/**
 * X_`passes` by the spec's two-copy schedule (docs/memory-proof.md §1.5), with every other-row
 * read passed through `override`. With no override it equals computeLayersRef (the tests check).
 */
export function computeLayersWith(seed: Uint8Array, params: MemoryParams, override?: ReadOverride): Uint32Array {
  const { chunks: C, rows: R, passes: P } = params;
  let cur = new Uint32Array(C * R * ROW_WORDS);
  let next = new Uint32Array(cur.length);
  for (let c = 0; c < C; c++) for (let r = 0; r < R; r++) generateX0Row(seed, C, R, c, r, cur.subarray((c * R + r) * ROW_WORDS, (c * R + r + 1) * ROW_WORDS));
  for (let p = 1; p <= P; p++) {
    const k = passConstants(seed, p, C);
    for (let c = 0; c < C; c++) {
      for (let r = 0; r < R; r++) {
        const ao = (c * R + r) * ROW_WORDS;
        const a0 = cur[ao] as number;
        const honest = { d: (c + k.t) % C, q: h(k.hkey, a0) % R };
        const { d, q } = override?.(p, c, r, honest, a0) ?? honest;
        const bo = (d * R + q) * ROW_WORDS;
        for (let w = 0; w < ROW_WORDS; w++) next[ao + w] = mix(k.mkey, cur[ao + w] as number, cur[bo + ((w + k.s) & 63)] as number, w);
      }
    }
    [cur, next] = [next, cur];
  }
  return cur;
}

export interface MemoryCheaterOptions {
  /** Adapter limits memoryLayout picks the layout for (default LAVAPIPE_LIMITS). */
  limits?: MemoryLimits;
  /** Force C (memoryLayout's `chunks` option). */
  chunks?: number;
  /** Compute with exactly this C×R, whatever capacity it holds (a dishonest layout). */
  layout?: { chunks: number; rows: number };
  /** Capacity and passes to compute when the challenge has no memory part (memory.absent tests). */
  as?: MemoryRequest;
  /** Hook into the passes: where chosen rows read their other row. */
  override?: ReadOverride;
  /** Compute this many passes instead of the challenge's (X_{P±1}). */
  passes?: number;
  /** Compute from this seed instead of the challenge's. */
  seed?: Uint8Array;
}

export interface MemoryCommitOptions extends CommitOptions {
  /** Leave the memory part out of the commitment. */
  omitMemory?: boolean;
  /** Overrides of the reported memory part (root, blocks, chunks, rowsPerChunk). */
  report?: Partial<NonNullable<CommitmentBody['memory']>>;
  /** Commit to the first `blocks` held blocks only (a smaller tree). */
  blocks?: number;
}

export interface MemoryOpenOptions extends OpenOptions {
  /** Answer with these (block, segment) pairs instead of the requested ones (each opened as held, with its real paths). */
  blocks?: (asked: readonly BlockRef[]) => BlockRef[];
}

const wordBytes = (w: Uint32Array): Uint8Array => new Uint8Array(w.buffer, w.byteOffset, w.byteLength);

export class MemoryCheater {
  /** The honest CPU matmul chain of the challenge (MEMORY_ONLY_MATMUL for memory-only challenges). */
  readonly matmul: CheatingExecutor;
  readonly request: MemoryRequest;
  /** The C×R×P this cheater computed with (what an honest executor would report). */
  readonly params: MemoryParams;
  /** X_P as held: C·R rows of 64 words in (c, r, w) order; tests may change it at any time. */
  layer: Uint32Array;
  private tree: MerkleTree | undefined;

  constructor(
    readonly challenge: SignedChallenge,
    readonly keys: KeyPair,
    opts: MemoryCheaterOptions = {},
  ) {
    const req = challenge.body.memory ?? opts.as;
    if (!req) throw new Error('the challenge has no memory part; say what to compute with `as`');
    if (req.mib > MEMORY_CHEATER_MAX_MIB) throw new RangeError(`the CPU memory cheater holds at most ${MEMORY_CHEATER_MAX_MIB} MiB`);
    this.request = req;
    this.matmul = new CheatingExecutor(challenge, keys);
    const passes = opts.passes ?? req.passes;
    this.params = opts.layout
      ? { chunks: opts.layout.chunks, rows: opts.layout.rows, passes }
      : { ...memoryLayout(req.mib, req.passes, opts.limits ?? LAVAPIPE_LIMITS, opts.chunks !== undefined ? { chunks: opts.chunks } : {}), passes };
    const seed = opts.seed ?? fromHex(challenge.body.seed);
    this.layer = opts.override ? computeLayersWith(seed, this.params, opts.override) : computeLayersRef(seed, this.params);
  }

  /** Blocks held: C·R / 64. */
  get blockCount(): number {
    return this.layer.length / BLOCK_WORDS;
  }

  /** Rows of a chunk in the computed layout. */
  get rows(): number {
    return this.params.rows;
  }

  /** Block i as held (a copy). */
  block(i: number): Uint32Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.blockCount) throw new RangeError(`no block ${i}`);
    return this.layer.slice(i * BLOCK_WORDS, (i + 1) * BLOCK_WORDS);
  }

  /** Replaces block i with any 4096 words. */
  setBlock(i: number, words: Uint32Array): void {
    if (words.length !== BLOCK_WORDS) throw new RangeError(`a block has ${BLOCK_WORDS} words`);
    this.block(i);
    this.layer.set(words, i * BLOCK_WORDS);
  }

  /** Flips bit 0 of the given words (indices 0..4095) of block i: each flipped word is wrong. */
  corruptWords(i: number, words: Iterable<number>): void {
    const b = this.block(i);
    for (const w of words) {
      if (!Number.isInteger(w) || w < 0 || w >= BLOCK_WORDS) throw new RangeError(`no word ${w}`);
      b[w] = ((b[w] as number) ^ 1) >>> 0;
    }
    this.setBlock(i, b);
  }

  /** Block index of row r of chunk c in the computed layout. */
  blockOf(c: number, r: number): number {
    return c * (this.params.rows / BLOCK_ROWS) + Math.floor(r / BLOCK_ROWS);
  }

  /**
   * Commits to the blocks held now (the matmul part honestly); later openings use this tree's
   * paths, whatever blocks are held then. The memory part reports the computed C and R unless
   * `report` says otherwise.
   */
  commit(opts: MemoryCommitOptions = {}): SignedCommitment {
    const n = opts.blocks ?? this.blockCount;
    const tree = MerkleTree.fromPackedLeafData(blockDigestsRef(this.layer.subarray(0, n * BLOCK_WORDS)));
    this.tree = tree;
    return this.matmul.commit({
      ...opts,
      timings: { method: 'timestamp-query', phases: { 'matmul.chain': 0, 'memory.passes': 0 }, totalMs: 0, ...opts.timings },
      editBody: (body) => {
        if (!opts.omitMemory) {
          body.memory = { root: toHex(tree.root()), blocks: tree.size, chunks: this.params.chunks, rowsPerChunk: this.params.rows, ...opts.report };
        }
        opts.editBody?.(body);
      },
    });
  }

  get commitment(): SignedCommitment {
    return this.matmul.commitment;
  }

  /**
   * Segment `segment` of block `index` as held now, with its path in the tree of the block as held
   * now and that block's path in the committed tree. A block it does not hold (a layout smaller than
   * asked) is answered with zeros, and with no path where the committed tree has no leaf there.
   */
  openBlock({ index, segment }: BlockRef): BlockOpening {
    if (!this.tree) throw new Error('nothing committed yet');
    const path = Number.isSafeInteger(index) && index >= 0 && index < this.tree.size ? this.tree.auditPath(index).map(toHex) : [];
    const data = index < this.blockCount ? this.block(index) : new Uint32Array(BLOCK_WORDS);
    const tree = blockTree(data);
    const bytes = wordBytes(data).subarray(segment * SEGMENT_BYTES, (segment + 1) * SEGMENT_BYTES);
    return { index, segment, data: toB64(bytes), segmentPath: tree.auditPath(segment).map(toHex), blockRoot: toHex(tree.root()), path };
  }

  /** Answers the matmul rows honestly and every requested block (or `blocks(asked)`) as held now. */
  open(request: SignedOpenRequest, opts: MemoryOpenOptions = {}): SignedOpenings {
    const asked = request.body.blocks;
    const blocks = (opts.blocks ? opts.blocks(asked) : [...asked]).map((r) => this.openBlock(r));
    return this.matmul.open(request, {
      ...opts,
      tamper: (body) => {
        body.blocks = blocks;
        opts.tamper?.(body);
      },
    });
  }
}
