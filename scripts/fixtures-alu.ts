// Writes fixtures/alu.json, the known answers of the integer-throughput round
// (docs/alu-proof.md §6). Run: node --import tsx scripts/fixtures-alu.ts. Cross-checked by
// scripts/alu_check.py, an independent Python transcription of docs/alu-proof.md.
import { writeFileSync } from 'node:fs';
import { aluLane, aluLaneStart, aluRound, aluRoundConstant, aluRounds, aluStateBytes, STREAM_ALU_LANE, STREAM_ALU_ROUND } from '../src/proofs/alu-round.js';
import { streamKey } from '../src/proofs/generator.js';
import { toHex } from '../src/util/bytes.js';
import { MerkleTree } from '../src/proofs/merkle.js';

const words = (x: Uint32Array): number[] => Array.from(x);
const states = [[0, 0, 0, 0], [1, 2, 3, 4], [0xffffffff, 0x80000000, 0x7fffffff, 0x12345678], [0xdeadbeef, 0x01234567, 0x89abcdef, 0xfedcba98]];
const rounds = [
  ...states.map((x) => ({ state: x, s: 0, t: 0 })),
  { state: states[1]!, s: 0x9e3779b9, t: 7 },
  { state: states[2]!, s: 0xffffffff, t: 1 }, // k = s + t wraps to 0
  { state: states[3]!, s: 0x12345678, t: 0xffffffff },
].map((r) => ({ ...r, out: words(aluRound(Uint32Array.from(r.state), r.s, r.t)) }));
const chains = [1, 2, 16, 1000].map((L) => ({ state: states[3]!, s: 0x9e3779b9, rounds: L, out: words(aluRounds(Uint32Array.from(states[3]!), 0x9e3779b9, L)) }));

const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
const laneIndices = [0, 1, 2, 3, 4, 5, 255, 256, 1023, 2 ** 31, 2 ** 32 - 1];
const laneRounds = 1000;
const fx = {
  spec: 'docs/alu-proof.md',
  rounds,
  chains,
  seedHex: toHex(seed),
  streamKeys: { [STREAM_ALU_LANE]: toHex(streamKey(seed, STREAM_ALU_LANE)), [STREAM_ALU_ROUND]: toHex(streamKey(seed, STREAM_ALU_ROUND)) },
  roundConstant: aluRoundConstant(seed),
  laneRounds,
  lanes: laneIndices.map((lane) => ({ lane, start: words(aluLaneStart(seed, lane)), result: words(aluLane(seed, lane, laneRounds)), resultHex: toHex(aluStateBytes(aluLane(seed, lane, laneRounds))) })),
  commitment: commitmentVector(),
};

// The commitment of a whole small proof (§5): W = 7 lanes of 1000 rounds (7 leaves: a tree with a
// lone node carried up), its root and the audit paths of lanes 0, 4 and 6.
function commitmentVector() {
  const W = 7;
  const leaves = Array.from({ length: W }, (_, i) => aluStateBytes(aluLane(seed, i, laneRounds)));
  const tree = MerkleTree.fromLeafData(leaves);
  return { lanes: W, rounds: laneRounds, rootHex: toHex(tree.root()), paths: [0, 4, 6].map((lane) => ({ lane, path: tree.auditPath(lane).map(toHex) })) };
}
writeFileSync(new URL('../fixtures/alu.json', import.meta.url), `${JSON.stringify(fx, null, 2)}\n`);
console.log(`fixtures/alu.json: ${rounds.length} rounds, ${chains.length} chains, ${fx.lanes.length} lanes`);
