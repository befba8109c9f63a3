// The reports from the command line: attest --report embeds the receipt the validator signed (and
// refuses --all-adapters before any work); selftest --report says it is unsigned.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, cliError, describeResult, runCli } from './helpers/cli.js';
import { spawnServe, type ServeProcess } from './helpers/net.js';

let root = '';
let home = '';
let vkey = '';
let serve: ServeProcess;
const TINY = ['--n', '32', '--iterations', '2', '--rows', '8'];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gpuproof-report-'));
  home = join(root, 'home');
  mkdirSync(home);
  await buildCli();
  vkey = join(root, 'validator.key');
  const ekey = join(root, 'executor.key');
  for (const k of [vkey, ekey]) assert.equal((await runCli(['keygen', '--out', k], { home })).code, 0);
  serve = await spawnServe(['--key', ekey, '--allow', vkey], home);
});

after(async () => {
  if (serve && serve.child.exitCode === null) await serve.stop('SIGKILL');
  if (root) rmSync(root, { recursive: true, force: true });
});

test('attest --report writes the page with the signed receipt; the validator is named as its signer', async () => {
  const report = join(root, 'attest.html');
  const r = await runCli(['attest', serve.url, '--key', vkey, '--report', report, '--json', ...TINY], { home });
  assert.equal(r.code, 0, describeResult(r));
  const html = readFileSync(report, 'utf8');
  const receipt = (r.json?.cards as { receipt: { signer: string; signature: string } }[])[0]?.receipt;
  assert.ok(receipt);
  assert.ok(html.includes(`signed by validator <code>${receipt.signer}</code>`));
  assert.ok(html.includes(receipt.signature), 'the receipt itself is embedded');
  assert.doesNotMatch(html, /Unsigned/);
});

test('attest --report with --all-adapters is refused before any challenge (exit 2, field report)', async () => {
  const report = join(root, 'all.html');
  const r = await runCli(['attest', serve.url, '--key', vkey, '--report', report, '--all-adapters', '--json', ...TINY], { home });
  assert.equal(r.code, 2, describeResult(r));
  assert.equal(cliError(r).field, 'report');
  assert.equal(existsSync(report), false);
});

test('selftest --report is marked unsigned self-test output and lists failures first', async () => {
  const report = join(root, 'selftest.html');
  const r = await runCli(['selftest', '--claim', 'h100-sxm', '--report', report, '--n', '64', '--iterations', '1', '--memory-mib', '1', '--passes', '2'], { home });
  assert.equal(r.code, 1, describeResult(r));
  const html = readFileSync(report, 'utf8');
  assert.match(html, /Unsigned self-test output/);
  assert.ok(html.indexOf('class.claim') < html.indexOf('<svg'), 'the failed claim before the chart');
  assert.match(r.stdout, /^REJECTED — class software/, 'human output starts with the verdict');
});
