// The acceptance rules libsodium's crypto_sign_verify_detached adds to the ed25519 equation (what
// PyNaCl uses, so a Python verifier and this kit agree on every signature). OpenSSL, which does
// the equation here, accepts small-order keys: under the identity point as public key, R = the
// identity and S = 0 verify for any message, so anyone could sign as that "key". These checks are
// pure byte tests (no point arithmetic), cheap enough to run before every OpenSSL verify.

/** The field prime of Curve25519, 2^255 − 19. */
export const ED25519_P = 2n ** 255n - 19n;
/** The order of the prime-order subgroup (RFC 8032 §5.1). */
export const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;

/**
 * libsodium's ge25519_has_small_order blocklist: every encoding, with the sign bit (bit 255)
 * cleared, whose y-coordinate is that of a point of order 1, 2, 4 or 8, including the two
 * non-canonical ones (y = p and y = p + 1 are 0 and 1 again). Compared with the sign bit masked,
 * so each entry stands for two encodings (14 in all).
 */
export const SMALL_ORDER_ENCODINGS: readonly string[] = [
  '0000000000000000000000000000000000000000000000000000000000000000', // y = 0: the two points of order 4
  '0100000000000000000000000000000000000000000000000000000000000000', // y = 1: the identity (order 1)
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // two points of order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // the other two of order 8
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p − 1: order 2
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p: 0 again, non-canonical
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p + 1: 1 again, non-canonical
];

const BLOCKLIST = SMALL_ORDER_ENCODINGS.map((h) => Uint8Array.from(Buffer.from(h, 'hex')));

/** Little-endian bytes as an unsigned integer. */
function le(bytes: Uint8Array): bigint {
  let x = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i] as number);
  return x;
}

/** A 32-byte point encoding whose y-coordinate (bits 0..254) is below p; the sign bit is not looked at (ge25519_is_canonical). */
export function isCanonicalPoint(enc: Uint8Array): boolean {
  if (enc.length !== 32) return false;
  return le(enc) % 2n ** 255n < ED25519_P;
}

/** True when the encoding is on the blocklist, sign bit masked (ge25519_has_small_order). */
export function hasSmallOrder(enc: Uint8Array): boolean {
  if (enc.length !== 32) return false;
  return BLOCKLIST.some((b) => {
    for (let i = 0; i < 31; i++) if (enc[i] !== b[i]) return false;
    return ((enc[31] as number) & 0x7f) === b[31];
  });
}

/** S, the last 32 bytes of a signature, is fully reduced: S < L (RFC 8032 §5.1.7). */
export const scalarIsCanonical = (s: Uint8Array): boolean => s.length === 32 && le(s) < ED25519_L;

/** Why a 32-byte public key can never be one a party holds, or null when it may be. */
export function publicKeyProblem(pub: Uint8Array): string | null {
  if (pub.length !== 32) return 'not 32 bytes';
  if (!isCanonicalPoint(pub)) return 'not a canonical point encoding (y ≥ 2^255 − 19)';
  if (hasSmallOrder(pub)) return 'a point of small order (on the small-order blocklist)';
  return null;
}

/** The rule of libsodium's that a signature breaks before any curve arithmetic, in the order libsodium checks them. */
export type StrictRule = 'length' | 'S ≥ L' | 'A non-canonical' | 'A small order' | 'R small order';

/**
 * The first of libsodium's pre-checks that `sig` under `pub` fails, or null when the equation
 * alone decides. The equation itself (cofactorless, R compared as bytes with the encoding of
 * [S]B − [h]A, so a non-canonical R never verifies) is left to the caller's verifier.
 */
export function strictRejection(sig: Uint8Array, pub: Uint8Array): StrictRule | null {
  if (sig.length !== 64 || pub.length !== 32) return 'length';
  if (!scalarIsCanonical(sig.subarray(32))) return 'S ≥ L';
  if (!isCanonicalPoint(pub)) return 'A non-canonical';
  if (hasSmallOrder(pub)) return 'A small order';
  if (hasSmallOrder(sig.subarray(0, 32))) return 'R small order';
  return null;
}
