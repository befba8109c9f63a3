// RFC 8785 (JCS) canonical bytes: the only form that is ever signed or hashed, so that two honest
// implementations agree on the bytes no matter how a message was spelled on the wire.
import canonicalize from 'canonicalize';
import { inputError } from '../errors.js';
import { utf8 } from '../util/bytes.js';

/** Deeper than any message we define; bounds recursion inside the serializer. */
const MAX_DEPTH = 64;

function fieldOf(path: readonly (string | number)[]): string {
  return path.length === 0 ? '$' : path.join('.');
}

/** True when `s` is not well-formed UTF-16, so it has no UTF-8 encoding and no JCS form. */
export function hasLoneSurrogate(s: string): boolean {
  // Native (Node ≥ 20): a JavaScript scan cost ~1 ms on an openings message's 350 KB of base64.
  return !(s as string & { isWellFormed(): boolean }).isWellFormed();
}

/**
 * Rejects anything outside the JSON data model up front. The `canonicalize` package would
 * otherwise call toJSON (Dates), emit `undefined` text for functions nested in objects, or
 * overflow the stack on deep input; we want one clear INPUT error instead.
 */
function assertJsonValue(value: unknown, path: (string | number)[], seen: Set<object>): void {
  if (path.length > MAX_DEPTH) throw inputError(fieldOf(path), `nested deeper than ${MAX_DEPTH} levels`);
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw inputError(fieldOf(path), 'not a finite number');
    return;
  }
  if (typeof value === 'string') {
    if (hasLoneSurrogate(value)) throw inputError(fieldOf(path), 'string has a lone UTF-16 surrogate');
    return;
  }
  if (typeof value !== 'object') throw inputError(fieldOf(path), `${typeof value} is not JSON`);
  if (seen.has(value)) throw inputError(fieldOf(path), 'circular reference');
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      // JSON.stringify would silently turn these into null: a signer and a verifier could disagree.
      if (item === undefined) throw inputError(fieldOf([...path, i]), 'undefined inside an array');
      assertJsonValue(item, [...path, i], seen);
    });
  } else {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw inputError(fieldOf(path), 'not a plain object');
    }
    for (const [k, v] of Object.entries(value)) {
      // An absent optional field and one set to undefined must sign the same.
      if (v === undefined) continue;
      if (hasLoneSurrogate(k)) throw inputError(fieldOf([...path, k]), 'key has a lone UTF-16 surrogate');
      assertJsonValue(v, [...path, k], seen);
    }
  }
  seen.delete(value);
}

/** The RFC 8785 canonical text of a JSON value. Throws INPUT for non-JSON values. */
export function canonicalString(value: unknown): string {
  if (value === undefined) throw inputError('$', 'undefined is not JSON');
  assertJsonValue(value, [], new Set());
  const text = canonicalize(value);
  if (text === undefined) throw inputError('$', 'value is not JSON-serialisable');
  return text;
}

/** The RFC 8785 canonical UTF-8 bytes of a JSON value. Throws INPUT for non-JSON values. */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8(canonicalString(value));
}
