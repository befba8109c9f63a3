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
//   node scripts/mutation.mjs --summarize --update-lines   and move listed mutants to their new lines
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
  const list = JSON.parse(readFileSync(EQUIVALENT, 'utf8'));
  const equivalents = list.mutants;
  const summary = summarize(report, equivalents);
  if (args.includes('--update-lines') && summary.movedEquivalents.length > 0) updateLines(list, summary.movedEquivalents);
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
  const totals = { mutants: 0, killed: 0, timeout: 0, survived: 0, noCoverage: 0, equivalent: 0, messageOnly: 0, outOfReach: 0, ignored: 0, invalid: 0 };
  const undetected = [];
  for (const [file, f] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    const lines = f.source.split('\n');
    const t = { mutants: 0, killed: 0, timeout: 0, survived: 0, noCoverage: 0, equivalent: 0, messageOnly: 0, outOfReach: 0, ignored: 0, invalid: 0 };
    files[file] = t;
    for (const m of f.mutants) {
      t.mutants++;
      if (m.status === 'Ignored') t.ignored++;
      else if (INVALID.has(m.status)) t.invalid++;
      else if (m.status === 'Killed') t.killed++;
      else if (m.status === 'Timeout') t.timeout++;
      else if (UNDETECTED.has(m.status)) undetected.push({ entry: describe(file, lines, m), status: m.status });
    }
  }
  const { listedAt, used, moved } = matchListed(undetected.map((u) => u.entry), equivalents);
  undetected.forEach(({ entry, status }, i) => {
    const t = files[entry.file];
    const listed = listedAt[i];
    if (listed && listed.kind !== 'out-of-reach') {
      const kind = listed.kind === 'message' ? 'message' : 'equivalent';
      if (kind === 'message') t.messageOnly++;
      else t.equivalent++;
      equivalent.push({ ...entry, kind, reason: listed.reason });
    } else {
      // Undetected and counted so; an out-of-reach one is listed with why no fast test reaches it.
      if (status === 'Survived') t.survived++;
      else t.noCoverage++;
      if (listed) t.outOfReach++;
      survivors.push(listed ? { ...entry, kind: 'out-of-reach', reason: listed.reason } : entry);
    }
  });
  for (const [file, t] of Object.entries(files)) {
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
    // Listed as equivalent for a mutated file but not seen as a survivor: killed now, or rewritten.
    staleEquivalents: stale,
    // Matched by their code at another line than the list says: the list's line is out of date.
    movedEquivalents: moved,
  };
}

/** Rewrites the line of each listed mutant found elsewhere, keeping the list's order and text. */
function updateLines(list, moved) {
  for (const m of moved) list.mutants[m.index].line = m.line;
  writeFileSync(EQUIVALENT, `${JSON.stringify(list, null, 2)}\n`);
  console.log(`moved ${moved.length} listed mutant(s) to their new lines in ${EQUIVALENT}`);
}

/**
 * The listed entry of each undetected mutant: first at the same line, then (for code that moved
 * with an edit above it) the nearest unused entry of the same file, mutator, original code and
 * replacement. The code is what identifies a mutant; the line only orders look-alikes.
 */
export function matchListed(entries, equivalents) {
  const listedAt = entries.map(() => undefined);
  const used = new Set();
  const same = (e, x) => e.file === x.file && e.mutator === x.mutator && e.replacement === x.replacement && e.original === x.original;
  entries.forEach((x, i) => {
    const eq = equivalents.findIndex((e, j) => !used.has(j) && e.line === x.line && same(e, x));
    if (eq >= 0) {
      used.add(eq);
      listedAt[i] = equivalents[eq];
    }
  });
  const moved = [];
  entries.forEach((x, i) => {
    if (listedAt[i]) return;
    let best = -1;
    equivalents.forEach((e, j) => {
      if (used.has(j) || !same(e, x)) return;
      if (best < 0 || Math.abs(e.line - x.line) < Math.abs(equivalents[best].line - x.line)) best = j;
    });
    if (best < 0) return;
    used.add(best);
    listedAt[i] = equivalents[best];
    moved.push({ index: best, file: x.file, listedLine: equivalents[best].line, line: x.line, mutator: x.mutator, replacement: x.replacement });
  });
  return { listedAt, used, moved };
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
  if (r.movedEquivalents.length > 0) {
    console.log(`\n${r.movedEquivalents.length} listed mutant(s) found at another line: update their line in fixtures/mutation-equivalent.json`);
    for (const e of r.movedEquivalents) console.log(`  ${e.file}:${e.listedLine} → ${e.line} ${e.mutator} → ${e.replacement}`);
  }
  if (r.staleEquivalents.length > 0) {
    console.log(`\n${r.staleEquivalents.length} listed equivalent(s) not seen as survivors (killed now, or the line moved): review fixtures/mutation-equivalent.json`);
    for (const e of r.staleEquivalents) console.log(`  ${e.file}:${e.line} ${e.mutator} → ${e.replacement}`);
  }
  const took = r.wallSeconds === null ? '' : `, ${Math.floor(r.wallSeconds / 60)} min ${r.wallSeconds % 60} s`;
  console.log(`\nscore ${r.totals.score.toFixed(2)} % of ${r.totals.counted} non-equivalent mutants (left out: ${r.totals.equivalent} equivalent, ${r.totals.messageOnly} message-only, ${r.totals.ignored} message text; bar ${r.minScore} %)${took}; written to ${out}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
