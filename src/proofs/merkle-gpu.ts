// The executor's RFC 6962 tree built on the GPU, from leaf data already there (row or block
// digests), in the proof's own submission. On the CPU each of a tree's 2N hashes is a node:crypto
// call of about a microsecond: 5 ms for the 2048 rows of the default software selftest, and longer
// than the GPU work itself for the 131072 rows of n = 4096, K = 32 or the millions of blocks of a
// large memory proof. The levels come back packed, for MerkleTree.fromLevelBytes and its paths.
import { dispatchSize, readBuffer, storageBuffer, uniformBuffer } from '../gpu/buffers.js';
import { getPipeline } from '../gpu/shaders.js';
import type { PhaseTimer } from '../gpu/timer.js';
import { MerkleTree, merkleLevelSizes } from './merkle.js';

const HASH_BYTES = 32;
const WORKGROUP = 64;

export type MerklePipelines = readonly [leaves: GPUComputePipeline, nodes: GPUComputePipeline];

const MERKLE_FILES = ['sha256_core', 'merkle_core', 'merkle'];

/** Leaf data of 32 bytes a leaf (digests); `leafBytes` 16 hashes the integer proof's 16-byte lane results. */
export const merklePipelines = (device: GPUDevice, leafBytes: 16 | 32 = 32): Promise<MerklePipelines> =>
  Promise.all([
    leafBytes === 32
      ? getPipeline(device, { label: 'merkle.leaves', files: MERKLE_FILES, entryPoint: 'leaves' })
      : getPipeline(device, { label: 'merkle.leaves16', files: MERKLE_FILES, entryPoint: 'leaves16' }),
    getPipeline(device, { label: 'merkle.nodes', files: MERKLE_FILES, entryPoint: 'nodes' }),
  ]);

/** Bytes of the packed levels of a tree of `size` leaves. */
export const merkleTreeBytes = (size: number): number => merkleLevelSizes(size).reduce((s, x) => s + x, 0) * HASH_BYTES;

/** Whether a tree of `size` leaves fits one storage binding here; where not, the CPU builds it. */
export function merkleFitsGpu(size: number, limits: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>): boolean {
  return Number.isSafeInteger(size) && size >= 1 && merkleTreeBytes(size) <= Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
}

export interface GpuMerkle {
  /** The packed levels, leaf hashes first and the root last. */
  readonly tree: GPUBuffer;
  /** Records the leaf hashing and then one dispatch per level into `pass`. */
  encode(pass: GPUComputePassEncoder): void;
  /** Reads every level back, once the encoded work is submitted. */
  read(): Promise<MerkleTree>;
  destroy(): void;
}

/**
 * A tree over the first `size` leaves of `leafData` (32 bytes each, or `leafBytes` as the
 * pipelines were made for), to be encoded after they are written.
 */
export function createGpuMerkle(device: GPUDevice, pipelines: MerklePipelines, leafData: GPUBuffer, size: number, label: string, leafBytes: 16 | 32 = HASH_BYTES): GpuMerkle {
  if (!merkleFitsGpu(size, device.limits)) throw new RangeError(`a Merkle tree of ${size} leaves does not fit one storage binding`);
  if (leafData.size < size * leafBytes) throw new RangeError(`${leafData.label} holds fewer than ${size} leaves`);
  const [leavesP, nodesP] = pipelines;
  const sizes = merkleLevelSizes(size);
  const tree = storageBuffer(device, `${label}.merkle`, merkleTreeBytes(size));
  // One uniform entry per level at the offset alignment: count, src word, dst word.
  const stride = Math.max(16, device.limits.minUniformBufferOffsetAlignment);
  const params = new Uint32Array((sizes.length * stride) / 4);
  let first = 0;
  sizes.forEach((count, l) => {
    const below = sizes[l - 1] ?? 0;
    params.set(l === 0 ? [count, 0, 0] : [below, (first - below) * 8, first * 8], (l * stride) / 4);
    first += count;
  });
  const uniforms = uniformBuffer(device, `${label}.merkle.params`, params);
  const levelParams = (l: number): GPUBufferBinding => ({ buffer: uniforms, offset: l * stride, size: 16 });
  const groups = sizes.map((_, l) =>
    device.createBindGroup({
      label: `${label}.merkle.level${l}`,
      layout: (l === 0 ? leavesP : nodesP).getBindGroupLayout(0),
      entries: [...(l === 0 ? [{ binding: 0, resource: { buffer: leafData } }] : []), { binding: 1, resource: { buffer: tree } }, { binding: 2, resource: levelParams(l) }],
    }),
  );
  return {
    tree,
    encode(pass) {
      sizes.forEach((count, l) => {
        pass.setPipeline(l === 0 ? leavesP : nodesP);
        pass.setBindGroup(0, groups[l] as GPUBindGroup);
        pass.dispatchWorkgroups(...dispatchSize(count, WORKGROUP));
      });
    },
    read: async () => MerkleTree.fromLevelBytes(await readBuffer(device, tree), size),
    destroy() {
      tree.destroy();
      uniforms.destroy();
    },
  };
}

/**
 * Builds the tree as its own timed phase and drains the queue after it, so the wall clock of the
 * phase that follows (a readback) times that phase alone.
 */
export async function runMerklePhase(device: GPUDevice, timer: PhaseTimer, phase: string, merkle: GpuMerkle): Promise<void> {
  timer.wallStart(phase);
  const enc = device.createCommandEncoder({ label: `${merkle.tree.label}.build` });
  const pass = enc.beginComputePass({ label: `${merkle.tree.label}.build`, timestampWrites: timer.writes(phase, true, true) });
  merkle.encode(pass);
  pass.end();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  timer.wallEnd(phase);
}
