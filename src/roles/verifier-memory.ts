// The verifier's memory checks: the layout the executor chose must hold exactly the capacity
// asked for in chunks too large to cache, every opened segment must sit under its block's root and
// every block root under the committed root, and s random words of each segment, drawn now, must
// equal X_P recomputed from the seed.
import { randomInt } from 'node:crypto';
import { verifyAuditPath } from '../proofs/merkle.js';
import { BLOCK_ROWS, ROW_WORDS, TRAFFIC_PER_ROW, type MemoryParams as Layout } from '../proofs/memory-spec.js';
import { WordOracle, memoEntriesPerWord } from '../proofs/memory-oracle.js';
import { BLOCK_SEGMENTS, SEGMENT_BYTES } from '../protocol/schemas.js';
import { checkMemoryLayout, capacityBytes, trafficBytes } from '../proofs/memory-size.js';
import { GpuproofError } from '../errors.js';
import { fromB64, fromHex, sha256 } from '../util/bytes.js';
import type { VerifyInput } from './verifier.js';
import type { CheckFn } from './verifier-matmul.js';

/**
 * Words recomputed per opened segment (66 segments, 66 words: about 2^P·3.7 evaluations each). One is
 * enough: a layer not held makes whole rows wrong, and wrong rows spread through every later pass
 * (docs/memory-proof.md, docs/decisions.md).
 */
export const WORDS_PER_BLOCK = 1;

const SEGMENT_WORDS = SEGMENT_BYTES / 4;

/** s distinct word indices of a segment, drawn with the CSPRNG once the segment is in hand. */
export function drawSegmentWords(s: number): number[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(s, SEGMENT_WORDS)) picked.add(randomInt(SEGMENT_WORDS));
  return [...picked];
}

export interface MemoryFigures {
  mib: number;
  passes: number;
  chunks: number;
  rowsPerChunk: number;
  capacityBytes: number;
  capacityGib: number;
  bytesPerRowPerPass: number;
  trafficBytes: number;
  observedMs: number;
  reportedMs: number;
  bandwidthGbsObserved: number;
  bandwidthGbsReported: number;
  /** 'shared' when the window also timed a matmul proof: a lower bound, not the pass rate. */
  window: 'own' | 'shared';
  blocksOpened: number;
  wordsChecked: number;
}

// One transcript and the verdict's check recorder, as verifier.ts passes them to every proof's checks.
type Input = VerifyInput;

export function checkMemory(input: Input, check: CheckFn, proceed: boolean, observedMs: number, shared: boolean): MemoryFigures | undefined {
  const req = input.challenge.body.memory;
  const com = input.commitment.body.memory;
  if (!req) {
    check('memory.absent', com === undefined && input.request.body.blocks.length === 0 && input.openings.body.blocks.length === 0, 'memory data for a challenge that asked for none');
    return undefined;
  }
  if (!check('memory.committed', com !== undefined, 'the challenge asked for a memory proof and the commitment has none') || !com) return undefined;
  const layout: Layout = { chunks: com.chunks, rows: com.rowsPerChunk, passes: req.passes };
  let layoutOk = true;
  try {
    checkMemoryLayout(layout, req.mib, req.passes);
  } catch (e) {
    layoutOk = false;
    check('memory.layout', false, e instanceof GpuproofError ? e.message : String(e));
  }
  if (layoutOk) check('memory.layout', true, '');
  const total = req.mib * 64;
  check('memory.shape', com.blocks === total, `commitment has ${com.blocks} blocks, expected ${total}`);
  const asked = input.request.body.blocks;
  const got = input.openings.body.blocks;
  // A memory proof with no block opened checks nothing: an honest validator always opens some.
  const complete = asked.length > 0 && got.length === asked.length && asked.every((b, j) => got[j]?.index === b.index && got[j]?.segment === b.segment);
  const words = checkBlocks(input, check, proceed && layoutOk && com.blocks === total && complete, complete, layout, total);
  const t = input.commitment.body.timings;
  const passesMs = Math.min(observedMs, Math.max(t.phases['memory.passes'] ?? t.totalMs, 0));
  const bytes = trafficBytes(layout);
  return {
    mib: req.mib,
    passes: req.passes,
    chunks: com.chunks,
    rowsPerChunk: com.rowsPerChunk,
    capacityBytes: capacityBytes(layout),
    capacityGib: capacityBytes(layout) / 2 ** 30,
    bytesPerRowPerPass: TRAFFIC_PER_ROW,
    trafficBytes: bytes,
    observedMs: observedMs,
    reportedMs: passesMs,
    bandwidthGbsObserved: observedMs > 0 ? bytes / observedMs / 1e6 : 0,
    bandwidthGbsReported: passesMs > 0 ? bytes / passesMs / 1e6 : 0,
    window: shared ? 'shared' : 'own',
    blocksOpened: got.length,
    wordsChecked: words,
  };
}

/**
 * memory.openings-complete, memory.paths and memory.words. Exported for tests only
 * (test/named-bugs.test.ts): checkMemory reaches it only once memory.shape holds, so the path
 * check's own use of the validator's block count, never the count the commitment reports, can be
 * shown only by calling it past that gate.
 */
export function checkBlocks(input: Input, check: CheckFn, proceed: boolean, complete: boolean, layout: Layout, total: number): number {
  if (!proceed) {
    check('memory.openings-complete', complete, complete ? 'not checked: an earlier check failed' : 'no blocks were asked, or the openings do not answer exactly the requested blocks, in order');
    for (const name of ['memory.paths', 'memory.words']) check(name, false, 'not checked: an earlier check failed');
    return 0;
  }
  check('memory.openings-complete', true, '');
  const root = fromHex(input.commitment.body.memory?.root ?? '');
  const seed = fromHex(input.challenge.body.seed);
  let badPath = '';
  let badWord = '';
  let words = 0;
  const oracle = new WordOracle(seed, layout, input.openings.body.blocks.length * WORDS_PER_BLOCK * memoEntriesPerWord(layout.passes));
  const perChunk = layout.rows / BLOCK_ROWS;
  for (const b of input.openings.body.blocks) {
    const bytes = fromB64(b.data);
    const blockRoot = fromHex(b.blockRoot);
    // Index, segment and both sizes are the validator's own: the request's (index, segment), 8
    // segments a block, mib·64 blocks.
    const ok =
      bytes.length === SEGMENT_BYTES &&
      verifyAuditPath(sha256(bytes), b.segment, BLOCK_SEGMENTS, b.segmentPath.map(fromHex), blockRoot) &&
      verifyAuditPath(blockRoot, b.index, total, b.path.map(fromHex), root);
    if (!ok) {
      badPath ||= `segment ${b.segment} of block ${b.index} does not match the committed root (length, segment path or block path)`;
      continue;
    }
    const data = new Uint32Array(bytes.slice().buffer);
    const c = Math.floor(b.index / perChunk);
    // The segment's first row in its chunk; word w of the segment is word w mod 64 of row r0 + w / 64.
    const r0 = (b.index % perChunk) * BLOCK_ROWS + (b.segment * BLOCK_ROWS) / BLOCK_SEGMENTS;
    const picks = drawSegmentWords(WORDS_PER_BLOCK);
    words += picks.length;
    if (!picks.every((w) => oracle.word(layout.passes, c, r0 + Math.floor(w / ROW_WORDS), w % ROW_WORDS) === data[w])) {
      badWord ||= `segment ${b.segment} of block ${b.index}: a word differs from X_${layout.passes} recomputed from the seed`;
    }
  }
  check('memory.paths', badPath === '', badPath);
  check('memory.words', badWord === '', badWord);
  return words;
}
