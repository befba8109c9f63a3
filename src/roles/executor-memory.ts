// The executor's side of the memory proof: lay the requested capacity out in chunks this adapter
// can bind, run the passes, commit to X_P's block roots, and later open segments of blocks, from X_P
// kept on the GPU or from a re-run.
import type { GpuContext } from '../gpu/context.js';
import { refused } from '../errors.js';
import { MerkleTree } from '../proofs/merkle.js';
import { runMemoryProof, type InPlaceKernel } from '../proofs/memory-gpu.js';
import type { CapturedBlock, KeptMemory } from '../proofs/memory-kept.js';
import { memoryLayout } from '../proofs/memory-size.js';
import type { MemoryParams as Layout } from '../proofs/memory-spec.js';
import { SEGMENT_BYTES, type BlockOpening, type BlockRef, type CommitmentBody, type MemoryParams as MemoryRequest } from '../protocol/schemas.js';
import { bytesEqual, fromB64, toB64, toHex } from '../util/bytes.js';

/** What the executor keeps of a memory proof between commitment and openings. */
export interface MemoryState {
  digests: string;
  chunks: number;
  rowsPerChunk: number;
}

export interface MemoryCommit {
  body: NonNullable<CommitmentBody['memory']>;
  state: MemoryState;
  phases: Record<string, number>;
  tree: MerkleTree;
  kept?: KeptMemory;
}

export interface CommitMemoryOptions {
  onProgress?: ((done: number, total: number) => void) | undefined;
  /** Keep X_P on the GPU for the openings (one process answering its own). */
  keep?: boolean | undefined;
  /** The autotuner's in-place kernel; the adapter's default when absent. */
  memoryKernel?: InPlaceKernel | undefined;
}

export async function commitMemory(ctx: GpuContext, seed: Uint8Array, req: MemoryRequest, opts: CommitMemoryOptions = {}): Promise<MemoryCommit> {
  const layout = memoryLayout(req.mib, req.passes, ctx.device.limits);
  const run = await runMemoryProof(ctx, seed, layout, { ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...(opts.keep ? { keep: true } : {}), inplaceKernel: opts.memoryKernel, tree: true });
  const tree = run.tree ?? MerkleTree.fromPackedLeafData(run.digests);
  return {
    body: { root: toHex(tree.root()), blocks: tree.size, chunks: run.chunks, rowsPerChunk: run.rowsPerChunk },
    state: { digests: toB64(run.digests), chunks: run.chunks, rowsPerChunk: run.rowsPerChunk },
    phases: run.phases,
    tree,
    ...(run.kept ? { kept: run.kept } : {}),
  };
}

/** The blocks asked for: copied from X_P when it was kept, else from a re-run of every pass. */
export interface OpenMemoryOptions {
  /** X_P still on the GPU: blocks are copies, not a re-run. */
  kept?: KeptMemory | undefined;
  keptTree?: MerkleTree | undefined;
  /** The kernel for a re-run; the adapter's default when absent. */
  memoryKernel?: InPlaceKernel | undefined;
}

export async function openMemory(ctx: GpuContext, seed: Uint8Array, passes: number, state: MemoryState, blocks: readonly BlockRef[], opts: OpenMemoryOptions = {}): Promise<BlockOpening[]> {
  if (blocks.length === 0) return [];
  const committed = fromB64(state.digests);
  const indices = [...new Set(blocks.map((b) => b.index))];
  const captured = opts.kept ? await opts.kept.blocks(indices) : await rerunBlocks(ctx, seed, passes, state, indices, committed, opts.memoryKernel);
  const tree = opts.keptTree ?? MerkleTree.fromPackedLeafData(committed);
  return blocks.map(({ index, segment }) => {
    const block = captured.get(index);
    if (!block) throw new Error(`block ${index} was not captured`);
    const bytes = new Uint8Array(block.words.buffer, block.words.byteOffset, block.words.byteLength);
    return {
      index,
      segment,
      data: toB64(bytes.subarray(segment * SEGMENT_BYTES, (segment + 1) * SEGMENT_BYTES)),
      segmentPath: block.tree.auditPath(segment).map(toHex),
      blockRoot: toHex(block.tree.root()),
      path: tree.auditPath(index).map(toHex),
    };
  });
}

async function rerunBlocks(ctx: GpuContext, seed: Uint8Array, passes: number, state: MemoryState, blocks: readonly number[], committed: Uint8Array, memoryKernel: InPlaceKernel | undefined): Promise<Map<number, CapturedBlock>> {
  const layout: Layout = { chunks: state.chunks, rows: state.rowsPerChunk, passes };
  const run = await runMemoryProof(ctx, seed, layout, { captureBlocks: blocks, inplaceKernel: memoryKernel });
  if (!bytesEqual(run.digests, committed)) throw refused('re-running the memory passes did not reproduce the committed digests (faulty GPU?)');
  return run.blocks;
}
