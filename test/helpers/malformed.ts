// Applies fixtures/malformed.json to a valid message, so schema, CLI and HTTP tests share one table
// of bad inputs and one expectation per input: an INPUT error naming `field`. A `duplicate`
// mutation repeats a member name (I-JSON), which no JS object can hold, so cases are texts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type PathStep = string | number;

export type Mutation =
  | { path: PathStep[]; value: unknown }
  | { delete: PathStep[] }
  | { path: PathStep[]; fill: { item: unknown; count: number } }
  | { path: PathStep[]; repeat: { unit: string; count: number } }
  /** Repeats the member at `duplicate` after the others in its object, with `value` (default: the same) and the name spelled `spelling` (raw JSON, default plain). */
  | { duplicate: PathStep[]; value?: unknown; spelling?: string };

export interface GenericCase {
  name: string;
  text: string;
  field: string;
  expand?: { marker: string; unit: string; count: number }[];
  large?: boolean;
}

export interface MutationCase {
  name: string;
  mutation: Mutation;
  field: string;
}

export interface MalformedTable {
  description: string;
  generic: GenericCase[];
  envelope: MutationCase[];
  perType: Record<string, MutationCase[]>;
}

/** One ready-to-send malformed input: `text` is the raw file or request body. */
export interface MalformedCase {
  name: string;
  text: string;
  field: string;
  /** Over 4 MiB: a suite that must stay fast may skip these. */
  large: boolean;
}

const TABLE_PATH = fileURLToPath(new URL('../../fixtures/malformed.json', import.meta.url));

export function loadMalformedTable(): MalformedTable {
  return JSON.parse(readFileSync(TABLE_PATH, 'utf8')) as MalformedTable;
}

/** Defines rather than assigns, so a `__proto__` step makes an own property as JSON.parse would. */
function put(target: object, key: PathStep, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function parentOf(root: unknown, path: PathStep[]): object {
  let node: unknown = root;
  for (const step of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, step)) {
      throw new Error(`malformed table: path ${path.join('.')} does not exist in the valid message`);
    }
    node = (node as Record<PathStep, unknown>)[step];
  }
  if (typeof node !== 'object' || node === null) throw new Error(`malformed table: ${path.join('.')} has no parent object`);
  return node;
}

/** A deep copy of `valid` with one mutation applied; `valid` is not changed. Duplicates need {@link mutatedText}. */
export function applyMutation(valid: unknown, mutation: Mutation): unknown {
  if ('duplicate' in mutation) throw new Error('malformed table: a duplicate member has no object form; use mutatedText');
  const copy: unknown = JSON.parse(JSON.stringify(valid));
  const path = 'delete' in mutation ? mutation.delete : mutation.path;
  const last = path[path.length - 1];
  if (last === undefined) throw new Error('malformed table: empty path');
  const parent = parentOf(copy, path);
  if ('delete' in mutation) {
    if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
    else delete (parent as Record<PathStep, unknown>)[last];
  } else if ('fill' in mutation) {
    put(parent, last, Array.from({ length: mutation.fill.count }, () => structuredClone(mutation.fill.item)));
  } else if ('repeat' in mutation) {
    put(parent, last, mutation.repeat.unit.repeat(mutation.repeat.count));
  } else {
    put(parent, last, structuredClone(mutation.value));
  }
  return copy;
}

/** Stands for the repeated name until the text is written; no message has a member called this. */
const PLACEHOLDER = '@@gpuproof-duplicate-member@@';

/** The JSON text of `valid` with one mutation applied: what a file or request body holds. */
export function mutatedText(valid: unknown, mutation: Mutation): string {
  if (!('duplicate' in mutation)) return JSON.stringify(applyMutation(valid, mutation));
  const path = mutation.duplicate;
  const last = path[path.length - 1];
  if (typeof last !== 'string') throw new Error('malformed table: a duplicate must name an object member');
  const copy: unknown = JSON.parse(JSON.stringify(valid));
  const parent = parentOf(copy, path) as Record<string, unknown>;
  if (!Object.hasOwn(parent, last)) throw new Error(`malformed table: ${path.join('.')} does not exist in the valid message`);
  put(parent, PLACEHOLDER, 'value' in mutation ? structuredClone(mutation.value) : parent[last]);
  const text = JSON.stringify(copy);
  // A function, so that `$` in the name is not read as a replacement pattern.
  return text.replace(`"${PLACEHOLDER}"`, () => `"${mutation.spelling ?? JSON.stringify(last).slice(1, -1)}"`);
}

export function expandGeneric(c: GenericCase): string {
  let text = c.text;
  for (const e of c.expand ?? []) text = text.split(e.marker).join(e.unit.repeat(e.count));
  return text;
}

/** Every malformed input for `type`: the generic texts, then envelope and per-type mutations of `validMessage`. */
export function malformedCases(type: string, validMessage: unknown): MalformedCase[] {
  const table = loadMalformedTable();
  const perType = table.perType[type];
  if (perType === undefined) throw new Error(`malformed table has no cases for ${type}`);
  const out: MalformedCase[] = table.generic.map((c) => {
    const text = expandGeneric(c);
    return { name: `generic: ${c.name}`, text, field: c.field, large: c.large === true || text.length > 4 << 20 };
  });
  for (const [group, cases] of [['envelope', table.envelope], [type, perType]] as const) {
    for (const c of cases) {
      const text = mutatedText(validMessage, c.mutation);
      out.push({ name: `${group}: ${c.name}`, text, field: c.field, large: text.length > 4 << 20 });
    }
  }
  return out;
}
