// The CI files users copy: action.yml and examples/workflows/*.yml parse (yaml), workflows are
// complete, local actions exist, the negative gate passes on exit 1 only, and the action's own
// steps, run as a runner would run them, give the documented outputs and exit statuses on this
// machine's adapter at small sizes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { buildCli } from './helpers/cli.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const workflowDir = join(root, 'examples/workflows');
const workflows = readdirSync(workflowDir).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(workflowDir, f));
before(buildCli); // the action runs bin/gpuproof.js, so dist/ must hold the current sources
const scratch = mkdtempSync(join(tmpdir(), 'gpuproof-ci-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const readYaml = (path: string): Record<string, unknown> => parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
  'working-directory'?: string;
}
interface Action {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}
const action = readYaml(join(root, 'action.yml')) as unknown as Action;
const stepsOf = (wf: Record<string, unknown>): Step[] => Object.values(wf.jobs as Record<string, { steps: Step[] }>).flatMap((j) => j.steps);

test('every example workflow is complete: a trigger, jobs with steps, and local actions that exist', () => {
  assert.ok(workflows.length >= 2, 'a GPU-runner and a software-runner example');
  for (const file of workflows) {
    const wf = readYaml(file);
    assert.ok(wf.on, `${file}: on`);
    assert.ok(wf.jobs && Object.keys(wf.jobs).length > 0, `${file}: jobs`);
    for (const step of stepsOf(wf)) {
      assert.ok(step.run !== undefined || step.uses !== undefined, `${file}: a step runs or uses something`);
      if (step.uses?.startsWith('./')) assert.ok(existsSync(join(root, step.uses, 'action.yml')), `${file}: ${step.uses} has no action.yml`);
      assert.doesNotMatch(step.run ?? '', /(^|\n)\s*!\s*\S*gpuproof/, `${file}: a negated gate also passes on exit 2`);
    }
  }
});

test('the GPU example claims a GPU class and uploads the report; the software example has a negative gate', () => {
  const gpu = stepsOf(readYaml(join(workflowDir, 'gpu-runner.yml')));
  assert.match(gpu.find((s) => s.uses === './')?.with?.claim ?? '', /h100-sxm/);
  assert.ok(gpu.some((s) => s.uses?.startsWith('actions/upload-artifact') && s.with?.path?.includes('gpuproof-report.html')));
  const soft = stepsOf(readYaml(join(workflowDir, 'software-runner.yml')));
  assert.ok(soft.some((s) => /--claim h100-sxm/.test(s.run ?? '')), 'a software runner claims a GPU class');
});

/** Runs a shell step with a fake `npx` that exits with rc; returns the step's exit status. */
function runGateWithExit(script: string, rc: number): number | null {
  const dir = mkdtempSync(join(scratch, 'gate-'));
  writeFileSync(join(dir, 'npx'), `#!/bin/sh\necho '{}'\nexit ${rc}\n`);
  chmodSync(join(dir, 'npx'), 0o755);
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd: dir, env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: 'utf8' });
  return r.status;
}

test('the negative gate passes on a rejection (exit 1) only, never on a usage error or a crash', () => {
  const gate = stepsOf(readYaml(join(workflowDir, 'software-runner.yml'))).find((s) => /--claim h100-sxm/.test(s.run ?? ''));
  assert.ok(gate?.run);
  assert.equal(runGateWithExit(gate.run, 1), 0, 'rejected: the gate holds');
  for (const rc of [0, 2, 134]) assert.notEqual(runGateWithExit(gate.run, rc), 0, `exit ${rc} must fail the gate`);
});

test('action.yml is a composite action whose inputs and outputs are the documented ones', () => {
  assert.equal(action.runs.using, 'composite');
  const doc = readFileSync(join(root, 'docs/ci.md'), 'utf8');
  const documented = (heading: string): string[] => {
    const section = doc.split(/\n#+ /).find((s) => s.startsWith(heading)) ?? '';
    return [...section.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]!).sort();
  };
  assert.deepEqual(Object.keys(action.inputs).sort(), documented('Inputs'));
  assert.deepEqual(Object.keys(action.outputs).sort(), documented('Outputs'));
  for (const name of ['claim', 'n', 'iterations', 'memory-mib', 'passes', 'report', 'fail-on-reject']) assert.ok(name in action.inputs, name);
  for (const [name, out] of Object.entries(action.outputs)) assert.equal(out.value, `\${{ steps.selftest.outputs.${name} }}`);
});

/** Evaluates the few expressions the action uses: inputs.X, and inputs.X == / != 'literal'. */
function evaluate(expr: string, inputs: Record<string, string>): string | boolean {
  const m = /^inputs\.([a-z-]+)(?:\s*(==|!=)\s*'([^']*)')?$/.exec(expr.trim());
  assert.ok(m, `expression the test cannot evaluate: ${expr}`);
  const value = inputs[m[1]!];
  assert.ok(value !== undefined, `unknown input ${m[1]}`);
  if (!m[2]) return value;
  return m[2] === '==' ? value === m[3] : value !== m[3];
}
const substitute = (s: string, inputs: Record<string, string>): string => s.replace(/\$\{\{(.*?)\}\}/g, (_, e: string) => String(evaluate(e, inputs)));

/** Runs the action's shell steps as a runner would; `uses` steps must be switched off by inputs. */
function runAction(given: Record<string, string>): { status: number | null; outputs: Record<string, string>; dir: string; stderr: string } {
  const inputs = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, given[k] ?? v.default ?? '']));
  const dir = mkdtempSync(join(scratch, 'action-'));
  const outputFile = join(dir, 'github-output');
  writeFileSync(outputFile, '');
  let status: number | null = 0;
  let stderr = '';
  for (const step of action.runs.steps) {
    if (step.if !== undefined && evaluate(step.if, inputs) !== true) continue;
    assert.ok(step.run, `step ${step.name} would run ${step.uses}`);
    const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, substitute(v, inputs)]));
    const cwd = join(dir, substitute(step['working-directory'] ?? '.', inputs));
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, ...env, GITHUB_ACTION_PATH: root, GITHUB_OUTPUT: outputFile, XDG_RUNTIME_DIR: '/tmp' },
      timeout: 120_000,
    });
    status = r.status;
    stderr += r.stderr + r.stdout;
    if (status !== 0) break;
  }
  const outputs = Object.fromEntries(readFileSync(outputFile, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { status, outputs, dir, stderr };
}

const SMALL = { setup: 'false', 'node-version': '', n: '64', iterations: '2', 'memory-mib': '8', passes: '2' };

test('the action accepts this adapter and sets class, score, accepted, report and json', () => {
  const r = runAction(SMALL);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.outputs, { class: 'software', score: '0', accepted: 'true', report: 'gpuproof-report.html', json: 'gpuproof.json' });
  assert.match(readFileSync(join(r.dir, 'gpuproof-report.html'), 'utf8'), /<html/i);
  assert.equal((JSON.parse(readFileSync(join(r.dir, 'gpuproof.json'), 'utf8')) as { accepted: boolean }).accepted, true);
});

test('a rejected claim fails the step, or only reports with fail-on-reject false', () => {
  const failed = runAction({ ...SMALL, claim: 'h100-sxm', report: '' });
  assert.equal(failed.status, 1, failed.stderr);
  assert.equal(failed.outputs.accepted, 'false');
  assert.equal(failed.outputs.class, 'software');
  assert.equal(failed.outputs.report, '', 'no report asked, none named');
  const reported = runAction({ ...SMALL, claim: 'h100-sxm', 'fail-on-reject': 'false' });
  assert.equal(reported.status, 0, reported.stderr);
  assert.equal(reported.outputs.accepted, 'false');
  assert.match(reported.stderr, /::warning::gpuproof selftest rejected/);
});

test('bad usage fails the step even with fail-on-reject false', () => {
  const bad = runAction({ ...SMALL, n: 'abc', 'fail-on-reject': 'false' });
  assert.equal(bad.status, 2, bad.stderr);
  assert.equal(bad.outputs.accepted, 'false');
  assert.equal(bad.outputs.class, '');
  assert.equal(runAction({ ...SMALL, 'fail-on-reject': 'maybe' }).status, 2);
});
