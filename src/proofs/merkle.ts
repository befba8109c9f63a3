// RFC 6962 / RFC 9162 Merkle tree over SHA-256: the executor commits to all K·n row digests with
// one root and opens single rows with audit paths. Leaf and node hashes are domain-separated
// (0x00 / 0x01 prefixes) so an inner node can never be passed off as a leaf.
import { hash } from 'node:crypto';
import { bytesEqual, sha256 } from '../util/bytes.js';

const HASH_LEN = 32;

function digestInto(input: Uint8Array, out: Uint8Array, offset: number): void {
  // One-shot crypto.hash is about twice as fast as createHash for 33- and 65-byte inputs, which is
  // what dominates building a tree over a million leaves.
  out.set(hash('sha256', input, 'buffer'), offset);
}

/** SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(0x00), data);
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(0x01), left, right);
}

/** Root of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1). */
export const EMPTY_ROOT: Uint8Array = sha256();

/** Nodes per level of a tree of `size` leaves (≥ 1), leaves first: each level halves, rounding up. */
export function merkleLevelSizes(size: number): number[] {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError('a tree needs at least one leaf');
  const sizes = [size];
  for (let len = size; len > 1; ) sizes.push((len = Math.ceil(len / 2)));
  return sizes;
}

/**
 * An RFC 6962 tree held as one packed array of 32-byte hashes per level. Pairing neighbours level
 * by level and carrying a lone last node up unchanged gives exactly the RFC's recursive split at
 * the largest power of two below n, without recursion per leaf.
 */
export class MerkleTree {
  readonly size: number;
  /** levels[0] holds the leaf hashes; the last level holds the root (for size ≥ 1). */
  private readonly levels: Uint8Array[];

  private constructor(levels: Uint8Array[], size: number) {
    this.size = size;
    this.levels = levels;
  }

  private static build(leafHashes: Uint8Array, size: number): MerkleTree {
    const levels = [leafHashes];
    let cur = leafHashes;
    let len = size;
    const pair = new Uint8Array(1 + 2 * HASH_LEN);
    pair[0] = 0x01;
    while (len > 1) {
      const nextLen = Math.ceil(len / 2);
      const next = new Uint8Array(nextLen * HASH_LEN);
      const full = len >>> 1;
      for (let i = 0; i < full; i++) {
        pair.set(cur.subarray(2 * i * HASH_LEN, (2 * i + 2) * HASH_LEN), 1);
        digestInto(pair, next, i * HASH_LEN);
      }
      if (len % 2 === 1) next.set(cur.subarray((len - 1) * HASH_LEN, len * HASH_LEN), full * HASH_LEN);
      levels.push(next);
      cur = next;
      len = nextLen;
    }
    return new MerkleTree(levels, size);
  }

  /**
   * A tree whose every level was computed elsewhere (merkle-gpu.ts): the levels of
   * {@link merkleLevelSizes} packed back to back, leaf hashes first, root last.
   */
  static fromLevelBytes(packed: Uint8Array, size: number): MerkleTree {
    const sizes = merkleLevelSizes(size);
    const total = sizes.reduce((s, x) => s + x, 0);
    if (packed.length !== total * HASH_LEN) throw new RangeError(`a tree of ${size} leaves has ${total} hashes, not ${packed.length / HASH_LEN}`);
    let at = 0;
    const levels = sizes.map((len) => packed.slice(at * HASH_LEN, (at += len) * HASH_LEN));
    return new MerkleTree(levels, size);
  }

  /** A tree whose leaves are SHA-256(0x00 || leaves[i]). */
  static fromLeafData(leaves: readonly Uint8Array[]): MerkleTree {
    const packed = new Uint8Array(leaves.length * HASH_LEN);
    hashLeavesInto(leaves.length, (i) => leaves[i] as Uint8Array, packed);
    return MerkleTree.build(packed, leaves.length);
  }

  /** Leaf data packed back to back, each `leafLen` bytes (e.g. row digests read back from the GPU). */
  static fromPackedLeafData(packed: Uint8Array, leafLen = HASH_LEN): MerkleTree {
    if (!Number.isInteger(leafLen) || leafLen < 1 || packed.length % leafLen !== 0) {
      throw new RangeError('packed leaf data is not a whole number of leaves');
    }
    const n = packed.length / leafLen;
    const out = new Uint8Array(n * HASH_LEN);
    hashLeavesInto(n, (i) => packed.subarray(i * leafLen, (i + 1) * leafLen), out);
    return MerkleTree.build(out, n);
  }

  /** A tree from already-computed leaf hashes: an array of 32-byte hashes or one packed array. */
  static fromLeafHashes(hashes: readonly Uint8Array[] | Uint8Array): MerkleTree {
    if (hashes instanceof Uint8Array) {
      if (hashes.length % HASH_LEN !== 0) throw new RangeError('packed leaf hashes must be a multiple of 32 bytes');
      return MerkleTree.build(hashes.slice(), hashes.length / HASH_LEN);
    }
    const packed = new Uint8Array(hashes.length * HASH_LEN);
    hashes.forEach((h, i) => {
      if (h.length !== HASH_LEN) throw new RangeError(`leaf hash ${i} is not 32 bytes`);
      packed.set(h, i * HASH_LEN);
    });
    return MerkleTree.build(packed, hashes.length);
  }

  root(): Uint8Array {
    if (this.size === 0) return EMPTY_ROOT.slice();
    const top = this.levels[this.levels.length - 1] as Uint8Array;
    return top.slice(0, HASH_LEN);
  }

  leafHash(index: number): Uint8Array {
    this.checkIndex(index);
    return (this.levels[0] as Uint8Array).slice(index * HASH_LEN, (index + 1) * HASH_LEN);
  }

  /** Sibling hashes from the leaf up, in the order RFC 9162 §2.1.3 verification consumes them. */
  auditPath(index: number): Uint8Array[] {
    this.checkIndex(index);
    const path: Uint8Array[] = [];
    let i = index;
    for (let level = 0; level < this.levels.length - 1; level++) {
      const nodes = this.levels[level] as Uint8Array;
      const len = nodes.length / HASH_LEN;
      const sib = i ^ 1;
      // A carried-up last node has no sibling at this level and contributes nothing to the path.
      if (sib < len) path.push(nodes.slice(sib * HASH_LEN, (sib + 1) * HASH_LEN));
      i >>>= 1;
    }
    return path;
  }

  private checkIndex(index: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`leaf index ${index} out of range for tree of size ${this.size}`);
    }
  }
}

function hashLeavesInto(n: number, leaf: (i: number) => Uint8Array, out: Uint8Array): void {
  let buf = new Uint8Array(1 + HASH_LEN);
  for (let i = 0; i < n; i++) {
    const d = leaf(i);
    if (buf.length !== 1 + d.length) buf = new Uint8Array(1 + d.length);
    buf[0] = 0x00;
    buf.set(d, 1);
    digestInto(buf, out, i * HASH_LEN);
  }
}

/**
 * RFC 9162 §2.1.3.2: does `path` prove that `leafData` is leaf `index` of the tree of `size` with
 * this root? Any malformed input (bad index or size, wrong path length, short hashes) is false.
 */
export function verifyAuditPath(leafData: Uint8Array, index: number, size: number, path: readonly Uint8Array[], root: Uint8Array): boolean {
  try {
    if (!(leafData instanceof Uint8Array) || !(root instanceof Uint8Array) || !Array.isArray(path)) return false;
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
    if (root.length !== HASH_LEN) return false;
    // Plain numbers, not 32-bit ops: sizes up to 2^53 must not wrap.
    let fn = index;
    let sn = size - 1;
    let r = leafHash(leafData);
    for (const p of path) {
      if (!(p instanceof Uint8Array) || p.length !== HASH_LEN) return false;
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = nodeHash(p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) {
            fn = Math.floor(fn / 2);
            sn = Math.floor(sn / 2);
          }
        }
      } else {
        r = nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && bytesEqual(r, root);
  } catch {
    return false;
  }
}
