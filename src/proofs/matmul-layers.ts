// Protocol v2's commitment to the chain: L_k, the RFC 6962 root over the n row digests of C_k
// (SHA-256 of the row's int32 little-endian bytes), then one RFC 6962 root over L_0 … L_{K−1}.
// Two levels rather than one tree over K·n rows, because each mask M_k needs L_k before layer
// k + 1 can start. The GPU builds the same trees (matmul-gpu.ts); this is the CPU's version.
import { MerkleTree } from './merkle.js';
import { sha256 } from '../util/bytes.js';

/** SHA-256 of a row's int32 little-endian bytes (every platform Node runs on is little-endian). */
export const rowDigest = (row: Int32Array): Uint8Array => sha256(new Uint8Array(row.buffer, row.byteOffset, row.byteLength));

/** The tree over the n row digests of an n×n layer C_k (row-major). */
export function layerTree(C: Int32Array, n: number): MerkleTree {
  if (C.length !== n * n) throw new RangeError('a layer has n·n entries');
  const digests = new Uint8Array(n * 32);
  for (let i = 0; i < n; i++) digests.set(rowDigest(C.subarray(i * n, (i + 1) * n)), i * 32);
  return MerkleTree.fromPackedLeafData(digests);
}

/** The top tree: its leaves are the K layer roots (K × 32 bytes, in k order). */
export const topTree = (layerRoots: Uint8Array): MerkleTree => MerkleTree.fromPackedLeafData(layerRoots);

/** L_0 … L_{K−1} of whole layers (the CPU reference's chain), packed K × 32 bytes. */
export function layerRootsOf(layers: readonly Int32Array[], n: number): Uint8Array {
  const out = new Uint8Array(layers.length * 32);
  layers.forEach((C, k) => out.set(layerTree(C, n).root(), k * 32));
  return out;
}
