// Human output is summary first: verdict, class, score and claim; failures with their reasons
// before any figure; figures as % of floor; passing checks only with --verbose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selftestHuman } from '../src/cli/selftest-human.js';
import { checksTable } from '../src/cli/output.js';
import { formatPct } from '../src/cli/verdict-view.js';
import { passingChecks, selftestResult } from './helpers/selftest-results.js';

const BROKEN = { name: 'matmul.rows', pass: false, reason: 'row 7 of layer 2 does not match its commitment' };

test('accepted: the verdict line comes first, no failures block, passing checks only counted', () => {
  const text = selftestHuman(selftestResult());
  const lines = text.split('\n');
  assert.match(lines[0] ?? '', /^ACCEPTED — class \S+, score \d\.\d{3}$/);
  assert.match(lines[1] ?? '', /^claim: none/);
  assert.doesNotMatch(text, /failures/);
  assert.match(text, /34 of 34 checks passed \(--verbose lists them\)/);
  assert.doesNotMatch(text, /fixture\.pass-\d/, 'no passing check by name without --verbose');
});

test('rejected with one failure among 34 passes: the failure and its reason come before the figures', () => {
  const text = selftestHuman(selftestResult({ extra: [BROKEN] }));
  assert.match(text.split('\n')[0] ?? '', /^REJECTED /);
  const failure = text.indexOf('matmul.rows: row 7 of layer 2 does not match its commitment');
  const figures = text.indexOf('figure ');
  assert.ok(failure > 0 && figures > failure, `failure at ${failure}, figures table at ${figures}:\n${text}`);
  assert.match(text, /34 of 35 checks passed/);
  assert.doesNotMatch(text, /fixture\.pass-\d/);
});

test('a claim above the hardware: claim line, class.claim and each failed floor with its % of floor', () => {
  const text = selftestHuman(selftestResult({ claim: 'h100-sxm', gflops: 2.8 }));
  assert.match(text, /^claim h100-sxm: does not hold$/m);
  assert.match(text, /^ {2}class\.claim: claimed h100-sxm/m);
  // 2.8 of the table's f32 floor is a tiny fraction, shown as such (linear), never as a large share.
  const row = /^ {2}floor h100-sxm matmul\.f32_gflops: 2\.80 of (\d+) \(([^)]+)\)$/m.exec(text);
  assert.ok(row, text);
  assert.equal(row[2], formatPct((2.8 / Number(row[1])) * 100));
  assert.match(text, /^matmul\.f32_gflops +2\.80 +\d+ \(h100-sxm\) +0\.02 % +FAIL$/m);
});

test('--verbose lists every passing check by name, after the failures', () => {
  const text = selftestHuman(selftestResult({ extra: [BROKEN] }), true);
  for (const c of passingChecks()) assert.ok(text.includes(c.name), `${c.name} listed`);
  assert.ok(text.indexOf('matmul.rows:') < text.indexOf('fixture.pass-0'));
  assert.match(text, /n = 256, K = 4, 32 rows opened/);
  assert.match(text, /16 MiB in 2 chunks, P = 4, 64 blocks opened/);
  assert.match(text, /commit 52\.0 ms, open 8\.0 ms, verify 30\.0 ms, total 95\.0 ms/);
});

test('checksTable (verify, attest): failures first with reasons; passes counted unless verbose', () => {
  const checks = [...passingChecks().slice(0, 3), BROKEN, ...passingChecks().slice(3, 5)];
  const quiet = checksTable(checks);
  assert.equal(quiet, `failed check  reason\nmatmul.rows   ${BROKEN.reason}\n5 of 6 checks passed (--verbose lists them)`);
  const loud = checksTable(checks, true);
  assert.ok(loud.startsWith('failed check'));
  assert.equal((loud.match(/ pass$/gm) ?? []).length, 5);
  assert.equal(checksTable(passingChecks().slice(0, 2)), '2 of 2 checks passed (--verbose lists them)');
});

test('formatPct: linear percentages, small ones not rounded up to a share', () => {
  assert.equal(formatPct((2.8 / 16520) * 100), '0.02 %');
  assert.equal(formatPct(0.004), '<0.01 %');
  assert.equal(formatPct(7.25), '7.3 %');
  assert.equal(formatPct(150), '150 %');
  assert.equal(formatPct(null), '—');
});
