// The progress line: phase names, counts, elapsed time, the time-left estimate (only once a phase
// has a rate), throttling, the final newline; and none of it on --json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { formatDuration, progressLine, progressText } from '../src/cli/progress.js';
import { buildCli, REPO_ROOT } from './helpers/cli.js';

/** A line driven by a hand-moved clock; returns what it wrote, one entry per write. */
function driven(opts: { minIntervalMs?: number; columns?: number } = {}) {
  let t = 0;
  const writes: string[] = [];
  const line = progressLine((s) => writes.push(s), { now: () => t, tickMs: 0, minIntervalMs: opts.minIntervalMs ?? 100, columns: () => opts.columns });
  return { line, writes, at: (ms: number) => (t = ms), last: () => writes.at(-1) ?? '' };
}

test('formatDuration: tenths under 10 s, whole seconds under a minute, then minutes', () => {
  assert.equal(formatDuration(430), '0.4 s');
  assert.equal(formatDuration(12_400), '12 s');
  assert.equal(formatDuration(185_000), '3 min 05 s');
  assert.equal(formatDuration(-5), '0.0 s');
});

test('a one-step phase shows its name and elapsed time and no estimate', () => {
  const text = progressText({ phase: 'autotune', done: 0, total: 1, startedAt: 0, phaseStartedAt: 0 }, 2500);
  assert.equal(text, 'autotune · 2.5 s elapsed');
});

test('the estimate comes from the phase\'s own rate, and only once a unit is done', () => {
  const d = driven();
  d.at(1000);
  d.line.update('warm-up', 0, 1);
  d.at(3000);
  d.line.update('matmul', 0, 8);
  assert.match(d.last(), /matmul 0\/8 · 3\.0 s elapsed\x1b\[K$/);
  assert.doesNotMatch(d.last(), /left/, 'no estimate before the first iteration');
  d.at(4000);
  d.line.update('matmul', 2, 8);
  // 2 iterations in 1 s since the phase began: 6 left take 3 s (warm-up time is not counted).
  assert.match(d.last(), /^\rmatmul 2\/8 · 4\.0 s elapsed · about 3\.0 s left in matmul\x1b\[K$/);
});

test('a phase first reported with a unit done starts where the previous phase ended', () => {
  const d = driven();
  d.at(0);
  d.line.update('openings', 0, 1);
  d.at(1000);
  d.line.update('memory', 1, 4);
  assert.match(d.last(), /memory 1\/4 · .* about 3\.0 s left in memory/);
});

test('redraws of one phase are throttled; a phase change or its last unit always draws', () => {
  const d = driven({ minIntervalMs: 100 });
  d.at(0);
  d.line.update('matmul', 0, 100);
  for (let k = 1; k < 50; k++) {
    d.at(k); // 1 ms apart: inside the interval
    d.line.update('matmul', k, 100);
  }
  assert.equal(d.writes.length, 1, 'only the first draw');
  d.at(150);
  d.line.update('matmul', 60, 100);
  assert.equal(d.writes.length, 2);
  d.at(151);
  d.line.update('matmul', 100, 100);
  assert.equal(d.writes.length, 3, 'the last unit is drawn');
  d.at(152);
  d.line.update('openings', 0, 1);
  assert.equal(d.writes.length, 4, 'a new phase is drawn');
  assert.match(d.last(), /^\ropenings · /);
});

test('the line is rewritten in place, truncated to the terminal, and end() closes it with a newline', () => {
  const d = driven({ columns: 20 });
  d.at(0);
  d.line.update('matmul', 1, 8);
  assert.ok(d.writes.every((w) => w.startsWith('\r') && !w.includes('\n')), 'no newline while running');
  assert.equal(d.last(), '\rmatmul 1/8 · 0.0 s \x1b[K', 'cut to columns - 1');
  d.at(7300);
  d.line.update('verify', 0, 1);
  d.line.end();
  assert.equal(d.last(), '\rdone · 7.3 s\x1b[K\n');
  const n = d.writes.length;
  d.line.end();
  assert.equal(d.writes.length, n, 'a second end() writes nothing');
});

/** Runs the CLI on a terminal (util-linux `script` gives it a pty): stdout and stderr together. */
function onTerminal(args: string[], home: string): { code: number; text: string } {
  const cmd = [process.execPath, join(REPO_ROOT, 'bin', 'gpuproof.js'), ...args].map((x) => `'${x}'`).join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, XDG_RUNTIME_DIR: '/tmp', GPUPROOF_HOME: home }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, text: r.stdout };
}

const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;
const SMALL = ['selftest', '--n', '64', '--iterations', '2', '--memory-mib', '1', '--passes', '2'];

test('on a terminal selftest shows its phases on one line; with --json it prints none', { skip: HAS_SCRIPT ? false : 'no util-linux script for a pty' }, async () => {
  await buildCli();
  const home = mkdtempSync(join(tmpdir(), 'gpuproof-progress-'));
  const human = onTerminal(SMALL, home);
  assert.equal(human.code, 0, human.text);
  for (const phase of ['autotune', 'warm-up', 'matmul 2/2', 'memory 2/2', 'openings', 'verify']) assert.ok(human.text.includes(`\r${phase}`), `phase ${phase} shown: ${JSON.stringify(human.text.slice(0, 400))}`);
  assert.match(human.text, /\rdone · [\d.]+ s\x1b\[K\r?\n/);
  const json = onTerminal([...SMALL, '--json'], home);
  assert.equal(json.code, 0, json.text);
  assert.doesNotMatch(json.text, /elapsed|\rmatmul|\rdone/, json.text.slice(0, 400));
  assert.equal((JSON.parse(json.text) as { accepted?: unknown }).accepted, true, 'stdout is the JSON alone');
});
