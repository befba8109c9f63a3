// The one generator behind every challenge value: ChaCha20 (RFC 8439) keyed per stream, nonce
// zero, read as 16-bit entries or 32-bit words. docs/generator.md is the bit-exact spec. Bulk
// keystream comes from node:crypto (OpenSSL's vectorised ChaCha20, ~3 GB/s a core); single blocks
// from the pure-TS chacha20.ts; the WGSL twin is shaders/chacha20.wgsl. Typed-array views read
// the keystream as little-endian, as every platform Node and WebGPU run on is.
import { createCipheriv, type Cipher } from 'node:crypto';
import { sha256, utf8 } from '../util/bytes.js';
import { chacha20Block, checkBlock, checkKey, checkNonce, MAX_STREAM_BLOCKS, ZERO_NONCE } from './chacha20.js';

export { chacha20Block, keyWords, MAX_STREAM_BLOCKS } from './chacha20.js';
export { WordCache } from './word-cache.js';

/** Stream names: each independent quantity has its own key, so streams never share keystream. */
export const STREAM_MATMUL_A0 = 'matmul.A0';
export const STREAM_MATMUL_B = 'matmul.B';
/** The memory proof's first layer and its per-pass constants (docs/memory-proof.md §1). */
export const STREAM_MEMORY_X0 = 'memory.X0';
export const STREAM_MEMORY_PASS = 'memory.pass';

/** Domain prefix of stream keys; the "2" is protocol v2 (v1 keyed Threefry-4x32-20). */
export const STREAM_KEY_PREFIX = 'gpuproof/2/';

/** Entries (u16) and words (u32) in one 64-byte block. */
export const ENTRIES_PER_BLOCK = 32;
export const WORDS_PER_BLOCK = 16;
const MAX_ENTRIES = MAX_STREAM_BLOCKS * ENTRIES_PER_BLOCK;

const SEPARATOR = Uint8Array.of(0);

/** A stream's ChaCha20 key: SHA-256(utf8("gpuproof/2/" + stream) || 0x00 || seed). */
export function streamKey(seed: Uint8Array, stream: string): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new RangeError('streamKey: seed must be 32 bytes');
  return sha256(utf8(STREAM_KEY_PREFIX + stream), SEPARATOR, seed);
}

/** OpenSSL's ChaCha20 IV: u32le(initial block counter) || the 12-byte nonce. */
function cipherAt(key: Uint8Array, firstBlock: number, nonce: Uint8Array = ZERO_NONCE): Cipher {
  const iv = new Uint8Array(16);
  new DataView(iv.buffer).setUint32(0, firstBlock, true);
  iv.set(nonce, 4);
  return createCipheriv('chacha20', key, iv);
}

function checkBlocks(firstBlock: number, blocks: number): void {
  checkBlock(firstBlock);
  if (!Number.isSafeInteger(blocks) || blocks < 0 || firstBlock + blocks > MAX_STREAM_BLOCKS) {
    throw new RangeError('a stream ends at block 2^32: its counter is 32 bits and must not wrap');
  }
}

// Encrypting zeros yields the keystream; one shared zero buffer feeds every update.
const CHUNK_BYTES = 65536;
const ZEROS = new Uint8Array(CHUNK_BYTES);

/** Keystream bytes of blocks firstBlock .. firstBlock + blocks − 1 (streams use nonce zero). */
export function keystream(key: Uint8Array, firstBlock: number, blocks: number, nonce: Uint8Array = ZERO_NONCE): Uint8Array {
  checkKey(key);
  checkNonce(nonce);
  checkBlocks(firstBlock, blocks);
  const out = new Uint8Array(blocks * 64);
  const cipher = cipherAt(key, firstBlock, nonce);
  for (let at = 0; at < out.length; at += CHUNK_BYTES) out.set(cipher.update(ZEROS.subarray(0, Math.min(CHUNK_BYTES, out.length - at))), at);
  return out;
}

function checkEntries(start: number, count: number): void {
  if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(count) || count < 0 || start + count > MAX_ENTRIES) {
    throw new RangeError('entries must lie in [0, 2^37): a stream is 2^32 blocks of 32 entries');
  }
}

/** Entries start .. start + count − 1 of the stream: the u16 at keystream bytes 2e, 2e + 1. */
export function u16Entries(key: Uint8Array, start: number, count: number): Uint16Array {
  checkEntries(start, count);
  const first = Math.floor(start / ENTRIES_PER_BLOCK);
  const skip = start - first * ENTRIES_PER_BLOCK;
  const bytes = keystream(key, first, Math.ceil((skip + count) / ENTRIES_PER_BLOCK));
  return new Uint16Array(bytes.buffer, 2 * skip, count);
}

// The mapping runs over module-level arrays of fixed size: V8 treats them as constants, which made
// the loop about three times faster than over arrays passed in. CHUNK entries is 64 KiB of
// keystream, small enough to stay in cache between OpenSSL writing it and the loop reading it.
const CHUNK = CHUNK_BYTES / 2;
const ks16 = new Uint16Array(CHUNK);
const ks8 = new Uint8Array(ks16.buffer);
const mapped = new Int8Array(CHUNK);
/** Matrix entry of each u16: (u mod 17) − 8. 2^16 ≡ 1 (mod 17), so −8 is 1/2^16 likelier than the rest. */
const ENTRY = Int8Array.from({ length: 65536 }, (_, u) => (u % 17) - 8);
/** Mask value of each u16: u mod 17. */
const RESIDUE = Int8Array.from({ length: 65536 }, (_, u) => u % 17);

function mapEntries(count: number): void {
  for (let i = 0; i < count; i++) mapped[i] = ENTRY[ks16[i] as number] as number;
}

function mapResidues(count: number): void {
  for (let i = 0; i < count; i++) mapped[i] = RESIDUE[ks16[i] as number] as number;
}

type Entries = Int8Array | Uint8Array | Int32Array;

/**
 * Reads a stream's entries in order from `start` into arrays the caller supplies, as matrix
 * entries in [−8, 8] or as mask values in [0, 17): one cipher for the whole read, so a matrix
 * costs one node:crypto call per 64 KiB.
 */
export class EntryReader {
  private readonly cipher: Cipher;
  private readonly map: (count: number) => void;
  private skip: number;
  private next: number;

  constructor(key: Uint8Array, start = 0, values: 'matrix' | 'mask' = 'matrix') {
    checkKey(key);
    this.map = values === 'mask' ? mapResidues : mapEntries;
    checkEntries(start, 1); // a reader starts at an entry of the stream
    const first = Math.floor(start / ENTRIES_PER_BLOCK);
    this.cipher = cipherAt(key, first);
    this.skip = start - first * ENTRIES_PER_BLOCK;
    this.next = start;
  }

  /** The next out.length entries into out. */
  read(out: Entries): void {
    checkEntries(this.next, out.length);
    this.next += out.length;
    for (let done = 0; done < out.length; ) {
      const count = Math.min(CHUNK, this.skip + out.length - done);
      // Exactly the bytes used: OpenSSL keeps a partly used block for the next update.
      ks8.set(this.cipher.update(ZEROS.subarray(0, 2 * count)));
      this.map(count);
      out.set(mapped.subarray(this.skip, count), done);
      done += count - this.skip;
      this.skip = 0;
    }
  }
}

function checkN(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n * n > MAX_ENTRIES) throw new RangeError('matrix size n must be a positive integer with n² ≤ 2^37');
}

function checkRow(n: number, r: number): void {
  checkN(n);
  if (!Number.isSafeInteger(r) || r < 0 || r >= n) throw new RangeError('row index out of range');
}

/** The n×n matrix of a stream, row-major: entry (r, c) is entry r·n + c, in [−8, 8]. */
export function generateMatrix(key: Uint8Array, n: number): Int32Array {
  checkN(n);
  const out = new Int32Array(n * n);
  new EntryReader(key).read(out);
  return out;
}

/** Row r of generateMatrix(key, n), without generating the rest. */
export function generateRow(key: Uint8Array, n: number, r: number): Int32Array {
  checkRow(n, r);
  const out = new Int32Array(n);
  new EntryReader(key, r * n).read(out);
  return out;
}

/** Row r of the n×n mask of a stream: entry r·n + c as u16 mod 17, in [0, 17). */
export function maskRow(key: Uint8Array, n: number, r: number): Uint8Array {
  checkRow(n, r);
  const out = new Uint8Array(n);
  new EntryReader(key, r * n, 'mask').read(out);
  return out;
}

/** B's entries in row-major order, read in chunks (the verifier's streamed Freivalds). */
export const matrixReader = (key: Uint8Array): EntryReader => new EntryReader(key);

/** Word `index` of the stream: the u32 at keystream bytes 4·index .. 4·index + 3. */
export function word(key: Uint8Array, index: number): number {
  if (!Number.isSafeInteger(index) || index < 0 || index >= MAX_STREAM_BLOCKS * WORDS_PER_BLOCK) throw new RangeError('word index must be an integer in [0, 2^36)');
  return chacha20Block(key, Math.floor(index / WORDS_PER_BLOCK))[index % WORDS_PER_BLOCK] as number;
}
