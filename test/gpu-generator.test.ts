// The WGSL generator against the known-answer vectors in fixtures/generator.json: Random123's
// published Threefry-4x32-20 lines, our stream words, and the 8×8 matrices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useGpu } from './helpers/gpu.js';
import { getPipeline } from '../src/gpu/shaders.js';
import { bindInOrder, readBuffer, storageBuffer } from '../src/gpu/buffers.js';
import { withErrorScopes } from '../src/gpu/scope.js';
import { streamKey, STREAM_MATMUL_A0, STREAM_MATMUL_B } from '../src/proofs/threefry.js';
import { fromHex } from '../src/util/bytes.js';

interface Kat { rounds: number; key: string[]; ctr: string[]; out: string[] }
interface WordKat { seedHex: string; stream: string; index: number; value: number }
const fx = JSON.parse(readFileSync(new URL('../fixtures/generator.json', import.meta.url), 'utf8')) as {
  threefry4x32: Kat[]; words: WordKat[]; matrix: { seedHex: string; n: number; A0: number[]; B: number[] };
};
const gpu = useGpu();

async function threefryGpu(pairs: { key: ArrayLike<number>; ctr: ArrayLike<number> }[]): Promise<Uint32Array> {
  const { device } = gpu();
  const pipeline = await getPipeline(device, { label: 'test.threefry-kat', files: ['threefry', 'threefry_kat'] });
  const data = new Uint32Array(pairs.length * 8);
  pairs.forEach((p, i) => {
    data.set(Array.from(p.key), i * 8);
    data.set(Array.from(p.ctr), i * 8 + 4);
  });
  const input = storageBuffer(device, 'test.threefry.in', data.byteLength);
  const output = storageBuffer(device, 'test.threefry.out', pairs.length * 16);
  try {
    return await withErrorScopes(device, 'threefry kat', async () => {
      device.queue.writeBuffer(input, 0, data);
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindInOrder(device, 'test.threefry-kat', pipeline, [input, output]));
      pass.dispatchWorkgroups(Math.ceil(pairs.length / 64));
      pass.end();
      device.queue.submit([enc.finish()]);
      return new Uint32Array((await readBuffer(device, output)).buffer);
    });
  } finally {
    input.destroy();
    output.destroy();
  }
}

const u32 = (h: string): number => Number.parseInt(h, 16);

test('WGSL Threefry-4x32-20 reproduces Random123 known answers', async () => {
  const kats = fx.threefry4x32.filter((k) => k.rounds === 20);
  assert.ok(kats.length >= 3);
  const got = await threefryGpu(kats.map((k) => ({ key: k.key.map(u32), ctr: k.ctr.map(u32) })));
  kats.forEach((k, i) => assert.deepEqual([...got.subarray(i * 4, i * 4 + 4)], k.out.map(u32), `vector ${i}`));
});

test('WGSL stream words match the fixture (including counters past 2^32 blocks)', async () => {
  const words = fx.words;
  const got = await threefryGpu(words.map((w) => {
    const block = Math.floor(w.index / 4);
    return { key: streamKey(fromHex(w.seedHex), w.stream), ctr: [block % 2 ** 32, Math.floor(block / 2 ** 32), 0, 0] };
  }));
  words.forEach((w, i) => assert.equal(got[i * 4 + (w.index % 4)], w.value, `${w.stream}[${w.index}]`));
});

async function genMatrixGpu(key: ArrayLike<number>, count: number): Promise<number[]> {
  const { device } = gpu();
  const pipeline = await getPipeline(device, { label: 'matmul.generate', files: ['threefry', 'gen_matrix'] });
  const out = storageBuffer(device, 'test.gen.out', count * 4);
  const params = storageBuffer(device, 'test.gen.params', 32, GPUBufferUsage.UNIFORM);
  try {
    return await withErrorScopes(device, 'gen matrix', async () => {
      device.queue.writeBuffer(params, 0, new Uint32Array([...Array.from(key), count, 0, 0, 0]));
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindInOrder(device, 'test.gen-matrix', pipeline, [out, params]));
      pass.dispatchWorkgroups(Math.ceil(count / 4 / 64));
      pass.end();
      device.queue.submit([enc.finish()]);
      return [...new Float32Array((await readBuffer(device, out)).buffer)];
    });
  } finally {
    out.destroy();
    params.destroy();
  }
}

test('the WGSL matrix generator reproduces the fixture matrices A0 and B exactly', async () => {
  const { seedHex, n, A0, B } = fx.matrix;
  const seed = fromHex(seedHex);
  assert.deepEqual(await genMatrixGpu(streamKey(seed, STREAM_MATMUL_A0), n * n), A0);
  assert.deepEqual(await genMatrixGpu(streamKey(seed, STREAM_MATMUL_B), n * n), B);
});
