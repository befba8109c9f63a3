// Table maintenance: turning selftest runs on a named adapter into measured floors to paste into
// fixtures/gpu-classes.json, and listing which classes the identifying figures cannot tell apart.
import { z } from 'zod';
import { inputError } from '../errors.js';
import { firstIssue } from '../protocol/issues.js';
import { DIMENSIONS, FLOOR_KEYS, figuresSchema, type ClassTable, type Dimension, type Figures, type FloorKey } from './classes.js';

/** Floors sit this far below the 5th percentile, for run-to-run and card-to-card spread (clocks, cooling, drivers). */
export const DEFAULT_MARGIN = 0.9;
/** Fewer runs than this still give an entry, with a warning: the 5th percentile of a handful of runs is their minimum. */
export const RECOMMENDED_RUNS = 5;

const inputSchema = z.strictObject({
  runs: z.array(figuresSchema).min(1).max(10_000),
  adapter: z.string().min(1).max(256),
  kitVersion: z.string().min(1).max(64),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a YYYY-MM-DD date'),
  margin: z.number().gt(0).lte(1),
});

export interface MeasuredFloor {
  value: number;
  basis: 'measured';
  adapter: string;
  kit_version: string;
  runs: number;
  date: string;
}

export interface CalibrationEntry {
  adapter: string;
  kit_version: string;
  date: string;
  runs: number;
  margin: number;
  median: Partial<Record<Dimension, number>>;
  p5: Partial<Record<Dimension, number>>;
  /** Keyed as the table's floors are; null where some run lacked the figure. */
  floors: Record<FloorKey, MeasuredFloor | null>;
  warnings: string[];
}

/**
 * Median and 5th percentile (nearest rank, so never interpolated above a run that happened) of each
 * figure over runs on one adapter, and floors = p5 × margin rounded down to three significant digits.
 */
export function calibrationEntry(runs: Figures[], adapter: string, kitVersion: string, date: string, margin = DEFAULT_MARGIN): CalibrationEntry {
  const parsed = inputSchema.safeParse({ runs, adapter, kitVersion, date, margin });
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.error);
    throw inputError(field, message);
  }
  const p = parsed.data;
  const entry: CalibrationEntry = {
    adapter: p.adapter,
    kit_version: p.kitVersion,
    date: p.date,
    runs: p.runs.length,
    margin: p.margin,
    median: {},
    p5: {},
    floors: { f32_gflops: null, tensor_gflops: null, bandwidth_gbs: null, capacity_gib: null, int_gops: null },
    warnings: [],
  };
  if (p.runs.length < RECOMMENDED_RUNS) entry.warnings.push(`${p.runs.length} runs: fewer than ${RECOMMENDED_RUNS}, so p5 is the minimum of very few`);
  for (const dim of DIMENSIONS) {
    const values = p.runs.map((r) => r[dim]).filter((v): v is number => typeof v === 'number');
    if (values.length === 0) continue;
    values.sort((a, b) => a - b);
    entry.median[dim] = median(values);
    const p5 = values[Math.max(0, Math.ceil(0.05 * values.length) - 1)] as number;
    entry.p5[dim] = p5;
    // A figure some runs lack (the tensor path, typically) would make a floor that those runs fail.
    if (values.length < p.runs.length) {
      entry.warnings.push(`${dim} missing from ${p.runs.length - values.length} of ${p.runs.length} runs: no floor`);
      continue;
    }
    const value = roundDown3(p5 * p.margin);
    if (value <= 0) {
      entry.warnings.push(`${dim} floor would be 0: no floor`);
      continue;
    }
    entry.floors[FLOOR_KEYS[dim]] = { value, basis: 'measured', adapter: p.adapter, kit_version: p.kitVersion, runs: p.runs.length, date: p.date };
  }
  return entry;
}

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Down, never up: a pasted floor must not exceed what the runs showed. */
function roundDown3(x: number): number {
  if (!(x > 0)) return 0;
  const step = 10 ** (Math.floor(Math.log10(x)) - 2);
  const r = Math.floor(x / step) * step;
  return Number((r > x ? r - step : r).toPrecision(3));
}

export interface IdentificationGap {
  lower: string;
  higher: string;
  /** What still separates them: floors the identifying figures leave to compute figures that tensor cores can meet. */
  separatedOnlyBy: Dimension[];
}

/** A pair the memory figures cannot separate, and whether the integer floor does. */
export interface MemoryGap extends IdentificationGap {
  /** The lower class's datasheet int32 peak in GOPS (× `achievable.int`); null where the table has none. */
  lowerIntGops: number | null;
  /** The higher class's int floor in GOPS; null where it has none. */
  higherIntFloorGops: number | null;
  /** True when the lower card, at that peak, still falls short of the higher class's int floor. */
  closedByInt: boolean;
}

/**
 * What a lower card is assumed to reach of its datasheet figures when it tries for a higher class.
 * `int` is 1: a cheater running native code may reach its whole datasheet integer peak, and no
 * matrix unit adds to it (docs/scoring.md).
 */
export const DEFAULT_ACHIEVABLE = { bandwidth: 0.9, capacity: 0.95, int: 1 } as const;
export type Achievable = { bandwidth: number; capacity: number; int: number };

/**
 * Pairs where a card of the lower-ranked class, reaching `achievable` of its datasheet bandwidth and
 * memory, meets the higher class's bandwidth and capacity floors, each with whether the higher
 * class's integer floor still holds it off. This is the list before the integer figure, kept so the
 * docs can show which gaps the integer floor closes.
 */
export function memoryGaps(table: ClassTable, achievable: Achievable = DEFAULT_ACHIEVABLE): MemoryGap[] {
  const gpus = table.classes.filter((c) => c.kind === 'gpu');
  const out: MemoryGap[] = [];
  for (const lo of gpus) {
    if (lo.bandwidth_gbs === null || lo.memory_gib === null) continue;
    const bw = lo.bandwidth_gbs.value * achievable.bandwidth;
    const cap = lo.memory_gib.value * achievable.capacity;
    const lowerIntGops = lo.int32_tops === null ? null : lo.int32_tops.value * 1000 * achievable.int;
    for (const hi of gpus) {
      if (hi.rank <= lo.rank) continue;
      const fb = hi.floors.bandwidth_gbs;
      const fc = hi.floors.capacity_gib;
      if (fb === null || fc === null || bw < fb.value || cap < fc.value) continue;
      const fi = hi.floors.int_gops;
      const higherIntFloorGops = fi === null ? null : fi.value;
      // A lower class with no int32 figure is assumed to reach anything: an unknown peak bounds nothing.
      const closedByInt = higherIntFloorGops !== null && lowerIntGops !== null && lowerIntGops < higherIntFloorGops;
      const separatedOnlyBy = (['matmul.f32_gflops', 'matmul.tensor_gflops', 'alu.int_gops'] as const).filter((d) => hi.floors[FLOOR_KEYS[d]] !== null);
      out.push({ lower: lo.id, higher: hi.id, separatedOnlyBy, lowerIntGops, higherIntFloorGops, closedByInt });
    }
  }
  return out;
}

/**
 * Pairs no identifying figure separates: the lower card meets the higher class's bandwidth and
 * capacity floors and, at its whole datasheet integer peak, its int floor too, so only the matmul
 * floors separate them, and a faster exact path (tensor cores) can meet those. Documented in
 * docs/scoring.md.
 */
export function identificationGaps(table: ClassTable, achievable: Achievable = DEFAULT_ACHIEVABLE): IdentificationGap[] {
  return memoryGaps(table, achievable)
    .filter((g) => !g.closedByInt)
    .map(({ lower, higher, separatedOnlyBy }) => ({ lower, higher, separatedOnlyBy: separatedOnlyBy.filter((d) => d !== 'alu.int_gops') }));
}
