// Protocol v2's memory leaves: block b's leaf data is the RFC 6962 root over the SHA-256 digests of
// its 8 segments (8 rows, 2 KiB each), so an opening carries one segment and a three-hash path,
// not 16 KiB (v1 sent the whole block: 66 blocks were 1.4 MB of base64 to sign, parse and hash on
// both sides), for about 11 % more hashing on the GPU than a flat digest of the block. The GPU
// builds the roots of all of X_P (shaders/memory_block_tree.wgsl), and the segment digests of the
// blocks an opening shows; their small trees (15 hashes a block) are built on the host. `blockTree`
// is the spec's reference (docs/memory-proof.md §1.6).
import { bindInOrder, dispatchSize, uniformBuffer } from '../gpu/buffers.js';
import { getPipeline } from '../gpu/shaders.js';
import { MerkleTree } from './merkle.js';
import { sha256 } from '../util/bytes.js';

/** A block's segments: 8 of 8 rows, 2 KiB each; an opening shows one. */
export const BLOCK_SEGMENTS = 8;
export const SEGMENT_BYTES = 2048;

/** The tree over a block's 8 segment digests (SHA-256 of each segment's 2048 little-endian bytes). */
export function blockTree(words: Uint32Array): MerkleTree {
  if (words.length !== (BLOCK_SEGMENTS * SEGMENT_BYTES) / 4) throw new RangeError('a block is 4096 words');
  const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  const digests = new Uint8Array(BLOCK_SEGMENTS * 32);
  for (let s = 0; s < BLOCK_SEGMENTS; s++) digests.set(sha256(bytes.subarray(s * SEGMENT_BYTES, (s + 1) * SEGMENT_BYTES)), s * 32);
  return blockTreeFromDigests(digests);
}

/** The tree of a block from its 8 segment digests (32 bytes each, in order). */
export const blockTreeFromDigests = (digests: Uint8Array): MerkleTree => MerkleTree.fromPackedLeafData(digests);

/** A block's leaf data in the commitment's tree. */
export const blockRoot = (words: Uint32Array): Uint8Array => blockTree(words).root();

const FILES = ['sha256_core', 'merkle_core', 'memory_block_tree'];

export const blockRootsPipeline = (device: GPUDevice): Promise<GPUComputePipeline> =>
  getPipeline(device, { label: 'memory.block-tree.roots', files: FILES, entryPoint: 'main' });

export const segmentDigestsPipeline = (device: GPUDevice): Promise<GPUComputePipeline> =>
  getPipeline(device, { label: 'memory.block-tree.segments', files: FILES, entryPoint: 'segments' });

/** Records the roots of the `count` blocks at the start of `data` into `roots` (32 bytes each). */
export function encodeBlockRoots(device: GPUDevice, pass: GPUComputePassEncoder, pipeline: GPUComputePipeline, data: GPUBuffer, roots: GPUBuffer, params: GPUBuffer, count: number): void {
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindInOrder(device, 'memory.block-tree.roots', pipeline, [data, roots, params]));
  // One invocation a block, 64 to a workgroup.
  pass.dispatchWorkgroups(...dispatchSize(count, 64));
}

/** Records the 8 segment digests of each of the `count` blocks at the start of `data` into `digests`. */
export function encodeSegmentDigests(device: GPUDevice, pass: GPUComputePassEncoder, pipeline: GPUComputePipeline, data: GPUBuffer, digests: GPUBuffer, params: GPUBuffer, count: number): void {
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindInOrder(device, 'memory.block-tree.segments', pipeline, [data, digests, params]));
  pass.dispatchWorkgroups(...dispatchSize(count * BLOCK_SEGMENTS, 64));
}

/** The uniform for `count` blocks. */
export const blockTreeParams = (device: GPUDevice, count: number): GPUBuffer => uniformBuffer(device, 'memory.block-tree.params', Uint32Array.of(count, 0, 0, 0));
