// Rewrites the block digests and Merkle roots of fixtures/memory.json's layers for protocol v2's
// leaves (each block's RFC 6962 root over its 64 row digests), leaving every other vector as it
// is. Run: node --import tsx scripts/fixtures-memory-blocks.ts. Cross-checked by an independent
// Python transcription of docs/memory-proof.md §1.6.
import { readFileSync, writeFileSync } from 'node:fs';
import { blockDigestsRef, computeLayersRef } from '../src/proofs/memory-spec.js';
import { MerkleTree } from '../src/proofs/merkle.js';
import { fromHex, toHex } from '../src/util/bytes.js';

const path = new URL('../fixtures/memory.json', import.meta.url);
const fx = JSON.parse(readFileSync(path, 'utf8')) as { seedHex: string; layers: { chunks: number; rows: number; passes: number; blockDigests: string[]; merkleRoot: string }[] };
for (const l of fx.layers) {
  const d = blockDigestsRef(computeLayersRef(fromHex(fx.seedHex), { chunks: l.chunks, rows: l.rows, passes: l.passes }));
  l.blockDigests = Array.from({ length: d.length / 32 }, (_, i) => toHex(d.subarray(i * 32, (i + 1) * 32)));
  l.merkleRoot = toHex(MerkleTree.fromPackedLeafData(d).root());
}
writeFileSync(path, `${JSON.stringify(fx, null, 2)}\n`);
console.log(`fixtures/memory.json: ${fx.layers.length} layers' block roots rewritten`);
