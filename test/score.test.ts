// The score: never falls as any measured figure rises (fast-check over random figures, across class
// boundaries and ties), does not depend on adapter strings, stays between a tier's weight and the
// next tier's, and is zero on failed checks, a claim mismatch, software and unlisted adapters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GpuproofError } from '../src/errors.js';
import { classify, claimHolds, DIMENSIONS, FLOOR_KEYS, loadClassTable, TOP_TIER_HEADROOM, type AdapterStrings, type Dimension, type Figures } from '../src/roles/classes.js';
import { score, SCORE_CAP } from '../src/roles/score.js';
import { mutationRuns } from './helpers/mutation.js';

const table = loadClassTable();
const hw = (description: string): AdapterStrings => ({ vendor: '', architecture: '', device: '', description, isSoftware: false });
const STRINGS = ['', 'AMD Instinct MI300X', 'NVIDIA H200', 'NVIDIA L40S', 'NVIDIA RTX 6000 Ada Generation', 'NVIDIA A10', 'NVIDIA GeForce RTX 3090', 'Apple M2 Max', 'Tesla T4'];
const run = (f: Figures, strings = '', claim?: string) => {
  const r = classify(f, hw(strings), table, claim);
  return { r, s: score(r, f, true, claimHolds(r)) };
};

// Figures spread over the whole table: each dimension up to about twice the largest floor.
const maxFloor = (d: Dimension) => Math.max(...table.classes.map((c) => c.floors[FLOOR_KEYS[d]]?.value ?? 0));
const dim = fc.constantFrom<Dimension>(...DIMENSIONS);
const figuresArb = fc.record(
  Object.fromEntries(DIMENSIONS.map((d) => [d, fc.option(fc.double({ min: 0, max: 2.2 * maxFloor(d), noNaN: true }), { nil: undefined })])) as Record<
    Dimension,
    fc.Arbitrary<number | undefined>
  >,
  { requiredKeys: [] },
);
/** Biased to land near floors, where classes change. */
const nearFloors = fc
  .tuple(fc.constantFrom(...table.classes.filter((c) => c.kind === 'gpu')), fc.array(fc.double({ min: 0.9, max: 1.3, noNaN: true }), { minLength: DIMENSIONS.length, maxLength: DIMENSIONS.length }), fc.boolean())
  .map(([c, k, tensor]) => {
    const f: Figures = {};
    DIMENSIONS.forEach((d, i) => {
      const floor = c.floors[FLOOR_KEYS[d]]?.value ?? maxFloor(d) / 3;
      if (tensor || d !== 'matmul.tensor_gflops') f[d] = floor * (k[i] as number);
    });
    return f;
  });

test('score never falls as any measured figure rises', () => {
  fc.assert(
    fc.property(fc.oneof(figuresArb, nearFloors), dim, fc.double({ min: 0, max: 1e5, noNaN: true }), fc.constantFrom(...STRINGS), (f, d, delta, strings) => {
      const cur = f[d];
      if (cur === undefined || cur === null) return true;
      const before = run(f, strings).s.value;
      const after = run({ ...f, [d]: cur + delta }, strings).s.value;
      return after >= before;
    }),
    { numRuns: mutationRuns(2000, 300) },
  );
  // Small steps across one floor, both ways of reaching it.
  fc.assert(
    fc.property(nearFloors, dim, fc.double({ min: 1, max: 1.05, noNaN: true }), (f, d, k) => {
      const cur = f[d];
      if (cur === undefined || cur === null) return true;
      return run({ ...f, [d]: cur * k }).s.value >= run(f).s.value;
    }),
    { numRuns: mutationRuns(2000, 300) },
  );
});

test('score does not depend on adapter strings, and stays within its tier', () => {
  fc.assert(
    fc.property(fc.oneof(figuresArb, nearFloors), fc.constantFrom(...STRINGS), (f, strings) => {
      const a = run(f, strings);
      const b = run(f, '');
      assert.equal(a.r.rank, b.r.rank);
      assert.equal(a.s.value, b.s.value);
      if (a.r.weight > 0) {
        assert.ok(a.s.value >= a.r.weight && a.s.value <= a.r.nextWeight, `${a.s.value} in [${a.r.weight}, ${a.r.nextWeight}]`);
        assert.ok(a.s.headroom >= 1 && a.s.headroom <= SCORE_CAP);
      }
    }),
    { numRuns: mutationRuns(1000, 200) },
  );
});

test('zero on failed checks, claim mismatch, software and unlisted', () => {
  const h100: Figures = { 'matmul.f32_gflops': 20_000, 'memory.bandwidth_gbs': 2_600, 'memory.capacity_gib': 75, 'alu.int_gops': 14_000 };
  const r = classify(h100, hw('NVIDIA H100 80GB HBM3'), table);
  assert.ok(score(r, h100, true, true).value > 0);
  assert.deepEqual([score(r, h100, false, true).value, score(r, h100, false, true).zeroBecause], [0, 'checks-failed']);
  assert.deepEqual([score(r, h100, true, false).value, score(r, h100, true, false).zeroBecause], [0, 'claim-mismatch']);
  const claimed = classify(h100, hw(''), table, 'h200');
  assert.equal(claimed.claim?.status, 'mismatch');
  assert.equal(score(claimed, h100, true, claimHolds(claimed)).value, 0);
  const sw = classify(h100, { ...hw('llvmpipe'), isSoftware: true }, table);
  assert.deepEqual([sw.class, score(sw, h100, true, true).value, score(sw, h100, true, true).zeroBecause], ['software', 0, 'weightless-class']);
  const weak: Figures = { 'matmul.f32_gflops': 100, 'memory.bandwidth_gbs': 50, 'memory.capacity_gib': 2, 'alu.int_gops': 200 };
  const un = classify(weak, hw(''), table);
  assert.deepEqual([un.class, score(un, weak, true, true).value], ['unlisted', 0]);
});

test('the worked example in docs/scoring.md', () => {
  // An H100 SXM: f32 20,100 GFLOPS (×1.5 its floor), bandwidth 2,814 GB/s (×1.4), capacity 76.8 GiB
  // (×1.2), integer 13,047.06 GOPS (×1.3), no tensor figure.
  const f: Figures = { 'matmul.f32_gflops': 20_100, 'memory.bandwidth_gbs': 2_814, 'memory.capacity_gib': 76.8, 'alu.int_gops': 13_047.06 };
  const { r, s } = run(f, 'NVIDIA H100 80GB HBM3');
  assert.equal(r.class, 'h100-sxm');
  assert.deepEqual([r.weight, r.nextWeight], [2.5, 3]);
  // Five floors; the tensor floor, not measured, counts as 1.
  const headroom = Math.pow(1.5 * 1.4 * 1.2 * 1 * 1.3, 1 / 5);
  assert.ok(Math.abs(s.headroom - headroom) < 1e-12, `${s.headroom} vs ${headroom}`);
  assert.ok(Math.abs(s.value - (2.5 + 0.5 * (headroom - 1))) < 1e-12);
  assert.equal(s.value.toFixed(3), '2.634');
  // The top tier interpolates towards weight × TOP_TIER_HEADROOM.
  const huge: Figures = { 'matmul.f32_gflops': 1e6, 'matmul.tensor_gflops': 1e7, 'memory.bandwidth_gbs': 1e5, 'memory.capacity_gib': 1e4, 'alu.int_gops': 1e6 };
  const top = classify(huge, hw('NVIDIA H200'), table);
  assert.equal(top.nextWeight, top.weight * TOP_TIER_HEADROOM);
  assert.equal(score(top, huge, true, true).value, top.nextWeight);
});

test('withholding the tensor figure never pays, and figures must match the classification', () => {
  const base: Figures = { 'matmul.f32_gflops': 20_100, 'memory.bandwidth_gbs': 2_814, 'memory.capacity_gib': 76.8, 'alu.int_gops': 13_047.06 };
  const without = run(base).s.value;
  const atFloor = run({ ...base, 'matmul.tensor_gflops': 98_950 }).s.value;
  const above = run({ ...base, 'matmul.tensor_gflops': 150_000 }).s.value;
  assert.equal(atFloor, without);
  assert.ok(above > without);
  const r = classify(base, hw(''), table);
  assert.throws(
    () => score(r, { ...base, 'memory.bandwidth_gbs': 9_999 }, true, true),
    (e: unknown) => e instanceof GpuproofError && e.field === 'figures.memory.bandwidth_gbs',
  );
});
