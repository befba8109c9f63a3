// The WGSL generator against fixtures/generator.json: RFC 8439's block-function vectors on the
// GPU, our stream words, and gen_matrix.wgsl's matrices (the 8×8 fixture and sizes whose entry
// count is not a multiple of a block's 32) against the TypeScript generator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useGpu } from './helpers/gpu.js';
import { getPipeline } from '../src/gpu/shaders.js';
import { bindInOrder, readBuffer, storageBuffer } from '../src/gpu/buffers.js';
import { withErrorScopes } from '../src/gpu/scope.js';
import { generateMatrix, keyWords, streamKey, STREAM_MATMUL_A0, STREAM_MATMUL_B } from '../src/proofs/generator.js';
import { genMatrixDispatch, genMatrixParams, genMatrixPipeline } from '../src/proofs/generator-gpu.js';
import { fromHex, toHex } from '../src/util/bytes.js';
import { GPU_LIMIT } from './helpers/limits.js';

const fx = JSON.parse(readFileSync(new URL('../fixtures/generator.json', import.meta.url), 'utf8')) as {
  blocks: { name: string; keyHex: string; nonceHex: string; counter: number; outHex: string }[];
  seedHex: string;
  words: { stream: string; index: number; value: number }[];
  matrix: { n: number; A0: number[]; B: number[] };
};
const gpu = useGpu();
const seed = fromHex(fx.seedHex);

interface BlockInput {
  key: Uint8Array;
  counter: number;
  nonce?: Uint8Array;
}

/** chacha20_kat.wgsl on each input: 16 words per block. */
async function blocksGpu(inputs: BlockInput[]): Promise<Uint32Array> {
  const { device } = gpu();
  const pipeline = await getPipeline(device, { label: 'test.chacha20-kat', files: ['chacha20', 'chacha20_kat'] });
  const data = new Uint32Array(inputs.length * 12);
  inputs.forEach((b, i) => {
    data.set(keyWords(b.key), i * 12);
    data[i * 12 + 8] = b.counter;
    if (b.nonce) data.set(new Uint32Array(b.nonce.slice().buffer), i * 12 + 9);
  });
  const input = storageBuffer(device, 'test.chacha20.in', data.byteLength);
  const output = storageBuffer(device, 'test.chacha20.out', inputs.length * 64);
  try {
    return await withErrorScopes(device, 'chacha20 kat', async () => {
      device.queue.writeBuffer(input, 0, data);
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindInOrder(device, 'test.chacha20-kat', pipeline, [input, output]));
      pass.dispatchWorkgroups(Math.ceil(inputs.length / 64));
      pass.end();
      device.queue.submit([enc.finish()]);
      return new Uint32Array((await readBuffer(device, output)).buffer);
    });
  } finally {
    input.destroy();
    output.destroy();
  }
}

test('WGSL ChaCha20 block reproduces RFC 8439 §2.3.2 and Appendix A.1', GPU_LIMIT, async () => {
  assert.equal(fx.blocks.length, 6);
  const got = await blocksGpu(fx.blocks.map((b) => ({ key: fromHex(b.keyHex), counter: b.counter, nonce: fromHex(b.nonceHex) })));
  fx.blocks.forEach((b, i) => assert.equal(toHex(new Uint8Array(got.buffer, i * 64, 64)), b.outHex, b.name));
});

test('WGSL stream words match the fixture (including the last block of a stream)', GPU_LIMIT, async () => {
  const got = await blocksGpu(fx.words.map((w) => ({ key: streamKey(seed, w.stream), counter: Math.floor(w.index / 16) })));
  fx.words.forEach((w, i) => assert.equal(got[i * 16 + (w.index % 16)], w.value, `${w.stream}[${w.index}]`));
});

/** gen_matrix.wgsl for `count` entries, read back with 64 sentinel floats after them. */
async function genMatrixGpu(key: Uint8Array, count: number): Promise<number[]> {
  const { device } = gpu();
  const pipeline = await genMatrixPipeline(device);
  const out = storageBuffer(device, 'test.gen.out', (count + 64) * 4);
  const params = storageBuffer(device, 'test.gen.params', 48, GPUBufferUsage.UNIFORM);
  try {
    return await withErrorScopes(device, 'gen matrix', async () => {
      device.queue.writeBuffer(out, 0, new Float32Array(count + 64).fill(99));
      device.queue.writeBuffer(params, 0, genMatrixParams(key, count));
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindInOrder(device, 'test.gen-matrix', pipeline, [out, params]));
      pass.dispatchWorkgroups(...genMatrixDispatch(count));
      pass.end();
      device.queue.submit([enc.finish()]);
      return [...new Float32Array((await readBuffer(device, out)).buffer)];
    });
  } finally {
    out.destroy();
    params.destroy();
  }
}

test('the WGSL matrix generator reproduces the fixture matrices A0 and B exactly', GPU_LIMIT, async () => {
  const { n, A0, B } = fx.matrix;
  assert.deepEqual((await genMatrixGpu(streamKey(seed, STREAM_MATMUL_A0), n * n)).slice(0, n * n), A0);
  assert.deepEqual((await genMatrixGpu(streamKey(seed, STREAM_MATMUL_B), n * n)).slice(0, n * n), B);
});

test('the WGSL matrix generator equals the TypeScript one where the count is not a multiple of 32, and writes nothing past it', GPU_LIMIT, async () => {
  const key = streamKey(seed, STREAM_MATMUL_B);
  for (const n of [4, 12, 20, 144]) {
    const got = await genMatrixGpu(key, n * n);
    assert.deepEqual(got.slice(0, n * n), Array.from(generateMatrix(key, n)), `n=${n}`);
    assert.ok(got.slice(n * n).every((v) => v === 99), `n=${n}: wrote past the end`);
  }
});
