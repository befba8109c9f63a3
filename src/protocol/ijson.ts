// I-JSON (RFC 7493): JSON whose objects never repeat a member name. JSON.parse keeps the last of
// two equal names silently, while other parsers keep the first or refuse: a signed message with
// `"n": 16, "n": 4096` would mean one thing here and another to a verifier elsewhere. Every JSON
// input of the kit is read through parseIJson, which refuses such a text naming the member.
import { inputError } from '../errors.js';

export type JsonPath = (string | number)[];

/** One open object or array while scanning. */
interface Frame {
  /** Names seen so far, for an object; null for an array. */
  names: Set<string> | null;
  /** The current member name, or the current index. */
  at: string | number;
  /** In an object, the next string is a member name. */
  expectName: boolean;
}

/**
 * The path of the first member name that repeats within its object, or null. `text` must already
 * be valid JSON (JSON.parse accepted it): the scanner only tracks strings, nesting and commas.
 * Names are compared after unescaping, so `"a"` and `"\u0061"` are the same name, as RFC 8259
 * compares them. Iterative, so nesting depth costs heap, not stack.
 */
export function duplicateMember(text: string): JsonPath | null {
  const stack: Frame[] = [];
  const path = (last: string): JsonPath => [...stack.slice(0, -1).map((f) => f.at), last];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      if (top?.names && top.expectName) {
        const raw = text.slice(i + 1, end);
        const name = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.names.has(name)) return path(name);
        top.names.add(name);
        top.at = name;
        top.expectName = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      stack.push({ names: new Set(), at: '', expectName: true });
    } else if (c === 0x5b /* [ */) {
      stack.push({ names: null, at: 0, expectName: false });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */ && top) {
      if (top.names) top.expectName = true;
      else top.at = (top.at as number) + 1;
    }
  }
  return null;
}

/** Index of the quote closing the string that opens at `start` (a quote preceded by an even run of backslashes). */
function stringEnd(text: string, start: number): number {
  let j = start;
  for (;;) {
    j = text.indexOf('"', j + 1);
    if (j < 0) return text.length; // unreachable for valid JSON
    let k = j - 1;
    while (text.charCodeAt(k) === 0x5c /* \ */) k--;
    if ((j - 1 - k) % 2 === 0) return j;
  }
}

/** A JSON path as the kit names fields: `body.rows.0.k`, after an optional prefix (the option or file). */
export const fieldOf = (path: JsonPath, prefix?: string): string =>
  [...(prefix === undefined ? [] : [prefix]), ...path.map(String)].join('.') || '$';

/** Where the text came from, for errors: `field` prefixes every path (an option), `source` starts the message (a file). */
export interface JsonSource {
  field?: string;
  source?: string;
}

/**
 * JSON.parse, then I-JSON's unique member names. INPUT errors only: the field (or `$`) for text
 * that is not JSON or nests too deeply, the repeated member's path for a duplicate.
 */
export function parseIJson(text: string, at: JsonSource = {}): unknown {
  const from = at.source === undefined ? '' : `${at.source}: `;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const why = err instanceof RangeError ? 'nested too deeply' : `not JSON (${(err as Error).message})`;
    throw inputError(at.field ?? '$', `${from}${why}`);
  }
  const dup = duplicateMember(text);
  if (dup !== null) {
    throw inputError(fieldOf(dup, at.field), `${from}duplicate member name ${JSON.stringify(dup[dup.length - 1])} (I-JSON, RFC 7493: names must be unique)`);
  }
  return value;
}
