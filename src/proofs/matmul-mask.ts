// Protocol v2's mask: A_{k+1} = fold(C_k + M_k), where M_k's stream key hashes the layer root L_k.
// L_k in the key means the mask is unknown until layer k is committed, so committed garbage cannot
// be chosen to cancel it; k in the key means a replayed layer gets a different mask. Spec:
// docs/matmul-proof.md; the GPU twins are shaders/matmul_mask_key.wgsl and matmul_mask_fold.wgsl.
import { concatBytes, sha256, utf8 } from '../util/bytes.js';

/** Domain of the mask key, NUL-terminated so no other domain string is a prefix of it. */
export const MASK_DOMAIN = 'gpuproof/2/matmul.mask\0';
/** Row i of M_k: entries u16 mod 17 of the mask stream at entry indices i·n … i·n + n − 1. */
export { maskRow } from './generator.js';

const u32le = (x: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, x >>> 0, true);
  return b;
};

/** The bytes hashed into M_k's key, L_k excepted: domain ‖ seed ‖ u32le(n) ‖ u32le(K) ‖ u32le(k). */
export function maskKeyPrefix(seed: Uint8Array, n: number, K: number, k: number): Uint8Array {
  if (seed.length !== 32) throw new RangeError('seed must be 32 bytes');
  return concatBytes(utf8(MASK_DOMAIN), seed, u32le(n), u32le(K), u32le(k));
}

/** M_k's 32-byte ChaCha20 key: SHA-256(domain ‖ seed ‖ u32le(n) ‖ u32le(K) ‖ u32le(k) ‖ L_k). */
export function maskKey(seed: Uint8Array, n: number, K: number, k: number, layerRoot: Uint8Array): Uint8Array {
  if (layerRoot.length !== 32) throw new RangeError('a layer root is 32 bytes');
  return sha256(maskKeyPrefix(seed, n, K, k), layerRoot);
}

/**
 * The whole SHA-256 message of a mask key, padded to its two 64-byte blocks, as 32 big-endian
 * words with zeros where L_k goes: the GPU ORs in the root it just built (matmul_mask_key.wgsl),
 * so no layer waits on a host round trip.
 */
export function maskKeyTemplate(seed: Uint8Array, n: number, K: number, k: number): Uint32Array {
  const prefix = maskKeyPrefix(seed, n, K, k);
  const len = prefix.length + 32;
  const padded = new Uint8Array(128);
  padded.set(prefix);
  padded[len] = 0x80;
  new DataView(padded.buffer).setUint32(124, len * 8, false);
  const words = new Uint32Array(32);
  const view = new DataView(padded.buffer);
  for (let j = 0; j < 32; j++) words[j] = view.getUint32(4 * j, false);
  return words;
}

/** Byte offset of L_k inside the mask key message (the GPU's template needs it). */
export const MASK_ROOT_OFFSET = utf8(MASK_DOMAIN).length + 32 + 12;

/** fold(x) = ((x mod 17) + 17) mod 17 − 8: any integer to [−8, 8]. */
export const fold = (x: number): number => (((x % 17) + 17) % 17) - 8;

/** A_{k+1}[i] = fold(C_k[i] + M_k[i]), entrywise. */
export function maskedFoldRow(cRow: Int32Array, mask: Uint8Array): Int32Array {
  if (cRow.length !== mask.length) throw new RangeError('row and mask lengths differ');
  const out = new Int32Array(cRow.length);
  for (let j = 0; j < cRow.length; j++) out[j] = fold((cRow[j] as number) + (mask[j] as number));
  return out;
}
