// The GPU Merkle tree (shaders/merkle.wgsl) against the CPU one, level for level, at sizes that
// exercise a carried-up last node at every depth; its limits on both sides; and packed levels of
// the wrong length refused.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { useGpu } from './helpers/gpu.js';
import type { GpuContext } from '../src/gpu/context.js';
import { storageBuffer } from '../src/gpu/buffers.js';
import { withErrorScopes } from '../src/gpu/scope.js';
import { createGpuMerkle, merkleFitsGpu, merklePipelines, merkleTreeBytes } from '../src/proofs/merkle-gpu.js';
import { MerkleTree, merkleLevelSizes } from '../src/proofs/merkle.js';
import { toHex } from '../src/util/bytes.js';
import { GPU_LIMIT } from './helpers/limits.js';

const gpu = useGpu();

async function gpuTree(ctx: GpuContext, leafData: Uint8Array, size: number): Promise<MerkleTree> {
  const { device } = ctx;
  const leaves = storageBuffer(device, 'test.merkle.leaves', leafData.byteLength);
  device.queue.writeBuffer(leaves, 0, leafData);
  const m = createGpuMerkle(device, await merklePipelines(device), leaves, size, 'test');
  try {
    return await withErrorScopes(device, 'test merkle', async () => {
      const enc = device.createCommandEncoder({ label: 'test.merkle' });
      const pass = enc.beginComputePass({ label: 'test.merkle' });
      m.encode(pass);
      pass.end();
      device.queue.submit([enc.finish()]);
      return await m.read();
    });
  } finally {
    m.destroy();
    leaves.destroy();
  }
}

describe('GPU Merkle tree equals the CPU tree', GPU_LIMIT, () => {
  for (const size of [1, 2, 3, 5, 7, 8, 13, 64, 65, 1000, 2048]) {
    test(`${size} leaves: root, every leaf hash and every audit path`, async () => {
      const data = new Uint8Array(randomBytes(size * 32));
      const cpu = MerkleTree.fromPackedLeafData(data);
      const got = await gpuTree(gpu(), data, size);
      assert.equal(toHex(got.root()), toHex(cpu.root()));
      for (let i = 0; i < size; i++) {
        assert.equal(toHex(got.leafHash(i)), toHex(cpu.leafHash(i)), `leaf ${i}`);
        assert.deepEqual(got.auditPath(i).map(toHex), cpu.auditPath(i).map(toHex), `path ${i}`);
      }
    });
  }

  test('leaves past `size` in the leaf buffer are not part of the tree', async () => {
    const data = new Uint8Array(randomBytes(10 * 32));
    const got = await gpuTree(gpu(), data, 6);
    assert.equal(toHex(got.root()), toHex(MerkleTree.fromPackedLeafData(data.subarray(0, 6 * 32)).root()));
  });
});

describe('GPU Merkle limits', GPU_LIMIT, () => {
  test('level sizes halve, rounding up, down to one root', () => {
    assert.deepEqual(merkleLevelSizes(1), [1]);
    assert.deepEqual(merkleLevelSizes(5), [5, 3, 2, 1]);
    assert.deepEqual(merkleLevelSizes(8), [8, 4, 2, 1]);
    assert.throws(() => merkleLevelSizes(0), RangeError);
    assert.equal(merkleTreeBytes(5), 11 * 32);
  });

  test('a tree fits when its packed levels fit one binding, and not one byte over', () => {
    const bytes = merkleTreeBytes(1000);
    assert.equal(merkleFitsGpu(1000, { maxStorageBufferBindingSize: bytes, maxBufferSize: bytes }), true);
    assert.equal(merkleFitsGpu(1000, { maxStorageBufferBindingSize: bytes - 1, maxBufferSize: bytes }), false);
    assert.equal(merkleFitsGpu(1000, { maxStorageBufferBindingSize: bytes, maxBufferSize: bytes - 1 }), false);
    assert.equal(merkleFitsGpu(0, { maxStorageBufferBindingSize: bytes, maxBufferSize: bytes }), false);
  });

  test('a leaf buffer shorter than size leaves is refused before any GPU work', async () => {
    const { device } = gpu();
    const leaves = storageBuffer(device, 'test.merkle.short', 4 * 32);
    const pipelines = await merklePipelines(device);
    try {
      assert.throws(() => createGpuMerkle(device, pipelines, leaves, 5, 'test'), RangeError);
    } finally {
      leaves.destroy();
    }
  });

  test('packed levels of the wrong length are refused', () => {
    const size = 5;
    assert.throws(() => MerkleTree.fromLevelBytes(new Uint8Array(merkleTreeBytes(size) - 32), size), RangeError);
    assert.throws(() => MerkleTree.fromLevelBytes(new Uint8Array(merkleTreeBytes(size) + 32), size), RangeError);
    assert.equal(MerkleTree.fromLevelBytes(new Uint8Array(merkleTreeBytes(size)), size).size, size);
  });
});
