// The class commands end to end: the table, a claim above the hardware failing the selftest gate,
// the HTML report, and calibrate's pasteable entry.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, cliError, describeResult, runCli } from './helpers/cli.js';

before(async () => {
  await buildCli();
});

const fresh = (): { dir: string; home: string } => {
  const dir = mkdtempSync(join(tmpdir(), 'gpuproof-classes-'));
  return { dir, home: join(dir, 'home') };
};
const TINY = ['--n', '64', '--iterations', '1', '--memory-mib', '1', '--passes', '2'];

test('classes --json lists every class of the table with floors and sources', async () => {
  const { dir, home } = fresh();
  const r = await runCli(['classes', '--json'], { home, cwd: dir });
  assert.equal(r.code, 0, describeResult(r));
  const classes = ((r.json?.table as { classes?: unknown[] } | undefined)?.classes ?? []) as { id: string; floors: unknown }[];
  const ids = classes.map((c) => c.id);
  for (const id of ['h200', 'h100-sxm', 'h100-pcie', 'a100-80gb', 'a100-40gb', 'l40s', 'rtx-6000-ada', 'rtx-a6000', 'rtx-4090', 'rtx-3090', 'a10', 't4', 'v100', 'apple-m-series', 'mi300x', 'software']) {
    assert.ok(ids.includes(id), `class ${id} missing`);
  }
  // The human table shows every floor, the integer one included.
  const human = await runCli(['classes'], { home, cwd: dir });
  assert.equal(human.code, 0, describeResult(human));
  const header = human.stdout.split('\n')[0] ?? '';
  for (const col of ['f32 GFLOPS', 'tensor GFLOPS', 'GB/s', 'GiB', 'int GOPS']) assert.ok(header.includes(col), `column ${col}`);
  assert.match(human.stdout, /^h100-pcie .* 7682\.4\s*$/m);
});

test('selftest on a software adapter: class software, score 0; claiming h100-sxm exits 1 naming the dimensions', async () => {
  const { dir, home } = fresh();
  const ok = await runCli(['selftest', '--json', ...TINY], { home, cwd: dir });
  assert.equal(ok.code, 0, describeResult(ok));
  assert.equal(ok.json?.class, 'software');
  assert.equal(ok.json?.score, 0);
  const claim = await runCli(['selftest', '--json', '--claim', 'h100-sxm', ...TINY], { home, cwd: dir });
  assert.equal(claim.code, 1, describeResult(claim));
  assert.equal(claim.json?.accepted, false);
  const checks = claim.json?.checks as { name: string; pass: boolean; reason: string }[];
  const c = checks.find((x) => x.name === 'class.claim');
  assert.ok(c && !c.pass && /memory\.bandwidth_gbs/.test(c.reason) && /matmul\.f32_gflops/.test(c.reason), JSON.stringify(c));
  const floors = claim.json?.floors as { class: string; dimension: string; status: string }[];
  const h100 = floors.filter((f) => f.class === 'h100-sxm');
  assert.equal(h100.length, 5);
  assert.ok(h100.some((f) => f.dimension === 'matmul.tensor_gflops' && f.status === 'not-measured'), 'no tensor path: not measured, never passed');
  // The integer floor fails once selftest runs the integer proof; until then it is not measured, which also blocks.
  assert.ok(h100.some((f) => f.dimension === 'alu.int_gops' && f.status !== 'pass'));
  assert.ok(h100.filter((f) => f.dimension !== 'matmul.tensor_gflops' && f.dimension !== 'alu.int_gops').every((f) => f.status === 'fail'));
});

test('selftest --report writes a self-contained HTML page with the chart', async () => {
  const { dir, home } = fresh();
  const report = join(dir, 'report.html');
  const r = await runCli(['selftest', '--claim', 'rtx-4090', '--report', report, ...TINY], { home, cwd: dir });
  assert.equal(r.code, 1, describeResult(r));
  const html = readFileSync(report, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<svg [^>]*role="img"/);
  assert.match(html, /floor rtx-4090/);
  assert.match(html, /memory\.bandwidth_gbs/);
  assert.doesNotMatch(html, /<script|(?:src|href)=["']?https?:/, 'no scripts, no external resources');
  const again = await runCli(['selftest', '--report', report, ...TINY], { home, cwd: dir });
  assert.equal(again.code, 2, 'an existing report is not overwritten without --force');
});

test('calibrate takes the integer proof\'s sizes: 0 lanes leaves no integer floor; a bad value is refused before any run', async () => {
  const { dir, home } = fresh();
  const r = await runCli(['calibrate', '--runs', '1', '--json', ...TINY, '--alu-lanes', '0'], { home, cwd: dir });
  assert.equal(r.code, 0, describeResult(r));
  const entry = r.json?.entry as { floors: Record<string, { value: number } | null>; median: Record<string, number> };
  assert.equal(entry.floors.int_gops, null, JSON.stringify(entry.floors));
  assert.equal(entry.median['alu.int_gops'], undefined);
  assert.ok((entry.floors.bandwidth_gbs?.value ?? 0) > 0, 'the other proofs still ran');
  for (const [opt, bad] of [['--alu-lanes', '-1'], ['--alu-rounds', '0'], ['--alu-rounds', '1.5']] as const) {
    const b = await runCli(['calibrate', '--runs', '1', '--json', ...TINY, opt, bad], { home, cwd: dir });
    assert.equal(b.code, 2, describeResult(b));
    assert.deepEqual([cliError(b).code, cliError(b).field], ['INPUT', opt.slice(2)], describeResult(b));
  }
});

test('calibrate --runs 2 prints a class-table entry with measured floors and provenance', async () => {
  const { dir, home } = fresh();
  const r = await runCli(['calibrate', '--runs', '2', '--json', ...TINY], { home, cwd: dir });
  assert.equal(r.code, 0, describeResult(r));
  const entry = r.json?.entry as { runs: number; floors: Record<string, { basis: string; value: number } | null>; adapter: string; kit_version: string; date: string };
  assert.equal(entry.runs, 2);
  assert.match(entry.date, /^\d{4}-\d{2}-\d{2}$/);
  assert.ok(entry.adapter.length > 0 && entry.kit_version.length > 0);
  const bw = entry.floors.bandwidth_gbs;
  assert.ok(bw && bw.basis === 'measured' && bw.value > 0, JSON.stringify(entry.floors));
  assert.equal(existsSync(join(dir, 'report.html')), false);
});
