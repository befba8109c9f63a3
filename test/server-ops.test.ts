// The agent's operator surface: /healthz (ready, device lost until reopened, draining), /metrics in
// Prometheus text whose counters move with real traffic, JSON-lines request logs naming client and
// signer, client aborts logged and counted as aborts (never as 500), and POST bodies refused with
// 415 unless declared JSON, before anything runs. The last test spawns `gpuproof serve` as an
// operator would and attests it once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type Agent } from '../src/server/agent.js';
import { attest } from '../src/server/attest.js';
import { readBody, RequestAborted } from '../src/server/http-util.js';
import { generateKeyPair, writeKeyFile } from '../src/protocol/keys.js';
import { issueChallenge } from '../src/roles/validator.js';
import { MemoryReplayStore } from '../src/roles/stores.js';
import { toB64 } from '../src/util/bytes.js';
import { dropDawnNotices } from '../src/gpu/native-stderr.js';
import { buildCli, cliError, runCli } from './helpers/cli.js';
import { errorOf, rawRequest, spawnServe } from './helpers/net.js';
import { PROCESS_LIMIT } from './helpers/limits.js';

const SIZE = { n: 64, iterations: 2 };
const validator = generateKeyPair();
const executor = generateKeyPair();
const lines: string[] = [];
let agent: Agent;

before(async () => {
  agent = await startAgent({
    keys: executor,
    allow: [toB64(validator.publicKey)],
    logFormat: 'json',
    log: (l) => lines.push(l),
    timeouts: { headersMs: 400, requestMs: 800 },
  });
}, PROCESS_LIMIT);

after(async () => {
  await agent?.close(2_000);
}, PROCESS_LIMIT);

const challenge = () => JSON.stringify(issueChallenge(validator, { executorKey: toB64(executor.publicKey), matmul: SIZE }, new MemoryReplayStore()));
const scrape = async (a: Agent = agent): Promise<string> => (await rawRequest(`${a.url}/metrics`, 'GET')).text;

/** One sample's value from Prometheus text: the line `name{labels} value`, labels in the order given; 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.keys(labels).length === 0 ? name : `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
  const line = text.split('\n').find((l) => l.startsWith(`${want} `));
  return line === undefined ? 0 : Number(line.slice(want.length + 1));
}

const logged = (): Record<string, unknown>[] => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
const waitFor = async (what: string, ok: () => boolean, ms = 5_000): Promise<void> => {
  for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
};

/** A raw connection that sends `head` and then nothing more until the test ends it. */
async function stalled(head: string): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(agent.port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let got = '';
  socket.on('data', (b: Buffer) => (got += b.toString('latin1')));
  socket.on('error', () => undefined);
  socket.write(head);
  return { socket, received: () => got };
}

const partialPost = (path: string, extra: string): string => `POST ${path} HTTP/1.1\r\nHost: agent\r\nContent-Type: application/json\r\n${extra}\r\n`;

test('GET /healthz answers 200 ready, and /metrics is Prometheus text with the agent\'s series', PROCESS_LIMIT, async () => {
  const h = await rawRequest(`${agent.url}/healthz`, 'GET');
  assert.deepEqual([h.status, h.json], [200, { status: 'ready' }]);
  const m = await rawRequest(`${agent.url}/metrics`, 'GET');
  assert.equal(m.status, 200);
  assert.match(String(m.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  for (const name of ['gpuproof_http_requests_total', 'gpuproof_runs_total', 'gpuproof_gpu_job_duration_seconds', 'gpuproof_refusals_total', 'gpuproof_device_losses_total', 'gpuproof_gpu_busy', 'process_resident_memory_bytes']) {
    assert.match(m.text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  assert.equal(sample(m.text, 'gpuproof_http_requests_total', { endpoint: '/healthz', status: '200' }), 1);
  assert.equal(sample(m.text, 'gpuproof_device_opens_total', { adapter: '0' }), 1);
  assert.match(m.text, /^gpuproof_gpu_job_duration_seconds_bucket\{le="600",job="challenge"\} 0$/m);
});

test('a POST not declared application/json gets 415 naming content-type, and runs nothing', PROCESS_LIMIT, async () => {
  const runs = agent.info().stats.runs;
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', '']) {
    const r = await rawRequest(`${agent.url}/v1/challenges`, 'POST', challenge(), { headers: { 'content-type': type } });
    assert.deepEqual([r.status, errorOf(r).code, errorOf(r).field], [415, 'INPUT', 'content-type'], `content-type ${JSON.stringify(type)}`);
  }
  const openings = await rawRequest(`${agent.url}/v1/openings`, 'POST', '{}', { headers: { 'content-type': 'text/plain' } });
  assert.equal(openings.status, 415);
  assert.equal(agent.info().stats.runs, runs, 'no challenge ran');
  const text = await scrape();
  assert.equal(sample(text, 'gpuproof_runs_total'), runs);
  assert.equal(sample(text, 'gpuproof_refusals_total', { status: '415', reason: 'content-type' }), 5);
  for (const type of ['application/json; charset=utf-8', 'Application/JSON']) {
    const ok = await rawRequest(`${agent.url}/v1/challenges`, 'POST', challenge(), { headers: { 'content-type': type } });
    assert.equal(ok.status, 200, `${type}: ${ok.text}`);
  }
  assert.equal(agent.info().stats.runs, runs + 2);
});

test('every request is one JSON log line: time, client, method, path, status, durationMs, signer', PROCESS_LIMIT, async () => {
  lines.length = 0;
  const body = challenge();
  assert.equal((await rawRequest(`${agent.url}/v1/challenges`, 'POST', body)).status, 200);
  assert.equal((await rawRequest(`${agent.url}/v1/info`, 'GET')).status, 200);
  await waitFor('two log lines', () => lines.length >= 2);
  const [post, info] = logged();
  assert.ok(post && info);
  assert.deepEqual(Object.keys(post).sort(), ['client', 'durationMs', 'event', 'method', 'path', 'signer', 'status', 'time']);
  assert.deepEqual([post.event, post.method, post.path, post.status, post.signer], ['request', 'POST', '/v1/challenges', 200, toB64(validator.publicKey)]);
  assert.match(String(post.client), /127\.0\.0\.1$/);
  assert.ok(typeof post.durationMs === 'number' && post.durationMs > 0);
  assert.ok(Math.abs(Date.parse(String(post.time)) - Date.now()) < 60_000 && String(post.time).endsWith('Z'));
  assert.deepEqual([info.path, info.status, info.signer], ['/v1/info', 200, null]);
});

/** Runs `cut` against a stalled request and checks it was logged and counted as an abort, not a 500. */
async function expectAbort(reason: string, head: string, cut: (s: Socket) => void | Promise<void>): Promise<string> {
  lines.length = 0;
  const before = await scrape();
  const s = await stalled(head);
  // Long enough for node:http to hand the request over: the cut then lands inside readBody.
  await new Promise((r) => setTimeout(r, 100));
  await cut(s.socket);
  await waitFor(`an aborted line (${reason})`, () => logged().some((l) => l.event === 'aborted'));
  const line = logged().find((l) => l.event === 'aborted');
  assert.deepEqual([line?.reason, line?.method, line?.path, line?.status], [reason, 'POST', '/v1/challenges', null], JSON.stringify(lines));
  assert.ok(!lines.some((l) => l.includes('internal error')), lines.join('\n'));
  const after = await scrape();
  assert.equal(sample(after, 'gpuproof_http_aborted_total', { endpoint: '/v1/challenges', reason }) - sample(before, 'gpuproof_http_aborted_total', { endpoint: '/v1/challenges', reason }), 1);
  assert.doesNotMatch(after, /status="5\d\d"/, 'no 5xx was counted');
  s.socket.destroy();
  return s.received();
}

test('a client that drops mid-body is logged and counted as aborted (client-closed), never as 500', PROCESS_LIMIT, async () => {
  await expectAbort('client-closed', `${partialPost('/v1/challenges', 'Content-Length: 5000\r\n')}{"type":"chall`, (s) => void s.destroy());
  await expectAbort('client-closed', `${partialPost('/v1/challenges', 'Transfer-Encoding: chunked\r\n')}8\r\n{"type":\r\n`, (s) => void s.end());
});

test('readBody rejects a body cut short as RequestAborted (client-closed), not as bad input', PROCESS_LIMIT, async () => {
  let settled: ((e: unknown) => void) | undefined;
  const outcome = new Promise<unknown>((r) => (settled = r));
  const server = createServer((req) => void readBody(req, 10_000).then(() => settled?.('resolved'), (e: unknown) => settled?.(e)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(`${partialPost('/', 'Content-Length: 100\r\n')}{"a":`);
  await new Promise((r) => setTimeout(r, 100));
  socket.destroy();
  const err = await outcome;
  server.close();
  assert.ok(err instanceof RequestAborted, String(err));
  assert.equal(err.reason, 'client-closed');
});

test('a slowloris body and a never-ending chunked body hit the request timeout: 408 sent, logged as aborted (timeout)', PROCESS_LIMIT, async () => {
  const slow = await expectAbort('timeout', `${partialPost('/v1/challenges', 'Content-Length: 5000\r\n')}{`, () => new Promise((r) => setTimeout(r, 1_500)));
  assert.match(slow, /^HTTP\/1\.1 408 /);
  await expectAbort('timeout', `${partialPost('/v1/challenges', 'Transfer-Encoding: chunked\r\n')}1\r\n{\r\n`, async (s) => {
    for (let i = 0; i < 15; i++) {
      s.write('1\r\n \r\n');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});

test('headers that never finish are cut at the header timeout and counted as a connection abort', PROCESS_LIMIT, async () => {
  const before = sample(await scrape(), 'gpuproof_http_aborted_total', { endpoint: 'none', reason: 'timeout' });
  const s = await stalled('POST /v1/challenges HTTP/1.1\r\nHost: agent\r\n');
  await new Promise((r) => s.socket.once('close', r));
  assert.match(s.received(), /^HTTP\/1\.1 408 /);
  assert.equal(sample(await scrape(), 'gpuproof_http_aborted_total', { endpoint: 'none', reason: 'timeout' }), before + 1);
});

test('/healthz is 503 device-lost after a device loss, and ready again once the slot has reopened', PROCESS_LIMIT, async () => {
  const slot = agent.slots[0];
  assert.ok(slot);
  const ctx = await slot.context();
  const losses = agent.info().stats.deviceLosses;
  ctx.device.destroy();
  await ctx.lost;
  const h = await rawRequest(`${agent.url}/healthz`, 'GET');
  assert.deepEqual([h.status, h.json], [503, { status: 'device-lost', adapters: [0] }]);
  // No challenge comes: the probe itself started the reopen in the background.
  await waitFor('the slot to reopen', () => agent.info().adapters[0]?.open === true, 30_000);
  assert.deepEqual((await rawRequest(`${agent.url}/healthz`, 'GET')).json, { status: 'ready' });
  const text = await scrape();
  assert.equal(sample(text, 'gpuproof_device_losses_total', { adapter: '0' }), losses + 1);
  assert.equal(sample(text, 'gpuproof_device_opens_total', { adapter: '0' }), agent.info().stats.deviceOpens);
});

test('a drop under a zero grace is logged as aborted (shutdown), and health says draining meanwhile', PROCESS_LIMIT, async () => {
  const own: string[] = [];
  const a = await startAgent({ keys: executor, allow: [toB64(validator.publicKey)], logFormat: 'json', log: (l) => own.push(l) });
  const socket = connect(a.port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((r) => socket.once('connect', r));
  socket.write(`${partialPost('/v1/challenges', 'Content-Length: 5000\r\n')}{`);
  await new Promise((r) => setTimeout(r, 150));
  const closing = a.close(0);
  assert.deepEqual(a.health(), { status: 'draining' });
  await closing;
  const aborted = own.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'aborted');
  assert.deepEqual(aborted.map((l) => [l.reason, l.path]), [['shutdown', '/v1/challenges']], own.join('\n'));
  assert.ok(!own.some((l) => l.includes('internal error')));
});

test('gpuproof serve answers /healthz and /metrics, and its counters move after one attest', PROCESS_LIMIT, async () => {
  const root = mkdtempSync(join(tmpdir(), 'gpuproof-ops-'));
  await buildCli();
  const key = join(root, 'executor.key');
  await writeKeyFile(key, executor);
  const bad = await runCli(['serve', '--key', key, '--allow', toB64(validator.publicKey), '--log-format', 'xml', '--json'], { home: root });
  assert.deepEqual([bad.code, cliError(bad).field], [2, 'log-format']);
  const serve = await spawnServe(['--key', key, '--allow', toB64(validator.publicKey), '--log-format', 'json'], root);
  try {
    assert.deepEqual((await rawRequest(`${serve.url}/healthz`, 'GET')).json, { status: 'ready' });
    const before = (await rawRequest(`${serve.url}/metrics`, 'GET')).text;
    const r = await attest({ keys: validator, url: serve.url, size: SIZE, rows: 8 });
    assert.equal(r.accepted, true, JSON.stringify(r.cards[0]?.reason));
    const after = (await rawRequest(`${serve.url}/metrics`, 'GET')).text;
    const moved = (name: string, labels?: Record<string, string>): number => sample(after, name, labels) - sample(before, name, labels);
    assert.equal(moved('gpuproof_runs_total'), 1);
    assert.equal(moved('gpuproof_openings_total'), 1);
    assert.equal(moved('gpuproof_http_requests_total', { endpoint: '/v1/challenges', status: '200' }), 1);
    assert.equal(moved('gpuproof_http_requests_total', { endpoint: '/v1/openings', status: '200' }), 1);
    assert.equal(moved('gpuproof_gpu_job_duration_seconds_count', { job: 'challenge' }), 1);
  } finally {
    const { code, stdout } = await serve.stop('SIGTERM');
    rmSync(root, { recursive: true, force: true });
    assert.equal(code, 0);
    // stdout stays the envelope lines; stderr is JSON lines only, the attest's POSTs signed by the validator.
    assert.deepEqual(stdout.trim().split('\n').map((l) => (JSON.parse(l) as { event: string }).event), ['listening', 'stopped']);
    // Dawn's own notices are native writes to fd 2, outside the log (src/gpu/native-stderr.ts).
    const log = dropDawnNotices(serve.stderr()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const posts = log.filter((l) => l.method === 'POST');
    assert.deepEqual(posts.map((l) => [l.path, l.status, l.signer]), [['/v1/challenges', 200, toB64(validator.publicKey)], ['/v1/openings', 200, toB64(validator.publicKey)]]);
  }
});

test('a SIGTERM sent the moment serve prints its listening line stops it cleanly (exit 0, stopped line)', PROCESS_LIMIT, async () => {
  const root = mkdtempSync(join(tmpdir(), 'gpuproof-ops-'));
  await buildCli();
  const key = join(root, 'executor.key');
  await writeKeyFile(key, executor);
  try {
    // The race is a supervisor reading the line before the handlers exist; a few tries catch it.
    for (let i = 0; i < 3; i++) {
      const serve = await spawnServe(['--key', key, '--allow', toB64(validator.publicKey)], root);
      const { code, signal, stdout } = await serve.stop('SIGTERM');
      assert.deepEqual([code, signal], [0, null], serve.stderr().slice(-500));
      assert.deepEqual(stdout.trim().split('\n').map((l) => (JSON.parse(l) as { event: string }).event), ['listening', 'stopped']);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
