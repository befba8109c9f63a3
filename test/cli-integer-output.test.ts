// The integer proof in the human output and the report: its validator-observed figure beside its
// floor, its window and what was proven, the kernel it ran; "not proven" when it was skipped, and
// "no floor" with the reason while the class table has no integer floor for the class. The floor
// is read from the FloorCheck list by dimension name, so a table that has one shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selftestHuman } from '../src/cli/selftest-human.js';
import { reportHtml } from '../src/cli/report-html.js';
import { ALU_DIMENSION, integerText, viewOfSelftest } from '../src/cli/verdict-view.js';
import type { FloorCheck } from '../src/roles/classes.js';
import type { AluFigures } from '../src/roles/verifier-alu.js';
import type { SelftestResult } from '../src/roles/selftest.js';
import { selftestResult } from './helpers/selftest-results.js';

const ALU: AluFigures = {
  lanes: 4096, rounds: 4096, opsPerRound: 14, ops: 4096 * 4096 * 14, kernel: 'x2-wg64', observedMs: 16,
  reportedMs: 15, intGopsObserved: 14.68, intGopsReported: 15.66, window: 'own', lanesOpened: 66, lanesChecked: 66,
};

const withAlu = (r: SelftestResult): SelftestResult => ({ ...r, measured: { ...r.measured, alu: ALU } });

/** A floor of the integer dimension, as the class table gives one once it has the dimension. */
const aluFloor = (cls: string, floor: number, measured: number | null): FloorCheck =>
  ({ class: cls, dimension: ALU_DIMENSION, floor, measured, status: measured === null ? 'not-measured' : measured >= floor ? 'pass' : 'fail', blocking: false }) as unknown as FloorCheck;

test('selftest output: an integer line with the figure, its window and the floor, and the integer kernel', () => {
  const text = selftestHuman(withAlu(selftestResult()));
  const line = /^integer {2}(.*)$/m.exec(text)?.[1] ?? '';
  assert.match(line, /^14\.68 GOPS \(own window; no floor: /, text);
  assert.match(line, /4096 lanes × 4096 rounds, 66 lanes opened, kernel x2-wg64; 15\.66 reported$/);
  assert.match(text, /^kernels +matmul tile-16, memory rows, integer x2-wg64$/m);
});

test('selftest output: a run with the integer proof skipped says so', () => {
  const text = selftestHuman(selftestResult());
  assert.match(text, /^integer {2}not proven$/m);
});

test('integerText: the floors of the shown classes, each with its percentage; otherwise why there is none', () => {
  assert.equal(integerText(undefined, [], 'software'), 'not proven');
  const head = (s: string): string => s.split(');')[0] ?? '';
  assert.equal(head(integerText(ALU, [], 'software')), '14.68 GOPS (own window; no floor: software class');
  assert.equal(head(integerText(ALU, [], 'unlisted')), '14.68 GOPS (own window; no floor: unlisted class');
  assert.equal(head(integerText(ALU, [], null)), '14.68 GOPS (own window; no floor: no class');
  // A GPU class whose other floors are listed but not an integer one: the table lacks it.
  const f32: FloorCheck = { class: 't4', dimension: 'matmul.f32_gflops', floor: 4000, measured: 2.8, status: 'fail', blocking: true };
  assert.equal(head(integerText(ALU, [f32], 't4')), '14.68 GOPS (own window; no floor: the class table has none for t4');
  const floors = [f32, aluFloor('h100-sxm', 20_000, 14.68), aluFloor('t4', 1468, 14.68)];
  assert.equal(head(integerText(ALU, floors, 't4')), '14.68 GOPS (own window; floor for h100-sxm: 20000 GOPS, 0.07 %; floor for t4: 1468 GOPS, 1.0 %');
  assert.match(integerText({ ...ALU, window: 'shared' }, [], 'software'), /^14\.68 GOPS \(shared window;/);
});

test('the report shows the integer line with its window and floor', () => {
  const html = reportHtml(viewOfSelftest(withAlu(selftestResult())), new Date(0));
  assert.match(html, /<tr><th>integer<\/th><td>14\.68 GOPS \(own window; no floor: [^<]*\); 4096 lanes × 4096 rounds/);
});
