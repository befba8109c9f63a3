// What selftest prints: the checks, then each figure against the floors of the claimed class and
// of the detected class, then the class and score. JSON carries the same, machine-shaped.
import { isSoftwareAdapter } from '../gpu/adapter-info.js';
import { DIMENSIONS, type FloorCheck } from '../roles/classes.js';
import type { SelftestResult } from '../roles/selftest.js';
import { checksTable, table } from './output.js';

const fmt = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(2));

/** The floors shown: the claimed class's and the detected class's. */
export function shownFloors(r: SelftestResult): FloorCheck[] {
  const c = r.judgement.classification;
  const ids = new Set([c.claim?.id, c.class].filter((x): x is string => typeof x === 'string'));
  return c.floors.filter((f) => ids.has(f.class));
}

export function selftestJson(r: SelftestResult): Record<string, unknown> {
  const c = r.judgement.classification;
  return {
    accepted: r.accepted,
    class: r.class,
    score: r.score,
    claim: c.claim ?? null,
    checks: r.checks,
    floors: shownFloors(r),
    figures: r.judgement.figures,
    adapterAgreement: c.adapterAgreement,
    adapter: r.adapter,
    kernel: r.kernel,
    memoryKernel: r.memoryKernel,
    measured: r.measured,
    timings: r.timings,
  };
}

export function selftestHuman(r: SelftestResult): string {
  const m = r.measured.matmul;
  const a = r.adapter;
  const figures = r.judgement.figures;
  const floors = shownFloors(r);
  const floorRows = floors.map((f) => [f.dimension, fmt(f.measured), `${fmt(f.floor)} (${f.class})`, f.status === 'pass' ? 'pass' : f.status === 'fail' ? 'FAIL' : 'not measured']);
  const bare = DIMENSIONS.filter((d) => !floors.some((f) => f.dimension === d)).map((d) => [d, fmt(figures[d]), '—', figures[d] === undefined ? 'not measured' : '']);
  const mem = r.measured.memory;
  return [
    `adapter: ${a.description || a.device} (${a.vendor}, ${a.backend})${isSoftwareAdapter(a) ? ' [software]' : ''}`,
    '',
    checksTable(r.checks),
    '',
    table([['figure', 'measured', 'floor', 'verdict'], ...floorRows, ...bare]),
    '',
    table([
      ['matmul', `n=${m.n}, K=${m.iterations}, ${m.path} kernel ${r.kernel}; ${fmt(m.gflops_observed)} GFLOPS observed, ${fmt(m.gflops_reported)} reported (${m.timing_method})`],
      ['memory', mem ? `${fmt(mem.capacity_bytes / 2 ** 20)} MiB in ${mem.chunks} chunks, P=${mem.passes}, ${r.memoryKernel} kernel; ${fmt(mem.bandwidth_gbs_observed)} GB/s observed, ${fmt(mem.bandwidth_gbs_reported)} reported (${mem.bytes_per_row_per_pass} B per row per pass)` : 'skipped'],
      ['time', `commit ${fmt(r.timings.commit_ms)} ms, open ${fmt(r.timings.open_ms)} ms, verify ${fmt(r.timings.verify_ms)} ms, total ${fmt(r.timings.total_ms)} ms`],
      ['class', `${r.class}${r.judgement.classification.adapterAgreement.agrees ? '' : ` (${r.judgement.classification.adapterAgreement.note})`}`],
      ['score', r.score.toFixed(3)],
    ]),
    '',
    r.accepted ? 'ACCEPTED' : 'REJECTED',
  ].join('\n');
}
