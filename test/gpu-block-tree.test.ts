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

const gpu = useGpu();
const BLOCK_WORDS = 4096;

describe('memory block roots on the GPU equal the CPU reference', () => {
  test('the CPU tree is RFC 6962 over the 8 segment digests', () => {
    const words = new Uint32Array(new Uint8Array(randomBytes(BLOCK_WORDS * 4)).buffer);
    const bytes = new Uint8Array(words.buffer);
    const digests = Array.from({ length: BLOCK_SEGMENTS }, (_, s) => sha256(bytes.subarray(s * SEGMENT_BYTES, (s + 1) * SEGMENT_BYTES)));
    assert.equal(toHex(blockTree(words).root()), toHex(MerkleTree.fromLeafData(digests).root()));
    assert.equal(blockTree(words).auditPath(5).length, 3);
    assert.throws(() => blockTree(words.subarray(1)), RangeError);
  });

  for (const count of [1, 5, 67]) {
    test(`${count} blocks: every root, and nothing written past the count`, async () => {
      const { device } = gpu();
      const words = new Uint32Array(new Uint8Array(randomBytes((count + 1) * BLOCK_WORDS * 4)).buffer);
      const data = storageBuffer(device, 'test.blocks', words.byteLength);
      device.queue.writeBuffer(data, 0, words);
      const roots = storageBuffer(device, 'test.roots', (count + 1) * 32);
      const params = blockTreeParams(device, count);
      try {
        const enc = device.createCommandEncoder();
        const pass = enc.beginComputePass();
        encodeBlockRoots(device, pass, await blockRootsPipeline(device), data, roots, params, count);
        pass.end();
        device.queue.submit([enc.finish()]);
        const got = await readBuffer(device, roots);
        for (let b = 0; b < count; b++) {
          assert.equal(toHex(got.subarray(b * 32, (b + 1) * 32)), toHex(blockTree(words.subarray(b * BLOCK_WORDS, (b + 1) * BLOCK_WORDS)).root()), `root of block ${b}`);
        }
        assert.ok(got.subarray(count * 32).every((x) => x === 0), 'the block past the count is not hashed');
      } finally {
        data.destroy();
        roots.destroy();
        params.destroy();
      }
    });
  }

  test('segment digests of captured blocks, and the trees built from them, equal the CPU reference', async () => {
    const { device } = gpu();
    const count = 9;
    const words = new Uint32Array(new Uint8Array(randomBytes(count * BLOCK_WORDS * 4)).buffer);
    const data = storageBuffer(device, 'test.blocks', words.byteLength);
    device.queue.writeBuffer(data, 0, words);
    const digests = storageBuffer(device, 'test.segments', count * BLOCK_SEGMENTS * 32);
    const params = blockTreeParams(device, count);
    try {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      encodeSegmentDigests(device, pass, await segmentDigestsPipeline(device), data, digests, params, count);
      pass.end();
      device.queue.submit([enc.finish()]);
      const got = await readBuffer(device, digests);
      const bytes = new Uint8Array(words.buffer);
      for (let s = 0; s < count * BLOCK_SEGMENTS; s++) {
        assert.equal(toHex(got.subarray(s * 32, (s + 1) * 32)), toHex(sha256(bytes.subarray(s * SEGMENT_BYTES, (s + 1) * SEGMENT_BYTES))), `segment ${s}`);
      }
      const indices = [40, 2, 7, 0, 9, 1, 3, 5, 6];
      const captured = await capturedBlocks(device, data, indices);
      indices.forEach((b, slot) => {
        const block = captured.get(b);
        const want = blockTree(words.subarray(slot * BLOCK_WORDS, (slot + 1) * BLOCK_WORDS));
        assert.deepEqual(block?.words, words.slice(slot * BLOCK_WORDS, (slot + 1) * BLOCK_WORDS));
        assert.equal(toHex(block?.tree.root() ?? new Uint8Array()), toHex(want.root()), `tree of captured block ${b}`);
        assert.deepEqual(block?.tree.auditPath(3).map(toHex), want.auditPath(3).map(toHex));
      });
    } finally {
      data.destroy();
      digests.destroy();
      params.destroy();
    }
  });
});
