// shaders/alu_round.wgsl on the GPU (lavapipe here): every lane of a small run bit-exact against
// the TypeScript reference, and the fixture's lanes (including lane 2^32 − 1) against
// fixtures/alu.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useGpu } from './helpers/gpu.js';
import { aluLane } from '../src/proofs/alu-round.js';
import { ALU_KERNELS, aluParams, runAluLanes } from '../src/proofs/alu-gpu.js';
import { fromHex } from '../src/util/bytes.js';
import { GPU_LIMIT } from './helpers/limits.js';

const fx = JSON.parse(readFileSync(new URL('../fixtures/alu.json', import.meta.url), 'utf8')) as {
  seedHex: string;
  laneRounds: number;
  lanes: { lane: number; result: number[] }[];
};
const gpu = useGpu();
const seed = fromHex(fx.seedHex);

test('256 lanes × 1000 rounds on the GPU equal the TypeScript reference lane by lane', GPU_LIMIT, async () => {
  const W = 256;
  const L = 1000;
  const out = await runAluLanes(gpu().device, seed, L, W);
  assert.equal(out.length, 4 * W);
  for (let i = 0; i < W; i++) assert.deepEqual(Array.from(out.subarray(4 * i, 4 * i + 4)), Array.from(aluLane(seed, i, L)), `lane ${i}`);
});

test('the GPU reproduces the fixture lanes, with a lane base, up to lane 2^32 − 1', GPU_LIMIT, async () => {
  for (const l of fx.lanes) {
    const out = await runAluLanes(gpu().device, seed, fx.laneRounds, 1, l.lane);
    assert.deepEqual(Array.from(out), l.result, `lane ${l.lane}`);
  }
});

test('every kernel (1, 2 and 4 lanes an invocation, each workgroup size) gives the same bits, including a ragged last invocation', GPU_LIMIT, async () => {
  const W = 203; // not a multiple of 2 or 4: the last invocation of x2 and x4 has lanes past the end
  const L = 257;
  const want = new Uint32Array(4 * W);
  for (let i = 0; i < W; i++) want.set(aluLane(seed, 1024 + i, L), 4 * i);
  for (const k of ALU_KERNELS) {
    const out = await runAluLanes(gpu().device, seed, L, W, 1024, k.id);
    assert.deepEqual(out, want, k.id);
  }
  // A pair or block kernel started mid-block would read the wrong ChaCha rows: refused.
  await assert.rejects(runAluLanes(gpu().device, seed, 1, 4, 2, 'x4-wg64'), /multiple of 4/);
  await assert.rejects(runAluLanes(gpu().device, seed, 1, 4, 1, 'x2-wg64'), /multiple of 2/);
  await assert.rejects(runAluLanes(gpu().device, seed, 1, 4, 0, 'x3-wg64'), /unknown integer kernel/);
});

test('zero rounds return the lane starts; bad sizes are refused before any GPU work', GPU_LIMIT, async () => {
  const out = await runAluLanes(gpu().device, seed, 0, 8, 4);
  for (let i = 0; i < 8; i++) assert.deepEqual(Array.from(out.subarray(4 * i, 4 * i + 4)), Array.from(aluLane(seed, 4 + i, 0)));
  assert.throws(() => aluParams(seed, 1, 2, 2 ** 32 - 1), RangeError);
  assert.throws(() => aluParams(seed, -1, 1), RangeError);
  await assert.rejects(runAluLanes(gpu().device, seed, 1.5, 1), RangeError);
});
