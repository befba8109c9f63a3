// The integer proof's lane kernels (shaders/alu_round.wgsl after chacha20.wgsl): the same round
// with one, two or four independent lanes an invocation and a tunable workgroup size. All of them
// compute the same bits (test/gpu-alu.test.ts); only the speed differs, so the autotuner picks.
import { bindInOrder, dispatchSize, readBuffer, storageBuffer, uniformBuffer } from '../gpu/buffers.js';
import { getPipeline } from '../gpu/shaders.js';
import { withErrorScopes } from '../gpu/scope.js';
import { keyWords, streamKey } from './generator.js';
import { aluRoundConstant, MAX_ALU_LANES, STREAM_ALU_LANE } from './alu-round.js';

export interface AluKernel {
  /** Stable id, reported in the commitment and cached by the autotuner. */
  id: string;
  /** Independent lanes an invocation interleaves. */
  perInvocation: 1 | 2 | 4;
  workgroup: 64 | 128 | 256;
}

export const ALU_KERNELS: readonly AluKernel[] = ([1, 2, 4] as const).flatMap((perInvocation) =>
  ([64, 128, 256] as const).map((workgroup) => ({ id: `x${perInvocation}-wg${workgroup}`, perInvocation, workgroup })),
);
/** Without tuning: two lanes an invocation hides some latency on every adapter tried and costs few registers. */
export const DEFAULT_ALU_KERNEL = 'x2-wg64';
/** The plain kernel the bench compares with: one lane an invocation. */
export const PLAIN_ALU_KERNEL = 'x1-wg64';

export const isAluKernel = (id: unknown): id is string => ALU_KERNELS.some((k) => k.id === id);

export function findAluKernel(id: string): AluKernel {
  const k = ALU_KERNELS.find((x) => x.id === id);
  if (!k) throw new RangeError(`unknown integer kernel ${id}; one of ${ALU_KERNELS.map((x) => x.id).join(', ')}`);
  return k;
}

export const aluPipeline = (device: GPUDevice, kernel: AluKernel = findAluKernel(PLAIN_ALU_KERNEL)): Promise<GPUComputePipeline> =>
  getPipeline(device, { label: `alu.${kernel.id}`, files: ['chacha20', 'alu_round'], entryPoint: `x${kernel.perInvocation}`, constants: { WG: kernel.workgroup } });

/** alu_round.wgsl's AluParams: the `alu.lane` key words, s, L, the lane count and first lane (48 bytes). */
export function aluParams(seed: Uint8Array, rounds: number, lanes: number, laneBase = 0): Uint32Array {
  for (const [name, v] of [['rounds', rounds], ['lanes', lanes], ['laneBase', laneBase]] as const) {
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32) throw new RangeError(`${name} must be an integer in [0, 2^32)`);
  }
  if (laneBase + lanes > MAX_ALU_LANES) throw new RangeError('lanes run past lane 2^32 − 1');
  const p = new Uint32Array(12);
  p.set(keyWords(streamKey(seed, STREAM_ALU_LANE)));
  p[8] = aluRoundConstant(seed);
  p[9] = rounds;
  p[10] = lanes;
  p[11] = laneBase;
  return p;
}

/** Interleaving kernels read whole ChaCha blocks: their first lane must sit at a block's (or pair's) start. */
export function checkLaneBase(kernel: AluKernel, laneBase: number): void {
  if (laneBase % kernel.perInvocation !== 0) throw new RangeError(`kernel ${kernel.id} needs a first lane that is a multiple of ${kernel.perInvocation}`);
}

/** Records one dispatch of `kernel` over `lanes` lanes into `pass`. */
export function encodeAluLanes(device: GPUDevice, pass: GPUComputePassEncoder, pipeline: GPUComputePipeline, kernel: AluKernel, out: GPUBuffer, params: GPUBuffer, lanes: number, label: string): void {
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindInOrder(device, label, pipeline, [out, params]));
  pass.dispatchWorkgroups(...dispatchSize(Math.ceil(lanes / kernel.perInvocation), kernel.workgroup));
}

/** Lanes laneBase .. laneBase + lanes − 1 after L rounds: 4 words a lane (a, b, c, d), in lane order. */
export async function runAluLanes(device: GPUDevice, seed: Uint8Array, rounds: number, lanes: number, laneBase = 0, kernelId = PLAIN_ALU_KERNEL): Promise<Uint32Array> {
  const params = aluParams(seed, rounds, lanes, laneBase);
  const kernel = findAluKernel(kernelId);
  checkLaneBase(kernel, laneBase);
  if (lanes === 0) return new Uint32Array(0);
  const pipeline = await aluPipeline(device, kernel);
  return withErrorScopes(device, 'alu lanes', async () => {
    const out = storageBuffer(device, 'alu.lanes.out', lanes * 16);
    const uniform = uniformBuffer(device, 'alu.lanes.params', params);
    try {
      const enc = device.createCommandEncoder({ label: 'alu.lanes' });
      const pass = enc.beginComputePass({ label: 'alu.lanes' });
      encodeAluLanes(device, pass, pipeline, kernel, out, uniform, lanes, 'alu.lanes');
      pass.end();
      device.queue.submit([enc.finish()]);
      const bytes = await readBuffer(device, out, 0, lanes * 16);
      return new Uint32Array(bytes.buffer, 0, lanes * 4);
    } finally {
      out.destroy();
      uniform.destroy();
    }
  });
}
