// The plain GPU kernel of the integer-throughput round (shaders/alu_round.wgsl after chacha20.wgsl):
// one lane per invocation, L rounds, each lane's final state read back. The proof's interleaved
// kernels, commitment and openings are still to be built on it (docs/alu-proof.md §5).
import { bindInOrder, dispatchSize, readBuffer, storageBuffer, uniformBuffer } from '../gpu/buffers.js';
import { getPipeline } from '../gpu/shaders.js';
import { withErrorScopes } from '../gpu/scope.js';
import { keyWords, streamKey } from './generator.js';
import { aluRoundConstant, MAX_ALU_LANES, STREAM_ALU_LANE } from './alu-round.js';

const WORKGROUP = 64;

export const aluPipeline = (device: GPUDevice): Promise<GPUComputePipeline> =>
  getPipeline(device, { label: 'alu.lanes', files: ['chacha20', 'alu_round'] });

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

/** Lanes laneBase .. laneBase + lanes − 1 after L rounds: 4 words a lane (a, b, c, d), in lane order. */
export async function runAluLanes(device: GPUDevice, seed: Uint8Array, rounds: number, lanes: number, laneBase = 0): Promise<Uint32Array> {
  const params = aluParams(seed, rounds, lanes, laneBase);
  if (lanes === 0) return new Uint32Array(0);
  const pipeline = await aluPipeline(device);
  return withErrorScopes(device, 'alu lanes', async () => {
    const out = storageBuffer(device, 'alu.lanes.out', lanes * 16);
    const uniform = uniformBuffer(device, 'alu.lanes.params', params);
    try {
      const enc = device.createCommandEncoder({ label: 'alu.lanes' });
      const pass = enc.beginComputePass({ label: 'alu.lanes' });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindInOrder(device, 'alu.lanes', pipeline, [out, uniform]));
      pass.dispatchWorkgroups(...dispatchSize(lanes, WORKGROUP));
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
