// Runs the matmul chain on the GPU: A0 and B from the seed, then K times C_k = A_k·B, the SHA-256
// digest of every row of C_k, and A_{k+1} = fold(C_k). Only two matrices live at once; the row
// digests are the commitment's leaves. The same run, repeated with `capture`, copies out the rows
// an opening asks for, so no executor has to keep K·n² words between commitment and opening.
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
import { createGpuMerkle, merkleFitsGpu, merklePipelines, runMerklePhase } from './merkle-gpu.js';
import type { MerkleTree } from './merkle.js';

export interface RowRef {
  k: number;
  i: number;
}

export interface MatmulRunOptions {
  /** Rows of C_k to copy out, for openings. */
  capture?: readonly RowRef[];
  /** Matmul variant id (src/proofs/matmul-variants.ts); the default when absent. */
  kernel?: string;
  /**
   * Keep every C_k on the GPU (K·n²·4 bytes) so openings are copies, not a re-run. For one
   * process that answers its own openings (selftest, the agent); refused above KEEP_MAX_BYTES.
   */
  keep?: boolean;
  /** Called after each iteration completes (forces a queue wait per iteration). */
  onProgress?: (done: number, total: number) => void;
  /** Build the commitment's Merkle tree over the digests on the GPU too (where it fits). */
  tree?: boolean;
}

export interface MatmulRun {
  /** K·n SHA-256 digests in (k, i) order, 32 bytes each. */
  digests: Uint8Array;
  /** Captured rows, keyed `k:i`. */
  rows: Map<string, Int32Array>;
  phases: Record<string, number>;
  method: TimingMethod;
  path: MatmulPath;
  kernel: string;
  kept?: KeptChain;
  /** The tree over `digests`, when built on the GPU. */
  tree?: MerkleTree;
}

/** Every C_k of a run, still on the GPU; destroy() when the openings are answered. */
export interface KeptChain {
  rows(refs: readonly RowRef[]): Promise<Map<string, Int32Array>>;
  destroy(): void;
}

export const KEEP_MAX_BYTES = 2 * 2 ** 30;

export const canKeep = (size: MatmulSize, limits: GPUSupportedLimits): boolean =>
  size.iterations * size.n * size.n * 4 <= Math.min(KEEP_MAX_BYTES, limits.maxBufferSize);

export const rowKey = (r: RowRef): string => `${r.k}:${r.i}`;

type Pipelines3 = [GPUComputePipeline, GPUComputePipeline, GPUComputePipeline];
/** The chain's pipelines (generate, SHA-256, fold, and the variant's multiply), compiled once per device. */
export async function matmulPipelines(device: GPUDevice, variant: MatmulVariant): Promise<Pipelines3> {
  const [gen, sha, fold] = await Promise.all([
    genMatrixPipeline(device),
    sha256Pipeline(device),
    getPipeline(device, { label: 'matmul.fold', files: ['fold'] }),
    multiplyPipelines(device, variant),
  ]);
  return [gen, sha, fold];
}

export async function runMatmulChain(ctx: GpuContext, seed: Uint8Array, size: MatmulSize, opts: MatmulRunOptions = {}): Promise<MatmulRun> {
  checkMatmulSize(size, ctx.device.limits);
  const { device } = ctx;
  const { n, iterations: K } = size;
  const variant = findVariant(opts.kernel ?? DEFAULT_VARIANT_ID);
  if (variant.requires && !device.features.has(variant.requires)) throw gpuError(`kernel ${variant.id} needs the ${variant.requires} feature, which this device lacks`);
  const [genP, shaP, foldP] = await matmulPipelines(device, variant);
  const merkleP = opts.tree === true && merkleFitsGpu(K * n, device.limits) ? await merklePipelines(device) : undefined;
  const captures = groupCaptures(opts.capture ?? [], size);
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
      const digests = own(storageBuffer(device, 'matmul.digests', K * n * 32));
      const capture = own(storageBuffer(device, 'matmul.capture', Math.max(16, (opts.capture?.length ?? 0) * n * 4)));
      // Not owned: it outlives the run when kept, and is destroyed below if the run fails.
      const kept = opts.keep && canKeep(size, device.limits) ? storageBuffer(device, 'matmul.kept', K * bytes) : undefined;
      if (kept) owned.push({ destroy: () => failed && kept.destroy() });
      const u = (label: string, words: number[]): GPUBuffer => own(uniformBuffer(device, label, new Uint32Array(words)));
      const genA = u('matmul.gen.A0', [...genMatrixParams(streamKey(seed, STREAM_MATMUL_A0), n * n)]);
      const genB = u('matmul.gen.B', [...genMatrixParams(streamKey(seed, STREAM_MATMUL_B), n * n)]);
      const shaU = u('sha256.rows.params', [n, n, 0, n]);
      const foldU = u('matmul.fold.params', [(n * n) / 4, 0, 0, 0]);
      const genABg = bindInOrder(device, 'matmul.gen.A0', genP, [a, genA]);
      const genBBg = bindInOrder(device, 'matmul.gen.B', genP, [b, genB]);
      const multiplier = own(await createMultiplier(device, variant, n, { a, b, c }, ctx.report.subgroupMaxSize));
      const foldBg = bindInOrder(device, 'matmul.fold', foldP, [c, a, foldU]);
      const merkle = merkleP ? own(createGpuMerkle(device, merkleP, digests, K * n, 'matmul')) : undefined;
      const genDispatch = dispatchSize((n * n) / 4, 64);
      const rowDispatch = dispatchSize(n, 64);

      timer.wallStart('generate');
      const enc = device.createCommandEncoder({ label: 'matmul.generate' });
      const gp = enc.beginComputePass({ label: 'matmul.generate', timestampWrites: timer.writes('generate', true, true) });
      gp.setPipeline(genP);
      gp.setBindGroup(0, genABg);
      gp.dispatchWorkgroups(...genMatrixDispatch(n * n));
      gp.setBindGroup(0, genBBg);
      gp.dispatchWorkgroups(...genMatrixDispatch(n * n));
      gp.end();
      device.queue.submit([enc.finish()]);
      await timer.settle();
      timer.wallEnd('generate');

      timer.wallStart('chain');
      for (let k = 0; k < K; k++) {
        const e = device.createCommandEncoder({ label: `matmul.iter${k}` });
        const pass = e.beginComputePass({ label: `matmul.iter${k}`, timestampWrites: timer.writes('chain', k === 0, k === K - 1) });
        multiplier.encode(pass);
        pass.setPipeline(shaP);
        pass.setBindGroup(0, bindInOrder(device, `sha256.rows.k${k}`, shaP, [c, { buffer: digests, offset: k * n * 32, size: n * 32 }, shaU]));
        pass.dispatchWorkgroups(...rowDispatch);
        if (k < K - 1) {
          pass.setPipeline(foldP);
          pass.setBindGroup(0, foldBg);
          pass.dispatchWorkgroups(...genDispatch);
        }
        pass.end();
        for (const { slot, i } of captures.get(k) ?? []) e.copyBufferToBuffer(c, i * n * 4, capture, slot * n * 4, n * 4);
        if (kept) e.copyBufferToBuffer(c, 0, kept, k * bytes, bytes);
        device.queue.submit([e.finish()]);
        if (opts.onProgress) {
          await device.queue.onSubmittedWorkDone();
          opts.onProgress(k + 1, K);
        }
      }
      // Drained before the readback's wall clock starts, so it times the copy alone; the Merkle
      // phase drains after itself, so with GPU timestamps the chain need not wait for it.
      await (merkle ? timer.settle() : device.queue.onSubmittedWorkDone());
      timer.wallEnd('chain');
      if (merkle) await runMerklePhase(device, timer, 'merkle', merkle);

      timer.wallStart('readback');
      // Independent copies, mapped together: one host round trip, not one each.
      const nCaptured = opts.capture?.length ?? 0;
      const [digestBytes, tree, raw] = await Promise.all([
        readBuffer(device, digests),
        merkle?.read(),
        nCaptured > 0 ? readBuffer(device, capture, 0, nCaptured * n * 4) : undefined,
      ]);
      const rows = new Map<string, Int32Array>();
      if (raw && opts.capture) {
        const all = new Int32Array(raw.buffer, raw.byteOffset, nCaptured * n);
        opts.capture.forEach((r, slot) => rows.set(rowKey(r), all.slice(slot * n, (slot + 1) * n)));
      }
      timer.wallEnd('readback');
      const phases = await timer.resolve();
      failed = false;
      return { digests: digestBytes, rows, phases, method: timer.method, path: variant.path, kernel: variant.id, ...(kept ? { kept: keptChain(device, kept, size) } : {}), ...(tree ? { tree } : {}) };
    });
  } finally {
    for (const o of owned) o.destroy();
  }
}

function keptChain(device: GPUDevice, kept: GPUBuffer, size: MatmulSize): KeptChain {
  const { n } = size;
  return {
    async rows(refs) {
      const out = new Map<string, Int32Array>();
      if (refs.length === 0) return out;
      const staging = storageBuffer(device, 'matmul.kept.rows', refs.length * n * 4);
      try {
        const enc = device.createCommandEncoder({ label: 'matmul.kept.rows' });
        refs.forEach((r, slot) => enc.copyBufferToBuffer(kept, (r.k * n + r.i) * n * 4, staging, slot * n * 4, n * 4));
        device.queue.submit([enc.finish()]);
        const raw = await readBuffer(device, staging);
        const all = new Int32Array(raw.buffer, raw.byteOffset, refs.length * n);
        refs.forEach((r, slot) => out.set(rowKey(r), all.slice(slot * n, (slot + 1) * n)));
        return out;
      } finally {
        staging.destroy();
      }
    },
    destroy: () => kept.destroy(),
  };
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
