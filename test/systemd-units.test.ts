// The systemd units under examples/systemd: every option their ExecStart passes is one `serve`
// accepts, public keys come from .pub files, docs/deployment.md quotes the same ExecStart lines,
// and systemd's own verifier (where installed) finds nothing to say about them.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, REPO_ROOT } from './helpers/cli.js';

const unitDir = join(REPO_ROOT, 'examples/systemd');
const UNITS = ['gpuproof-agent.service', 'gpuproof-agent@.service'];
const unitText = (name: string): string => readFileSync(join(unitDir, name), 'utf8');

/** The ExecStart line with its continuations joined and whitespace collapsed. */
function execStart(text: string): string {
  const joined = text.replace(/\\\n/g, ' ');
  const line = joined.split('\n').find((l) => l.startsWith('ExecStart='));
  assert.ok(line, 'an ExecStart line');
  return line.replace(/\s+/g, ' ').trim();
}

let serveOptions: Set<string>;
before(async () => {
  await buildCli();
  const help = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/gpuproof.js'), 'serve', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  serveOptions = new Set([...help.stdout.matchAll(/^\s+(--[a-z][a-z-]*)/gm)].map((m) => m[1]!));
  assert.ok(serveOptions.has('--allow') && serveOptions.has('--key'), 'the help lists serve\'s options');
});

test('each unit runs `gpuproof serve` with options serve accepts, allowing validators by .pub file', () => {
  for (const name of UNITS) {
    const words = execStart(unitText(name)).split(' ');
    assert.deepEqual(words.slice(1, 3), ['/opt/gpuproof/bin/gpuproof.js', 'serve'], name);
    const flags = words.filter((w) => w.startsWith('--'));
    for (const flag of flags) assert.ok(serveOptions.has(flag), `${name}: serve has no ${flag}`);
    for (const required of ['--key', '--allow', '--host', '--port', '--grace']) assert.ok(flags.includes(required), `${name}: ${required}`);
    const allowed = words.filter((_, i) => words[i - 1] === '--allow');
    assert.ok(allowed.length > 0 && allowed.every((k) => k.endsWith('.pub')), `${name}: --allow takes public-key files, not secret keys`);
    assert.match(unitText(name), /^TimeoutStopSec=(\d+)$/m);
    const grace = Number(words[words.indexOf('--grace') + 1]);
    assert.ok(Number(/^TimeoutStopSec=(\d+)$/m.exec(unitText(name))![1]) > grace, `${name}: systemd must not kill a draining agent`);
  }
});

test('the per-card template gives each instance its own adapter, port, key and replay memory', () => {
  const text = unitText('gpuproof-agent@.service');
  assert.match(text, /^EnvironmentFile=\/etc\/gpuproof\/agent-%i\.env$/m);
  assert.match(text, /GPUPROOF_ADAPTER=/, 'the env file names the card');
  const words = execStart(text).split(' ');
  const arg = (flag: string): string | undefined => words[words.indexOf(flag) + 1];
  assert.equal(arg('--port'), '${GPUPROOF_PORT}');
  assert.match(arg('--key') ?? '', /%i/);
  assert.match(arg('--state') ?? '', /%i/);
  assert.ok(!words.includes('--adapter'), 'the adapter comes from GPUPROOF_ADAPTER in the env file');
});

test('docs/deployment.md quotes each unit\'s ExecStart and names its file', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs/deployment.md'), 'utf8');
  const docExecStarts = [...doc.replace(/\\\n/g, ' ').matchAll(/^\s*ExecStart=.*$/gm)].map((m) => m[0].replace(/\s+/g, ' ').trim());
  for (const name of UNITS) {
    assert.ok(docExecStarts.includes(execStart(unitText(name))), `${name}'s ExecStart is not the one the doc shows`);
    assert.ok(doc.includes(`examples/systemd/${name}`), `the doc links ${name}`);
  }
});

test('systemd-analyze verify has nothing to say about the units', (t) => {
  if (spawnSync('systemd-analyze', ['--version']).status !== 0) {
    t.skip('systemd-analyze is not installed here');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'gpuproof-units-'));
  try {
    // A template is verified as one of its instances.
    const files = UNITS.map((name) => {
      const path = join(dir, name.replace('@.', '@0.'));
      copyFileSync(join(unitDir, name), path);
      return path;
    });
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...files], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', 'no warnings');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
