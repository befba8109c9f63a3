// The classifier over the class table (fixtures/gpu-classes.json, format in class-table.ts). Every
// measured figure is a lower bound a cheater cannot raise, so a class is reached when all its floors
// hold and the run gets the highest-ranked class reached. Adapter strings are forgeable: they only
// pick among classes of one rank that were all reached, and are otherwise reported, never believed.
// Rules: docs/scoring.md.
import { z } from 'zod';
import { inputError } from '../errors.js';
import { firstIssue } from '../protocol/issues.js';
import { DIMENSIONS, FLOOR_KEYS, type ClassTable, type Dimension, type GpuClass } from './class-table.js';

export {
  classTableSchema,
  datasheetFor,
  DEFAULT_CLASS_TABLE_PATH,
  DIMENSIONS,
  FLOOR_KEYS,
  int32Product,
  INT32_TOLERANCE,
  loadClassTable,
  parseClassTable,
  type ClassTable,
  type Dimension,
  type Floor,
  type FloorKey,
  type GpuClass,
} from './class-table.js';

/**
 * A missing tensor figure means "no such path" (or withheld), so it cannot block a class; the rest
 * must be measured. The integer figure is required as memory is: the validator picks the challenge,
 * so an executor cannot withhold it, and a validator that does not measure it cannot award a class
 * whose identification rests on it.
 */
export const REQUIRED_DIMENSIONS: readonly Dimension[] = ['matmul.f32_gflops', 'memory.bandwidth_gbs', 'memory.capacity_gib', 'alu.int_gops'];
/** The top tier has no tier above to interpolate towards; it may earn this much over its weight. */
export const TOP_TIER_HEADROOM = 1.25;

const figure = z.number().finite().min(0).nullish();
export const figuresSchema = z.object({
  'matmul.f32_gflops': figure,
  'matmul.tensor_gflops': figure,
  'memory.bandwidth_gbs': figure,
  'memory.capacity_gib': figure,
  'alu.int_gops': figure,
});
/** Validator-observed figures; absent or null means not measured. Other keys are ignored. */
export type Figures = Partial<Record<Dimension, number | null | undefined>>;

const adapterString = z.string().max(4096).optional();
const adapterSchema = z.object({ vendor: adapterString, architecture: adapterString, device: adapterString, description: adapterString, isSoftware: z.boolean() });
/** Adapter strings as reported (forgeable) and the caller's isSoftwareAdapter verdict on them. */
export type AdapterStrings = z.infer<typeof adapterSchema>;

export type FloorStatus = 'pass' | 'fail' | 'not-measured';
export interface FloorCheck {
  class: string;
  dimension: Dimension;
  floor: number;
  measured: number | null;
  status: FloorStatus;
  /** Whether this check keeps the class from being reached: a failure, or a required figure missing. */
  blocking: boolean;
}
export interface ClaimResult {
  id: string;
  status: 'ok' | 'mismatch' | 'unknown-class';
  failed: Dimension[];
  note?: string;
}
export interface ClassResult {
  class: string;
  name: string;
  rank: number;
  weight: number;
  /** The weight of the next tier up (the top tier: weight × TOP_TIER_HEADROOM); 0 for weightless classes. */
  nextWeight: number;
  /** Every floor of every gpu class, in table order. */
  floors: FloorCheck[];
  /** Classes whose every floor holds, in table order (software runs: only `software`). */
  reached: string[];
  tiedWith?: string[];
  tiesBrokenBy?: 'adapter-strings';
  adapterAgreement: { agrees: boolean; note: string; named: string[] };
  claim?: ClaimResult;
}

function parseInput<T>(schema: z.ZodType<T>, raw: unknown, field: string): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const { field: path, message } = firstIssue(parsed.error, field);
  throw inputError(path, message);
}

export function checkFloors(c: GpuClass, figures: Figures): FloorCheck[] {
  const out: FloorCheck[] = [];
  for (const dimension of DIMENSIONS) {
    const f = c.floors[FLOOR_KEYS[dimension]];
    if (f === null) continue;
    const measured = figures[dimension] ?? null;
    const status: FloorStatus = measured === null ? 'not-measured' : measured >= f.value ? 'pass' : 'fail';
    const blocking = status === 'fail' || (status === 'not-measured' && REQUIRED_DIMENSIONS.includes(dimension));
    out.push({ class: c.id, dimension, floor: f.value, measured, status, blocking });
  }
  return out;
}

/** Classes whose adapter patterns match the strings (capped, as the adapter report caps them). */
export function namedClasses(adapter: AdapterStrings, table: ClassTable): string[] {
  const s = [adapter.vendor, adapter.architecture, adapter.device, adapter.description].map((x) => (x ?? '').slice(0, 256)).join(' ');
  return table.classes.filter((c) => c.adapter_patterns.some((p) => new RegExp(p, 'i').test(s))).map((c) => c.id);
}

export function nextWeightOf(c: GpuClass, table: ClassTable): number {
  if (c.kind !== 'gpu') return 0;
  const above = table.classes.filter((x) => x.kind === 'gpu' && x.rank > c.rank).sort((a, b) => a.rank - b.rank)[0];
  return above === undefined ? c.weight * TOP_TIER_HEADROOM : above.weight;
}

export function classify(figuresIn: Figures, adapterIn: AdapterStrings, table: ClassTable, claim?: string): ClassResult {
  const figures = parseInput(figuresSchema, figuresIn, 'figures') as Figures;
  const adapter = parseInput(adapterSchema, adapterIn, 'adapter');
  const gpus = table.classes.filter((c) => c.kind === 'gpu');
  const floors = gpus.flatMap((c) => checkFloors(c, figures));
  const blocked = new Set(floors.filter((f) => f.blocking).map((f) => f.class));
  const byKind = (k: GpuClass['kind']) => table.classes.find((c) => c.kind === k) as GpuClass;
  const named = namedClasses(adapter, table);
  const reachedGpus = gpus.filter((c) => !blocked.has(c.id));
  let chosen: GpuClass;
  const extra: Pick<ClassResult, 'tiedWith' | 'tiesBrokenBy'> = {};
  if (adapter.isSoftware) chosen = byKind('software');
  else if (reachedGpus.length === 0) chosen = byKind('unlisted');
  else {
    const top = Math.max(...reachedGpus.map((c) => c.rank));
    const tied = reachedGpus.filter((c) => c.rank === top);
    const byStrings = tied.filter((c) => named.includes(c.id));
    chosen = byStrings[0] ?? (tied[0] as GpuClass);
    if (tied.length > 1) {
      extra.tiedWith = tied.filter((c) => c !== chosen).map((c) => c.id);
      if (byStrings.length > 0) extra.tiesBrokenBy = 'adapter-strings';
    }
  }
  const result: ClassResult = {
    class: chosen.id,
    name: chosen.name,
    rank: chosen.rank,
    weight: chosen.weight,
    nextWeight: nextWeightOf(chosen, table),
    floors,
    reached: adapter.isSoftware ? [chosen.id] : reachedGpus.map((c) => c.id),
    ...extra,
    adapterAgreement: agreement(chosen, named, floors, table),
  };
  if (claim !== undefined) result.claim = judgeClaim(parseInput(z.string().min(1).max(64), claim, 'claim'), chosen, floors, adapter.isSoftware, table);
  return result;
}

function failedDims(floors: FloorCheck[], id: string): Dimension[] {
  return floors.filter((f) => f.class === id && f.blocking).map((f) => f.dimension);
}

function agreement(chosen: GpuClass, named: string[], floors: FloorCheck[], table: ClassTable): ClassResult['adapterAgreement'] {
  if (chosen.kind === 'software') return { agrees: true, note: 'software adapter: the software class, whatever the figures', named };
  if (named.includes(chosen.id)) return { agrees: true, note: `adapter strings name ${chosen.id}`, named };
  if (named.length === 0) {
    return chosen.kind === 'unlisted'
      ? { agrees: true, note: 'adapter strings name no listed class, as expected of an unlisted adapter', named }
      : { agrees: false, note: `adapter strings name no class in the table; ${chosen.id} rests on the measured figures alone`, named };
  }
  const parts = named.map((id) => {
    const c = table.classes.find((x) => x.id === id) as GpuClass;
    if (c.kind === 'software') return `${id} (software strings on an adapter not flagged software)`;
    if (c.rank < chosen.rank) return `${id}, ranked below: the figures exceed its floors (a faster path such as tensor cores, or forged strings)`;
    const failed = failedDims(floors, id);
    return failed.length > 0 ? `${id}, whose floors fail: ${failed.join(', ')}` : `${id}, reached but not chosen`;
  });
  return { agrees: false, note: `measured ${chosen.id}; adapter strings name ${parts.join('; ')}`, named };
}

// A claim holds when the claimed class's floors all hold (the same rule as the class itself), so a
// claim at or below what was proven is ok and one above names what fell short.
function judgeClaim(id: string, chosen: GpuClass, floors: FloorCheck[], isSoftware: boolean, table: ClassTable): ClaimResult {
  if (id === 'any') return { id, status: 'ok', failed: [] };
  const c = table.classes.find((x) => x.id === id);
  if (c === undefined) return { id, status: 'unknown-class', failed: [] };
  if (c.id === chosen.id || (c.kind !== 'gpu' && !isSoftware)) return { id, status: 'ok', failed: [] };
  const failed = c.kind === 'gpu' ? failedDims(floors, c.id) : [];
  if (isSoftware) return { id, status: 'mismatch', failed, note: 'a software adapter is always the software class' };
  return failed.length > 0 ? { id, status: 'mismatch', failed } : { id, status: 'ok', failed };
}

/** Convenience for score(): no claim, or a claim that holds. */
export const claimHolds = (r: ClassResult): boolean => r.claim === undefined || r.claim.status === 'ok';
