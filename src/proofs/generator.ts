// TEMPORARY shim until the ChaCha20 generator lands (branch gen): only what the mask needs.
import { createCipheriv } from 'node:crypto';

/** Entries start … start + count − 1 of a ChaCha20 stream: u16 little-endian at bytes 2e, 2e + 1. */
export function u16Entries(key: Uint8Array, start: number, count: number): Uint16Array {
  const first = Math.floor(start / 32);
  const last = Math.ceil((start + count) / 32);
  const iv = Buffer.alloc(16);
  iv.writeUInt32LE(first, 0);
  const ks = createCipheriv('chacha20', key, iv).update(Buffer.alloc((last - first) * 64));
  const all = new Uint16Array(ks.buffer, ks.byteOffset, ks.length / 2);
  return all.slice(start - first * 32, start - first * 32 + count);
}
