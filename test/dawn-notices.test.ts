// Dawn's limit notices ("maxDynamic… artificially reduced") never reach the user's stderr, and
// whatever else native code prints while the adapter is found still does.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { dropDawnNotices } from '../src/gpu/native-stderr.js';
import { buildCli, REPO_ROOT } from './helpers/cli.js';

before(async () => {
  await buildCli();
});

const NOTICE = /artificially reduced/;
const TINY = ['selftest', '--n', '64', '--iterations', '1', '--memory-mib', '0', '--no-warmup'];

test('dropDawnNotices removes exactly the two limit notices and keeps every other line in order', () => {
  const text = [
    'ERROR: loader could not find an ICD',
    'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.',
    'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 500000 to 16 to fit dynamic offset allocation limit.',
    'Warning: maxBufferSize artificially reduced from 9 to 8.',
    '',
  ].join('\n');
  assert.equal(dropDawnNotices(text), 'ERROR: loader could not find an ICD\nWarning: maxBufferSize artificially reduced from 9 to 8.\n');
});

/**
 * Runs the CLI with its stderr a shell pipe, as `gpuproof … 2>&1 | tee log` gives it (Node's own
 * child pipes are sockets, which are not diverted: docs/decisions.md), and returns that stderr.
 */
function stderrThroughPipe(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const home = mkdtempSync(join(tmpdir(), 'gpuproof-notices-'));
  const cmd = `set -o pipefail; "$0" "$@" 2>&1 >/dev/null | cat`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', cmd, process.execPath, join(REPO_ROOT, 'bin', 'gpuproof.js'), ...args], {
      env: { ...process.env, XDG_RUNTIME_DIR: '/tmp', GPUPROOF_HOME: home, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr: Buffer.concat(out).toString('utf8') }));
  });
}

test('a GPU command prints none of Dawn\'s limit notices on stderr', async () => {
  const r = await stderrThroughPipe([...TINY, '--json'], {});
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, NOTICE, r.stderr);
});

test('native messages other than the notices still reach stderr (the Vulkan loader\'s, asked for)', async () => {
  const r = await stderrThroughPipe([...TINY, '--json'], { VK_LOADER_DEBUG: 'warn,info' });
  assert.equal(r.code, 0, r.stderr.slice(-600));
  assert.match(r.stderr, /^INFO: +Vulkan Loader Version/m, 'the loader\'s own lines are passed through');
  assert.doesNotMatch(r.stderr, NOTICE);
});
