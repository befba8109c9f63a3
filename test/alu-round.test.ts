// The integer-throughput round (docs/alu-proof.md) on the CPU: the known answers, that each round
// is a permutation, that neither one round nor L rounds are affine over GF(2)^128 or over
// (Z/2^32)^4, avalanche, and no short cycles from sampled starts (Brent, 2^16 steps).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { aluLane, aluLaneStart, aluRound, aluRoundConstant, aluRounds, aluStateBytes, ALU_OPS_PER_ROUND, ALU_OPS_TOTAL, STREAM_ALU_LANE, STREAM_ALU_ROUND } from '../src/proofs/alu-round.js';
import { streamKey } from '../src/proofs/generator.js';
import { fromHex, toHex } from '../src/util/bytes.js';

const fx = JSON.parse(readFileSync(new URL('../fixtures/alu.json', import.meta.url), 'utf8')) as {
  rounds: { state: number[]; s: number; t: number; out: number[] }[];
  chains: { state: number[]; s: number; rounds: number; out: number[] }[];
  seedHex: string;
  streamKeys: Record<string, string>;
  roundConstant: number;
  laneRounds: number;
  lanes: { lane: number; start: number[]; result: number[]; resultHex: string }[];
};
const seed = fromHex(fx.seedHex);

// A deterministic xorshift source so failures reproduce.
let rng = 0x2545f491;
const u32 = (): number => {
  rng ^= rng << 13;
  rng ^= rng >>> 17;
  rng ^= rng << 5;
  return rng >>> 0;
};
const rand = (): Uint32Array => Uint32Array.of(u32(), u32(), u32(), u32());
const xor = (x: Uint32Array, y: Uint32Array): Uint32Array => x.map((v, i) => v ^ (y[i] as number));
const add = (x: Uint32Array, y: Uint32Array): Uint32Array => x.map((v, i) => v + (y[i] as number));
const sub = (x: Uint32Array, y: Uint32Array): Uint32Array => x.map((v, i) => v - (y[i] as number));
const popcount = (x: Uint32Array): number => x.reduce((n, v) => n + v.toString(2).replaceAll('0', '').length, 0);

// The exact inverse of round t, written from the spec: each step undone given the words it read.
function inverse(y: Uint32Array, s: number, t: number): Uint32Array {
  const [a, b, c, d] = y as unknown as [number, number, number, number];
  const rotr = (x: number, r: number): number => ((x >>> r) | (x << (32 - r))) >>> 0;
  const inv = (m: number): number => {
    let z = m; // Newton: each step doubles the correct low bits of m^-1 mod 2^32
    for (let i = 0; i < 5; i++) z = Math.imul(z, 2 - Math.imul(m, z));
    return z >>> 0;
  };
  const d0 = (rotr((d ^ a) >>> 0, 7) - c) >>> 0;
  const c0 = (Math.imul(c, inv((2 * b + 1) >>> 0)) ^ d0) >>> 0;
  const b0 = (rotr(b, 13) ^ a) >>> 0;
  const a0 = (Math.imul(a, inv((2 * d0 + 1) >>> 0)) - s - t) >>> 0;
  return Uint32Array.of(a0, b0, c0, d0);
}

test('single rounds and chains match fixtures/alu.json', () => {
  for (const r of fx.rounds) assert.deepEqual(Array.from(aluRound(Uint32Array.from(r.state), r.s, r.t)), r.out, `round ${JSON.stringify(r)}`);
  for (const c of fx.chains) assert.deepEqual(Array.from(aluRounds(Uint32Array.from(c.state), c.s, c.rounds)), c.out, `chain of ${c.rounds}`);
});

test('lane starts, round constant and L-round results match fixtures/alu.json', () => {
  assert.equal(toHex(streamKey(seed, STREAM_ALU_LANE)), fx.streamKeys[STREAM_ALU_LANE]);
  assert.equal(toHex(streamKey(seed, STREAM_ALU_ROUND)), fx.streamKeys[STREAM_ALU_ROUND]);
  assert.equal(aluRoundConstant(seed), fx.roundConstant);
  for (const l of fx.lanes) {
    assert.deepEqual(Array.from(aluLaneStart(seed, l.lane)), l.start, `lane ${l.lane} start`);
    const res = aluLane(seed, l.lane, fx.laneRounds);
    assert.deepEqual(Array.from(res), l.result, `lane ${l.lane} result`);
    assert.equal(toHex(aluStateBytes(res)), l.resultHex);
  }
});

test('the op counts add up and bad inputs are refused', () => {
  assert.equal(Object.values(ALU_OPS_PER_ROUND).reduce((a, b) => a + b, 0), ALU_OPS_TOTAL);
  assert.throws(() => aluRound(new Uint32Array(3), 0, 0), RangeError);
  assert.throws(() => aluRounds(new Uint32Array(4), 2 ** 32, 1), RangeError);
  assert.throws(() => aluLaneStart(seed, 2 ** 32), RangeError);
  assert.throws(() => aluRounds(new Uint32Array(4), 0, 2, 2 ** 32 - 1), RangeError);
});

test('every round is a permutation: the spec inverse undoes it exactly', () => {
  for (let i = 0; i < 2000; i++) {
    const x = rand();
    const s = u32();
    const t = u32();
    assert.deepEqual(inverse(aluRound(x, s, t), s, t), x);
  }
});

// f is affine over GF(2)^128 iff f(a)^f(b)^f(c) = f(a^b^c) for all a, b, c (f(0) cancels out);
// over (Z/2^32)^4 iff f(a) − f(b) + f(c) = f(a − b + c). A single violation disproves each.
function affineViolations(f: (x: Uint32Array) => Uint32Array, samples: number): { gf2: number; zmod: number } {
  let gf2 = 0;
  let zmod = 0;
  for (let i = 0; i < samples; i++) {
    const [a, b, c] = [rand(), rand(), rand()];
    if (popcount(xor(xor(f(a), f(b)), xor(f(c), f(xor(xor(a, b), c))))) !== 0) gf2++;
    if (popcount(xor(add(sub(f(a), f(b)), f(c)), f(add(sub(a, b), c)))) !== 0) zmod++;
  }
  return { gf2, zmod };
}

test('one round and L-round chains are affine over neither GF(2)^128 nor (Z/2^32)^4', () => {
  const s = u32();
  for (const L of [1, 2, 64]) {
    const v = affineViolations((x) => aluRounds(x, s, L), 200);
    // Random maps break both identities on every sample; a near-affine round would pass most.
    assert.ok(v.gf2 >= 195, `L = ${L}: GF(2) identity broke on only ${v.gf2}/200`);
    assert.ok(v.zmod >= 195, `L = ${L}: Z/2^32 identity broke on only ${v.zmod}/200`);
  }
});

test('avalanche: one flipped input bit changes about half of 128 output bits after 3 rounds', () => {
  const s = u32();
  let total = 0;
  const n = 1280;
  for (let i = 0; i < n; i++) {
    const x = rand();
    const y = Uint32Array.from(x);
    const w = (i % 128) >> 5;
    y[w] = (y[w] as number) ^ (1 << (i % 32));
    const flipped = popcount(xor(aluRounds(x, s, 3), aluRounds(y, s, 3)));
    assert.ok(flipped >= 20, `bit ${i % 128} flipped only ${flipped} bits`);
    total += flipped;
  }
  const mean = total / n;
  assert.ok(mean > 60 && mean < 68, `mean ${mean} bits flipped`);
});

test('no short cycles from sampled lane starts (Brent, 2^16 rounds of the chain)', () => {
  const s = aluRoundConstant(seed);
  const LIMIT = 2 ** 16;
  const key = (x: Uint32Array): string => x.join(',');
  for (let lane = 0; lane < 8; lane++) {
    // The chain's round function depends on t, so a cycle means a repeated (state, t mod period)
    // pair; a repeated state alone is what a short cycle would show, and Brent finds it.
    let power = 1;
    let lam = 1;
    let saved = key(aluLaneStart(seed, lane));
    let x = aluLaneStart(seed, lane);
    for (let t = 0; t < LIMIT; t++) {
      x = aluRound(x, s, t);
      const k = key(x);
      assert.notEqual(k, saved, `lane ${lane} repeats a state after ${lam} rounds at t = ${t}`);
      if (power === lam) {
        saved = k;
        power *= 2;
        lam = 0;
      }
      lam++;
    }
  }
});
