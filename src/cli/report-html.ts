// The provider's report: one self-contained HTML page (no scripts, no external resources, every
// string escaped). Failures first; each figure as a percentage of its floor on a linear scale, so
// a figure far below a floor looks far below it; sizes, timings, the kit's version and the
// adapter. A selftest's report says it is unsigned (validator and executor were one process, so it
// proves nothing to anyone else); attest's embeds the receipt the validator signed.
import { KIT_VERSION } from '../version.js';
import { DIMENSIONS } from '../roles/classes.js';
import { failedChecks, failedFloors, fmt, formatPct, pctOfFloor, UNITS, type VerdictView } from './verdict-view.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Bars are capped here; the number beside a capped bar is the true one. */
export const BAR_CAP_PCT = 200;
const BAR_W = 400;
const X0 = 220;

/** One bar per shown floor, as measured ÷ floor; a line marks 100 %. */
function chart(v: VerdictView): string {
  const scale = (p: number): number => (Math.min(p, BAR_CAP_PCT) / BAR_CAP_PCT) * BAR_W;
  const parts: string[] = [];
  let y = 8;
  for (const d of DIMENSIONS) {
    const floors = v.floors.filter((f) => f.dimension === d);
    if (floors.length === 0) continue;
    parts.push(`<text x="0" y="${y + 12}" class="dim">${esc(d)} (${UNITS[d]}): measured ${esc(fmt(v.figures[d]))}</text>`);
    y += 18;
    for (const f of floors) {
      const p = pctOfFloor(f);
      const w = p === null ? 0 : scale(p);
      parts.push(`<text x="${X0 - 6}" y="${y + 12}" text-anchor="end" class="lbl">floor ${esc(f.class)} = ${esc(fmt(f.floor))}</text>`);
      parts.push(`<rect x="${X0}" y="${y}" width="${w.toFixed(1)}" height="16" class="${f.status === 'not-measured' ? 'nm' : f.status}"/>`);
      const label = p === null ? 'not measured' : `${formatPct(p)} of floor${p > BAR_CAP_PCT ? ' (bar capped)' : ''}`;
      parts.push(`<text x="${(X0 + w + 6).toFixed(1)}" y="${y + 12}" class="val">${esc(label)}</text>`);
      y += 20;
    }
    y += 8;
  }
  const at100 = X0 + scale(100);
  parts.push(`<line x1="${at100}" y1="0" x2="${at100}" y2="${y}" class="floor"/><text x="${at100 + 3}" y="${y + 12}" class="lbl">100 % = floor</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${X0 + BAR_W + 190}" height="${y + 18}" role="img" aria-label="each measured figure as a percentage of its class floor, linear scale">${parts.join('')}</svg>`;
}

function failuresHtml(v: VerdictView): string {
  const checks = failedChecks(v).map((c) => `<li><code>${esc(c.name)}</code>: ${esc(c.reason)}</li>`);
  const floors = failedFloors(v).map((f) => `<li>floor <code>${esc(f.class)}</code> ${esc(f.dimension)}: ${esc(fmt(f.measured))} of ${esc(fmt(f.floor))} (${esc(formatPct(pctOfFloor(f)))})</li>`);
  if (checks.length + floors.length === 0) return '<h2>Failures</h2>\n<p>None: every check passed and every floor shown holds.</p>';
  return `<h2>Failures</h2>\n<ul class="bad">${[...checks, ...floors].join('')}</ul>`;
}

/** Who vouches for the page: nobody (a selftest), or the validator whose receipt it embeds. */
function provenance(v: VerdictView): string {
  const r = v.receipt;
  if (!r) {
    return '<p class="note"><strong>Unsigned self-test output.</strong> The validator and the executor ran in one process on this machine, so this page proves nothing to anyone else; a third party should attest the machine over the network (<code>gpuproof attest</code>), whose report embeds the receipt it signs.</p>';
  }
  return `<p class="note"><strong>Signed receipt embedded below:</strong> signed by validator <code>${esc(r.signer)}</code> (ed25519) for executor <code>${esc(r.body.executorKey)}</code>, issued ${esc(new Date(r.body.issuedAt).toISOString())}. The figures on this page are the receipt's; check its signature against the validator's public key.</p>`;
}

const receiptBlock = (v: VerdictView): string => (v.receipt ? `<h2>Signed receipt</h2>\n<pre class="receipt">${esc(JSON.stringify(v.receipt, null, 2))}</pre>` : '');

const rows = (pairs: [string, string][]): string => pairs.map(([k, x]) => `<tr><th>${esc(k)}</th><td>${esc(x)}</td></tr>`).join('');

export function reportHtml(v: VerdictView, when = new Date()): string {
  const claim = v.claim ? `${v.claim.id}: ${v.claim.holds ? 'holds' : 'does not hold'}` : 'none';
  const passed = v.checks.filter((c) => c.pass).map((c) => `<li><code>${esc(c.name)}</code></li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gpuproof ${esc(v.source)} report: ${esc(v.class ?? 'no class')}</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222;max-width:62em}
h1{font-size:1.4em} table{border-collapse:collapse;margin:1em 0} td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
.verdict{font-size:1.2em;font-weight:bold} .accepted{color:#176f2c} .rejected{color:#b00020} ul.bad li{color:#b00020}
.note{background:#fff8e1;padding:.6em;border-left:4px solid #f9a825} .dim{font-weight:bold;font-size:13px} .lbl,.val{font-size:12px}
rect.pass{fill:#7cb342} rect.fail{fill:#e53935} rect.nm{fill:#bbb} line.floor{stroke:#222;stroke-dasharray:4 3}
pre.receipt{background:#f4f4f4;padding:.8em;overflow-x:auto;font-size:12px}
</style></head><body>
<h1>gpuproof ${esc(v.source)} report</h1>
<p class="verdict ${v.accepted ? 'accepted' : 'rejected'}">${v.accepted ? 'ACCEPTED' : 'REJECTED'} — class <code>${esc(v.class ?? 'none')}</code>, score ${v.score.toFixed(3)}, claim ${esc(claim)}</p>
${provenance(v)}
${failuresHtml(v)}
<h2>Figures against floors</h2>
<p>Each bar is the measured figure as a percentage of a class floor, on a linear scale: the dashed line is 100 % (the floor), bars stop at ${BAR_CAP_PCT} % with the true percentage written beside them. Green floors hold, red floors fail, grey were not measured.</p>
${chart(v)}
<h2>Sizes and timings</h2>
<table>${rows(v.sizes)}${rows(v.timings)}</table>
<h2>Run</h2>
<table>${rows([['adapter', v.adapter], ['kit version', KIT_VERSION], ['generated', when.toISOString()]])}</table>
<h2>Passing checks (${v.checks.length - failedChecks(v).length} of ${v.checks.length})</h2>
<ul>${passed}</ul>
${receiptBlock(v)}
</body></html>
`;
}
