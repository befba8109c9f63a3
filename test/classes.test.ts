// The class table and the classifier: the table validates (and corrupted copies fail naming the
// field), every class is reachable, floors hold at the floor and fail just below, adapter strings
// only break ties, a missing tensor figure is never a pass, and claims above the proof name what failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { GpuproofError } from '../src/errors.js';
import {
  classify,
  claimHolds,
  DEFAULT_CLASS_TABLE_PATH,
  DIMENSIONS,
  FLOOR_KEYS,
  loadClassTable,
  parseClassTable,
  type AdapterStrings,
  type Dimension,
  type Figures,
  type GpuClass,
} from '../src/roles/classes.js';
import { identificationGaps, calibrationEntry } from '../src/roles/calibrate.js';

const table = loadClassTable();
const raw = (): { classes: Record<string, unknown>[] } & Record<string, unknown> => JSON.parse(readFileSync(DEFAULT_CLASS_TABLE_PATH, 'utf8'));
const cls = (id: string): GpuClass => {
  const c = table.classes.find((x) => x.id === id);
  assert.ok(c, id);
  return c;
};
const hw = (description = ''): AdapterStrings => ({ vendor: '', architecture: '', device: '', description, isSoftware: false });
const NAMES: Record<string, string> = {
  h200: 'NVIDIA H200',
  mi300x: 'AMD Instinct MI300X',
  'h100-sxm': 'NVIDIA H100 80GB HBM3',
  'h100-pcie': 'NVIDIA H100 PCIe',
  'a100-80gb': 'NVIDIA A100-SXM4-80GB',
  'a100-40gb': 'NVIDIA A100-PCIE-40GB',
  l40s: 'NVIDIA L40S',
  'rtx-6000-ada': 'NVIDIA RTX 6000 Ada Generation',
  'rtx-a6000': 'NVIDIA RTX A6000',
  'rtx-4090': 'NVIDIA GeForce RTX 4090',
  'rtx-3090': 'NVIDIA GeForce RTX 3090',
  a10: 'NVIDIA A10G',
  v100: 'Tesla V100-SXM2-32GB',
  t4: 'Tesla T4',
  'apple-m-series': 'Apple M2 Max',
};
/** Figures exactly at a class's floors (tensor omitted when asked or when the class has none). */
function atFloors(c: GpuClass, withTensor = true): Figures {
  const f: Figures = {};
  for (const d of DIMENSIONS) {
    const floor = c.floors[FLOOR_KEYS[d]];
    if (floor !== null && (withTensor || d !== 'matmul.tensor_gflops')) f[d] = floor.value;
  }
  return f;
}
const failsAt = (fn: () => unknown, field: string, says?: RegExp): void =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GpuproofError, String(e));
    assert.equal(e.code, 'INPUT');
    assert.equal(e.field, field);
    if (says) assert.match(e.message, says);
    return true;
  });

test('the table loads, validates and lists the required classes', () => {
  const ids = table.classes.map((c) => c.id);
  for (const id of [...Object.keys(NAMES), 'software', 'unlisted']) assert.ok(ids.includes(id), id);
  assert.equal(cls('software').rank, 0);
  assert.equal(cls('software').weight, 0);
  assert.equal(table.version, 1);
  assert.ok(table.provenance.ranks.length > 0 && table.provenance.note.length > 0);
  for (const c of table.classes.filter((x) => x.kind === 'gpu')) {
    for (const k of ['memory_gib', 'fp32_tflops', 'bandwidth_gbs', 'int32_tops'] as const) assert.ok(c[k]?.source, `${c.id}.${k} has a source`);
    if (c.fp16_tensor_dense_tflops === null) assert.equal(c.floors.tensor_gflops, null);
  }
});

test('corrupted copies fail naming the field', () => {
  const i = raw().classes.findIndex((c) => c.id === 'h100-sxm');
  const mutate = (fn: (t: ReturnType<typeof raw>, c: Record<string, any>) => void) => {
    const t = raw();
    fn(t, t.classes[i] as Record<string, any>);
    return t;
  };
  failsAt(() => parseClassTable(mutate((_, c) => (c.floors.f32_gflops.value = -1))), `class-table.classes.${i}.floors.f32_gflops.value`, /h100-sxm/);
  failsAt(() => parseClassTable(mutate((_, c) => (c.floors.bandwidth_gbs.value = 3000))), `class-table.classes.${i}.floors.bandwidth_gbs.value`, /efficiency/);
  failsAt(() => parseClassTable(mutate((_, c) => (c.floors.capacity_gib.basis = 'guessed'))), `class-table.classes.${i}.floors.capacity_gib.basis`);
  failsAt(() => parseClassTable(mutate((_, c) => (c.id = 'h200'))), `class-table.classes.${i}.id`, /duplicate/);
  failsAt(() => parseClassTable(mutate((_, c) => (c.weight = 99))), `class-table.classes.${i}.weight`, /below that of higher-ranked h200/);
  const ada = raw().classes.findIndex((c) => c.id === 'rtx-6000-ada');
  const tier = raw();
  (tier.classes[ada] as Record<string, any>).weight = 0.81;
  failsAt(() => parseClassTable(tier), `class-table.classes.${ada}.weight`, /same rank/);
  failsAt(() => parseClassTable(mutate((_, c) => (c.adapter_patterns = ['(unclosed']))), `class-table.classes.${i}.adapter_patterns.0`, /regular expression/);
  failsAt(() => parseClassTable(mutate((_, c) => (c.extra = 1))), `class-table.classes.${i}.extra`, /unknown field/);
  failsAt(() => parseClassTable(mutate((t) => delete t.provenance)), 'class-table.provenance');
  failsAt(() => parseClassTable(mutate((_, c) => (c.fp32_tflops = null))), `class-table.classes.${i}.fp32_tflops`);
  failsAt(() => parseClassTable(mutate((_, c) => (c.int32_tops = null))), `class-table.classes.${i}.int32_tops`, /required/);
  failsAt(() => parseClassTable(mutate((_, c) => (c.floors.int_gops = null))), `class-table.classes.${i}.floors.int_gops`, /required/);
  failsAt(() => parseClassTable(mutate((t) => (t.classes = t.classes.filter((c) => c.id !== 'software')))), 'class-table.classes', /software/);
  // The file path: unreadable, not JSON, and a bad file on disk.
  const dir = mkdtempSync(join(tmpdir(), 'gpuproof-classes-'));
  try {
    failsAt(() => loadClassTable(join(dir, 'missing.json')), 'class-table');
    writeFileSync(join(dir, 'bad.json'), '{"version": 1,');
    failsAt(() => loadClassTable(join(dir, 'bad.json')), 'class-table', /not JSON/);
    writeFileSync(join(dir, 'corrupt.json'), JSON.stringify(mutate((_, c) => (c.rank = 'high'))));
    failsAt(() => loadClassTable(join(dir, 'corrupt.json')), `class-table.classes.${i}.rank`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every class is reached at exactly its floors, and not just below any of them', () => {
  for (const id of Object.keys(NAMES)) {
    const c = cls(id);
    for (const withTensor of [true, false]) {
      const r = classify(atFloors(c, withTensor), hw(NAMES[id]), table);
      assert.equal(r.class, id, `${id} at its floors (tensor ${withTensor})`);
      assert.equal(r.adapterAgreement.agrees, true);
    }
    for (const d of DIMENSIONS) {
      const floor = c.floors[FLOOR_KEYS[d]];
      if (floor === null) continue;
      const below = { ...atFloors(c), [d]: floor.value * (1 - 1e-9) };
      const r = classify(below, hw(NAMES[id]), table);
      assert.notEqual(r.class, id, `${id} just below ${d}`);
      assert.ok(r.rank <= c.rank);
      assert.ok(r.floors.some((f) => f.class === id && f.dimension === d && f.status === 'fail' && f.blocking));
      const above = classify({ ...atFloors(c), [d]: floor.value * (1 + 1e-9) }, hw(NAMES[id]), table);
      assert.equal(above.class, id, `${id} just above ${d}`);
    }
  }
});

test('a weaker card claiming a stronger class is a mismatch naming the failed dimensions', () => {
  // An A100 80GB that used tensor cores for the "f32" figure: capacity and f32 reach H100 SXM;
  // bandwidth does not, nor does its integer figure (9,000 GOPS, 92 % of its int32 peak).
  const a100: Figures = { 'matmul.f32_gflops': 60_000, 'memory.bandwidth_gbs': 1_750, 'memory.capacity_gib': 76, 'alu.int_gops': 9_000 };
  const r = classify(a100, hw(NAMES['a100-80gb']), table, 'h100-sxm');
  assert.equal(r.class, 'h100-pcie'); // the documented gap: only the f32 floor separates these two
  assert.deepEqual(r.claim, { id: 'h100-sxm', status: 'mismatch', failed: ['memory.bandwidth_gbs', 'alu.int_gops'] });
  assert.equal(claimHolds(r), false);
  const t4 = classify({ 'matmul.f32_gflops': 10_000, 'memory.bandwidth_gbs': 250, 'memory.capacity_gib': 14, 'alu.int_gops': 3_000 }, hw(NAMES.t4), table, 'rtx-3090');
  assert.equal(t4.class, 't4');
  assert.deepEqual(t4.claim?.failed, ['memory.bandwidth_gbs', 'memory.capacity_gib', 'alu.int_gops']);
  // At or below the proof: ok. A class never heard of: unknown-class. 'any': ok.
  assert.equal(classify(a100, hw(), table, 'a100-40gb').claim?.status, 'ok');
  assert.equal(classify(a100, hw(), table, 'h100-pcie').claim?.status, 'ok');
  assert.equal(classify(a100, hw(), table, 'b200').claim?.status, 'unknown-class');
  assert.equal(classify(a100, hw(), table, 'any').claim?.status, 'ok');
  assert.equal(claimHolds(classify(a100, hw(), table)), true);
  // A lower claim whose own floors fail (V100 needs 25.6 GiB; a 24 GiB card does not have it).
  const r4090 = classify({ 'matmul.f32_gflops': 30_000, 'memory.bandwidth_gbs': 850, 'memory.capacity_gib': 22, 'alu.int_gops': 15_000 }, hw(), table, 'v100');
  assert.deepEqual(r4090.claim, { id: 'v100', status: 'mismatch', failed: ['memory.capacity_gib'] });
});

test('a faster path on compute alone does not buy a class: 4090-like figures above H100 compute floors', () => {
  const h100 = cls('h100-sxm');
  const f: Figures = {
    'matmul.f32_gflops': (h100.floors.f32_gflops?.value ?? 0) * 3,
    'matmul.tensor_gflops': (h100.floors.tensor_gflops?.value ?? 0) * 1.2,
    'memory.bandwidth_gbs': 900,
    'memory.capacity_gib': 22,
    'alu.int_gops': 15_000,
  };
  for (const strings of [NAMES['rtx-4090'], NAMES['h100-sxm'], 'Mystery GPU']) {
    const r = classify(f, hw(strings), table, 'h100-sxm');
    assert.equal(r.class, 'rtx-4090', strings);
    const h = r.floors.filter((x) => x.class === 'h100-sxm');
    assert.deepEqual(h.map((x) => x.status), ['pass', 'pass', 'fail', 'fail', 'pass']);
    assert.deepEqual(r.claim?.failed, ['memory.bandwidth_gbs', 'memory.capacity_gib']);
  }
  const forged = classify(f, hw(NAMES['h100-sxm']), table);
  assert.equal(forged.adapterAgreement.agrees, false);
  assert.match(forged.adapterAgreement.note, /h100-sxm, whose floors fail: memory.bandwidth_gbs, memory.capacity_gib/);
});

test('unknown adapter strings: classified on figures alone, agreement says so', () => {
  const r = classify(atFloors(cls('h100-sxm')), hw('Mystery Accelerator 9000'), table);
  assert.equal(r.class, 'h100-sxm');
  assert.deepEqual(r.adapterAgreement.named, []);
  assert.equal(r.adapterAgreement.agrees, false);
  assert.match(r.adapterAgreement.note, /no class in the table/);
  // Strings naming a lower class than the figures reach: flagged as exceeding its floors.
  const up = classify(atFloors(cls('h100-pcie')), hw(NAMES['a100-80gb']), table);
  assert.equal(up.class, 'h100-pcie');
  assert.match(up.adapterAgreement.note, /a100-80gb, ranked below/);
  // A real but weak adapter with unknown strings: unlisted, weight 0, consistent.
  const weak = classify({ 'matmul.f32_gflops': 500, 'memory.bandwidth_gbs': 100, 'memory.capacity_gib': 4, 'alu.int_gops': 1_000 }, hw('GeForce GTX 960'), table);
  assert.equal(weak.class, 'unlisted');
  assert.equal(weak.adapterAgreement.agrees, true);
  // Huge strings are tolerated up to the schema cap and rejected beyond it, naming the field.
  failsAt(() => classify({}, { ...hw(), description: 'x'.repeat(5000) }, table), 'adapter.description');
});

test('software adapters are the software class whatever their figures', () => {
  const sw: AdapterStrings = { vendor: 'mesa', architecture: '', device: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)', isSoftware: true };
  const r = classify(atFloors(cls('mi300x')), sw, table, 'h100-sxm');
  assert.equal(r.class, 'software');
  assert.equal(r.rank, 0);
  assert.deepEqual(r.reached, ['software']);
  assert.equal(r.claim?.status, 'mismatch');
  assert.equal(classify({}, sw, table, 'software').claim?.status, 'ok');
  assert.equal(classify({}, sw, table).adapterAgreement.agrees, true);
  // Software strings the caller did not flag are not believed either way: the figures decide.
  const unflagged = classify({}, { ...sw, isSoftware: false }, table);
  assert.equal(unflagged.class, 'unlisted');
  assert.equal(unflagged.adapterAgreement.agrees, false);
});

test('no tensor figure: the tensor floor is not-measured, never passed, and does not block', () => {
  const r = classify(atFloors(cls('h100-sxm'), false), hw(), table);
  assert.equal(r.class, 'h100-sxm');
  const t = r.floors.find((f) => f.class === 'h100-sxm' && f.dimension === 'matmul.tensor_gflops');
  assert.deepEqual(t && { status: t.status, measured: t.measured, blocking: t.blocking }, { status: 'not-measured', measured: null, blocking: false });
  // A measured tensor figure below the floor does block.
  const low = classify({ ...atFloors(cls('h100-sxm')), 'matmul.tensor_gflops': 1 }, hw(), table);
  assert.notEqual(low.class, 'h100-sxm');
  // A required figure missing blocks every class: no memory proof, no class.
  const noMem = classify({ 'matmul.f32_gflops': 1e6, 'matmul.tensor_gflops': 1e7 }, hw(NAMES.h200), table);
  assert.equal(noMem.class, 'unlisted');
  assert.ok(noMem.floors.filter((f) => f.dimension === 'memory.capacity_gib').every((f) => f.status === 'not-measured' && f.blocking));
  const dim = fc.constantFrom(...DIMENSIONS);
  fc.assert(
    fc.property(fc.dictionary(dim, fc.double({ min: 0, max: 1e7, noNaN: true }), { maxKeys: 4 }), (raw) => {
      const figures: Figures = { ...raw };
      delete figures['matmul.tensor_gflops'];
      const res = classify(figures, hw(), table);
      return res.floors.filter((f) => f.dimension === 'matmul.tensor_gflops').every((f) => f.status === 'not-measured');
    }),
  );
});

test('ties within a rank are broken by adapter strings only, and forged strings buy nothing', () => {
  const mi = atFloors(cls('mi300x'));
  const amd = classify(mi, hw(NAMES.mi300x), table);
  assert.equal(amd.class, 'mi300x');
  assert.equal(amd.tiesBrokenBy, 'adapter-strings');
  assert.deepEqual(amd.tiedWith, ['h200']);
  const forged = classify(mi, hw(NAMES.h200), table);
  assert.equal(forged.class, 'h200');
  assert.equal(forged.weight, amd.weight);
  const none = classify(mi, hw('Mystery'), table);
  assert.equal(none.tiesBrokenBy, undefined);
  assert.deepEqual([none.class, ...(none.tiedWith ?? [])].sort(), ['h200', 'mi300x']);
  // A real H200 does not reach the MI300X floors, so its strings cannot make it one.
  assert.equal(classify(atFloors(cls('h200')), hw(NAMES.mi300x), table).class, 'h200');
});

test('classification never falls as a figure rises', () => {
  const dim = fc.constantFrom<Dimension>(...DIMENSIONS);
  const value = fc.double({ min: 0, max: 2e5, noNaN: true });
  fc.assert(
    fc.property(fc.dictionary(dim, value), dim, fc.double({ min: 0, max: 1e5, noNaN: true }), (raw, d, delta) => {
      const before = classify(raw, hw(), table);
      const after = classify({ ...raw, [d]: (raw[d] ?? 0) + delta }, hw(), table);
      return raw[d] === undefined || after.rank >= before.rank;
    }),
    { numRuns: 300 },
  );
});

test('figures are validated, naming the field', () => {
  failsAt(() => classify({ 'memory.bandwidth_gbs': -1 }, hw(), table), 'figures.memory.bandwidth_gbs');
  failsAt(() => classify({ 'matmul.f32_gflops': Number.NaN }, hw(), table), 'figures.matmul.f32_gflops');
  failsAt(() => classify({}, hw(), table, ''), 'claim');
});

test('identification gaps: compute floors alone separate these pairs (docs/scoring.md)', () => {
  const gaps = identificationGaps(table).map((g) => `${g.lower}->${g.higher}`);
  // The integer floor closes rtx-a6000->l40s/rtx-6000-ada, rtx-3090->rtx-4090 and v100->rtx-4090
  // (test/int-class.test.ts lists them with their numbers); these four remain.
  assert.deepEqual(gaps.sort(), ['a100-80gb->h100-pcie', 'apple-m-series->a10', 'v100->a10', 'v100->rtx-3090']);
  for (const g of identificationGaps(table)) assert.deepEqual(g.separatedOnlyBy, g.higher === 'apple-m-series' ? ['matmul.f32_gflops'] : ['matmul.f32_gflops', 'matmul.tensor_gflops']);
  for (const sep of ['h100-pcie->h100-sxm', 'rtx-4090->h100-sxm', 'h100-sxm->h200', 'a10->rtx-3090', 't4->apple-m-series']) assert.ok(!gaps.includes(sep), sep);
});

test('calibration entries paste into the table as measured floors', () => {
  const runs: Figures[] = [20_000, 21_000, 19_500, 22_000, 20_500].map((g, k) => ({
    'matmul.f32_gflops': g,
    'memory.bandwidth_gbs': 2_700 + 10 * k,
    'memory.capacity_gib': 75.25,
  }));
  const e = calibrationEntry(runs, 'NVIDIA H100 80GB HBM3', '0.1.0', '2026-11-22');
  assert.equal(e.median['matmul.f32_gflops'], 20_500);
  assert.equal(e.p5['matmul.f32_gflops'], 19_500);
  assert.equal(e.floors.f32_gflops?.value, 17_500); // 19,500 × 0.9 = 17,550, rounded down to 3 digits
  assert.equal(e.floors.capacity_gib?.value, 67.7); // 67.725 down
  assert.equal(e.floors.tensor_gflops, null);
  assert.deepEqual(e.warnings, []);
  const t = raw();
  const h = t.classes.find((c) => c.id === 'h100-sxm') as Record<string, any>;
  h.floors.f32_gflops = e.floors.f32_gflops;
  h.floors.capacity_gib = e.floors.capacity_gib;
  assert.equal(parseClassTable(t).classes.find((c) => c.id === 'h100-sxm')?.floors.f32_gflops?.basis, 'measured');
  failsAt(() => calibrationEntry([], 'x', '0.1.0', '2026-11-22'), 'runs');
  failsAt(() => calibrationEntry(runs, 'x', '0.1.0', '22/11/2026'), 'date');
  assert.equal(calibrationEntry(runs.slice(0, 2), 'x', '0.1.0', '2026-11-22').warnings.length, 1);
});
