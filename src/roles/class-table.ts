// The class table's file format (fixtures/gpu-classes.json): its schema, the cross-field rules a
// schema cannot state per field, and loading. Split from classes.ts (the classifier) so that each
// stays readable; classes.ts re-exports everything here. Rules and sources: docs/scoring.md.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { inputError } from '../errors.js';
import { firstIssue } from '../protocol/issues.js';
import { readTextFile } from '../util/files.js';
import { parseIJson } from '../protocol/ijson.js';

export const DIMENSIONS = ['matmul.f32_gflops', 'matmul.tensor_gflops', 'memory.bandwidth_gbs', 'memory.capacity_gib', 'alu.int_gops'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const FLOOR_KEYS = {
  'matmul.f32_gflops': 'f32_gflops',
  'matmul.tensor_gflops': 'tensor_gflops',
  'memory.bandwidth_gbs': 'bandwidth_gbs',
  'memory.capacity_gib': 'capacity_gib',
  'alu.int_gops': 'int_gops',
} as const satisfies Record<Dimension, string>;
export type FloorKey = (typeof FLOOR_KEYS)[Dimension];
export const DEFAULT_CLASS_TABLE_PATH = fileURLToPath(new URL('../../fixtures/gpu-classes.json', import.meta.url));
/** How far a datasheet int32 figure may stand from units × lanes × clock (its own rounding). */
export const INT32_TOLERANCE = 0.005;

const text = (max: number) => z.string().min(1).max(max);
const positive = z.number().finite().positive();
const sourced = z.strictObject({ value: positive, source: text(600) });
// Integer throughput is published nowhere as one number, so the table keeps its three factors and
// the documents each came from: value = units × lanes × MHz / 1e6, in 1e12 32-bit ops a second.
const int32Sheet = z.strictObject({
  value: positive,
  units: z.number().int().min(1).max(100_000),
  lanes_per_unit_per_clock: z.number().int().min(1).max(4096),
  boost_mhz: positive.max(100_000),
  source: text(1500),
});
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
  int32_tops: int32Sheet.nullable(),
  floors: z.strictObject({
    f32_gflops: floorSchema.nullable(),
    tensor_gflops: floorSchema.nullable(),
    bandwidth_gbs: floorSchema.nullable(),
    capacity_gib: floorSchema.nullable(),
    int_gops: floorSchema.nullable(),
  }),
  notes: text(2000).optional(),
});
const efficiency = z.number().gt(0).lte(1);
const efficiencies = z.strictObject({ f32_gflops: efficiency, tensor_gflops: efficiency, bandwidth_gbs: efficiency, capacity_gib: efficiency, int_gops: efficiency });
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

/** units × lanes × clock, in TOPS: what a class's int32_tops value must equal. */
export const int32Product = (s: { units: number; lanes_per_unit_per_clock: number; boost_mhz: number }): number => (s.units * s.lanes_per_unit_per_clock * s.boost_mhz) / 1e6;

/** Datasheet value in the floor's unit, which an estimated floor must equal times its efficiency. */
export function datasheetFor(c: GpuClass, key: FloorKey): number | null {
  const per = { f32_gflops: c.fp32_tflops, tensor_gflops: c.fp16_tensor_dense_tflops, bandwidth_gbs: c.bandwidth_gbs, capacity_gib: c.memory_gib, int_gops: c.int32_tops }[key];
  if (per === null) return null;
  // Tera to giga: the floors are in the unit the validator reports.
  return key === 'f32_gflops' || key === 'tensor_gflops' || key === 'int_gops' ? per.value * 1000 : per.value;
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
    for (const k of ['memory_gib', 'fp32_tflops', 'bandwidth_gbs', 'int32_tops'] as const) if (c[k] === null) out.push({ path: at(k), message: 'required for a gpu class' });
    const s = c.int32_tops;
    if (s !== null && Math.abs(s.value - int32Product(s)) > INT32_TOLERANCE * int32Product(s))
      out.push({ path: at('int32_tops', 'value'), message: `expected units ${s.units} × lanes ${s.lanes_per_unit_per_clock} × ${s.boost_mhz} MHz = ${int32Product(s)} TOPS` });
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
