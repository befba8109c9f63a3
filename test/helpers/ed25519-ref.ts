// Just enough Edwards25519 arithmetic (affine, BigInt, slow) for tests to derive facts from the
// curve rather than copy them: which encodings are of small order, and a signature with R = the
// identity that an ordinary key's holder can make. Never used by the kit itself.
import { createHash } from 'node:crypto';

export const P = 2n ** 255n - 19n;
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

const mod = (a: bigint, m = P): bigint => ((a % m) + m) % m;
function pow(b: bigint, e: bigint): bigint {
  let r = 1n;
  for (let x = mod(b); e > 0n; e >>= 1n, x = (x * x) % P) if (e & 1n) r = (r * x) % P;
  return r;
}
const inv = (a: bigint): bigint => pow(a, P - 2n);
const D = mod(-121665n * inv(121666n));
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

export interface Point {
  x: bigint;
  y: bigint;
}
export const IDENTITY: Point = { x: 0n, y: 1n };

export function leInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] as number);
  return v;
}

export function leBytes(v: bigint, length = 32): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** RFC 8032 §5.1.3 decoding (strict: y < p, and no x = 0 with the sign bit set); null when none. */
export function decodePoint(enc: Uint8Array): Point | null {
  const v = leInt(enc);
  const y = v % 2n ** 255n;
  const sign = v >> 255n;
  if (y >= P) return null;
  const u = mod(y * y - 1n);
  const w = mod(D * y * y + 1n);
  const x2 = mod(u * inv(w));
  let x = pow(x2, (P + 3n) / 8n);
  if (mod(x * x) !== x2) x = mod(x * SQRT_M1);
  if (mod(x * x) !== x2) return null;
  if (x === 0n && sign === 1n) return null;
  if ((x & 1n) !== sign) x = P - x;
  return { x, y };
}

export function addPoints(a: Point, b: Point): Point {
  const t = mod(D * a.x * b.x * a.y * b.y);
  return { x: mod((a.x * b.y + b.x * a.y) * inv(1n + t)), y: mod((a.y * b.y + a.x * b.x) * inv(1n - t)) };
}

export function timesSmall(k: number, pt: Point): Point {
  let r = IDENTITY;
  for (let i = 0; i < k; i++) r = addPoints(r, pt);
  return r;
}

export const samePoint = (a: Point, b: Point): boolean => a.x === b.x && a.y === b.y;

/**
 * A signature (R = the identity, S = h·a mod L) by the holder of `seed` (RFC 8032 secret key):
 * [S]B = R + [h]A holds, so the cofactorless equation accepts it, yet R is of small order, which
 * libsodium refuses. The identity's encoding is 01 00…00.
 */
export function identityRSignature(seed: Uint8Array, publicKey: Uint8Array, message: Uint8Array): Uint8Array {
  const h = createHash('sha512').update(seed).digest();
  const a = new Uint8Array(h.subarray(0, 32));
  a[0] = (a[0] as number) & 248;
  a[31] = ((a[31] as number) & 127) | 64;
  const R = leBytes(1n);
  const k = leInt(new Uint8Array(createHash('sha512').update(R).update(publicKey).update(message).digest())) % L;
  const sig = new Uint8Array(64);
  sig.set(R);
  sig.set(leBytes((k * leInt(a)) % L), 32);
  return sig;
}
