// Runs the protocol-v2 matmul chain on the GPU: A0 and B from the seed, then for k = 0 … K−1:
// C_k = A_k·B, the SHA-256 digest of every row, the layer tree and its root L_k, the mask key from
// L_k (on the GPU), and A_{k+1} = fold(C_k + M_k). Only two matrices live at once. The same run,
// repeated with `capture`, copies out the rows and layer trees an opening asks for, so no executor
// has to keep K·n² words between commitment and opening.
import type { GpuContext } from '../gpu/context.js';
import { gpuError } from '../errors.js';
import { bindInOrder, readBuffer, storageBuffer, uniformBuffer, dispatchSize } from '../gpu/buffers.js';
import { getPipeline } from '../gpu/shaders.js';
import { withErrorScopes } from '../gpu/scope.js';
import { PhaseTimer, type TimingMethod } from '../gpu/timer.js';
import { streamKey, STREAM_MATMUL_A0, STREAM_MATMUL_B } from './generator.js';
import { genMatrixDispatch, genMatrixParams, genMatrixPipeline } from './generator-gpu.js';
import { checkMatmulSize, type MatmulSize } from './matmul-size.js';
import { sha256Pipeline } from './sha256-gpu.js';
import { DEFAULT_VARIANT_ID, findVariant, type MatmulPath, type MatmulVariant } from './matmul-variants.js';
import { createMultiplier, multiplyPipelines } from './matmul-multiply.js';
import { createGpuMerkle, merklePipelines, merkleTreeBytes } from './merkle-gpu.js';
import { MASK_ROOT_OFFSET, maskKeyTemplate } from './matmul-mask.js';
import { keptChain, readTrees, rowKey, type KeptChain, type RowRef } from './matmul-kept.js';
import type { MerkleTree } from './merkle.js';

export { rowKey, type KeptChain, type RowRef };

export interface MatmulRunOptions {
  /** Rows of C_k to copy out, with the trees of their layers, for openings. */
  capture?: readonly RowRef[];
  /** Matmul variant id (src/proofs/matmul-variants.ts); the default when absent. */
  kernel?: string;
  /**
   * Keep every C_k and layer tree on the GPU so openings are copies, not a re-run. For one
   * process that answers its own openings (selftest, the agent); refused above KEEP_MAX_BYTES.
   */
  keep?: boolean;
  /** Called after each iteration completes (forces a queue wait per iteration). */
  onProgress?: (done: number, total: number) => void;
}

export interface MatmulRun {
  /** L_0 … L_{K−1}, 32 bytes each: the top tree's leaves. */
  layerRoots: Uint8Array;
  /** Captured rows, keyed `k:i`. */
  rows: Map<string, Int32Array>;
  /** The trees of the layers of the captured rows, keyed by k. */
  trees: Map<number, MerkleTree>;
  phases: Record<string, number>;
  method: TimingMethod;
  path: MatmulPath;
  kernel: string;
  kept?: KeptChain;
}

export const KEEP_MAX_BYTES = 2 * 2 ** 30;

const keptBytes = (size: MatmulSize): number => size.iterations * (size.n * size.n * 4 + merkleTreeBytes(size.n));
export const canKeep = (size: MatmulSize, limits: GPUSupportedLimits): boolean =>
  keptBytes(size) <= Math.min(KEEP_MAX_BYTES, limits.maxBufferSize);

type ChainPipelines = [gen: GPUComputePipeline, sha: GPUComputePipeline, maskKey: GPUComputePipeline, maskFold: GPUComputePipeline];
/** The chain's pipelines (generate, SHA-256, mask key, masked fold, Merkle, the variant's multiply), compiled once per device. */
export async function matmulPipelines(device: GPUDevice, variant: MatmulVariant): Promise<ChainPipelines> {
  const [gen, sha, maskKey, maskFold] = await Promise.all([
    genMatrixPipeline(device),
    sha256Pipeline(device),
    getPipeline(device, { label: 'matmul.mask.key', files: ['sha256_core', 'matmul_mask_key'] }),
    getPipeline(device, { label: 'matmul.mask.fold', files: ['chacha20', 'matmul_mask_fold'] }),
    multiplyPipelines(device, variant),
    merklePipelines(device),
  ]);
  return [gen, sha, maskKey, maskFold];
}

export async function runMatmulChain(ctx: GpuContext, seed: Uint8Array, size: MatmulSize, opts: MatmulRunOptions = {}): Promise<MatmulRun> {
  checkMatmulSize(size, ctx.device.limits);
  const { device } = ctx;
  const { n, iterations: K } = size;
  const variant = findVariant(opts.kernel ?? DEFAULT_VARIANT_ID);
  if (variant.requires && !device.features.has(variant.requires)) throw gpuError(`kernel ${variant.id} needs the ${variant.requires} feature, which this device lacks`);
  const [genP, shaP, keyP, foldP] = await matmulPipelines(device, variant);
  const merkleP = await merklePipelines(device);
  const captures = groupCaptures(opts.capture ?? [], size);
  const layerSlots = new Map([...new Set((opts.capture ?? []).map((r) => r.k))].map((k, slot) => [k, slot]));
  const treeBytes = merkleTreeBytes(n);
  const owned: { destroy(): void }[] = [];
  const own = <T extends { destroy(): void }>(x: T): T => (owned.push(x), x);
  const timer = own(new PhaseTimer(device, ctx.hasTimestamps, 'matmul'));
  let failed = true;
  try {
    return await withErrorScopes(device, 'matmul proof', async () => {
      const bytes = n * n * 4;
      const a = own(storageBuffer(device, 'matmul.A', bytes));
      const b = own(storageBuffer(device, 'matmul.B', bytes));
      const c = own(storageBuffer(device, 'matmul.C', bytes));
      const digests = own(storageBuffer(device, 'matmul.layer.digests', n * 32));
      const roots = own(storageBuffer(device, 'matmul.layer.roots', K * 32));
      const key = own(storageBuffer(device, 'matmul.mask.key', 32));
      const capture = own(storageBuffer(device, 'matmul.capture', Math.max(16, (opts.capture?.length ?? 0) * n * 4)));
      const treeCapture = own(storageBuffer(device, 'matmul.capture.trees', Math.max(16, layerSlots.size * treeBytes)));
      // Not owned: they outlive the run when kept, and are destroyed below if the run fails.
      const kept = opts.keep && canKeep(size, device.limits) ? [storageBuffer(device, 'matmul.kept.C', K * bytes), storageBuffer(device, 'matmul.kept.trees', K * treeBytes)] as const : undefined;
      if (kept) owned.push({ destroy: () => failed && kept.forEach((x) => x.destroy()) });
      const u = (label: string, words: ArrayLike<number>): GPUBuffer => own(uniformBuffer(device, label, Uint32Array.from(words)));
      const genA = u('matmul.gen.A0', genMatrixParams(streamKey(seed, STREAM_MATMUL_A0), n * n));
      const genB = u('matmul.gen.B', genMatrixParams(streamKey(seed, STREAM_MATMUL_B), n * n));
      const shaU = u('sha256.rows.params', [n, n, 0, n]);
      const keyU = u('matmul.mask.key.params', new Uint32Array(36));
      const foldU = u('matmul.mask.fold.params', [(n * n) / 32, 0, 0, 0]);
      const multiplier = own(await createMultiplier(device, variant, n, { a, b, c }, ctx.report.subgroupMaxSize));
      const tree = own(createGpuMerkle(device, merkleP, digests, n, 'matmul.layer'));
      const shaBg = bindInOrder(device, 'sha256.rows', shaP, [c, digests, shaU]);
      const keyBg = bindInOrder(device, 'matmul.mask.key', keyP, [tree.tree, key, keyU]);
      const foldBg = bindInOrder(device, 'matmul.mask.fold', foldP, [c, a, key, foldU]);
      const rootAt = treeBytes - 32;

      timer.wallStart('generate');
      const enc = device.createCommandEncoder({ label: 'matmul.generate' });
      const gp = enc.beginComputePass({ label: 'matmul.generate', timestampWrites: timer.writes('generate', true, true) });
      gp.setPipeline(genP);
      gp.setBindGroup(0, bindInOrder(device, 'matmul.gen.A0', genP, [a, genA]));
      gp.dispatchWorkgroups(...genMatrixDispatch(n * n));
      gp.setBindGroup(0, bindInOrder(device, 'matmul.gen.B', genP, [b, genB]));
      gp.dispatchWorkgroups(...genMatrixDispatch(n * n));
      gp.end();
      device.queue.submit([enc.finish()]);
      await timer.settle();
      timer.wallEnd('generate');

      timer.wallStart('chain');
      const params = new Uint32Array(36);
      params[32] = rootAt / 4;
      params[33] = MASK_ROOT_OFFSET;
      for (let k = 0; k < K; k++) {
        const last = k === K - 1;
        // Queue-ordered: this layer's submit sees this k, the previous one has already read its own.
        if (!last) {
          params.set(maskKeyTemplate(seed, n, K, k));
          device.queue.writeBuffer(keyU, 0, params);
        }
        const e = device.createCommandEncoder({ label: `matmul.iter${k}` });
        const pass = e.beginComputePass({ label: `matmul.iter${k}`, timestampWrites: timer.writes('chain', k === 0, last) });
        multiplier.encode(pass);
        pass.setPipeline(shaP);
        pass.setBindGroup(0, shaBg);
        pass.dispatchWorkgroups(...dispatchSize(n, 64));
        tree.encode(pass);
        if (!last) {
          pass.setPipeline(keyP);
          pass.setBindGroup(0, keyBg);
          pass.dispatchWorkgroups(1);
          pass.setPipeline(foldP);
          pass.setBindGroup(0, foldBg);
          pass.dispatchWorkgroups(...dispatchSize((n * n) / 32, 64));
        }
        pass.end();
        e.copyBufferToBuffer(tree.tree, rootAt, roots, k * 32, 32);
        for (const { slot, i } of captures.get(k) ?? []) e.copyBufferToBuffer(c, i * n * 4, capture, slot * n * 4, n * 4);
        const slot = layerSlots.get(k);
        if (slot !== undefined) e.copyBufferToBuffer(tree.tree, 0, treeCapture, slot * treeBytes, treeBytes);
        if (kept) {
          e.copyBufferToBuffer(c, 0, kept[0], k * bytes, bytes);
          e.copyBufferToBuffer(tree.tree, 0, kept[1], k * treeBytes, treeBytes);
        }
        device.queue.submit([e.finish()]);
        if (opts.onProgress) {
          await device.queue.onSubmittedWorkDone();
          opts.onProgress(k + 1, K);
        }
      }
      // Drained before the readback's wall clock starts, so that phase times the copy alone.
      await device.queue.onSubmittedWorkDone();
      timer.wallEnd('chain');

      timer.wallStart('readback');
      // Independent copies, mapped together: one host round trip, not one each.
      const nCaptured = opts.capture?.length ?? 0;
      const [layerRoots, raw, trees] = await Promise.all([
        readBuffer(device, roots),
        nCaptured > 0 ? readBuffer(device, capture, 0, nCaptured * n * 4) : undefined,
        readTrees(device, treeCapture, layerSlots, n),
      ]);
      const rows = new Map<string, Int32Array>();
      if (raw && opts.capture) {
        const all = new Int32Array(raw.buffer, raw.byteOffset, nCaptured * n);
        opts.capture.forEach((r, slot) => rows.set(rowKey(r), all.slice(slot * n, (slot + 1) * n)));
      }
      timer.wallEnd('readback');
      const phases = await timer.resolve();
      failed = false;
      return { layerRoots, rows, trees, phases, method: timer.method, path: variant.path, kernel: variant.id, ...(kept ? { kept: keptChain(device, kept[0], kept[1], size) } : {}) };
    });
  } finally {
    for (const o of owned) o.destroy();
  }
}

function groupCaptures(capture: readonly RowRef[], size: MatmulSize): Map<number, { slot: number; i: number }[]> {
  const byK = new Map<number, { slot: number; i: number }[]>();
  capture.forEach(({ k, i }, slot) => {
    if (!(k >= 0 && k < size.iterations && i >= 0 && i < size.n)) throw new RangeError(`row (${k}, ${i}) is outside the proof`);
    const list = byK.get(k) ?? [];
    list.push({ slot, i });
    byK.set(k, list);
  });
  return byK;
}
