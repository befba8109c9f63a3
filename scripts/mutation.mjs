#!/usr/bin/env node
// npm run mutation: Stryker over the security checks (stryker.config.mjs), then the run's summary
// from Stryker's JSON report: score per file, survivors as file:line original → replacement, the
// reviewed equivalent mutants of fixtures/mutation-equivalent.json taken out of the score, run
// time and machine. A whole run writes bench/results/mutation-<date>.json; a run narrowed with
// MUTATION_FILES=<path part>[,…] writes reports/mutation/summary.json only. Arguments after
// `--` go to Stryker. docs/testing.md says how to read a survivor.
//
//   npm run mutation                                  the whole run (about an hour on 2 cores)
//   MUTATION_FILES=freivalds npm run mutation        one target, for work on its survivors
//   node scripts/mutation.mjs --summarize             re-read the last report, no Stryker run
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPORT_DIR = join(ROOT, 'reports/mutation');
const EQUIVALENT = join(ROOT, 'fixtures/mutation-equivalent.json');
/** The bar: at least this share of non-equivalent mutants detected. */
export const MIN_SCORE = 95;

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
/** Not a mutant of the program: it did not compile or load. */
const INVALID = new Set(['CompileError', 'RuntimeError']);

async function main() {
  const args = process.argv.slice(2);
  const summarizeOnly = args.includes('--summarize');
  const dash = args.indexOf('--');
  const strykerArgs = dash >= 0 ? args.slice(dash + 1) : [];
  const narrowed = (process.env.MUTATION_FILES ?? '') !== '';
  const { GROUPS } = await import('./mutation-groups.mjs');
  const only = (process.env.MUTATION_FILES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const groups = Object.entries(GROUPS)
    .filter(([, g]) => only.length === 0 || g.mutate.some((f) => only.some((o) => f.includes(o))))
    .map(([name]) => name);
  if (groups.length === 0) {
    console.error(`MUTATION_FILES=${process.env.MUTATION_FILES} matches no mutated file of scripts/mutation-groups.mjs`);
    process.exit(2);
  }
  const started = new Date();
  const loadBefore = loadavg();
  const t0 = process.hrtime.bigint();
  const groupSeconds = {};
  if (!summarizeOnly) {
    for (const name of groups) {
      console.log(`\n=== mutation group ${name}: ${GROUPS[name].mutate.join(', ')}`);
      const g0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run', 'stryker.config.mjs', ...strykerArgs], {
        cwd: ROOT,
        stdio: 'inherit',
        env: { ...process.env, MUTATION_RUN: '1', MUTATION_GROUP: name, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
      });
      groupSeconds[name] = Math.round(Number(process.hrtime.bigint() - g0) / 1e9);
      if (r.status !== 0) {
        console.error(`stryker exited with ${r.status ?? r.signal} in group ${name}; no summary written`);
        process.exit(r.status ?? 1);
      }
    }
  }
  const wallS = summarizeOnly ? null : Number(process.hrtime.bigint() - t0) / 1e9;
  const report = { files: {} };
  for (const name of groups) {
    const file = join(REPORT_DIR, `${name}.json`);
    if (!existsSync(file)) {
      console.error(`${file} is missing: run Stryker for group ${name} first`);
      process.exit(2);
    }
    Object.assign(report.files, JSON.parse(readFileSync(file, 'utf8')).files);
  }
  const equivalents = JSON.parse(readFileSync(EQUIVALENT, 'utf8')).mutants;
  const summary = summarize(report, equivalents);
  const partial = narrowed || groups.length !== Object.keys(GROUPS).length;
  const result = {
    kind: 'mutation',
    date: isoDate(started),
    startedAt: started.toISOString(),
    wallSeconds: wallS === null ? null : Math.round(wallS),
    groupSeconds,
    partial,
    ...(narrowed ? { narrowedTo: process.env.MUTATION_FILES } : {}),
    machine: {
      hostname: hostname(),
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGib: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      loadBefore: loadBefore.map((x) => Math.round(x * 100) / 100),
      loadAfter: loadavg().map((x) => Math.round(x * 100) / 100),
    },
    tool: { name: 'StrykerJS', version: strykerVersion(), testRunner: 'tap', config: 'stryker.config.mjs' },
    groups: Object.fromEntries(groups.map((g) => [g, { mutate: GROUPS[g].mutate, tests: GROUPS[g].tests.map((t) => `test/${t}.test.ts`) }])),
    scoreRule: 'detected (killed or timed out) / (all mutants − compile and runtime errors − message text left out by scripts/stryker-message-ignorer.mjs − reviewed equivalents and message-only mutants of fixtures/mutation-equivalent.json), in percent',
    minScore: MIN_SCORE,
    ...summary,
  };
  const out = partial || summarizeOnly ? join(REPORT_DIR, 'summary.json') : join(ROOT, `bench/results/mutation-${result.date}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  print(result, out);
  if (!partial && !summarizeOnly && result.totals.score < MIN_SCORE) process.exit(1);
}

/** Per file and in total: detected, survivors, equivalents; the survivors listed one a line. */
export function summarize(report, equivalents) {
  const files = {};
  const survivors = [];
  const equivalent = [];
  const used = new Set();
  const totals = { mutants: 0, killed: 0, timeout: 0, survived: 0, noCoverage: 0, equivalent: 0, messageOnly: 0, outOfReach: 0, ignored: 0, invalid: 0 };
  for (const [file, f] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    const lines = f.source.split('\n');
    const t = { mutants: 0, killed: 0, timeout: 0, survived: 0, noCoverage: 0, equivalent: 0, messageOnly: 0, outOfReach: 0, ignored: 0, invalid: 0 };
    for (const m of f.mutants) {
      t.mutants++;
      if (m.status === 'Ignored') {
        t.ignored++;
        continue;
      }
      if (INVALID.has(m.status)) {
        t.invalid++;
        continue;
      }
      if (m.status === 'Killed') t.killed++;
      else if (m.status === 'Timeout') t.timeout++;
      if (!UNDETECTED.has(m.status)) continue;
      const entry = describe(file, lines, m);
      const eq = equivalents.findIndex((e) => e.file === file && e.line === entry.line && e.mutator === entry.mutator && e.replacement === entry.replacement && (e.original === undefined || e.original === entry.original));
      const listed = eq >= 0 ? equivalents[eq] : undefined;
      if (listed) used.add(eq);
      if (listed && listed.kind !== 'out-of-reach') {
        const kind = listed.kind === 'message' ? 'message' : 'equivalent';
        if (kind === 'message') t.messageOnly++;
        else t.equivalent++;
        equivalent.push({ ...entry, kind, reason: listed.reason });
      } else {
        // Undetected and counted so; an out-of-reach one is listed with why no fast test reaches it.
        if (m.status === 'Survived') t.survived++;
        else t.noCoverage++;
        if (listed) t.outOfReach++;
        survivors.push(listed ? { ...entry, kind: 'out-of-reach', reason: listed.reason } : entry);
      }
    }
    const counted = t.mutants - t.ignored - t.invalid - t.equivalent - t.messageOnly;
    files[file] = { ...t, score: pct(t.killed + t.timeout, counted) };
    for (const k of Object.keys(totals)) totals[k] += t[k];
  }
  const counted = totals.mutants - totals.ignored - totals.invalid - totals.equivalent - totals.messageOnly;
  const stale = equivalents.filter((_, i) => !used.has(i)).filter((e) => e.file in report.files);
  return {
    totals: { ...totals, counted, detected: totals.killed + totals.timeout, score: pct(totals.killed + totals.timeout, counted) },
    files,
    survivors,
    equivalent,
    // Listed as equivalent for a mutated file but not seen as a survivor: killed now, or the line moved.
    staleEquivalents: stale,
  };
}

function describe(file, lines, m) {
  const { start, end } = m.location;
  const original = start.line === end.line
    ? (lines[start.line - 1] ?? '').slice(start.column - 1, end.column - 1)
    : [(lines[start.line - 1] ?? '').slice(start.column - 1), '…', (lines[end.line - 1] ?? '').slice(0, end.column - 1)].join('');
  const short = (s) => (s.length > 160 ? `${s.slice(0, 157)}...` : s).replace(/\s+/g, ' ');
  return {
    at: `${file}:${start.line}:${start.column}`,
    file,
    line: start.line,
    mutator: m.mutatorName,
    original: short(original),
    replacement: short(m.replacement ?? ''),
    status: m.status,
    coveredBy: m.coveredBy?.length ?? 0,
  };
}

const pct = (a, b) => (b === 0 ? 100 : Math.round((10000 * a) / b) / 100);
const isoDate = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

function strykerVersion() {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules/@stryker-mutator/core/package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

function print(r, out) {
  const rows = Object.entries(r.files).map(([f, t]) => [f, t.mutants, t.killed + t.timeout, t.survived, t.noCoverage, t.equivalent, t.ignored + t.messageOnly, t.invalid, `${t.score.toFixed(2)} %`]);
  rows.push(['total', r.totals.mutants, r.totals.detected, r.totals.survived, r.totals.noCoverage, r.totals.equivalent, r.totals.ignored + r.totals.messageOnly, r.totals.invalid, `${r.totals.score.toFixed(2)} %`]);
  const head = ['file', 'mutants', 'detected', 'survived', 'no cover', 'equiv.', 'messages', 'invalid', 'score'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => String(x[i]).length)));
  const line = (x) => x.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  console.log(`\n${line(head)}\n${rows.map(line).join('\n')}`);
  const open = r.survivors.filter((s) => s.kind !== 'out-of-reach');
  const reach = r.survivors.filter((s) => s.kind === 'out-of-reach');
  if (open.length > 0) {
    console.log(`\n${open.length} survivor(s): this code can change and no test notices`);
    for (const s of open) console.log(`  ${s.at}  ${s.mutator}${s.status === 'NoCoverage' ? ' (no test reaches it)' : ''}: ${s.original} → ${s.replacement}`);
  }
  if (reach.length > 0) console.log(`\n${reach.length} more, listed in fixtures/mutation-equivalent.json as out of reach of a fast test (counted as undetected)`);
  if (r.staleEquivalents.length > 0) {
    console.log(`\n${r.staleEquivalents.length} listed equivalent(s) not seen as survivors (killed now, or the line moved): review fixtures/mutation-equivalent.json`);
    for (const e of r.staleEquivalents) console.log(`  ${e.file}:${e.line} ${e.mutator} → ${e.replacement}`);
  }
  const took = r.wallSeconds === null ? '' : `, ${Math.floor(r.wallSeconds / 60)} min ${r.wallSeconds % 60} s`;
  console.log(`\nscore ${r.totals.score.toFixed(2)} % of ${r.totals.counted} non-equivalent mutants (left out: ${r.totals.equivalent} equivalent, ${r.totals.messageOnly} message-only, ${r.totals.ignored} message text; bar ${r.minScore} %)${took}; written to ${out}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
