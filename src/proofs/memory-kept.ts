// X_P left on the GPU after a memory proof, so an executor answering its own openings in the same
// process (selftest) copies the blocks out instead of re-running every pass.
import { readBuffer, storageBuffer } from '../gpu/buffers.js';
import { BLOCK_WORDS } from './memory-spec.js';
import { BLOCK_BYTES } from './memory-size.js';
import { blockTreeFromDigests, blockTreeParams, encodeSegmentDigests, segmentDigestsPipeline, BLOCK_SEGMENTS } from './memory-block-tree.js';
import type { MerkleTree } from './merkle.js';

/** An opened block: its 4096 words and the tree over its 8 segments. */
export interface CapturedBlock {
  words: Uint32Array;
  tree: MerkleTree;
}

export interface KeptMemory {
  /** Copies of the blocks asked for, with their trees, by block index. */
  blocks(indices: readonly number[]): Promise<Map<number, CapturedBlock>>;
  destroy(): void;
}

/**
 * The blocks packed in `staging` (in `indices` order), each with its tree: the GPU hashes the
 * segments where the blocks already are, and the words and digests come back in one round trip.
 */
export async function capturedBlocks(device: GPUDevice, staging: GPUBuffer, indices: readonly number[]): Promise<Map<number, CapturedBlock>> {
  const out = new Map<number, CapturedBlock>();
  if (indices.length === 0) return out;
  const digestBytes = BLOCK_SEGMENTS * 32;
  const digests = storageBuffer(device, 'memory.capture.segments', indices.length * digestBytes);
  const params = blockTreeParams(device, indices.length);
  try {
    const enc = device.createCommandEncoder({ label: 'memory.capture.segments' });
    const pass = enc.beginComputePass({ label: 'memory.capture.segments' });
    encodeSegmentDigests(device, pass, await segmentDigestsPipeline(device), staging, digests, params, indices.length);
    pass.end();
    device.queue.submit([enc.finish()]);
    const [raw, d] = await Promise.all([readBuffer(device, staging, 0, indices.length * BLOCK_BYTES), readBuffer(device, digests)]);
    const all = new Uint32Array(raw.buffer, raw.byteOffset, indices.length * BLOCK_WORDS);
    indices.forEach((b, slot) => {
      const words = all.slice(slot * BLOCK_WORDS, (slot + 1) * BLOCK_WORDS);
      out.set(b, { words, tree: blockTreeFromDigests(d.subarray(slot * digestBytes, (slot + 1) * digestBytes)) });
    });
    return out;
  } finally {
    digests.destroy();
    params.destroy();
  }
}

/** `chunks[c]` holds logical chunk c of X_P, `perChunk` blocks each; the buffers pass to the result. */
export function keptMemory(device: GPUDevice, chunks: readonly GPUBuffer[], perChunk: number): KeptMemory {
  const total = chunks.length * perChunk;
  return {
    async blocks(indices) {
      if (indices.length === 0) return new Map();
      for (const b of indices) {
        if (!(Number.isSafeInteger(b) && b >= 0 && b < total)) throw new RangeError(`block ${b} is outside the proof`);
      }
      const staging = storageBuffer(device, 'memory.kept.blocks', indices.length * BLOCK_BYTES);
      try {
        const enc = device.createCommandEncoder({ label: 'memory.kept.blocks' });
        indices.forEach((b, slot) => {
          const src = chunks[Math.floor(b / perChunk)] as GPUBuffer;
          enc.copyBufferToBuffer(src, (b % perChunk) * BLOCK_BYTES, staging, slot * BLOCK_BYTES, BLOCK_BYTES);
        });
        device.queue.submit([enc.finish()]);
        return await capturedBlocks(device, staging, indices);
      } finally {
        staging.destroy();
      }
    },
    destroy: () => {
      for (const c of chunks) c.destroy();
    },
  };
}
