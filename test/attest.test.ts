// serve, attest, validate and receipts as separate processes over loopback: an accepted receipt in
// the ledger; a validator SIGKILLed after sending its challenge (and again after the commitment)
// leaves a consistent, readable ledger and a fresh attest still works; validate covers a list with
// an unreachable executor; SIGTERM stops serve with exit 0 after finishing in-flight work.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../src/ledger/ledger.js';
import { parseMessage } from '../src/protocol/parse.js';
import { hashHex } from '../src/protocol/signing.js';
import { buildCli, cliError, describeResult, REPO_ROOT, runCli, type JsonObject } from './helpers/cli.js';
import { rawRequest, spawnServe, type ServeProcess } from './helpers/net.js';
import { PROCESS_LIMIT } from './helpers/limits.js';

let root = '';
let home = '';
let vkey = '';
let ekey = '';
let serve: ServeProcess;
const TINY = ['--n', '32', '--iterations', '2', '--rows', '8'];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gpuproof-attest-'));
  home = join(root, 'home');
  mkdirSync(home);
  await buildCli();
  vkey = join(root, 'validator.key');
  ekey = join(root, 'executor.key');
  for (const k of [vkey, ekey]) assert.equal((await runCli(['keygen', '--out', k], { home })).code, 0);
  serve = await spawnServe(['--key', ekey, '--allow', vkey], home);
}, PROCESS_LIMIT);

after(async () => {
  if (serve && serve.child.exitCode === null) await serve.stop('SIGKILL');
  if (root) rmSync(root, { recursive: true, force: true });
}, PROCESS_LIMIT);

test('serve and attest as two processes: accepted, and the receipt is in the ledger', PROCESS_LIMIT, async () => {
  const db = join(root, 'two-process.db');
  const r = await runCli(['attest', serve.url, '--key', vkey, '--db', db, '--json', ...TINY], { home });
  assert.equal(r.code, 0, describeResult(r));
  assert.equal(r.json?.accepted, true);
  const rtt = r.json?.rtt as { medianMs: number } | null;
  assert.ok(rtt && rtt.medianMs > 0);
  const list = await runCli(['receipts', '--db', db, '--json'], { home });
  assert.equal(list.code, 0, describeResult(list));
  const receipts = list.json?.receipts as { accepted: boolean; signatureValid: boolean; executorKey: string; class: string }[];
  assert.equal(receipts.length, 1);
  assert.deepEqual([receipts[0]?.accepted, receipts[0]?.signatureValid, receipts[0]?.executorKey, receipts[0]?.class], [true, true, serve.executorKey, 'software']);
  const filtered = await runCli(['receipts', '--db', db, '--executor', vkey, '--json'], { home });
  assert.deepEqual(filtered.json?.receipts, []);
});

test('attest with a memory proof: its own challenge first, its figures in the final receipt; a GPU claim fails on software', PROCESS_LIMIT, async () => {
  const db = join(root, 'memory.db');
  const r = await runCli(['attest', serve.url, '--key', vkey, '--db', db, '--json', '--memory-mib', '1', '--passes', '2', ...TINY], { home });
  assert.equal(r.code, 0, describeResult(r));
  const card = (r.json?.cards as { checks: { name: string; pass: boolean }[]; receipt: { body: { measured: Record<string, unknown>; class: string } } }[])[0];
  assert.ok(card?.checks.some((c) => c.name === 'memory.challenge' && c.pass), 'the memory challenge is a named check of the final receipt');
  const mem = card?.receipt.body.measured.memory as { capacityBytes: number; window: string } | undefined;
  assert.equal(mem?.capacityBytes, 2 ** 20);
  assert.equal(mem?.window, 'own', 'memory timed in its own window');
  assert.equal(card?.receipt.body.class, 'software');
  const list = await runCli(['receipts', '--db', db, '--json'], { home });
  assert.equal((list.json?.receipts as unknown[]).length, 2, 'the memory challenge and the final one each have a receipt');
  // Sizes given: the claimed class alone would size a memory and an integer proof for an H100.
  const claim = await runCli(['attest', serve.url, '--key', vkey, '--json', '--claim', 'h100-sxm', '--memory-mib', '1', '--passes', '2', '--alu-lanes', '256', '--alu-rounds', '16', ...TINY], { home });
  assert.equal(claim.code, 1, describeResult(claim));
});

/** A pass-through proxy in front of the agent that swallows the first request to `hold`. */
async function holdingProxy(target: string, hold: string): Promise<{ url: string; held: Promise<string>; server: Server }> {
  let seen: (body: string) => void = () => undefined;
  const held = new Promise<string>((r) => (seen = r));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url === hold) return seen(body); // never answered: the validator is killed waiting
      void fetch(`${target}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers: { 'content-type': 'application/json' }, ...(req.method === 'POST' ? { body } : {}) })
        .then(async (r) => {
          const text = await r.text();
          res.writeHead(r.status, { 'content-type': 'application/json' });
          res.end(text);
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, held, server };
}

async function killMidRun(db: string, hold: string): Promise<string> {
  const proxy = await holdingProxy(serve.url, hold);
  try {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'gpuproof.js'), 'attest', proxy.url, '--key', vkey, '--db', db, '--json', ...TINY], {
      env: { ...process.env, XDG_RUNTIME_DIR: '/tmp', GPUPROOF_HOME: home },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, s) => r(s)));
    const body = await Promise.race([proxy.held, exited.then(() => Promise.reject(new Error('attest exited before the held request')))]);
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    return body;
  } finally {
    proxy.server.closeAllConnections();
    proxy.server.close();
  }
}

test('a validator SIGKILLed mid-run leaves a consistent, readable ledger, and a fresh attest works', PROCESS_LIMIT, async () => {
  const db = join(root, 'killed.db');
  // Killed after sending the challenge: the challenge row was written before it left.
  const sent = parseMessage('challenge', JSON.parse(await killMidRun(db, '/v1/challenges')));
  // Killed after the commitment arrived, while waiting for openings.
  const request = parseMessage('open-request', JSON.parse(await killMidRun(db, '/v1/openings')));
  const ledger = Ledger.open(db, { mustExist: true });
  try {
    assert.deepEqual(ledger.check(), []);
    assert.equal(ledger.receipts().length, 0);
    const byId = new Map(ledger.challenges().map((c) => [c.id, c]));
    assert.equal(byId.get(sent.body.id)?.status, 'issued');
    assert.equal(byId.get(sent.body.id)?.hash, hashHex(sent));
    const answered = ledger.challenges({ status: 'answered' });
    assert.equal(answered.length, 1);
    assert.equal(answered[0]?.hash, request.body.challengeHash);
  } finally {
    ledger.close();
  }
  const read = await runCli(['receipts', '--db', db, '--json'], { home });
  assert.equal(read.code, 0, describeResult(read));
  assert.equal((read.json?.unfinished as unknown[]).length, 2);
  const fresh = await runCli(['attest', serve.url, '--key', vkey, '--db', db, '--json', ...TINY], { home });
  assert.equal(fresh.code, 0, describeResult(fresh));
  const after = Ledger.open(db, { mustExist: true });
  try {
    assert.deepEqual(after.check(), []);
    assert.equal(after.receipts().length, 1);
    assert.equal(after.receipts()[0]?.accepted, true);
  } finally {
    after.close();
  }
});

test('validate: bounded concurrency over a list, a machine group, one receipt per challenged executor, unreachable ones rejected', PROCESS_LIMIT, async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((r) => closed.close(() => r()));
  const file = join(root, 'executors.json');
  writeFileSync(file, JSON.stringify([
    // Two entries labelled one machine: challenged at once (the one-slot agent serves them in turn).
    { url: serve.url, publicKey: serve.executorKey, machine: 'rack-1' },
    { url: serve.url, claim: 'any', machine: 'rack-1' },
    { url: deadUrl, publicKey: serve.executorKey },
    { url: deadUrl },
  ]));
  const db = join(root, 'validate.db');
  const r = await runCli(['validate', '--executors', file, '--key', vkey, '--concurrency', '2', '--db', db, '--timeout', '30', '--json', ...TINY], { home, timeoutMs: 120_000 });
  assert.equal(r.code, 1, describeResult(r));
  const results = r.json?.results as JsonObject[];
  assert.deepEqual(results.map((x) => x.accepted), [true, true, false, false]);
  const rack = results.slice(0, 2).map((x) => (x.cards as { checks: { name: string; pass: boolean }[] }[])[0]?.checks.find((c) => c.name === 'machine.window')?.pass);
  assert.deepEqual(rack, [true, true]);
  const dead = results[2]?.cards as { reason: string }[];
  assert.match(dead[0]?.reason ?? '', /cannot reach/);
  assert.equal(results[3]?.cards && (results[3].cards as unknown[]).length, 0);
  assert.match(String((results[3]?.error as JsonObject).message), /cannot reach/);
  const ledger = Ledger.open(db, { mustExist: true });
  try {
    assert.equal(ledger.receipts().length, 3);
    assert.deepEqual(ledger.check(), []);
  } finally {
    ledger.close();
  }
  const human = await runCli(['validate', '--executors', file, '--key', vkey, '--db', db, '--timeout', '30', ...TINY], { home, timeoutMs: 120_000 });
  assert.match(human.stdout, /2 of 4 executors accepted/);
});

test('validate and serve refuse bad input with exit 2 naming the field', PROCESS_LIMIT, async () => {
  const bad = join(root, 'bad-executors.json');
  writeFileSync(bad, JSON.stringify([{ url: 'ftp://example' }]));
  const r = await runCli(['validate', '--executors', bad, '--key', vkey, '--json'], { home });
  assert.equal(r.code, 2, describeResult(r));
  assert.equal(cliError(r).field, 'executors.0.url');
  writeFileSync(bad, JSON.stringify([{ url: serve.url, extra: 1 }]));
  assert.equal(cliError(await runCli(['validate', '--executors', bad, '--key', vkey, '--json'], { home })).field, 'executors.0.extra');
  writeFileSync(bad, JSON.stringify([{ url: serve.url }, { url: serve.url, machine: 'rack 1' }]));
  assert.equal(cliError(await runCli(['validate', '--executors', bad, '--key', vkey, '--json'], { home })).field, 'executors.1.machine');
  const s = await runCli(['serve', '--key', ekey, '--allow', 'not-a-key', '--port', '0', '--json'], { home });
  assert.equal(s.code, 2, describeResult(s));
  assert.equal(cliError(s).field, 'allow.0');
  const a = await runCli(['attest', serve.url, '--key', vkey, '--n', '24', '--json'], { home });
  assert.equal(a.code, 2);
  assert.equal(cliError(a).field, 'n');
});

test('SIGTERM: serve finishes the in-flight challenge, refuses the rest, and exits 0', PROCESS_LIMIT, async () => {
  const own = await spawnServe(['--key', ekey, '--allow', vkey], join(root));
  const attest = runCli(['attest', own.url, '--key', vkey, '--n', '512', '--iterations', '4', '--json'], { home, timeoutMs: 120_000 });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const info = await rawRequest(`${own.url}/v1/info`, 'GET');
    if ((info.json as { adapters: { busy: boolean }[] }).adapters[0]?.busy) break;
    assert.ok(Date.now() < deadline, 'the challenge never started');
    await new Promise((r) => setTimeout(r, 5));
  }
  const stopped = await own.stop('SIGTERM');
  assert.equal(stopped.code, 0, own.stderr());
  assert.match(stopped.stdout, /"event":"stopped"/);
  const r = await attest;
  // The commitment came back; the openings found the agent gone.
  const card = (r.json?.cards as { reason: string; checks: { name: string }[] }[])[0];
  assert.equal(r.code, 1, describeResult(r));
  assert.equal(card?.checks[0]?.name, 'openings.delivery');
});
