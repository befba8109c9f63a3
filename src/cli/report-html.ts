// The provider's report: one self-contained HTML page (inline SVG, no scripts, no external
// resources) with each measured figure against the floors of the claimed and detected classes.
import { DIMENSIONS } from '../roles/classes.js';
import type { SelftestResult } from '../roles/selftest.js';
import { shownFloors } from './selftest-output.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(2));

const UNITS: Record<string, string> = {
  'matmul.f32_gflops': 'GFLOPS',
  'matmul.tensor_gflops': 'GFLOPS',
  'memory.bandwidth_gbs': 'GB/s',
  'memory.capacity_gib': 'GiB',
};

/** Log-scale bars: measured figure and each shown floor, per dimension. */
function chart(r: SelftestResult): string {
  const floors = shownFloors(r);
  const rows = DIMENSIONS.map((d) => ({
    d,
    measured: r.judgement.figures[d] ?? null,
    floors: floors.filter((f) => f.dimension === d),
  }));
  const values = rows.flatMap((x) => [x.measured ?? 0, ...x.floors.map((f) => f.floor)]).filter((v) => v > 0);
  const lo = Math.log10(Math.min(...values, 1)) - 0.5;
  const hi = Math.log10(Math.max(...values, 10)) + 0.2;
  const W = 560;
  const x = (v: number): number => (v > 0 ? ((Math.log10(v) - lo) / (hi - lo)) * W : 0);
  const bar = 16;
  let y = 10;
  const parts: string[] = [];
  for (const row of rows) {
    parts.push(`<text x="0" y="${y + 12}" class="dim">${esc(row.d)} (${UNITS[row.d]})</text>`);
    y += 18;
    const series = [{ label: 'measured', v: row.measured, cls: 'measured' }, ...row.floors.map((f) => ({ label: `floor ${f.class}`, v: f.floor as number | null, cls: f.status === 'pass' ? 'pass' : f.status === 'fail' ? 'fail' : 'nm' }))];
    for (const s of series) {
      const w = s.v === null ? 0 : Math.max(2, x(s.v));
      parts.push(`<rect x="150" y="${y}" width="${w.toFixed(1)}" height="${bar}" class="${s.cls}"/>`);
      parts.push(`<text x="146" y="${y + 12}" text-anchor="end" class="lbl">${esc(s.label)}</text>`);
      parts.push(`<text x="${(156 + w).toFixed(1)}" y="${y + 12}" class="val">${s.v === null ? 'not measured' : fmt(s.v)}</text>`);
      y += bar + 4;
    }
    y += 10;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W + 260}" height="${y}" role="img" aria-label="measured figures against class floors">${parts.join('')}</svg>`;
}

export function reportHtml(r: SelftestResult, when = new Date()): string {
  const c = r.judgement.classification;
  const checks = r.checks.map((k) => `<tr class="${k.pass ? 'ok' : 'bad'}"><td>${esc(k.name)}</td><td>${k.pass ? 'pass' : 'FAIL'}</td><td>${esc(k.pass ? '' : k.reason)}</td></tr>`).join('');
  const claim = c.claim ? `${esc(c.claim.id)}: ${c.claim.status === 'ok' ? 'holds' : `${esc(c.claim.status)} (${esc(c.claim.failed.join(', '))})`}` : 'none';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gpuproof report: ${esc(r.class)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222;max-width:60em}
h1{font-size:1.4em} table{border-collapse:collapse;margin:1em 0} td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left}
.verdict{font-size:1.2em;font-weight:bold} .accepted{color:#176f2c} .rejected{color:#b00020}
tr.bad td{color:#b00020} .dim{font-weight:bold;font-size:13px} .lbl,.val{font-size:12px}
rect.measured{fill:#3367d6} rect.pass{fill:#7cb342} rect.fail{fill:#e53935} rect.nm{fill:#bbb}
</style></head><body>
<h1>gpuproof report</h1>
<p class="verdict ${r.accepted ? 'accepted' : 'rejected'}">${r.accepted ? 'ACCEPTED' : 'REJECTED'} — class <code>${esc(r.class)}</code>, score ${r.score.toFixed(3)}</p>
<table>
<tr><th>adapter</th><td>${esc(r.adapter.description || r.adapter.device)} (${esc(r.adapter.vendor)}, ${esc(r.adapter.backend)})</td></tr>
<tr><th>claim</th><td>${claim}</td></tr>
<tr><th>adapter strings</th><td>${esc(c.adapterAgreement.note)}</td></tr>
<tr><th>kernel</th><td>${esc(r.kernel)}</td></tr>
<tr><th>generated</th><td>${esc(when.toISOString())}</td></tr>
</table>
<h2>Figures against floors</h2>
<p>Bars on a logarithmic scale: blue is what the validator observed; green floors hold, red floors fail, grey were not measured.</p>
${chart(r)}
<h2>Checks</h2>
<table><tr><th>check</th><th>result</th><th>reason</th></tr>${checks}</table>
</body></html>
`;
}
