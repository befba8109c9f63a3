// X_P left on the GPU after a memory proof, so an executor answering its own openings in the same
// process (selftest) copies the blocks out instead of re-running every pass.
import { readBuffer, storageBuffer } from '../gpu/buffers.js';
import { BLOCK_WORDS } from './memory-spec.js';
import { BLOCK_BYTES } from './memory-size.js';

export interface KeptMemory {
  /** Copies of the blocks asked for (4096 words each), by block index. */
  blocks(indices: readonly number[]): Promise<Map<number, Uint32Array>>;
  destroy(): void;
}

/** `chunks[c]` holds logical chunk c of X_P, `perChunk` blocks each; the buffers pass to the result. */
export function keptMemory(device: GPUDevice, chunks: readonly GPUBuffer[], perChunk: number): KeptMemory {
  const total = chunks.length * perChunk;
  return {
    async blocks(indices) {
      const out = new Map<number, Uint32Array>();
      if (indices.length === 0) return out;
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
        const raw = await readBuffer(device, staging);
        const all = new Uint32Array(raw.buffer, raw.byteOffset, indices.length * BLOCK_WORDS);
        indices.forEach((b, slot) => out.set(b, all.slice(slot * BLOCK_WORDS, (slot + 1) * BLOCK_WORDS)));
        return out;
      } finally {
        staging.destroy();
      }
    },
    destroy: () => {
      for (const c of chunks) c.destroy();
    },
  };
}
