// SHA-256 of equal-length messages on the GPU (shaders/sha256.wgsl). Used standalone for memory
// blocks and for parity tests against node:crypto; the matmul chain binds the same pipeline.
import type { GpuContext } from '../gpu/context.js';
import { bindInOrder, dispatchSize, readBuffer, storageBuffer, uniformBuffer } from '../gpu/buffers.js';
import { getPipeline } from '../gpu/shaders.js';
import { withErrorScopes } from '../gpu/scope.js';

export const sha256Pipeline = (device: GPUDevice): Promise<GPUComputePipeline> =>
  getPipeline(device, { label: 'sha256.rows', files: ['sha256_core', 'sha256'] });

/** Digests of `messages` messages of `words` u32 each, laid end to end in `data`. */
export async function sha256MessagesGpu(ctx: GpuContext, data: Uint32Array, words: number): Promise<Uint8Array> {
  if (words % 16 !== 0 || words <= 0 || data.length % words !== 0) {
    throw new RangeError('messages must be whole 64-byte blocks and fill the data');
  }
  const messages = data.length / words;
  const { device } = ctx;
  const pipeline = await sha256Pipeline(device);
  const input = storageBuffer(device, 'sha256.input', data.byteLength);
  const output = storageBuffer(device, 'sha256.output', messages * 32);
  const params = uniformBuffer(device, 'sha256.params', new Uint32Array([words, messages, 0, words]));
  try {
    return await withErrorScopes(device, 'sha256', async () => {
      device.queue.writeBuffer(input, 0, data.buffer, data.byteOffset, data.byteLength);
      const enc = device.createCommandEncoder({ label: 'sha256' });
      const pass = enc.beginComputePass({ label: 'sha256' });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindInOrder(device, 'sha256', pipeline, [input, output, params]));
      pass.dispatchWorkgroups(...dispatchSize(messages, 64));
      pass.end();
      device.queue.submit([enc.finish()]);
      return readBuffer(device, output);
    });
  } finally {
    input.destroy();
    output.destroy();
    params.destroy();
  }
}
