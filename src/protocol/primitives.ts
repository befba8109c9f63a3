// Wire primitives shared by every message schema: digests, keys, canonical base64, bounded text
// and records. Each one rejects anything with a second spelling, so a signed value has one form.
import { z } from 'zod';
import { hasLoneSurrogate } from './canonical.js';
import { publicKeyProblem } from './ed25519-strict.js';

export const Hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters');
export const Id = z.string().regex(/^[0-9a-f]{32}$/, 'expected 32 lowercase hex characters');
export const Millis = z.int().min(0);
export const NonNegativeMs = z.number().min(0);
export const ClassId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'expected a class id: [a-z0-9][a-z0-9-]{0,63}');

const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const b64Length = (s: string): number => (s.length / 4) * 3 - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0);

/**
 * Standard base64 with padding, in its one canonical spelling (zero padding bits), so a value has
 * exactly one encoding and a signed message cannot be re-spelled. Length is checked on the text
 * before anything is decoded.
 */
export function base64Bytes(opts: { min: number; max: number; multipleOf?: number }) {
  const maxChars = Math.ceil(opts.max / 3) * 4;
  return z
    .string()
    .max(maxChars, `longer than base64 of ${opts.max} bytes`)
    .superRefine((s, ctx) => {
      // Re-encoding reproduces the text only for canonical padded standard base64 (Node's decoder
      // skips what it does not know); ~4× faster than the regex on openings' 16 KiB blocks, which
      // then only names the fault.
      if (s.length % 4 !== 0 || Buffer.from(s, 'base64').toString('base64') !== s) {
        ctx.addIssue({ code: 'custom', message: B64_RE.test(s) ? 'non-canonical base64 (padding bits set)' : 'not padded standard base64' });
        return;
      }
      const n = b64Length(s);
      if (n < opts.min || n > opts.max) {
        const want = opts.min === opts.max ? `${opts.min}` : `${opts.min}..${opts.max}`;
        ctx.addIssue({ code: 'custom', message: `decodes to ${n} bytes, expected ${want}` });
      } else if (opts.multipleOf !== undefined && n % opts.multipleOf !== 0) {
        ctx.addIssue({ code: 'custom', message: `decodes to ${n} bytes, not a multiple of ${opts.multipleOf}` });
      }
    });
}

/**
 * An ed25519 public key: 32 bytes in canonical base64, and a canonical point encoding that is not
 * of small order (libsodium's rules). Every message's signer, every key in a body, key file and
 * executors list goes through this one schema, so a key nobody can hold (the identity point, under
 * which anything verifies in OpenSSL) is refused wherever it enters, naming the field.
 */
export const PublicKey = base64Bytes({ min: 32, max: 32 }).superRefine((s, ctx) => {
  // base64Bytes has named any spelling or length problem; zod runs this refinement regardless.
  const bytes = Buffer.from(s, 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== s) return;
  const problem = publicKeyProblem(new Uint8Array(bytes));
  if (problem !== null) ctx.addIssue({ code: 'custom', message: `not a usable ed25519 public key: ${problem}` });
});
export const Signature = base64Bytes({ min: 64, max: 64 });
/** Free text, bounded, and well-formed UTF-16 so that it has a canonical (signable) form. */
export const text = (max: number, min = 0) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((s) => !hasLoneSurrogate(s), 'contains a lone UTF-16 surrogate');

/**
 * A bounded string→value map. Keys are checked on the raw input: zod's record drops a
 * `__proto__` key silently, which would let a message differ from what was verified.
 */
export function boundedRecord<V extends z.ZodType>(keyRe: RegExp, value: V, maxEntries: number) {
  return z
    .unknown()
    .superRefine((v, ctx) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return;
      const keys = Object.keys(v);
      if (keys.length > maxEntries) {
        ctx.addIssue({ code: 'custom', message: `more than ${maxEntries} entries` });
        return;
      }
      for (const k of keys) {
        if (!keyRe.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: `key must match ${keyRe}` });
      }
    })
    .pipe(z.record(z.string(), value));
}

/** Free-form figures in a verdict: plain JSON, but shallow and small. */
export type Figure = null | boolean | number | string | Figure[] | { [key: string]: Figure };
export const FIGURE_KEY = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;
const MAX_FIGURE_DEPTH = 4;
const MAX_FIGURE_ITEMS = 64;
const MAX_FIGURE_STRING = 1024;

function figureProblem(v: unknown, depth: number): { path: (string | number)[]; message: string } | null {
  if (v === null || typeof v === 'boolean') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? null : { path: [], message: 'not a finite number' };
  if (typeof v === 'string') {
    if (v.length > MAX_FIGURE_STRING) return { path: [], message: 'string too long' };
    return hasLoneSurrogate(v) ? { path: [], message: 'contains a lone UTF-16 surrogate' } : null;
  }
  if (typeof v !== 'object') return { path: [], message: 'not JSON' };
  if (depth >= MAX_FIGURE_DEPTH) return { path: [], message: `nested deeper than ${MAX_FIGURE_DEPTH}` };
  const entries: [string | number, unknown][] = Array.isArray(v)
    ? v.map((x, i): [number, unknown] => [i, x])
    : Object.entries(v as object);
  if (entries.length > MAX_FIGURE_ITEMS) return { path: [], message: `more than ${MAX_FIGURE_ITEMS} items` };
  for (const [k, x] of entries) {
    if (typeof k === 'string' && !FIGURE_KEY.test(k)) return { path: [k], message: `key must match ${FIGURE_KEY}` };
    const p = figureProblem(x, depth + 1);
    if (p) return { path: [k, ...p.path], message: p.message };
  }
  return null;
}

export const Figure = z.unknown().superRefine((v, ctx) => {
  const p = figureProblem(v, 1);
  if (p) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
}) as unknown as z.ZodType<Figure>;
