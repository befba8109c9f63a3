// What a chain run leaves for its openings: captured rows and layer trees, or (kept) every C_k and
// every layer tree still on the GPU, copied out on demand.
import { readBuffer, storageBuffer } from '../gpu/buffers.js';
import { MerkleTree } from './merkle.js';
import { merkleTreeBytes } from './merkle-gpu.js';
import type { MatmulSize } from './matmul-size.js';

export interface RowRef {
  k: number;
  i: number;
}

export const rowKey = (r: RowRef): string => `${r.k}:${r.i}`;

/** Every C_k and layer tree of a run, still on the GPU; destroy() when the openings are answered. */
export interface KeptChain {
  rows(refs: readonly RowRef[]): Promise<Map<string, Int32Array>>;
  trees(layers: readonly number[]): Promise<Map<number, MerkleTree>>;
  destroy(): void;
}

/** The layer trees packed at `slots` (k → slot) in `buffer`, read back in one copy. */
export async function readTrees(device: GPUDevice, buffer: GPUBuffer, slots: ReadonlyMap<number, number>, n: number): Promise<Map<number, MerkleTree>> {
  const out = new Map<number, MerkleTree>();
  if (slots.size === 0) return out;
  const bytes = merkleTreeBytes(n);
  const raw = await readBuffer(device, buffer, 0, slots.size * bytes);
  for (const [k, slot] of slots) out.set(k, MerkleTree.fromLevelBytes(raw.subarray(slot * bytes, (slot + 1) * bytes), n));
  return out;
}

/** Copies pieces of a kept buffer into one staging buffer and reads them back together. */
async function gather(device: GPUDevice, src: GPUBuffer, label: string, pieces: readonly { at: number; bytes: number }[]): Promise<Uint8Array> {
  const total = pieces.reduce((s, p) => s + p.bytes, 0);
  const staging = storageBuffer(device, label, total);
  try {
    const enc = device.createCommandEncoder({ label });
    let to = 0;
    for (const p of pieces) {
      enc.copyBufferToBuffer(src, p.at, staging, to, p.bytes);
      to += p.bytes;
    }
    device.queue.submit([enc.finish()]);
    return await readBuffer(device, staging);
  } finally {
    staging.destroy();
  }
}

export function keptChain(device: GPUDevice, keptC: GPUBuffer, keptTrees: GPUBuffer, size: MatmulSize): KeptChain {
  const { n } = size;
  const treeBytes = merkleTreeBytes(n);
  return {
    async rows(refs) {
      const out = new Map<string, Int32Array>();
      if (refs.length === 0) return out;
      const raw = await gather(device, keptC, 'matmul.kept.rows', refs.map((r) => ({ at: (r.k * n + r.i) * n * 4, bytes: n * 4 })));
      const all = new Int32Array(raw.buffer, raw.byteOffset, refs.length * n);
      refs.forEach((r, slot) => out.set(rowKey(r), all.slice(slot * n, (slot + 1) * n)));
      return out;
    },
    async trees(layers) {
      const unique = [...new Set(layers)];
      if (unique.length === 0) return new Map();
      const raw = await gather(device, keptTrees, 'matmul.kept.trees', unique.map((k) => ({ at: k * treeBytes, bytes: treeBytes })));
      return new Map(unique.map((k, slot) => [k, MerkleTree.fromLevelBytes(raw.subarray(slot * treeBytes, (slot + 1) * treeBytes), n)]));
    },
    destroy() {
      keptC.destroy();
      keptTrees.destroy();
    },
  };
}
