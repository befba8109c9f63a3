// Sizes of the memory proof: how a requested capacity becomes C chunks × R rows on an adapter,
// what a run allocates, what the validator accepts as the executor's layout, and the figures
// reported from a timing. docs/memory-proof.md §4 explains the choices; tests cover both sides
// of every limit.
import { inputError } from '../errors.js';
import { BLOCK_ROWS, ROW_WORDS, TRAFFIC_PER_ROW, type MemoryParams } from './memory-spec.js';

export const MIB = 2 ** 20;
export const ROW_BYTES = ROW_WORDS * 4;
export const BLOCK_BYTES = BLOCK_ROWS * ROW_BYTES;
export const MIN_PASSES = 1;
export const MAX_PASSES = 64;
/** 256 GiB: C·R ≤ 2^30 rows, so X_0 (four ChaCha20 blocks a row) stays within one stream's 2^32 blocks. */
export const MAX_MIB = 2 ** 18;
/**
 * Smallest chunk the validator accepts (unless the whole set is small): the other row is drawn
 * from a whole chunk, and a chunk that fits in a last-level cache turns those reads into hits.
 */
export const MIN_CHUNK_BYTES = 64 * MIB;
/** Default share of the byte budget the production size aims to prove. */
export const TARGET_FRACTION = 0.95;

export interface MemoryLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

export interface LayoutOptions {
  /** Smaller chunks than the adapter allows (tests: many chunks on a small set). */
  maxChunkBytes?: number;
  /** Bytes the working set may occupy on the device, spare chunk or second copy included. */
  budgetBytes?: number;
  /** Force C (1 selects the two-copy schedule). */
  chunks?: number;
}

/** Largest chunk in bytes: one storage binding and one buffer, whole blocks only. */
export function chunkCapBytes(limits: MemoryLimits, maxChunkBytes = Infinity): number {
  const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize, maxChunkBytes);
  return Math.floor(cap / BLOCK_BYTES) * BLOCK_BYTES;
}

/** Throws inputError naming `memory.mib` or `memory.passes` unless both are in range. */
export function checkMemoryRequest(mib: number, passes: number): void {
  if (!Number.isSafeInteger(mib) || mib < 1 || mib > MAX_MIB) throw inputError('memory.mib', `must be an integer in 1..${MAX_MIB}, got ${mib}`);
  if (!Number.isSafeInteger(passes) || passes < MIN_PASSES || passes > MAX_PASSES) {
    throw inputError('memory.passes', `must be an integer in ${MIN_PASSES}..${MAX_PASSES}, got ${passes}`);
  }
}

/** Device bytes a run holds for the working set: C + 1 chunks in place, two copies when C = 1. */
export const memoryBytesNeeded = (p: Pick<MemoryParams, 'chunks' | 'rows'>): number =>
  (p.chunks === 1 ? 2 : p.chunks + 1) * p.rows * ROW_BYTES;

/** Proven capacity: one layer, C·R rows of 256 bytes. */
export const capacityBytes = (p: Pick<MemoryParams, 'chunks' | 'rows'>): number => p.chunks * p.rows * ROW_BYTES;

/** Nominal traffic of all passes: 768 bytes per row per pass (fusing two passes saves ≤ 1/6). */
export const trafficBytes = (p: MemoryParams): number => TRAFFIC_PER_ROW * p.chunks * p.rows * p.passes;

/** Reported bandwidth in bytes per second for the passes taking `ms` milliseconds. */
export function bandwidthBytesPerSecond(p: MemoryParams, ms: number): number {
  if (!(ms > 0) || !Number.isFinite(ms)) throw new RangeError('bandwidth needs a positive finite time');
  return trafficBytes(p) / (ms / 1000);
}

/**
 * C and R for `mib` MiB on this adapter: the fewest chunks (≥ 2, so the run is in place) that
 * divide the set into whole blocks, each fitting one binding, within the budget if one is given.
 */
export function memoryLayout(mib: number, passes: number, limits: MemoryLimits, opts: LayoutOptions = {}): MemoryParams {
  checkMemoryRequest(mib, passes);
  const blocks = mib * (MIB / BLOCK_BYTES);
  const capBlocks = chunkCapBytes(limits, opts.maxChunkBytes) / BLOCK_BYTES;
  if (capBlocks < 1) throw inputError('memory.mib', `this adapter's buffer limits cannot hold one ${BLOCK_BYTES}-byte block per chunk`);
  const fits = (C: number): boolean =>
    blocks % C === 0 && blocks / C <= capBlocks && (opts.budgetBytes === undefined || memoryBytesNeeded({ chunks: C, rows: (blocks / C) * BLOCK_ROWS }) <= opts.budgetBytes);
  const params = (C: number): MemoryParams => ({ chunks: C, rows: (blocks / C) * BLOCK_ROWS, passes });
  if (opts.chunks !== undefined) {
    const C = opts.chunks;
    if (!Number.isSafeInteger(C) || C < 1 || C > blocks || blocks % C !== 0) {
      throw inputError('memory.chunks', `must divide the ${blocks} blocks of ${mib} MiB, got ${C}`);
    }
    if (!fits(C)) throw inputError('memory.mib', `${mib} MiB in ${C} chunks exceeds this adapter's chunk limit or the memory budget`);
    return params(C);
  }
  const total = mib * MIB;
  if (opts.budgetBytes !== undefined && total >= opts.budgetBytes) {
    throw inputError('memory.mib', `${mib} MiB leaves no room for the spare chunk within a ${opts.budgetBytes}-byte budget`);
  }
  // (C + 1)/C · total ≤ budget bounds C from below, as does the chunk cap; the first divisor wins.
  const byBudget = opts.budgetBytes === undefined ? 1 : Math.ceil(total / (opts.budgetBytes - total));
  for (let C = Math.max(2, Math.ceil(blocks / capBlocks), byBudget); C <= blocks; C++) {
    if (fits(C)) return params(C);
  }
  throw inputError('memory.mib', `${mib} MiB cannot be split into chunks this adapter can bind within the budget`);
}

/** Throws inputError unless a run of these parameters is well-formed and fits the adapter. */
export function checkMemoryParams(p: MemoryParams, limits?: MemoryLimits): void {
  const { chunks: C, rows: R, passes: P } = p;
  if (!Number.isSafeInteger(C) || C < 1) throw inputError('memory.chunks', `must be a positive integer, got ${C}`);
  if (!Number.isSafeInteger(R) || R < BLOCK_ROWS || R % BLOCK_ROWS !== 0) {
    throw inputError('memory.rows', `must be a positive multiple of ${BLOCK_ROWS}, got ${R}`);
  }
  if (C * R > MAX_MIB * (MIB / ROW_BYTES)) throw inputError('memory.chunks', `C·R must stay within 2^30 rows, got ${C * R}`);
  if (!Number.isSafeInteger(P) || P < MIN_PASSES || P > MAX_PASSES) {
    throw inputError('memory.passes', `must be an integer in ${MIN_PASSES}..${MAX_PASSES}, got ${P}`);
  }
  if (limits && R * ROW_BYTES > chunkCapBytes(limits)) {
    throw inputError('memory.rows', `a chunk of ${R} rows is ${R * ROW_BYTES} bytes, over this adapter's ${chunkCapBytes(limits)}-byte binding limit`);
  }
}

/** Smallest chunk the validator accepts for a set of `total` bytes. */
export const minChunkBytes = (total: number, floor = MIN_CHUNK_BYTES): number =>
  Math.min(floor, Math.ceil(total / 16 / BLOCK_BYTES) * BLOCK_BYTES);

/**
 * The validator's check of the layout an executor reports: exactly the requested capacity, whole
 * blocks per chunk, and chunks large enough that the other row cannot come from a cache.
 */
export function checkMemoryLayout(p: MemoryParams, mib: number, passes: number, opts: { minChunkBytes?: number } = {}): void {
  checkMemoryRequest(mib, passes);
  checkMemoryParams(p);
  if (p.passes !== passes) throw inputError('memory.passes', `the run used ${p.passes} passes, the challenge asked for ${passes}`);
  if (capacityBytes(p) !== mib * MIB) {
    throw inputError('memory.chunks', `${p.chunks} chunks × ${p.rows} rows hold ${capacityBytes(p)} bytes, not the ${mib} MiB asked`);
  }
  const min = minChunkBytes(mib * MIB, opts.minChunkBytes);
  if (p.rows * ROW_BYTES < min) throw inputError('memory.rows', `chunks of ${p.rows * ROW_BYTES} bytes are below the ${min}-byte minimum`);
}

/**
 * Production capacity in MiB for a device budget: the largest chunks (fewest C ≥ 2) that prove
 * `fraction` of the budget with the spare chunk counted, else the largest capacity any accepted
 * chunk size gives. Every result is accepted by memoryLayout and checkMemoryLayout.
 */
export function defaultMemoryMib(limits: MemoryLimits, budgetBytes: number, opts: { fraction?: number; maxChunkBytes?: number } = {}): number {
  if (!(budgetBytes >= 3 * MIB) || !Number.isFinite(budgetBytes)) throw inputError('memory.budget', `must be at least 3 MiB, got ${budgetBytes}`);
  const fraction = opts.fraction ?? TARGET_FRACTION;
  const capMib = Math.floor(chunkCapBytes(limits, opts.maxChunkBytes) / MIB);
  if (capMib < 1) throw inputError('memory.budget', "this adapter's buffer limits cannot hold a 1 MiB chunk");
  let best = 0;
  for (let C = 2; C <= MAX_MIB; C++) {
    const s = Math.min(capMib, Math.floor(budgetBytes / MIB / (C + 1)), Math.floor(MAX_MIB / C));
    const mib = C * s;
    if (s < 1 || s * MIB < minChunkBytes(mib * MIB)) break;
    if (mib * MIB >= fraction * budgetBytes) return mib;
    best = Math.max(best, mib);
  }
  if (best === 0) throw inputError('memory.budget', `no accepted layout fits ${budgetBytes} bytes`);
  return best;
}
