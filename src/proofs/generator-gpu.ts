// The GPU side of the generator: shaders/gen_matrix.wgsl (after chacha20.wgsl) fills A_0 and B
// on the executor. Shared by the matmul chain, the kernel tuner and the tests, so the uniform's
// layout and the dispatch geometry are written down once.
import { dispatchSize } from '../gpu/buffers.js';
import { getPipeline } from '../gpu/shaders.js';
import { ENTRIES_PER_BLOCK, keyWords } from './generator.js';

export const genMatrixPipeline = (device: GPUDevice): Promise<GPUComputePipeline> =>
  getPipeline(device, { label: 'matmul.generate', files: ['chacha20', 'gen_matrix'] });

/** gen_matrix.wgsl's GenParams: the key's eight words, then the entry count (a multiple of 4), 48 bytes. */
export function genMatrixParams(key: Uint8Array, count: number): Uint32Array {
  if (!Number.isSafeInteger(count) || count < 0 || count % 4 !== 0 || count >= 2 ** 32) throw new RangeError('entry count must be a multiple of 4 below 2^32');
  const p = new Uint32Array(12);
  p.set(keyWords(key));
  p[8] = count;
  return p;
}

/** Workgroups for `count` entries: one invocation per ChaCha block of 32 entries. */
export const genMatrixDispatch = (count: number): [number, number] => dispatchSize(Math.ceil(count / ENTRIES_PER_BLOCK), 64);
