// The integer proof's lane results and chunk trees left on the GPU until the openings: an opened
// lane's 16 bytes and the sibling nodes of its path are copied out in one round trip, never the
// whole tree (a gigabyte at production sizes).
import { readBuffer } from '../gpu/buffers.js';
import { merkleLevelSizes, type MerkleTree } from './merkle.js';
import type { GpuMerkle } from './merkle-gpu.js';

const HASH = 32;

export interface KeptChunk {
  lanes: number;
  states: GPUBuffer;
  merkle: GpuMerkle;
}

/** An opened lane: its 16-byte result and its RFC 6962 audit path in the whole tree. */
export interface AluOpened {
  state: Uint8Array;
  path: Uint8Array[];
}

export interface KeptAlu {
  /** Every chunk's root, packed, in chunk order. */
  chunkRoots(): Promise<Uint8Array>;
  /** The lanes asked for, by lane index; `top` is the tree over the chunk roots. */
  open(lanes: readonly number[], top: MerkleTree): Promise<Map<number, AluOpened>>;
  destroy(): void;
}

/**
 * Levels and positions of the siblings on leaf j's path in a tree of n leaves built level by level,
 * a lone last node carried up without a sibling: the RFC 6962 audit path, bottom up.
 */
export function siblingNodes(n: number, j: number): { offset: number }[] {
  const sizes = merkleLevelSizes(n);
  const out: { offset: number }[] = [];
  let first = 0;
  let p = j;
  for (let l = 0; l < sizes.length - 1; l++) {
    const len = sizes[l] as number;
    if (p % 2 === 1) out.push({ offset: (first + p - 1) * HASH });
    else if (p + 1 < len) out.push({ offset: (first + p + 1) * HASH });
    first += len;
    p = Math.floor(p / 2);
  }
  return out;
}

const rootOffset = (n: number): number => (merkleLevelSizes(n).reduce((s, x) => s + x, 0) - 1) * HASH;

export function keptAlu(device: GPUDevice, chunks: readonly KeptChunk[], span: number): KeptAlu {
  const total = chunks.reduce((s, c) => s + c.lanes, 0);
  // Copies (buffer, offset, bytes) gathered into one staging buffer and read back together.
  const gather = async (copies: { src: GPUBuffer; offset: number; bytes: number }[]): Promise<Uint8Array> => {
    const size = copies.reduce((s, c) => s + c.bytes, 0);
    const staging = device.createBuffer({ label: 'alu.kept.gather', size: Math.max(16, size), usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | GPUBufferUsage.STORAGE });
    try {
      const enc = device.createCommandEncoder({ label: 'alu.kept.gather' });
      let at = 0;
      for (const c of copies) {
        enc.copyBufferToBuffer(c.src, c.offset, staging, at, c.bytes);
        at += c.bytes;
      }
      device.queue.submit([enc.finish()]);
      return (await readBuffer(device, staging, 0, Math.max(16, size))).subarray(0, size);
    } finally {
      staging.destroy();
    }
  };
  return {
    chunkRoots: () => gather(chunks.map((c) => ({ src: c.merkle.tree, offset: rootOffset(c.lanes), bytes: HASH }))),
    async open(lanes, top) {
      const plan = lanes.map((lane) => {
        if (!(Number.isSafeInteger(lane) && lane >= 0 && lane < total)) throw new RangeError(`lane ${lane} is outside the proof's ${total} lanes`);
        const c = Math.floor(lane / span);
        const chunk = chunks[c] as KeptChunk;
        return { lane, c, chunk, siblings: siblingNodes(chunk.lanes, lane - c * span) };
      });
      const copies = plan.flatMap(({ lane, c, chunk, siblings }) => [
        { src: chunk.states, offset: (lane - c * span) * 16, bytes: 16 },
        ...siblings.map((s) => ({ src: chunk.merkle.tree, offset: s.offset, bytes: HASH })),
      ]);
      const bytes = await gather(copies);
      const out = new Map<number, AluOpened>();
      let at = 0;
      for (const { lane, c, siblings } of plan) {
        const state = bytes.slice(at, at + 16);
        at += 16;
        const path = siblings.map(() => bytes.slice(at, (at += HASH)));
        out.set(lane, { state, path: [...path, ...top.auditPath(c)] });
      }
      return out;
    },
    destroy() {
      for (const c of chunks) {
        c.states.destroy();
        c.merkle.destroy();
      }
    },
  };
}
