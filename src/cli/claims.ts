// Class names given on the command line (--claim, an executors file's `claim`) are checked
// against the class table before any GPU or network work: a typo would otherwise cost a whole
// proof and then fail as a mismatch, or silently size a challenge for the software class.
import { inputError } from '../errors.js';
import { loadClassTable } from '../roles/classes.js';

/** The claim that asks for no class at all: every run satisfies it. */
export const ANY_CLASS = 'any';
const MAX_SUGGESTIONS = 3;

/** Edit distance (insert, delete, substitute). yargs has one but does not export it; ids are short. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/**
 * Likely meant ids: those that extend or contain what was typed (`h100` → h100-sxm, h100-pcie)
 * come first; otherwise the nearest by edit distance, if near enough to be a typo.
 */
export function suggestClasses(typed: string, ids: readonly string[]): string[] {
  const t = typed.toLowerCase();
  const contained = ids.filter((id) => t.length >= 2 && (id.startsWith(t) || id.includes(t)));
  if (contained.length > 0) return contained.slice(0, MAX_SUGGESTIONS);
  const near = ids.map((id) => ({ id, d: editDistance(t, id) })).filter((x) => x.d <= Math.max(2, Math.floor(x.id.length / 3)));
  return near.sort((x, y) => x.d - y.d).slice(0, MAX_SUGGESTIONS).map((x) => x.id);
}

// Read once: an executors file may name a class in each of thousands of entries.
let tableIds: string[] | undefined;

/** The class ids a claim may name: the table's, and `any` where the caller allows it. */
export const claimableIds = (allowAny: boolean): string[] => [...(allowAny ? [ANY_CLASS] : []), ...(tableIds ??= loadClassTable().classes.map((c) => c.id))];

/** A known class id (or `any`), else INPUT naming `field` with the likely intended ids. */
export function checkClaim(value: unknown, field = 'claim', allowAny = true): string {
  const ids = claimableIds(allowAny);
  if (typeof value === 'string' && ids.includes(value)) return value;
  const typed = typeof value === 'string' ? value : String(value);
  const table = ids.filter((id) => id !== ANY_CLASS);
  const hints = typeof value === 'string' ? suggestClasses(value, table) : [];
  const tail = hints.length > 0 ? `did you mean ${hints.join(', ')}?` : `one of ${ids.join(', ')} (see \`gpuproof classes\`)`;
  throw inputError(field, `unknown class ${typed}; ${tail}`);
}

/** An optional --claim: absent stays undefined. */
export const optionalClaim = (value: unknown, field = 'claim'): string | undefined => (value === undefined ? undefined : checkClaim(value, field));
