// The memory proof's block roots (v2 leaves: RFC 6962 over 8 segments of 2 KiB): the GPU kernel
// against the CPU reference, root for root, including a count that is not a multiple of the
// workgroup and a block past the count that must be left alone.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { useGpu } from './helpers/gpu.js';
import { blockRootsPipeline, blockTree, blockTreeParams, encodeBlockRoots, encodeSegmentDigests, segmentDigestsPipeline, BLOCK_SEGMENTS, SEGMENT_BYTES } from '../src/proofs/memory-block-tree.js';
import { capturedBlocks } from '../src/proofs/memory-kept.js';
import { readBuffer, storageBuffer } from '../src/gpu/buffers.js';
import { sha256, toHex } from '../src/util/bytes.js';
import { MerkleTree } from '../src/proofs/merkle.js';
import { GPU_LIMIT } from './helpers/limits.js';

const gpu = useGpu();
const BLOCK_WORDS = 4096;

type Encode = typeof encodeBlockRoots;

/** `count` random blocks (and one more past the count) uploaded for a test; freed after `use`. */
async function withBlocks<T>(count: number, use: (words: Uint32Array, data: GPUBuffer) => Promise<T>): Promise<T> {
  const { device } = gpu();
  const words = new Uint32Array(new Uint8Array(randomBytes((count + 1) * BLOCK_WORDS * 4)).buffer);
  const data = storageBuffer(device, 'test.blocks', words.byteLength);
  device.queue.writeBuffer(data, 0, words);
  try {
    return await use(words, data);
  } finally {
    data.destroy();
  }
}

/** Runs one block-tree kernel over the first `count` blocks of `data` and reads its output back. */
async function runKernel(encode: Encode, pipeline: GPUComputePipeline, data: GPUBuffer, outBytes: number, count: number): Promise<Uint8Array> {
  const { device } = gpu();
  const out = storageBuffer(device, 'test.out', outBytes);
  const params = blockTreeParams(device, count);
  try {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    encode(device, pass, pipeline, data, out, params, count);
    pass.end();
    device.queue.submit([enc.finish()]);
    return await readBuffer(device, out);
  } finally {
    out.destroy();
    params.destroy();
  }
}

describe('memory block roots on the GPU equal the CPU reference', GPU_LIMIT, () => {
  test('the CPU tree is RFC 6962 over the 8 segment digests', () => {
    const words = new Uint32Array(new Uint8Array(randomBytes(BLOCK_WORDS * 4)).buffer);
    const bytes = new Uint8Array(words.buffer);
    const digests = Array.from({ length: BLOCK_SEGMENTS }, (_, s) => sha256(bytes.subarray(s * SEGMENT_BYTES, (s + 1) * SEGMENT_BYTES)));
    assert.equal(toHex(blockTree(words).root()), toHex(MerkleTree.fromLeafData(digests).root()));
    assert.equal(blockTree(words).auditPath(5).length, 3);
    assert.throws(() => blockTree(words.subarray(1)), RangeError);
  });

  for (const count of [1, 5, 67]) {
    test(`${count} blocks: every root, and nothing written past the count`, () =>
      withBlocks(count, async (words, data) => {
        const got = await runKernel(encodeBlockRoots, await blockRootsPipeline(gpu().device), data, (count + 1) * 32, count);
        for (let b = 0; b < count; b++) {
          assert.equal(toHex(got.subarray(b * 32, (b + 1) * 32)), toHex(blockTree(words.subarray(b * BLOCK_WORDS, (b + 1) * BLOCK_WORDS)).root()), `root of block ${b}`);
        }
        assert.ok(got.subarray(count * 32).every((x) => x === 0), 'the block past the count is not hashed');
      }));
  }

  test('segment digests of captured blocks, and the trees built from them, equal the CPU reference', () =>
    withBlocks(9, async (words, data) => {
      const count = 9;
      const got = await runKernel(encodeSegmentDigests, await segmentDigestsPipeline(gpu().device), data, count * BLOCK_SEGMENTS * 32, count);
      const bytes = new Uint8Array(words.buffer);
      for (let s = 0; s < count * BLOCK_SEGMENTS; s++) {
        assert.equal(toHex(got.subarray(s * 32, (s + 1) * 32)), toHex(sha256(bytes.subarray(s * SEGMENT_BYTES, (s + 1) * SEGMENT_BYTES))), `segment ${s}`);
      }
      const indices = [40, 2, 7, 0, 9, 1, 3, 5, 6];
      const captured = await capturedBlocks(gpu().device, data, indices);
      indices.forEach((b, slot) => {
        const block = captured.get(b);
        const want = blockTree(words.subarray(slot * BLOCK_WORDS, (slot + 1) * BLOCK_WORDS));
        assert.deepEqual(block?.words, words.slice(slot * BLOCK_WORDS, (slot + 1) * BLOCK_WORDS));
        assert.equal(toHex(block?.tree.root() ?? new Uint8Array()), toHex(want.root()), `tree of captured block ${b}`);
        assert.deepEqual(block?.tree.auditPath(3).map(toHex), want.auditPath(3).map(toHex));
      });
    }));
});
