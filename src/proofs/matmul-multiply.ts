// One C = A·B step, as the chain and the tuner encode it. An f32 variant is one dispatch on the
// f32 matrices. A tensor variant packs A (and B, once) to i8 or f16 at a padded order, multiplies
// on the matrix units, and unpads the result to the int32 C every other step reads, so the chain
// around it (digests, fold, captures) is the same for every path.
import { bindInOrder, dispatchSize, storageBuffer, uniformBuffer } from '../gpu/buffers.js';
import { getPipeline } from '../gpu/shaders.js';
import type { MatmulVariant } from './matmul-variants.js';
import { paddedOrder, type TensorParams } from './tensor-variants.js';

export interface Multiplier {
  /** Appends C = A·B to a compute pass. */
  encode(pass: GPUComputePassEncoder): void;
  destroy(): void;
}

/** The pipelines a variant's multiply needs, compiled once per device. */
export function multiplyPipelines(device: GPUDevice, v: MatmulVariant): Promise<GPUComputePipeline[]> {
  const mm = getPipeline(device, { label: `matmul.${v.id}`, files: v.tensor ? [`tensor_${v.tensor.type}`, 'matmul_pad', v.file] : ['matmul_common', ...(v.includes ?? []), v.file], defines: v.defines });
  if (!v.tensor) return Promise.all([mm]);
  return Promise.all([
    getPipeline(device, { label: `matmul.pack.${v.tensor.type}`, files: ['matmul_pad', 'matmul_pack'], defines: { PER_WORD: perWord(v.tensor) } }),
    mm,
    getPipeline(device, { label: `matmul.unpad.${v.tensor.type}`, files: ['matmul_pad', 'matmul_unpad'], defines: { RESULT_F32: v.tensor.type === 'f16' ? 1 : 0 } }),
  ]);
}

const perWord = (t: TensorParams): number => (t.type === 'i8' ? 4 : 2);

interface Mats {
  a: GPUBuffer;
  b: GPUBuffer;
  c: GPUBuffer;
}

/**
 * A multiplier over the n×n f32 matrices a, b into the int32 matrix c (the buffers stay the
 * caller's). `subgroupMaxSize` sizes the tensor dispatch: a workgroup holds at least WG / it subgroups.
 */
export async function createMultiplier(device: GPUDevice, v: MatmulVariant, n: number, m: Mats, subgroupMaxSize: number | null): Promise<Multiplier> {
  const pipelines = await multiplyPipelines(device, v);
  if (!v.tensor) return f32Multiplier(device, v, n, pipelines[0] as GPUComputePipeline, m);
  return tensorMultiplier(device, v, v.tensor, n, pipelines, m, Math.max(1, Math.floor(v.tensor.WG / (subgroupMaxSize ?? v.tensor.WG))));
}

function f32Multiplier(device: GPUDevice, v: MatmulVariant, n: number, pipeline: GPUComputePipeline, m: Mats): Multiplier {
  const params = uniformBuffer(device, 'matmul.params', new Uint32Array([n, 0, 0, 0]));
  const bg = bindInOrder(device, `matmul.${v.id}`, pipeline, [m.a, m.b, m.c, params]);
  return {
    encode(pass) {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bg);
      pass.dispatchWorkgroups(Math.ceil(n / v.tileN), Math.ceil(n / v.tileM));
    },
    destroy: () => params.destroy(),
  };
}

function tensorMultiplier(device: GPUDevice, v: MatmulVariant, t: TensorParams, n: number, pipelines: GPUComputePipeline[], m: Mats, subgroupsPerGroup: number): Multiplier {
  const [packP, mmP, unpadP] = pipelines as [GPUComputePipeline, GPUComputePipeline, GPUComputePipeline];
  const np = paddedOrder(t, n);
  const words = (np * np) / perWord(t);
  const owned = [
    storageBuffer(device, 'matmul.tensor.A', words * 4),
    storageBuffer(device, 'matmul.tensor.B', words * 4),
    storageBuffer(device, 'matmul.tensor.C', np * np * 4),
    uniformBuffer(device, 'matmul.tensor.shape', new Uint32Array([n, np, 0, 0])),
  ] as const;
  const [ap, bp, cp, shape] = owned;
  const packA = bindInOrder(device, 'matmul.pack.A', packP, [m.a, ap, shape]);
  const packB = bindInOrder(device, 'matmul.pack.B', packP, [m.b, bp, shape]);
  const mm = bindInOrder(device, `matmul.${v.id}`, mmP, [ap, bp, cp, shape]);
  const unpad = bindInOrder(device, 'matmul.unpad', unpadP, [cp, m.c, shape]);
  // Subgroups stride over the result blocks, so any count of workgroups covers them all.
  const blocks = (np / (t.TM * t.M)) * (np / (t.TN * t.N));
  const groups = Math.min(Math.ceil(blocks / subgroupsPerGroup), device.limits.maxComputeWorkgroupsPerDimension);
  let bPacked = false;
  return {
    encode(pass) {
      pass.setPipeline(packP);
      if (!bPacked) {
        pass.setBindGroup(0, packB);
        pass.dispatchWorkgroups(...dispatchSize(words, 64));
        bPacked = true;
      }
      pass.setBindGroup(0, packA);
      pass.dispatchWorkgroups(...dispatchSize(words, 64));
      pass.setPipeline(mmP);
      pass.setBindGroup(0, mm);
      pass.dispatchWorkgroups(groups);
      pass.setPipeline(unpadP);
      pass.setBindGroup(0, unpad);
      pass.dispatchWorkgroups(...dispatchSize(n * n, 64));
    },
    destroy: () => owned.forEach((x) => x.destroy()),
  };
}
