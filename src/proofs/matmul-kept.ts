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

/** What an opening needs of a run: the asked rows of C_k, keyed `k:i`, and their layers' trees, keyed by k. */
export interface Captured {
  rows: Map<string, Int32Array>;
  trees: Map<number, MerkleTree>;
}

/** Every C_k and layer tree of a run, still on the GPU; destroy() when the openings are answered. */
export interface KeptChain {
  /** The rows asked for and the trees of their layers, copied out in one round trip. */
  open(refs: readonly RowRef[]): Promise<Captured>;
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

/** Copies pieces of kept buffers into one staging buffer and reads them back together. */
async function gather(device: GPUDevice, label: string, pieces: readonly { src: GPUBuffer; at: number; bytes: number }[]): Promise<Uint8Array> {
  const total = pieces.reduce((s, p) => s + p.bytes, 0);
  const staging = storageBuffer(device, label, total);
  try {
    const enc = device.createCommandEncoder({ label });
    let to = 0;
    for (const p of pieces) {
      enc.copyBufferToBuffer(p.src, p.at, staging, to, p.bytes);
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
    async open(refs) {
      const layers = [...new Set(refs.map((r) => r.k))];
      const rowPieces = refs.map((r) => ({ src: keptC, at: (r.k * n + r.i) * n * 4, bytes: n * 4 }));
      const treePieces = layers.map((k) => ({ src: keptTrees, at: k * treeBytes, bytes: treeBytes }));
      const rows = new Map<string, Int32Array>();
      const trees = new Map<number, MerkleTree>();
      if (refs.length === 0) return { rows, trees };
      const raw = await gather(device, 'matmul.kept.open', [...rowPieces, ...treePieces]);
      const all = new Int32Array(raw.buffer, raw.byteOffset, refs.length * n);
      refs.forEach((r, slot) => rows.set(rowKey(r), all.slice(slot * n, (slot + 1) * n)));
      const at = refs.length * n * 4;
      layers.forEach((k, slot) => trees.set(k, MerkleTree.fromLevelBytes(raw.subarray(at + slot * treeBytes, at + (slot + 1) * treeBytes), n)));
      return { rows, trees };
    },
    destroy() {
      keptC.destroy();
      keptTrees.destroy();
    },
  };
}
