// Class names and agent URLs are checked before any GPU or network work. Each bad case runs with
// GPUPROOF_ADAPTER naming no adapter (opening the GPU would fail with exit 1, code GPU) or
// against a listening server that counts requests, so "exit 2 naming the field" also proves the
// check came first. Good claims and URLs still go through. Also keygen's .pub file and pubkey.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, cliError, describeResult, runCli, type CliResult } from './helpers/cli.js';
import { checkClaim, editDistance, suggestClasses } from '../src/cli/claims.js';
import { httpUrlProblem } from '../src/cli/inputs.js';
import { PublicKeyFile } from '../src/protocol/keys.js';

let root = '';
let home = '';
let vkey = '';
let ekey = '';
let hits = 0;
let server: Server;
let port = 0;
/** Any GPU use in a process run with this fails with exit 1 (no adapter of that name). */
const NO_GPU = { GPUPROOF_ADAPTER: 'no-such-adapter-gpuproof-test' };

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gpuproof-inputs-'));
  home = join(root, 'home');
  await buildCli();
  vkey = join(root, 'validator.key');
  ekey = join(root, 'executor.key');
  for (const k of [vkey, ekey]) assert.equal((await runCli(['keygen', '--out', k], { home, cwd: root })).code, 0);
  server = createServer((_req, res) => {
    hits += 1;
    res.writeHead(503).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  if (root) rmSync(root, { recursive: true, force: true });
});

const run = (args: string[]): Promise<CliResult> => runCli([...args, '--json'], { home, cwd: root, env: NO_GPU });

/** Exit 2 with an INPUT error on `field` whose message contains every one of `words`. */
function assertInput(r: CliResult, field: string, words: string[]): void {
  assert.equal(r.code, 2, describeResult(r));
  const e = cliError(r);
  assert.equal(e.code, 'INPUT', describeResult(r));
  assert.equal(e.field, field, describeResult(r));
  for (const w of words) assert.ok(e.message.includes(w), `${w} not in ${e.message}`);
  assert.ok(r.stderr.includes(words[0] ?? ''), 'the message is on stderr too');
}

test('suggestions: prefixes and substrings first, then near misses by edit distance', () => {
  const ids = ['h200', 'h100-sxm', 'h100-pcie', 'a100-80gb', 'rtx-4090', 'rtx-3090', 'software'];
  assert.deepEqual(suggestClasses('h100', ids), ['h100-sxm', 'h100-pcie']);
  assert.deepEqual(suggestClasses('H100', ids), ['h100-sxm', 'h100-pcie']);
  assert.deepEqual(suggestClasses('rtx4090', ids), ['rtx-4090', 'rtx-3090']);
  assert.deepEqual(suggestClasses('softwre', ids), ['software']);
  assert.deepEqual(suggestClasses('zzzzzz', ids), []);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('h100-sxm', 'h100-sxm'), 0);
  assert.equal(checkClaim('h100-sxm'), 'h100-sxm');
  assert.equal(checkClaim('any'), 'any');
  assert.throws(() => checkClaim('any', 'claim', false), /unknown class any/);
  assert.throws(() => checkClaim('zzzzzz'), /one of any, h200/);
});

test('URLs: http or https with a host; a bare host:port gets the http:// suggestion', () => {
  for (const ok of ['http://127.0.0.1:8420', 'https://agent.example:443/', 'http://[::1]:8420']) assert.equal(httpUrlProblem(ok), null, ok);
  assert.match(httpUrlProblem('127.0.0.1:8420') ?? '', /did you mean http:\/\/127\.0\.0\.1:8420\?/);
  assert.match(httpUrlProblem('localhost:8420') ?? '', /did you mean http:\/\/localhost:8420\?/);
  for (const bad of ['ftp://host/', 'http://', 'http:host', 'mailto:a@b', '']) assert.notEqual(httpUrlProblem(bad), null, bad);
  assert.doesNotMatch(httpUrlProblem('ftp://host/') ?? '', /did you mean/);
});

test('selftest --claim h100 exits 2 before the adapter is opened, suggesting h100-sxm and h100-pcie', async () => {
  const t0 = performance.now();
  const r = await run(['selftest', '--claim', 'h100']);
  assertInput(r, 'claim', ['unknown class h100', 'did you mean h100-sxm, h100-pcie?']);
  assert.ok(performance.now() - t0 < 2000, 'within 2 s');
  // The same environment with a good claim reaches the GPU, and fails there: the check above came first.
  const good = await run(['selftest', '--claim', 'h100-sxm']);
  assert.equal(good.code, 1, describeResult(good));
  assert.equal(cliError(good).code, 'GPU');
});

test('challenge --claim: an unknown class exits 2 and writes nothing; a known one sizes the challenge', async () => {
  const out = join(root, 'c-bad.json');
  const before = readdirSync(root).sort();
  assertInput(await run(['challenge', '--key', vkey, '--executor', `${ekey}.pub`, '--claim', 'a100', '--out', out]), 'claim', ['did you mean a100-80gb, a100-40gb?']);
  assert.deepEqual(readdirSync(root).sort(), before, 'nothing written');
  const good = join(root, 'c-good.json');
  const r = await run(['challenge', '--key', vkey, '--executor', `${ekey}.pub`, '--claim', 'h100-sxm', '--out', good]);
  assert.equal(r.code, 0, describeResult(r));
  const body = (JSON.parse(readFileSync(good, 'utf8')) as { body: { claim: string; matmul: { n: number } } }).body;
  assert.equal(body.claim, 'h100-sxm');
  assert.equal(body.matmul.n, 4096, 'sized for the class, not the software default');
  const any = await run(['challenge', '--key', vkey, '--executor', `${ekey}.pub`, '--claim', 'any', '--n', '64', '--iterations', '1', '--out', join(root, 'c-any.json')]);
  assert.equal(any.code, 0, describeResult(any));
});

test('attest: a URL without a scheme, or an unknown claim, exits 2 before any request', async () => {
  hits = 0;
  assertInput(await run(['attest', `127.0.0.1:${port}`, '--key', vkey]), 'url', [`did you mean http://127.0.0.1:${port}?`]);
  assertInput(await run(['attest', `ftp://127.0.0.1:${port}`, '--key', vkey]), 'url', ['expected an http:// or https:// URL']);
  assertInput(await run(['attest', `http://127.0.0.1:${port}`, '--key', vkey, '--claim', 'rtx4090']), 'claim', ['did you mean rtx-4090']);
  assert.equal(hits, 0, 'no request reached the server');
  // A good URL and claim do reach it (and fail there: it answers 503).
  const reached = await run(['attest', `http://127.0.0.1:${port}`, '--key', vkey, '--claim', 'rtx-4090', '--timeout', '2']);
  assert.equal(reached.code, 1, describeResult(reached));
  assert.ok(hits > 0, 'the good URL was contacted');
});

test('validate: entries with a bare host or an unknown claim exit 2 naming the entry, before any request', async () => {
  hits = 0;
  const list = join(root, 'executors.json');
  writeFileSync(list, JSON.stringify([{ url: `http://127.0.0.1:${port}` }, { url: `127.0.0.1:${port}` }]));
  assertInput(await run(['validate', '--executors', list, '--key', vkey, '--db', join(root, 'v.db')]), 'executors.1.url', [`did you mean http://127.0.0.1:${port}?`]);
  writeFileSync(list, JSON.stringify([{ url: `http://127.0.0.1:${port}`, claim: 'h100' }]));
  assertInput(await run(['validate', '--executors', list, '--key', vkey, '--db', join(root, 'v.db')]), 'executors.0.claim', ['did you mean h100-sxm, h100-pcie?']);
  assert.equal(hits, 0);
});

test('keygen writes FILE and FILE.pub; the .pub holds the public half, readable by anyone', async () => {
  const key = join(root, 'k1.key');
  const r = await run(['keygen', '--out', key]);
  assert.equal(r.code, 0, describeResult(r));
  const kf = JSON.parse(readFileSync(key, 'utf8')) as { publicKey: string; secretKey: string };
  const pub = PublicKeyFile.parse(JSON.parse(readFileSync(`${key}.pub`, 'utf8')));
  assert.equal(pub.publicKey, kf.publicKey);
  assert.equal(r.json?.publicKey, kf.publicKey);
  assert.equal(r.json?.publicKeyPath, `${key}.pub`);
  assert.equal(statSync(key).mode & 0o777, 0o600);
  assert.equal(statSync(`${key}.pub`).mode & 0o777, 0o644, 'the .pub is not secret');
});

test('keygen refuses when FILE.pub exists, and writes neither file', async () => {
  const key = join(root, 'k2.key');
  writeFileSync(`${key}.pub`, 'mine\n');
  const before = readdirSync(root).sort();
  assertInput(await run(['keygen', '--out', key]), 'out', [`${key}.pub exists`]);
  assert.ok(!existsSync(key), 'no key file without its .pub');
  assert.equal(readFileSync(`${key}.pub`, 'utf8'), 'mine\n', 'the existing .pub is untouched');
  assert.deepEqual(readdirSync(root).sort(), before, 'no temporary file left');
  const both = join(root, 'k3.key');
  writeFileSync(both, 'mine\n');
  assertInput(await run(['keygen', '--out', both]), 'out', [`${both} exists`]);
  assert.ok(!existsSync(`${both}.pub`));
});

test('pubkey prints the same key from the key file, the .pub file and the base64 key', async () => {
  const want = (JSON.parse(readFileSync(vkey, 'utf8')) as { publicKey: string }).publicKey;
  for (const arg of [vkey, `${vkey}.pub`, want]) {
    const j = await run(['pubkey', arg]);
    assert.equal(j.code, 0, describeResult(j));
    assert.equal(j.json?.publicKey, want);
    const text = await runCli(['pubkey', arg], { home, cwd: root });
    assert.equal(text.stdout.trim(), want);
  }
  assertInput(await run(['pubkey', join(root, 'missing.pub')]), 'file', ['neither a base64 ed25519 public key']);
});
