// The integer proof's GPU commitment (src/proofs/alu-proof.ts): the root built on the GPU in
// chunks equals the RFC 6962 root over every lane result computed on the CPU, for a single chunk,
// several full chunks and a ragged last chunk, and every opened lane's path verifies in the whole
// tree at its own index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useGpu } from './helpers/gpu.js';
import { runAluProof } from '../src/proofs/alu-proof.js';
import { aluLaneResults } from '../src/proofs/alu-lanes.js';
import { aluChunkLanes } from '../src/proofs/alu-size.js';
import { MerkleTree, verifyAuditPath } from '../src/proofs/merkle.js';
import { siblingNodes } from '../src/proofs/alu-kept.js';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../src/util/bytes.js';
import { GPU_LIMIT } from './helpers/limits.js';

const fx = JSON.parse(readFileSync(new URL('../fixtures/alu.json', import.meta.url), 'utf8')) as {
  seedHex: string;
  commitment: { lanes: number; rounds: number; rootHex: string; paths: { lane: number; path: string[] }[] };
};

const gpu = useGpu();
const seed = new Uint8Array(32).map((_, i) => i * 7 + 1);

function cpuTree(lanes: number, rounds: number): { tree: MerkleTree; results: Uint32Array } {
  const results = aluLaneResults(seed, Array.from({ length: lanes }, (_, i) => i), rounds);
  return { tree: MerkleTree.fromPackedLeafData(new Uint8Array(results.buffer), 16), results };
}

for (const [lanes, chunkLanes, kernel] of [
  [1000, 256, 'x4-wg64'],
  [1024, 256, 'x2-wg128'],
  [257, 256, 'x1-wg64'],
  [100, undefined, 'x2-wg64'],
  [1, 4, 'x4-wg256'],
] as const) {
  test(`${lanes} lanes in chunks of ${chunkLanes ?? 'the adapter span'} (${kernel}): the GPU root is the RFC 6962 root over the lane results, and opened paths verify`, async () => {
    const rounds = 37;
    const { tree, results } = cpuTree(lanes, rounds);
    const run = await runAluProof(gpu(), seed, { lanes, rounds }, { kernel, keep: true, ...(chunkLanes ? { chunkLanes } : {}) });
    try {
      assert.deepEqual(run.root, tree.root());
      assert.equal(run.kernel, kernel);
      assert.ok((run.phases['alu.lanes'] ?? -1) >= 0 && (run.phases['alu.tree'] ?? -1) >= 0);
      const picks = [...new Set([0, lanes - 1, Math.floor(lanes / 2), Math.min(lanes - 1, 255), Math.min(lanes - 1, 256)])];
      const opened = await run.kept!.open(picks, run.top);
      for (const lane of picks) {
        const o = opened.get(lane)!;
        assert.deepEqual(o.state, new Uint8Array(results.buffer, lane * 16, 16), `lane ${lane} state`);
        assert.deepEqual(o.path, tree.auditPath(lane), `lane ${lane} path`);
        assert.ok(verifyAuditPath(o.state, lane, lanes, o.path, run.root));
        // The same bytes at any other index, or with one sibling changed, do not verify.
        if (lanes > 1) assert.equal(verifyAuditPath(o.state, (lane + 1) % lanes, lanes, o.path, run.root), false);
      }
      await assert.rejects(run.kept!.open([lanes], run.top), /outside the proof/);
    } finally {
      run.kept?.destroy();
    }
  });
}

test('the fixture commitment (7 lanes of 1000 rounds): the GPU root and paths equal the known answers, in chunks of 4 and in one', GPU_LIMIT, async () => {
  const cv = fx.commitment;
  for (const chunkLanes of [4, undefined]) {
    const run = await runAluProof(gpu(), fromHex(fx.seedHex), { lanes: cv.lanes, rounds: cv.rounds }, { keep: true, ...(chunkLanes ? { chunkLanes } : {}) });
    try {
      assert.equal(toHex(run.root), cv.rootHex);
      const opened = await run.kept!.open(cv.paths.map((p) => p.lane), run.top);
      for (const p of cv.paths) assert.deepEqual(opened.get(p.lane)!.path.map(toHex), p.path, `lane ${p.lane}`);
    } finally {
      run.kept?.destroy();
    }
  }
});

test('sibling positions follow the level-by-level tree: a lone last node has no sibling at its level', GPU_LIMIT, () => {
  assert.deepEqual(siblingNodes(1, 0), []);
  assert.deepEqual(siblingNodes(3, 2).map((s) => s.offset / 32), [3]); // level 0: none (lone), level 1: node 0 at index 3
  assert.deepEqual(siblingNodes(4, 1).map((s) => s.offset / 32), [0, 5]);
});

test('the chunk span is the largest power of two ≤ 2^20 whose tree fits one binding', GPU_LIMIT, () => {
  assert.equal(aluChunkLanes({ maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 40 }), 2 ** 20);
  // A tree of 2^20 leaves is (2^21 − 1) × 32 bytes: one byte less than that and the span halves.
  assert.equal(aluChunkLanes({ maxStorageBufferBindingSize: 64 * 2 ** 20 - 32, maxBufferSize: 2 ** 40 }), 2 ** 20);
  assert.equal(aluChunkLanes({ maxStorageBufferBindingSize: 64 * 2 ** 20 - 33, maxBufferSize: 2 ** 40 }), 2 ** 19);
  assert.equal(aluChunkLanes({ maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 32 * 2 ** 20 - 32 }), 2 ** 19);
  assert.equal(aluChunkLanes({ maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 32 * 2 ** 20 - 33 }), 2 ** 18);
});
