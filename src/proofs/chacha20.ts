// The ChaCha20 block function of RFC 8439 §2.3 in pure TypeScript (docs/generator.md §1). Bulk
// keystream comes from node:crypto (generator.ts); this file serves single blocks (the memory
// verifier's scattered X_0 words) and is the reference the tests hold node:crypto and the WGSL
// twin to. All arithmetic is int32 (`| 0`) so V8 keeps small integers.

/** Blocks in a stream: the 32-bit block counter never wraps (2^32 blocks = 256 GiB of keystream). */
export const MAX_STREAM_BLOCKS = 2 ** 32;

/** A 32-byte key as the eight little-endian u32 words of state words 4..11 (GPU uniforms take these). */
export function keyWords(key: Uint8Array): Uint32Array {
  checkKey(key);
  const v = new DataView(key.buffer, key.byteOffset, 32);
  return Uint32Array.from({ length: 8 }, (_, i) => v.getUint32(4 * i, true));
}

export function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new RangeError('a stream key must be 32 bytes');
}

export function checkBlock(counter: number): void {
  if (!Number.isSafeInteger(counter) || counter < 0 || counter >= MAX_STREAM_BLOCKS) throw new RangeError('block counter must be an integer in [0, 2^32)');
}

/** Every stream uses nonce zero; other nonces exist only to check RFC 8439's own vectors. */
export const ZERO_NONCE = new Uint8Array(12);

export function checkNonce(nonce: Uint8Array): void {
  if (!(nonce instanceof Uint8Array) || nonce.length !== 12) throw new RangeError('a nonce must be 12 bytes');
}

/** The 16 output words (u32) of block `counter` for `key` and `nonce` (RFC 8439 §2.3). */
export function chacha20Block(key: Uint8Array, counter: number, nonce: Uint8Array = ZERO_NONCE): Uint32Array {
  checkBlock(counter);
  const out = new Int32Array(16);
  blockInto(inputWords(key, nonce), counter, out, 0);
  return new Uint32Array(out.buffer);
}

/** The key's eight words and the nonce's three as int32: blockInto's `input`. */
export function inputWords(key: Uint8Array, nonce: Uint8Array = ZERO_NONCE): Int32Array {
  checkNonce(nonce);
  const input = new Int32Array(11);
  input.set(keyWords(key));
  const nv = new DataView(nonce.buffer, nonce.byteOffset, 12);
  for (let i = 0; i < 3; i++) input[8 + i] = nv.getInt32(4 * i, true);
  return input;
}

/**
 * Output words 0..15 of block `counter` (a u32), into out[o..o+15]: the 20 rounds, then the
 * input state added back (RFC 8439 §2.3). `input` holds the 8 key words and 3 nonce words. The
 * state lives in 16 locals, which V8 keeps in registers; key words arrive in a typed array
 * because as arguments those above 2^30 would be boxed on every call.
 */
export function blockInto(input: Int32Array, counter: number, out: Int32Array, o: number): void {
  const k0 = input[0] as number, k1 = input[1] as number, k2 = input[2] as number, k3 = input[3] as number;
  const k4 = input[4] as number, k5 = input[5] as number, k6 = input[6] as number, k7 = input[7] as number;
  const n0 = input[8] as number, n1 = input[9] as number, n2 = input[10] as number;
  let x0 = 0x61707865, x1 = 0x3320646e, x2 = 0x79622d32, x3 = 0x6b206574;
  let x4 = k0, x5 = k1, x6 = k2, x7 = k3, x8 = k4, x9 = k5, x10 = k6, x11 = k7;
  let x12 = counter | 0, x13 = n0, x14 = n1, x15 = n2;
  for (let i = 0; i < 10; i++) {
    // Column round: quarter-rounds on (0,4,8,12) (1,5,9,13) (2,6,10,14) (3,7,11,15).
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16); x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24); x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16); x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24); x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16); x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24); x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16); x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24); x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);
    // Diagonal round: (0,5,10,15) (1,6,11,12) (2,7,8,13) (3,4,9,14).
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16); x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24); x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16); x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24); x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16); x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24); x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16); x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24); x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
  }
  out[o] = x0 + 0x61707865;
  out[o + 1] = x1 + 0x3320646e;
  out[o + 2] = x2 + 0x79622d32;
  out[o + 3] = x3 + 0x6b206574;
  out[o + 4] = x4 + k0;
  out[o + 5] = x5 + k1;
  out[o + 6] = x6 + k2;
  out[o + 7] = x7 + k3;
  out[o + 8] = x8 + k4;
  out[o + 9] = x9 + k5;
  out[o + 10] = x10 + k6;
  out[o + 11] = x11 + k7;
  out[o + 12] = x12 + counter;
  out[o + 13] = x13 + n0;
  out[o + 14] = x14 + n1;
  out[o + 15] = x15 + n2;
}
