// The class table (fixtures/gpu-classes.json) and the classifier. Every measured figure is a lower
// bound a cheater cannot raise, so a class is reached when all its floors hold and the run gets the
// highest-ranked class reached. Adapter strings are forgeable: they only pick among classes of one
// rank that were all reached, and are otherwise reported, never believed. Rules: docs/scoring.md.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { inputError } from '../errors.js';
import { firstIssue } from '../protocol/issues.js';
import { readTextFile } from '../util/files.js';
import { parseIJson } from '../protocol/ijson.js';

export const DIMENSIONS = ['matmul.f32_gflops', 'matmul.tensor_gflops', 'memory.bandwidth_gbs', 'memory.capacity_gib'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const FLOOR_KEYS = {
  'matmul.f32_gflops': 'f32_gflops',
  'matmul.tensor_gflops': 'tensor_gflops',
  'memory.bandwidth_gbs': 'bandwidth_gbs',
  'memory.capacity_gib': 'capacity_gib',
} as const satisfies Record<Dimension, string>;
export type FloorKey = (typeof FLOOR_KEYS)[Dimension];
/** A missing tensor figure means "no such path" (or withheld), so it cannot block a class; the rest must be measured. */
export const REQUIRED_DIMENSIONS: readonly Dimension[] = ['matmul.f32_gflops', 'memory.bandwidth_gbs', 'memory.capacity_gib'];
/** The top tier has no tier above to interpolate towards; it may earn this much over its weight. */
export const TOP_TIER_HEADROOM = 1.25;
export const DEFAULT_CLASS_TABLE_PATH = fileURLToPath(new URL('../../fixtures/gpu-classes.json', import.meta.url));

const text = (max: number) => z.string().min(1).max(max);
const positive = z.number().finite().positive();
const sourced = z.strictObject({ value: positive, source: text(600) });
const estimatedFloor = z.strictObject({ value: positive, basis: z.literal('estimated'), efficiency: z.number().gt(0).lte(1), from: text(200) });
const measuredFloor = z.strictObject({
  value: positive,
  basis: z.literal('measured'),
  adapter: text(256),
  kit_version: text(64),
  runs: z.number().int().min(1).max(1_000_000),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a YYYY-MM-DD date'),
});
const floorSchema = z.discriminatedUnion('basis', [estimatedFloor, measuredFloor]);
function compiles(p: string): boolean {
  try {
    return new RegExp(p, 'i') instanceof RegExp;
  } catch {
    return false;
  }
}
const classSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'expected a lower-case id of letters, digits and dashes'),
  name: text(120),
  vendor: text(40),
  kind: z.enum(['gpu', 'software', 'unlisted']),
  rank: z.number().int().min(0).max(1000),
  weight: z.number().finite().min(0).max(1e6),
  adapter_patterns: z.array(text(200).refine(compiles, 'not a valid regular expression')).max(16),
  memory_gib: sourced.nullable(),
  fp32_tflops: sourced.nullable(),
  fp16_tensor_dense_tflops: sourced.nullable(),
  bandwidth_gbs: sourced.nullable(),
  floors: z.strictObject({
    f32_gflops: floorSchema.nullable(),
    tensor_gflops: floorSchema.nullable(),
    bandwidth_gbs: floorSchema.nullable(),
    capacity_gib: floorSchema.nullable(),
  }),
  notes: text(2000).optional(),
});
const efficiencies = z.strictObject({
  f32_gflops: z.number().gt(0).lte(1),
  tensor_gflops: z.number().gt(0).lte(1),
  bandwidth_gbs: z.number().gt(0).lte(1),
  capacity_gib: z.number().gt(0).lte(1),
});
export const classTableSchema = z
  .strictObject({
    version: z.literal(1),
    provenance: z.strictObject({ note: text(2000), updated: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), units: text(1000), ranks: text(2000), efficiencies }),
    classes: z.array(classSchema).min(2).max(200),
  })
  .superRefine((t, ctx) => {
    for (const problem of tableProblems(t)) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
  });

export type ClassTable = z.infer<typeof classTableSchema>;
export type GpuClass = ClassTable['classes'][number];
export type Floor = z.infer<typeof floorSchema>;

/** Datasheet value in the floor's unit, which an estimated floor must equal times its efficiency. */
function datasheetFor(c: GpuClass, key: FloorKey): number | null {
  const per = { f32_gflops: c.fp32_tflops, tensor_gflops: c.fp16_tensor_dense_tflops, bandwidth_gbs: c.bandwidth_gbs, capacity_gib: c.memory_gib }[key];
  if (per === null) return null;
  return key === 'f32_gflops' || key === 'tensor_gflops' ? per.value * 1000 : per.value;
}

// Cross-field rules a schema cannot state per field; each names the field to fix.
function tableProblems(t: { classes: GpuClass[] }): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  const seen = new Set<string>();
  const kinds = { gpu: 0, software: 0, unlisted: 0 };
  t.classes.forEach((c, i) => {
    const at = (...p: (string | number)[]) => ['classes', i, ...p];
    if (seen.has(c.id)) out.push({ path: at('id'), message: `duplicate class id ${c.id}` });
    seen.add(c.id);
    kinds[c.kind] += 1;
    if (c.kind !== 'gpu') {
      if (c.rank !== 0 || c.weight !== 0) out.push({ path: at('rank'), message: `${c.kind} class must have rank 0 and weight 0` });
      for (const key of Object.values(FLOOR_KEYS)) if (c.floors[key] !== null) out.push({ path: at('floors', key), message: `${c.kind} class has no floors` });
      return;
    }
    if (c.rank < 1 || c.weight <= 0) out.push({ path: at('rank'), message: 'a gpu class needs rank ≥ 1 and weight > 0' });
    for (const k of ['memory_gib', 'fp32_tflops', 'bandwidth_gbs'] as const) if (c[k] === null) out.push({ path: at(k), message: 'required for a gpu class' });
    for (const key of Object.values(FLOOR_KEYS)) {
      const f = c.floors[key];
      if (f === null) {
        if (key !== 'tensor_gflops') out.push({ path: at('floors', key), message: 'required for a gpu class' });
        continue;
      }
      if (f.basis !== 'estimated') continue;
      const sheet = datasheetFor(c, key);
      if (sheet === null) out.push({ path: at('floors', key), message: 'an estimated floor needs the datasheet figure it is estimated from' });
      else if (Math.abs(f.value - sheet * f.efficiency) > 0.005 * sheet * f.efficiency)
        out.push({ path: at('floors', key, 'value'), message: `expected datasheet ${sheet} × efficiency ${f.efficiency} = ${sheet * f.efficiency}` });
    }
  });
  if (kinds.software !== 1) out.push({ path: ['classes'], message: 'exactly one class of kind software is required' });
  if (kinds.unlisted !== 1) out.push({ path: ['classes'], message: 'exactly one class of kind unlisted is required' });
  // The score interpolates from a tier's weight to the next tier's: weights must rise with rank.
  const gpus = t.classes.map((c, i) => ({ c, i })).filter(({ c }) => c.kind === 'gpu');
  for (const a of gpus)
    for (const b of gpus) {
      if (a.c.rank < b.c.rank && a.c.weight >= b.c.weight)
        out.push({ path: ['classes', a.i, 'weight'], message: `weight ${a.c.weight} must be below that of higher-ranked ${b.c.id} (${b.c.weight})` });
      if (a.i < b.i && a.c.rank === b.c.rank && a.c.weight !== b.c.weight)
        out.push({ path: ['classes', b.i, 'weight'], message: `weight must equal that of ${a.c.id}, which has the same rank` });
    }
  return out;
}

/** Validates a parsed table; INPUT naming the first bad field (with the class id, where there is one). */
export function parseClassTable(raw: unknown, field = 'class-table'): ClassTable {
  const parsed = classTableSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const { field: path, message } = firstIssue(parsed.error, field);
  const idx = issue?.path[0] === 'classes' ? issue.path[1] : undefined;
  const id = typeof idx === 'number' ? (raw as { classes?: { id?: unknown }[] }).classes?.[idx]?.id : undefined;
  throw inputError(path, typeof id === 'string' ? `${message} (class ${id})` : message);
}

export function loadClassTable(path: string = DEFAULT_CLASS_TABLE_PATH): ClassTable {
  const textIn = readTextFile(path, 'class-table', 4 * 2 ** 20);
  return parseClassTable(parseIJson(textIn, { field: 'class-table', source: path }));
}

const figure = z.number().finite().min(0).nullish();
export const figuresSchema = z.object({
  'matmul.f32_gflops': figure,
  'matmul.tensor_gflops': figure,
  'memory.bandwidth_gbs': figure,
  'memory.capacity_gib': figure,
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
