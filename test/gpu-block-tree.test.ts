// The memory proof's block trees (v2 leaves, 8 segments of 2 KiB): the GPU's roots and whole trees against the CPU's,
// hash for hash, for blocks of random words, including a count that folds the dispatch.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { useGpu } from './helpers/gpu.js';
import { blockTree, blockTreeParams, blockTreePipelines, encodeBlockRoots, readBlockTrees, BLOCK_SEGMENTS, SEGMENT_BYTES } from '../src/proofs/memory-block-tree.js';
import { readBuffer, storageBuffer } from '../src/gpu/buffers.js';
import { sha256, toHex } from '../src/util/bytes.js';
import { MerkleTree } from '../src/proofs/merkle.js';

const gpu = useGpu();
const BLOCK_WORDS = 4096;

function upload(words: Uint32Array): GPUBuffer {
  const { device } = gpu();
  const buf = storageBuffer(device, 'test.blocks', words.byteLength);
  device.queue.writeBuffer(buf, 0, words);
  return buf;
}

describe('memory block trees on the GPU equal the CPU reference', () => {
  test('the CPU tree is RFC 6962 over the 8 segment digests', () => {
    const words = new Uint32Array(new Uint8Array(randomBytes(BLOCK_WORDS * 4)).buffer);
    const bytes = new Uint8Array(words.buffer);
    const digests = Array.from({ length: BLOCK_SEGMENTS }, (_, r) => sha256(bytes.subarray(r * SEGMENT_BYTES, (r + 1) * SEGMENT_BYTES)));
    assert.equal(toHex(blockTree(words).root()), toHex(MerkleTree.fromLeafData(digests).root()));
    assert.throws(() => blockTree(words.subarray(1)), RangeError);
  });

  for (const count of [1, 5, 67]) {
    test(`${count} blocks: every root, and every level of every tree`, async () => {
      const { device } = gpu();
      const words = new Uint32Array(new Uint8Array(randomBytes(count * BLOCK_WORDS * 4)).buffer);
      const data = upload(words);
      const roots = storageBuffer(device, 'test.roots', count * 32);
      const params = blockTreeParams(device, count);
      const [rootsP, levelsP] = await blockTreePipelines(device);
      try {
        const enc = device.createCommandEncoder();
        const pass = enc.beginComputePass();
        encodeBlockRoots(device, pass, rootsP, data, roots, params, count);
        pass.end();
        device.queue.submit([enc.finish()]);
        const got = await readBuffer(device, roots);
        const trees = await readBlockTrees(device, levelsP, data, count);
        for (let b = 0; b < count; b++) {
          const want = blockTree(words.subarray(b * BLOCK_WORDS, (b + 1) * BLOCK_WORDS));
          assert.equal(toHex(got.subarray(b * 32, (b + 1) * 32)), toHex(want.root()), `root of block ${b}`);
          const tree = trees[b]!;
          assert.equal(toHex(tree.root()), toHex(want.root()));
          for (let r = 0; r < BLOCK_SEGMENTS; r++) assert.deepEqual(tree.auditPath(r).map(toHex), want.auditPath(r).map(toHex), `block ${b} segment ${r}`);
        }
      } finally {
        data.destroy();
        roots.destroy();
        params.destroy();
      }
    });
  }
});
