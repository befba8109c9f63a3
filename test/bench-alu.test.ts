// The native chain bench/alu.ts compares the kit with is the integer proof's round itself: its
// final states equal the verifier's recomputation bit for bit, and a one-bit change in its round
// (rotate b by 12, not 13) is caught, so the comparison could fail. Skipped without a C compiler.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aluLaneResults } from '../src/proofs/alu-lanes.js';
import { fromHex } from '../src/util/bytes.js';
import { datasheetIntPeaks } from '../bench/alu-machine.js';
import { buildChain, CHAIN_SHAPES, CHAIN_SHAPES_256, findCompiler, runChain, scratchDir, type ChainBinary } from '../bench/alu-chain.js';

const cc = findCompiler();
const skip = cc ? false : 'no C compiler (cc or $CC) on this machine';
const seed = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const scratch = scratchDir();
let chains: ChainBinary[] = [];
let mutant: ChainBinary | undefined;
const lanes = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

before(() => {
  if (!cc) return;
  // Every shape the bench may pick as the fastest, so whichever it times is the same function.
  chains = CHAIN_SHAPES.map((shape) => buildChain(cc, scratch.dir, shape));
  // The 256-bit builds the bench adds on x86 (other targets' compilers refuse the flag: none then).
  for (const shape of CHAIN_SHAPES_256) {
    try {
      chains.push(buildChain(cc, scratch.dir, shape, { extra: ['-mno-avx512f'], suffix: '_256' }));
    } catch {
      break;
    }
  }
  mutant = buildChain(cc, scratch.dir, undefined, { mutant: true });
});
after(() => scratch.remove());

test('the C chain (2 threads) gives every lane the verifier’s final state: 64 lanes × 1000 rounds, and a ragged 300', { skip }, () => {
  for (const n of [64, 300]) {
    const want = aluLaneResults(seed, lanes(n), 1000);
    for (const chain of chains) {
      const run = runChain(chain, { seed, lanes: n, rounds: 1000, threads: 2, withStates: true });
      const what = `${n} lanes, ${chain.shape.lanesPerVector}×${chain.shape.vectors} ${chain.flags.join(' ')}`;
      assert.deepEqual(run.states, want, what);
      assert.equal(run.checksum, want.reduce((s, x) => (s ^ x) >>> 0, 0), what);
      // 300 lanes are at least 3 groups of any shape: both threads run, the second on a ragged tail.
      if (n === 300) assert.equal(run.threads, 2, what);
    }
  }
});

test('a mutant C round (rotate 12 for 13) differs on every lane', { skip }, () => {
  const run = runChain(mutant as ChainBinary, { seed, lanes: 64, rounds: 1000, threads: 2, withStates: true });
  const want = aluLaneResults(seed, lanes(64), 1000);
  const states = run.states as Uint32Array;
  for (let i = 0; i < 64; i++) assert.notDeepEqual(states.subarray(4 * i, 4 * i + 4), want.subarray(4 * i, 4 * i + 4), `lane ${i}`);
});

test('the datasheet integer peak is read defensively: matched by adapter strings, a number or {value, source}, absent otherwise', () => {
  const file = join(scratch.dir, 'classes.json');
  const h200 = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H200' };
  writeFileSync(file, JSON.stringify({ classes: [
    { id: 'h200', adapter_patterns: ['\\bh200\\b'], int32_tops: { value: 33.5, source: 'datasheet' } },
    { id: 'hopper', adapter_patterns: ['hopper', '('], int32_tops: 30 },
    { id: 'old', adapter_patterns: ['h200'] },
    { id: 'a100', adapter_patterns: ['a100'], int32_tops: 19.5 },
  ] }));
  assert.deepEqual(datasheetIntPeaks(h200, file), [{ class: 'h200', int32_tops: 33.5, source: 'datasheet' }, { class: 'hopper', int32_tops: 30 }]);
  writeFileSync(file, JSON.stringify({ version: 1 }));
  assert.deepEqual(datasheetIntPeaks(h200, file), []);
  assert.deepEqual(datasheetIntPeaks(h200, join(scratch.dir, 'missing.json')), []);
  // The kit's own table, with or without int32_tops yet: an answer, never a throw.
  assert.ok(Array.isArray(datasheetIntPeaks(h200)));
});
