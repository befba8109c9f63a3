// Times matmul variants on the device at hand and picks the fastest. Each timing is `reps`
// multiplications of one n×n pair inside a single pass bracketed by GPU timestamps (or queue
// completion wall time where the adapter has none).
import type { GpuContext } from '../gpu/context.js';
import { bindInOrder, storageBuffer, uniformBuffer } from '../gpu/buffers.js';
import { withErrorScopes } from '../gpu/scope.js';
import { PhaseTimer } from '../gpu/timer.js';
import { streamKey, STREAM_MATMUL_A0, STREAM_MATMUL_B } from './generator.js';
import { genMatrixDispatch, genMatrixParams, genMatrixPipeline } from './generator-gpu.js';
import { createMultiplier } from './matmul-multiply.js';
import { SUBGROUP_MATRIX_FEATURE, exactShapes } from './tensor-variants.js';
import { candidateVariants, type MatmulVariant, type VariantNeeds } from './matmul-variants.js';

export interface VariantTiming {
  id: string;
  n: number;
  reps: number;
  ms: number;
  gflops: number;
  method: string;
}

export async function timeVariant(ctx: GpuContext, v: MatmulVariant, n: number, reps: number): Promise<VariantTiming> {
  const { device } = ctx;
  const genP = await genMatrixPipeline(device);
  const seed = new Uint8Array(32);
  const owned: { destroy(): void }[] = [];
  const own = <T extends { destroy(): void }>(x: T): T => (owned.push(x), x);
  const timer = own(new PhaseTimer(device, ctx.hasTimestamps, `tune.${v.id}`));
  try {
    return await withErrorScopes(device, `time ${v.id}`, async () => {
      const a = own(storageBuffer(device, 'tune.A', n * n * 4));
      const b = own(storageBuffer(device, 'tune.B', n * n * 4));
      const c = own(storageBuffer(device, 'tune.C', n * n * 4));
      const ga = own(uniformBuffer(device, 'tune.gen.A', genMatrixParams(streamKey(seed, STREAM_MATMUL_A0), n * n)));
      const gb = own(uniformBuffer(device, 'tune.gen.B', genMatrixParams(streamKey(seed, STREAM_MATMUL_B), n * n)));
      const mul = own(await createMultiplier(device, v, n, { a, b, c }, ctx.report.subgroupMaxSize));
      let enc = device.createCommandEncoder({ label: 'tune.generate' });
      let pass = enc.beginComputePass({ label: 'tune.generate' });
      pass.setPipeline(genP);
      for (const [buf, u] of [[a, ga], [b, gb]] as const) {
        pass.setBindGroup(0, bindInOrder(device, 'tune.generate', genP, [buf, u]));
        pass.dispatchWorkgroups(...genMatrixDispatch(n * n));
      }
      pass.end();
      // One warm-up multiplication outside the timed pass: first dispatches pay for caches and JIT.
      pass = enc.beginComputePass({ label: 'tune.warmup' });
      mul.encode(pass);
      pass.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      timer.wallStart('mm');
      enc = device.createCommandEncoder({ label: `tune.${v.id}` });
      pass = enc.beginComputePass({ label: `tune.${v.id}`, timestampWrites: timer.writes('mm', true, true) });
      for (let r = 0; r < reps; r++) mul.encode(pass);
      pass.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      timer.wallEnd('mm');
      const ms = (await timer.resolve()).mm ?? Number.NaN;
      return { id: v.id, n, reps, ms, gflops: (2 * n ** 3 * reps) / ms / 1e6, method: timer.method };
    });
  } finally {
    for (const o of owned) o.destroy();
  }
}

/** The device facts a variant may need: its features, subgroup size and exact subgroup-matrix shapes. */
export const variantNeedsOf = (ctx: GpuContext): VariantNeeds => ({
  features: ctx.device.features,
  subgroupMaxSize: ctx.report.subgroupMaxSize,
  tensorShapes: ctx.device.features.has(SUBGROUP_MATRIX_FEATURE) ? exactShapes(ctx.report.subgroupMatrixConfigs) : [],
});

/** Times every candidate (baselines excluded unless asked) and returns them fastest first. */
export async function tuneMatmul(ctx: GpuContext, n: number, reps: number, opts: { includeBaseline?: boolean } = {}): Promise<VariantTiming[]> {
  const out: VariantTiming[] = [];
  for (const v of candidateVariants(ctx.device.limits, variantNeedsOf(ctx), opts.includeBaseline)) out.push(await timeVariant(ctx, v, n, reps));
  return out.sort((x, y) => y.gflops - x.gflops);
}
