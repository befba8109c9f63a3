// The agent's admission path over real HTTP, without a GPU: the executor and the autotuner are the
// CPU stand-in of test/helpers/cpu-executor.ts (honest proofs at n = 16), so what is tested is
// what the agent itself decides before any GPU work: the route and method, the allow list on the
// claimed signer, the signature, the challenge's own rules (executor key, expiry, clock skew,
// replay as 409), the pending and slot limits (429), and for an open request its binding to a
// pending challenge and that challenge's validator, once. test/server.test.ts runs the same
// agent on the GPU.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import { connect, type Socket } from 'node:net';
import { generateKeyPair, type KeyPair } from '../src/protocol/keys.js';
import { parseMessage } from '../src/protocol/parse.js';
import type { SignedChallenge, SignedCommitment, SignedOpenRequest } from '../src/protocol/schemas.js';
import { hashHex, signMessage } from '../src/protocol/signing.js';
import { issueChallenge, makeOpenRequest } from '../src/roles/validator.js';
import { verifyProof } from '../src/roles/verifier.js';
import { MemoryReplayStore } from '../src/roles/stores.js';
import { toB64 } from '../src/util/bytes.js';
import { cpuExecutor, fakeGpuContext } from './helpers/cpu-executor.js';
import { errorOf, postJson, rawRequest, type RawResponse } from './helpers/net.js';
import { NET_LIMIT } from './helpers/limits.js';

register('./helpers/cpu-agent-hooks.mjs', import.meta.url);
const { startAgent } = await import('../src/server/agent.js');
type Agent = Awaited<ReturnType<typeof startAgent>>;

const SIZE = { n: 16, iterations: 2 };
const validator = generateKeyPair();
const other = generateKeyPair(); // also allowed: a second validator of the same agent
const stranger = generateKeyPair(); // on no allow list
const executor = generateKeyPair();
const allow = [toB64(validator.publicKey), toB64(other.publicKey)];
const agents: Agent[] = [];

async function agentWith(opts: Partial<Parameters<typeof startAgent>[0]> = {}): Promise<Agent> {
  const a = await startAgent({ keys: executor, allow, openGpu: async () => fakeGpuContext(), ...opts });
  agents.push(a);
  return a;
}

let agent: Agent;
before(async () => {
  agent = await agentWith({ adapters: [undefined, undefined] });
}, NET_LIMIT);
after(async () => {
  await Promise.all(agents.map((a) => a.close(1000)));
}, NET_LIMIT);

const challengeBy = (keys: KeyPair, spec: { executorKey?: string; ttlMs?: number } = {}, now = Date.now()): SignedChallenge =>
  issueChallenge(keys, { executorKey: toB64(executor.publicKey), matmul: SIZE, ...spec }, new MemoryReplayStore(), now);
const post = (a: Agent, path: string, body: unknown): Promise<RawResponse> => postJson(`${a.url}${path}`, body);

/** A refusal: status, wire code and field, and nothing run or opened because of it. */
async function refused(a: Agent, path: string, body: unknown, status: number, code: string, field: string | null): Promise<RawResponse> {
  const runs = cpuExecutor.runs;
  const openings = cpuExecutor.openings;
  const r = await post(a, path, body);
  assert.equal(r.status, status, r.text);
  assert.deepEqual([errorOf(r).code, errorOf(r).field], [code, field], r.text);
  assert.equal(cpuExecutor.runs, runs, 'a refused request ran a proof');
  assert.equal(cpuExecutor.openings, openings, 'a refused request opened rows');
  return r;
}

async function commit(a: Agent, ch: SignedChallenge): Promise<{ commitment: SignedCommitment; slot: string }> {
  const r = await post(a, '/v1/challenges', ch);
  assert.equal(r.status, 200, r.text);
  return { commitment: parseMessage('commitment', r.json), slot: String(r.headers['x-gpuproof-adapter']) };
}

const openRequest = (keys: KeyPair, ch: SignedChallenge, c: SignedCommitment, rows = 4): SignedOpenRequest =>
  makeOpenRequest(keys, ch, c, { sentAt: ch.body.issuedAt, receivedAt: Date.now(), observedMs: 1 }, rows);

/** The same message with its body edited and its signature kept: the signer is right, the signature is not. */
function forged<T extends { body: object }>(msg: T, edit: Partial<T['body']>): T {
  return { ...msg, body: { ...msg.body, ...edit } };
}

describe('POST /v1/challenges', NET_LIMIT, () => {
  test('a challenge whose signer is on no allow list is refused 403 on signer, before anything runs', async () => {
    await refused(agent, '/v1/challenges', challengeBy(stranger), 403, 'REFUSED', 'signer');
  });

  test('an allowed signer with a signature that does not verify is refused 403 on signature', async () => {
    const ch = challengeBy(validator);
    await refused(agent, '/v1/challenges', forged(ch, { seed: 'ab'.repeat(32) }), 403, 'REFUSED', 'signature');
    // Signed by the stranger but claiming the allowed validator as signer.
    const resigned = { ...signMessage('challenge', ch.body, stranger.secretKey), signer: ch.signer };
    await refused(agent, '/v1/challenges', resigned, 403, 'REFUSED', 'signature');
  });

  test('the challenge\'s own rules: another executor key, expired, issued in the future: 403 naming the field', async () => {
    await refused(agent, '/v1/challenges', challengeBy(validator, { executorKey: toB64(stranger.publicKey) }), 403, 'REFUSED', 'body.executorKey');
    await refused(agent, '/v1/challenges', challengeBy(validator, { ttlMs: 60_000 }, Date.now() - 61_000), 403, 'REFUSED', 'body.expiresAt');
    await refused(agent, '/v1/challenges', challengeBy(validator, {}, Date.now() + 6 * 60_000), 403, 'REFUSED', 'body.issuedAt');
  });

  test('a challenge already run is a replay: 409 on body.id, and not run again', async () => {
    const ch = challengeBy(validator);
    await commit(agent, ch);
    await refused(agent, '/v1/challenges', ch, 409, 'REPLAY', 'body.id');
  });

  test('a challenge id the replay store already holds is refused as a replay before any GPU time', async () => {
    const replay = new MemoryReplayStore();
    const a = await agentWith({ replay });
    const ch = challengeBy(validator);
    replay.remember(ch.body.id, ch.body.expiresAt);
    await refused(a, '/v1/challenges', ch, 409, 'REPLAY', 'body.id');
  });

  test('with every slot busy, or as many challenges pending as allowed, a valid challenge gets 429 with Retry-After', async () => {
    const a = await agentWith();
    const slot = a.slots[0];
    assert.ok(slot !== undefined && slot.tryAcquire());
    const r = await refused(a, '/v1/challenges', challengeBy(validator), 429, 'BUSY', null);
    assert.match(String(r.headers['retry-after']), /^[1-9][0-9]*$/);
    slot.release();
    await commit(a, challengeBy(validator));

    const none = await agentWith({ maxPending: 0 });
    await refused(none, '/v1/challenges', challengeBy(validator), 429, 'BUSY', null);
    const one = await agentWith({ maxPending: 1 });
    await commit(one, challengeBy(validator));
    await refused(one, '/v1/challenges', challengeBy(validator), 429, 'BUSY', null);
  });
  test('admission comes before any slot: with every slot busy or no room for pending state, a bad challenge is still 403 and a replay 409', async () => {
    const a = await agentWith();
    const seen = challengeBy(validator);
    await commit(a, seen);
    assert.ok(a.slots[0]?.tryAcquire());
    await refused(a, '/v1/challenges', challengeBy(validator, { executorKey: toB64(stranger.publicKey) }), 403, 'REFUSED', 'body.executorKey');
    await refused(a, '/v1/challenges', seen, 409, 'REPLAY', 'body.id');
    a.slots[0]?.release();
    const full = await agentWith({ maxPending: 0 });
    await refused(full, '/v1/challenges', challengeBy(validator, {}, Date.now() + 6 * 60_000), 403, 'REFUSED', 'body.issuedAt');
  });
});

describe('POST /v1/openings', NET_LIMIT, () => {
  test('the honest exchange: the openings answer the request and verify', async () => {
    const ch = challengeBy(validator);
    const { commitment } = await commit(agent, ch);
    const request = openRequest(validator, ch, commitment);
    const r = await post(agent, '/v1/openings', request);
    assert.equal(r.status, 200, r.text);
    const openings = parseMessage('openings', r.json);
    const v = verifyProof({ challenge: ch, commitment, request, openings }, toB64(validator.publicKey));
    assert.equal(v.accepted, true, JSON.stringify(v.checks.filter((c) => !c.pass)));
  });

  test('an open request from a key on no allow list (403 signer), or with a bad signature (403 signature), opens nothing', async () => {
    const ch = challengeBy(validator);
    const { commitment } = await commit(agent, ch);
    await refused(agent, '/v1/openings', openRequest(stranger, ch, commitment), 403, 'REFUSED', 'signer');
    await refused(agent, '/v1/openings', forged(openRequest(validator, ch, commitment), { rows: [{ k: 1, i: 3 }] }), 403, 'REFUSED', 'signature');
  });

  test('an open request for no pending challenge is 404 on body.challengeHash', async () => {
    const ch = challengeBy(validator);
    const { commitment } = await commit(agent, ch);
    const req = openRequest(validator, ch, commitment);
    const unknown = signMessage('open-request', { ...req.body, challengeHash: 'ab'.repeat(32) }, validator.secretKey);
    await refused(agent, '/v1/openings', unknown, 404, 'NOT_FOUND', 'body.challengeHash');
  });

  test('an allowed key that did not issue the challenge may not open it: 403 on signer', async () => {
    const ch = challengeBy(validator);
    const { commitment } = await commit(agent, ch);
    await refused(agent, '/v1/openings', openRequest(other, ch, commitment), 403, 'REFUSED', 'signer');
    // The issuing validator still can.
    assert.equal((await post(agent, '/v1/openings', openRequest(validator, ch, commitment))).status, 200);
  });

  test('rows are drawn once: the same request is answered again identically, another one is 409 on body', async () => {
    const ch = challengeBy(validator);
    const { commitment } = await commit(agent, ch);
    const first = openRequest(validator, ch, commitment);
    const a = await post(agent, '/v1/openings', first);
    assert.equal(a.status, 200, a.text);
    const opened = cpuExecutor.openings;
    const again = await post(agent, '/v1/openings', first);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.text, a.text);
    assert.equal(cpuExecutor.openings, opened, 'a repeat is answered from the cache');
    await refused(agent, '/v1/openings', openRequest(validator, ch, commitment), 409, 'REPLAY', 'body');
  });

  test('the same request while its openings are being computed is 429; the first is answered', async () => {
    const ch = challengeBy(validator);
    const { commitment } = await commit(agent, ch);
    const request = openRequest(validator, ch, commitment);
    let open!: () => void;
    cpuExecutor.gate = new Promise((r) => (open = r));
    try {
      const first = post(agent, '/v1/openings', request);
      while (cpuExecutor.openings === 0 || !agent.slots.some((s) => s.isBusy)) await new Promise((r) => setTimeout(r, 5));
      const r = await post(agent, '/v1/openings', request);
      assert.equal(r.status, 429, r.text);
      assert.equal(errorOf(r).code, 'BUSY');
      open();
      assert.equal((await first).status, 200);
    } finally {
      cpuExecutor.gate = undefined;
      open();
    }
  });

  test('openings run on the slot that ran the challenge when it is free, on another when not, else 429', async () => {
    const a = await agentWith({ adapters: [undefined, undefined] });
    const [s0, s1] = a.slots;
    assert.ok(s0 && s1);
    // The challenge runs on slot 1 while slot 0 is held.
    assert.ok(s0.tryAcquire());
    const ch = challengeBy(validator);
    const { commitment, slot } = await commit(a, ch);
    assert.equal(slot, '1');
    s0.release();
    const r = await post(a, '/v1/openings', openRequest(validator, ch, commitment));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-gpuproof-adapter'], '1', 'the challenge\'s own slot is preferred');

    const ch2 = challengeBy(validator);
    const c2 = await commit(a, ch2);
    assert.equal(c2.slot, '0');
    assert.ok(s0.tryAcquire());
    const r2 = await post(a, '/v1/openings', openRequest(validator, ch2, c2.commitment));
    assert.equal(r2.headers['x-gpuproof-adapter'], '1', 'another slot when the challenge\'s own is busy');
    assert.ok(s1.tryAcquire());
    const ch3 = challengeBy(validator);
    s0.release();
    const c3 = await commit(a, ch3);
    assert.ok(s0.tryAcquire());
    await refused(a, '/v1/openings', openRequest(validator, ch3, c3.commitment), 429, 'BUSY', null);
    s0.release();
    s1.release();
  });
});

describe('routes', NET_LIMIT, () => {
  test('a path nobody serves is 404, a wrong method 405 naming the allowed one', async () => {
    const unknown = await rawRequest(`${agent.url}/v1/nothing`, 'GET');
    assert.equal(unknown.status, 404);
    assert.equal(errorOf(unknown).code, 'NOT_FOUND');
    const get = await rawRequest(`${agent.url}/v1/challenges`, 'GET');
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
    const postInfo = await rawRequest(`${agent.url}/v1/info`, 'POST', '{}');
    assert.equal(postInfo.status, 405);
    assert.equal(postInfo.headers.allow, 'GET');
    assert.equal((await rawRequest(`${agent.url}/v1/info`, 'GET')).status, 200);
  });

  test('a POST not declared application/json is 415 on content-type and runs nothing; GET needs no type', async () => {
    const runs = cpuExecutor.runs;
    const r = await rawRequest(`${agent.url}/v1/challenges`, 'POST', JSON.stringify(challengeBy(validator)), { headers: { 'content-type': 'text/plain' } });
    assert.equal(r.status, 415);
    assert.equal(errorOf(r).field, 'content-type');
    assert.equal(cpuExecutor.runs, runs);
    assert.equal((await rawRequest(`${agent.url}/healthz`, 'GET', undefined, { headers: { 'content-type': 'text/plain' } })).status, 200);
  });
});

test('while the agent drains, a request whose headers end after close() is 503, except /healthz (draining) and /metrics', NET_LIMIT, async () => {
  const a = await agentWith();
  const port = Number(new URL(a.url).port);
  const sockets: { s: Socket; out: () => string }[] = [];
  const open = (): { s: Socket; out: () => string } => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('data', (b: Buffer) => chunks.push(b));
    s.on('error', () => undefined);
    const c = { s, out: () => Buffer.concat(chunks).toString('utf8') };
    sockets.push(c);
    return c;
  };
  let release!: () => void;
  cpuExecutor.gate = new Promise((r) => (release = r));
  try {
    // A challenge held in its run keeps the drain waiting; three requests have sent all but the
    // end of their headers (a connection mid-request is not idle, so it is not closed).
    const body = JSON.stringify(challengeBy(validator));
    open().s.write(`POST /v1/challenges HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    while (!a.slots[0]?.isBusy) await new Promise((r) => setTimeout(r, 5));
    const [health, info, metrics] = ['/healthz', '/v1/info', '/metrics'].map((path) => {
      const c = open();
      c.s.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n`);
      return c;
    });
    await new Promise((r) => setTimeout(r, 50));
    const closing = a.close(5000);
    await new Promise((r) => setTimeout(r, 50));
    for (const c of [health, info, metrics]) c?.s.write('\r\n');
    const answered = async (c: { out: () => string } | undefined): Promise<string> => {
      for (let i = 0; i < 400 && !/\r\n\r\n/.test(c?.out() ?? ''); i++) await new Promise((r) => setTimeout(r, 5));
      return c?.out() ?? '';
    };
    const h = await answered(health);
    const i = await answered(info);
    const m = await answered(metrics);
    assert.match(h, /^HTTP\/1\.1 503 /, h);
    assert.match(h, /"status":"draining"/, h);
    assert.match(i, /^HTTP\/1\.1 503 /, i);
    assert.match(i, /"code":"UNAVAILABLE"/, i);
    // The refusal also ends the connection, so a keep-alive client does not send the next request there.
    assert.match(i, /\r\nconnection: close\r\n/i, i);
    assert.match(m, /^HTTP\/1\.1 200 /, m);
    release();
    await closing;
  } finally {
    cpuExecutor.gate = undefined;
    release();
    for (const c of sockets) c.s.destroy();
  }
});

test('the challenge hash keys the pending state: a request naming it opens exactly that proof', NET_LIMIT, async () => {
  const ch = challengeBy(validator);
  const { commitment } = await commit(agent, ch);
  const request = openRequest(validator, ch, commitment, 2);
  assert.equal(request.body.challengeHash, hashHex(ch));
  const r = await post(agent, '/v1/openings', request);
  assert.equal(r.status, 200, r.text);
  assert.equal(parseMessage('openings', r.json).body.requestHash, hashHex(request));
});
