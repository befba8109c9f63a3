// score() on hand-built classification results: where the headroom is taken from (only classes
// reached at the run's rank, the best of them, the run's own class on a tie), what a class with
// no floors or an unmeasured figure contributes, which ratios are reported, and the value
// between the tier's weight and the next one's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClassResult, Dimension, FloorCheck, Figures } from '../src/roles/classes.js';
import { score } from '../src/roles/score.js';

const F32: Dimension = 'matmul.f32_gflops';
const BW: Dimension = 'memory.bandwidth_gbs';

const floor = (cls: string, dimension: Dimension, value: number, measured: number | null): FloorCheck => ({
  class: cls,
  dimension,
  floor: value,
  measured,
  status: measured === null ? 'not-measured' : measured >= value ? 'pass' : 'fail',
  blocking: measured !== null && measured < value,
});

function result(o: Partial<ClassResult>): ClassResult {
  return { class: 'a', name: 'A', rank: 3, weight: 10, nextWeight: 20, floors: [], reached: ['a'], adapterAgreement: { agrees: true, note: '', named: [] }, ...o };
}
const figuresOf = (r: ClassResult): Figures => Object.fromEntries(r.floors.map((f) => [f.dimension, f.measured]));
const scored = (r: ClassResult) => score(r, figuresOf(r), true, true);

test('a class with no floors has headroom 1 and earns its weight, with no ratios', () => {
  const s = scored(result({}));
  assert.deepEqual({ value: s.value, headroom: s.headroom, headroomClass: s.headroomClass, ratios: s.ratios }, { value: 10, headroom: 1, headroomClass: 'a', ratios: {} });
});

test('figures exactly at the floors: headroom 1, and the ratios reported are 1', () => {
  const s = scored(result({ floors: [floor('a', F32, 100, 100), floor('a', BW, 50, 50)] }));
  assert.deepEqual({ value: s.value, headroom: s.headroom, ratios: s.ratios }, { value: 10, headroom: 1, ratios: { [F32]: 1, [BW]: 1 } });
});

test('the value: weight plus the way to the next weight, by headroom over the cap', () => {
  const s = scored(result({ floors: [floor('a', F32, 100, 150), floor('a', BW, 50, 75)] }));
  assert.equal(s.headroom, 1.5);
  assert.equal(s.value, 15);
  assert.deepEqual(s.ratios, { [F32]: 1.5, [BW]: 1.5 });
});

test('an unmeasured figure counts as at its floor and is not reported as a ratio', () => {
  const s = scored(result({ floors: [floor('a', F32, 100, 225), floor('a', BW, 50, null)] }));
  assert.deepEqual(s.ratios, { [F32]: 2 });
  assert.ok(Math.abs(s.headroom - Math.SQRT2) < 1e-12, String(s.headroom));
});

test('the headroom is the best over the classes reached at the rank, never a tied class that was not reached', () => {
  // Both reached: b's floors are lower, so b has the larger headroom and gives it.
  const both = scored(result({ tiedWith: ['b'], reached: ['a', 'b'], floors: [floor('a', F32, 100, 120), floor('b', F32, 80, 120)] }));
  assert.deepEqual([both.headroom, both.headroomClass], [1.5, 'b']);
  // Tied but not reached (its bandwidth floor fails, just): its ratios do not count, though their
  // mean (√(2 × 120/130) ≈ 1.36) is above a's 1.2.
  const notReached = scored(result({ tiedWith: ['b'], reached: ['a'], floors: [floor('a', F32, 100, 120), floor('b', F32, 60, 120), floor('b', BW, 130, 120)] }));
  assert.deepEqual([notReached.headroom, notReached.headroomClass], [1.2, 'a']);
  // Equal headrooms: the run's own class.
  const tie = scored(result({ tiedWith: ['b'], reached: ['a', 'b'], floors: [floor('a', F32, 100, 120), floor('b', F32, 100, 120)] }));
  assert.deepEqual([tie.headroom, tie.headroomClass], [1.2, 'a']);
});
