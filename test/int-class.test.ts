// The integer-throughput dimension of the class table: its datasheet figures are the product of
// their three sourced factors, its estimated floors are datasheet × efficiency, it is required for
// every gpu class, it holds on both sides of each floor, it closes the identification gaps it is
// meant to close (and only those), and the integer proof is sized from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GpuproofError } from '../src/errors.js';
import { classify, DEFAULT_CLASS_TABLE_PATH, DIMENSIONS, FLOOR_KEYS, int32Product, loadClassTable, parseClassTable, type Figures, type GpuClass } from '../src/roles/classes.js';
import { DEFAULT_ACHIEVABLE, identificationGaps, memoryGaps } from '../src/roles/calibrate.js';
import { figuresOf } from '../src/roles/judge.js';
import type { Verification } from '../src/roles/verifier.js';
import { ALU_LANE_STEP, ALU_MAX_LANES, ALU_PRODUCTION_ROUNDS, aluLanesFor, sizeForClass, SOFTWARE_SIZES } from '../src/roles/sizing.js';

const table = loadClassTable();
const gpus = table.classes.filter((c) => c.kind === 'gpu');
const raw = (): { classes: Record<string, any>[] } & Record<string, unknown> => JSON.parse(readFileSync(DEFAULT_CLASS_TABLE_PATH, 'utf8'));
const cls = (id: string): GpuClass => {
  const c = table.classes.find((x) => x.id === id);
  assert.ok(c, id);
  return c;
};
const hw = (description = '') => ({ vendor: '', architecture: '', device: '', description, isSoftware: false });
const atFloors = (c: GpuClass): Figures => {
  const f: Figures = {};
  for (const d of DIMENSIONS) {
    const floor = c.floors[FLOOR_KEYS[d]];
    if (floor !== null) f[d] = floor.value;
  }
  return f;
};
const intFloor = (id: string): number => cls(id).floors.int_gops?.value ?? Number.NaN;
const intPeakGops = (id: string): number => (cls(id).int32_tops?.value ?? Number.NaN) * 1000;
const failsAt = (fn: () => unknown, field: string, says?: RegExp): void =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GpuproofError, String(e));
    assert.equal(e.field, field);
    if (says) assert.match(e.message, says);
    return true;
  });

test('int32_tops is units × lanes × boost clock (within 0.5 %), sourced, for every gpu class; none elsewhere', () => {
  for (const c of table.classes) {
    const s = c.int32_tops;
    if (c.kind !== 'gpu') {
      assert.equal(s, null, c.id);
      assert.equal(c.floors.int_gops, null, c.id);
      continue;
    }
    assert.ok(s, c.id);
    const product = (s.units * s.lanes_per_unit_per_clock * s.boost_mhz * 1e6) / 1e12;
    assert.ok(Math.abs(s.value - product) <= 0.005 * product, `${c.id}: ${s.value} vs ${product}`);
    assert.ok(Math.abs(int32Product(s) - product) < 1e-9);
    for (const word of ['units', 'lanes', 'clock']) assert.match(s.source, new RegExp(word), `${c.id} names the source of its ${word}`);
    assert.match(s.source, /\(.*\d{4}.*\)/, `${c.id} names documents with their year`);
  }
  assert.equal(table.provenance.efficiencies.int_gops, 0.6);
});

test('the table refuses an int figure that is not its own product, and an int floor that is not datasheet × efficiency', () => {
  const i = raw().classes.findIndex((c) => c.id === 'rtx-4090');
  const mutate = (fn: (c: Record<string, any>) => void) => {
    const t = raw();
    fn(t.classes[i] as Record<string, any>);
    return t;
  };
  failsAt(() => parseClassTable(mutate((c) => (c.floors.int_gops.value = 15_000))), `class-table.classes.${i}.floors.int_gops.value`, /efficiency.*rtx-4090/);
  failsAt(() => parseClassTable(mutate((c) => (c.int32_tops.value = 25))), `class-table.classes.${i}.int32_tops.value`, /units 128 × lanes 64 × 2520 MHz/);
  failsAt(() => parseClassTable(mutate((c) => (c.int32_tops.lanes_per_unit_per_clock = 64.5))), `class-table.classes.${i}.int32_tops.lanes_per_unit_per_clock`);
  failsAt(() => parseClassTable(mutate((c) => delete c.int32_tops.source)), `class-table.classes.${i}.int32_tops.source`);
  // Within 0.5 % of datasheet × efficiency is accepted (floors are written to one decimal).
  const ok = mutate((c) => (c.floors.int_gops.value = Math.round(c.floors.int_gops.value * 1.004)));
  assert.ok(parseClassTable(ok));
  // The software and unlisted classes have none.
  const sw = raw().classes.findIndex((c) => c.id === 'software');
  const t = raw();
  (t.classes[sw] as Record<string, any>).floors.int_gops = { value: 1, basis: 'estimated', efficiency: 0.6, from: 'x' };
  failsAt(() => parseClassTable(t), `class-table.classes.${sw}.floors.int_gops`, /no floors/);
});

test('every class is reached at exactly its int floor and not one GOPS below it', () => {
  for (const c of gpus) {
    const at = atFloors(c);
    assert.equal(classify(at, hw(), table).rank, c.rank, `${c.id} at its floors`);
    const r = classify(at, hw(), table);
    assert.ok([r.class, ...(r.tiedWith ?? [])].includes(c.id), `${c.id} at its floors`);
    const below = classify({ ...at, 'alu.int_gops': intFloor(c.id) - 1 }, hw(), table);
    assert.notEqual(below.class, c.id, `${c.id} one GOPS below its int floor`);
    assert.ok(!below.reached.includes(c.id));
    assert.ok(below.floors.some((f) => f.class === c.id && f.dimension === 'alu.int_gops' && f.status === 'fail' && f.blocking));
  }
});

test('a missing integer figure blocks every gpu class: the run is unlisted', () => {
  for (const c of gpus) {
    const f = atFloors(c);
    delete f['alu.int_gops'];
    const r = classify(f, hw(), table);
    assert.equal(r.class, 'unlisted', c.id);
    assert.deepEqual(r.reached, []);
    assert.ok(r.floors.filter((x) => x.dimension === 'alu.int_gops').every((x) => x.status === 'not-measured' && x.blocking));
    // null is "not measured" too.
    assert.equal(classify({ ...f, 'alu.int_gops': null }, hw(), table).class, 'unlisted');
  }
});

test('a lower card with a higher class\'s memory and matmul figures but its own int32 peak keeps its own class', () => {
  // Memory at what the lower card can show (90 % of its bandwidth, 95 % of its memory), matmul at
  // the higher class's floors (tensor cores), integer at the lower card's whole datasheet peak.
  const held: [string, string][] = [
    ['rtx-3090', 'rtx-4090'],
    ['rtx-a6000', 'l40s'],
    ['rtx-a6000', 'rtx-6000-ada'],
    ['v100', 'rtx-4090'],
  ];
  for (const [lo, hi] of held) {
    const h = cls(hi);
    const l = cls(lo);
    const f: Figures = {
      'matmul.f32_gflops': h.floors.f32_gflops?.value,
      'matmul.tensor_gflops': h.floors.tensor_gflops?.value,
      'memory.bandwidth_gbs': (l.bandwidth_gbs?.value ?? 0) * 0.9,
      'memory.capacity_gib': (l.memory_gib?.value ?? 0) * 0.95,
      'alu.int_gops': intPeakGops(lo),
    };
    const r = classify(f, hw(), table, hi);
    assert.ok(!r.reached.includes(hi), `${lo} must not reach ${hi}`);
    assert.ok(r.rank < h.rank, `${lo} with ${hi}'s memory and matmul figures: ${r.class}`);
    assert.deepEqual(r.claim?.failed, ['alu.int_gops'], `only the int floor holds ${lo} off ${hi}`);
  }
  // The gap the int floor does not close: an A100 80GB at its whole int32 peak meets H100 PCIe's
  // int floor as well, so with tensor cores on the f32 path it is classed h100-pcie (docs/scoring.md).
  const a = cls('a100-80gb');
  const p = cls('h100-pcie');
  const a100: Figures = {
    'matmul.f32_gflops': p.floors.f32_gflops?.value,
    'matmul.tensor_gflops': p.floors.tensor_gflops?.value,
    'memory.bandwidth_gbs': (a.bandwidth_gbs?.value ?? 0) * 0.9,
    'memory.capacity_gib': (a.memory_gib?.value ?? 0) * 0.95,
    'alu.int_gops': intPeakGops('a100-80gb'),
  };
  assert.equal(classify(a100, hw(), table).class, 'h100-pcie');
  // At an honest A100's own f32 figure it stays an A100.
  assert.equal(classify({ ...a100, 'matmul.f32_gflops': 8_000, 'matmul.tensor_gflops': 250_000 }, hw(), table).class, 'a100-80gb');
});

test('identification gaps recomputed with the int floor, with the memory-only list kept beside them', () => {
  const memory = memoryGaps(table);
  assert.deepEqual(
    memory.map((g) => `${g.lower}->${g.higher}:${g.closedByInt ? 'closed' : 'open'}`).sort(),
    [
      'a100-80gb->h100-pcie:open',
      'apple-m-series->a10:open',
      'rtx-3090->rtx-4090:closed',
      'rtx-a6000->l40s:closed',
      'rtx-a6000->rtx-6000-ada:closed',
      'v100->a10:open',
      'v100->rtx-3090:open',
      'v100->rtx-4090:closed',
    ],
  );
  const numbers = Object.fromEntries(memory.map((g) => [`${g.lower}->${g.higher}`, [g.lowerIntGops, g.higherIntFloorGops]]));
  assert.deepEqual(numbers['a100-80gb->h100-pcie'], [9746, 7682.4]);
  assert.deepEqual(numbers['rtx-3090->rtx-4090'], [8895, 12386.4]);
  assert.deepEqual(numbers['rtx-a6000->l40s'], [9677, 13741.2]);
  assert.deepEqual(numbers['v100->a10'], [7834, 4686.6]);
  assert.deepEqual(
    identificationGaps(table).map((g) => `${g.lower}->${g.higher}`).sort(),
    memory.filter((g) => !g.closedByInt).map((g) => `${g.lower}->${g.higher}`).sort(),
  );
  // The closed gaps stay closed even if a native kernel fused the round's 14 ops into 11
  // instructions (IADD3, LOP3, LEA, IMAD), reaching 14/11 of the lane rate in counted ops.
  const fused = identificationGaps(table, { ...DEFAULT_ACHIEVABLE, int: 14 / 11 }).map((g) => `${g.lower}->${g.higher}`).sort();
  assert.deepEqual(fused, ['a100-80gb->h100-pcie', 'apple-m-series->a10', 'v100->a10', 'v100->rtx-3090']);
});

test('no class is shadowed and tied tiers still tie with the int floor', () => {
  for (const a of gpus)
    for (const b of gpus) {
      if (b.rank <= a.rank) continue;
      const dominates = (['f32_gflops', 'bandwidth_gbs', 'capacity_gib', 'int_gops'] as const).every((k) => (a.floors[k]?.value ?? 0) >= (b.floors[k]?.value ?? 0));
      assert.ok(!dominates, `${a.id} would always land in higher-ranked ${b.id}`);
    }
  assert.ok(intFloor('mi300x') >= intFloor('h200'), 'an MI300X meets every H200 floor');
  assert.ok(intPeakGops('rtx-3090') >= intFloor('a10'), 'a 3090 meets the A10 int floor');
});

test('figuresOf reads the integer figure from measured.alu when the verification has one', () => {
  const v = (alu?: unknown) =>
    ({ accepted: true, checks: [], measured: { matmul: { path: 'f32', gflopsObserved: 100 }, ...(alu === undefined ? {} : { alu }) } }) as unknown as Verification;
  assert.equal(figuresOf(v({ intGopsObserved: 12_345 }))['alu.int_gops'], 12_345);
  assert.equal('alu.int_gops' in figuresOf(v()), false);
  assert.equal('alu.int_gops' in figuresOf(v({})), false);
});

test('the integer proof is sized per claimed class: lanes a multiple of 256, about the target seconds at the floor', () => {
  for (const c of gpus) {
    for (const target of [1, 3, 5]) {
      const s = sizeForClass(table, c.id, target);
      assert.equal(s.alu.rounds, ALU_PRODUCTION_ROUNDS);
      assert.equal(ALU_PRODUCTION_ROUNDS, 65_536);
      assert.equal(s.alu.lanes % ALU_LANE_STEP, 0, c.id);
      assert.ok(s.alu.lanes >= 256 && s.alu.lanes <= ALU_MAX_LANES, c.id);
      const seconds = (s.alu.lanes * s.alu.rounds * 14) / (intFloor(c.id) * 1e9);
      assert.ok(Math.abs(s.expected.aluS - seconds) < 1e-9);
      // Rounding up to whole 256-lane steps adds at most one step's time.
      const step = (ALU_LANE_STEP * ALU_PRODUCTION_ROUNDS * 14) / (intFloor(c.id) * 1e9);
      if (s.alu.lanes === ALU_MAX_LANES) assert.ok(seconds <= target, `${c.id}: capped at 2^26 lanes`);
      else assert.ok(seconds >= target && seconds < target + step, `${c.id}: ${seconds} s for ${target} s`);
    }
  }
  // The default 3 s fits every class under the cap (the fastest floor, MI300X's, needs 56 M lanes).
  for (const c of gpus) assert.ok(sizeForClass(table, c.id).alu.lanes < ALU_MAX_LANES, c.id);
  assert.equal(sizeForClass(table, 'h200').alu.lanes, 32_815_872); // 3 s × 10,036.2 GOPS / (65,536 × 14), up to a multiple of 256
  // Clamped both ways.
  assert.equal(aluLanesFor(0.01, 1), 256);
  assert.equal(aluLanesFor(1e9, 10), ALU_MAX_LANES);
  // Software, unlisted and unknown claims get the lavapipe sizes.
  assert.deepEqual(SOFTWARE_SIZES.alu, { lanes: 4096, rounds: 1024 });
  for (const claim of ['software', 'unlisted', 'b200', 'any']) assert.deepEqual(sizeForClass(table, claim), SOFTWARE_SIZES);
});
