// What selftest prints for a person, summary first: the verdict, class, score and claim; what
// failed and why; each figure against the floors as a percentage; passing checks only when asked
// (--verbose); then the sizes and timings in one short block.
import type { SelftestResult } from '../roles/selftest.js';
import { passedChecks, table } from './output.js';
import { bareDimensions, failedChecks, failedFloors, fmt, formatPct, pctOfFloor, viewOfSelftest, type VerdictView } from './verdict-view.js';

const STATUS = { pass: 'pass', fail: 'FAIL', 'not-measured': 'not measured' } as const;

/** ACCEPTED — class x, score y; and the claim, when one was made. */
export function verdictLines(v: VerdictView): string[] {
  const head = `${v.accepted ? 'ACCEPTED' : 'REJECTED'} — class ${v.class ?? 'none'}, score ${v.score.toFixed(3)}`;
  const claim = v.claim ? `claim ${v.claim.id}: ${v.claim.holds ? 'holds' : 'does not hold'}` : 'claim: none (--claim CLASS to test one)';
  return [head, claim, `adapter: ${v.adapter}`];
}

/** Each failed check with its reason, then each floor not reached; empty when nothing failed. */
export function failureLines(v: VerdictView): string[] {
  const checks = failedChecks(v);
  const floors = failedFloors(v);
  if (checks.length === 0 && floors.length === 0) return [];
  return [
    `failures (${checks.length + floors.length}):`,
    ...checks.map((c) => `  ${c.name}: ${c.reason}`),
    ...floors.map((f) => `  floor ${f.class} ${f.dimension}: ${fmt(f.measured)} of ${fmt(f.floor)} (${formatPct(pctOfFloor(f))})`),
  ];
}

export function figuresTable(v: VerdictView): string {
  const rows = v.floors.map((f) => [f.dimension, fmt(f.measured), `${fmt(f.floor)} (${f.class})`, formatPct(pctOfFloor(f)), STATUS[f.status]]);
  const bare = bareDimensions(v).map((d) => [d, fmt(v.figures[d]), '—', '—', v.figures[d] === undefined ? 'not measured' : '']);
  return table([['figure', 'measured', 'floor', '% of floor', 'verdict'], ...rows, ...bare]);
}

export function selftestHuman(r: SelftestResult, verbose = false): string {
  const v = viewOfSelftest(r);
  const failures = failureLines(v);
  return [
    ...verdictLines(v),
    ...(failures.length > 0 ? ['', ...failures] : []),
    '',
    figuresTable(v),
    '',
    passedChecks(v.checks, verbose),
    '',
    table([...v.sizes, ['time', v.timings.map(([k, t]) => `${k} ${t}`).join(', ')], ['kernels', `matmul ${r.kernel}, memory ${r.memoryKernel}, integer ${r.aluKernel}`]]),
  ].join('\n');
}
