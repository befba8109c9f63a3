// The agent over real HTTP on loopback with the software adapter: an honest round trip, the
// allow list (403 with no GPU run), every malformed input of the shared table against both POST
// endpoints (400 naming the field, 413 past the size cap), replays (409), one challenge per GPU
// (429), openings answered once, state freed at expiry, and device loss recovered. Several GPUs:
// test/machine.test.ts. Sizes are tiny (n = 32, K = 2): the point is the wire, not the GPU.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startAgent, type Agent } from '../src/server/agent.js';
import type { GpuSlot } from '../src/server/slots.js';
import { attest } from '../src/server/attest.js';
import { AgentInfo, MAX_CHALLENGE_BYTES, MAX_OPEN_REQUEST_BYTES } from '../src/server/wire.js';
import { generateKeyPair, type KeyPair } from '../src/protocol/keys.js';
import { parseMessage } from '../src/protocol/parse.js';
import type { MessageType, SignedChallenge, SignedCommitment } from '../src/protocol/schemas.js';
import { PROTOCOL_VERSION } from '../src/protocol/schemas.js';
import { hashHex, signMessage, verifySignature } from '../src/protocol/signing.js';
import { issueChallenge, makeOpenRequest, MEMORY_ONLY_MATMUL } from '../src/roles/validator.js';
import { verifyProof } from '../src/roles/verifier.js';
import { MIN_PASSES } from '../src/proofs/memory-size.js';
import { MemoryReplayStore } from '../src/roles/stores.js';
import { toB64 } from '../src/util/bytes.js';
import { malformedCases } from './helpers/malformed.js';
import { errorOf, postJson, rawRequest, type RawResponse } from './helpers/net.js';
import { GPU_LIMIT } from './helpers/limits.js';

const SIZE = { n: 32, iterations: 2 };
const validator = generateKeyPair();
const stranger = generateKeyPair();
const executor = generateKeyPair();
let agent: Agent;

before(async () => {
  agent = await startAgent({ keys: executor, allow: [toB64(validator.publicKey)] });
}, GPU_LIMIT);

after(async () => {
  await agent?.close(5_000);
}, GPU_LIMIT);

const challengeFrom = (keys: KeyPair, ttlMs?: number): SignedChallenge =>
  issueChallenge(keys, { executorKey: toB64(executor.publicKey), matmul: SIZE, ...(ttlMs ? { ttlMs } : {}) }, new MemoryReplayStore());
const stats = (): AgentInfo['stats'] => agent.info().stats;
const url = (path: string, a: Agent = agent): string => `${a.url}${path}`;

async function commit(ch: SignedChallenge, a: Agent = agent): Promise<SignedCommitment> {
  const r = await postJson(url('/v1/challenges', a), ch);
  assert.equal(r.status, 200, r.text);
  return parseMessage('commitment', r.json);
}

const openRequestFor = (ch: SignedChallenge, c: SignedCommitment, keys: KeyPair = validator, rows = 4) =>
  makeOpenRequest(keys, ch, c, { sentAt: ch.body.issuedAt, receivedAt: Date.now(), observedMs: 1 }, rows);

test('GET /v1/info names the executor key, the adapter, the features and the limits', GPU_LIMIT, async () => {
  const r = await rawRequest(url('/v1/info'), 'GET');
  assert.equal(r.status, 200);
  const info = AgentInfo.parse(r.json);
  assert.equal(info.executorKey, toB64(executor.publicKey));
  assert.equal(info.protocol, PROTOCOL_VERSION);
  assert.deepEqual(info.features, ['matmul', 'memory', 'alu']);
  assert.equal(info.adapters.length, 1);
  assert.equal(info.adapters[0]?.software, true);
  assert.deepEqual(info.limits, { challengeBytes: MAX_CHALLENGE_BYTES, openRequestBytes: MAX_OPEN_REQUEST_BYTES });
});

test('an honest round trip over HTTP is accepted with a signed receipt', GPU_LIMIT, async () => {
  const before = stats();
  const r = await attest({ keys: validator, url: agent.url, size: SIZE, rows: 8 });
  assert.equal(r.accepted, true, JSON.stringify(r.cards[0]?.checks.filter((c) => !c.pass)));
  const card = r.cards[0];
  assert.ok(card && verifySignature(card.receipt) && card.receipt.body.accepted);
  assert.equal(card.receipt.body.class, 'software');
  assert.ok(r.rtt && r.rtt.samples.length === 3 && r.windowMs !== null && r.windowMs > 0);
  assert.deepEqual([stats().runs - before.runs, stats().openings - before.openings], [1, 1]);
});

test('an unknown validator key, or a forged signature, gets 403 before any GPU work', GPU_LIMIT, async () => {
  const before = stats();
  // Even while the GPU is busy the answer is 403, not 429: the key is judged first.
  const honest = postJson(url('/v1/challenges'), challengeFrom(validator));
  const r = await postJson(url('/v1/challenges'), challengeFrom(stranger));
  assert.equal(r.status, 403, r.text);
  assert.deepEqual([errorOf(r).code, errorOf(r).field], ['REFUSED', 'signer']);
  const real = challengeFrom(validator);
  const forged = { ...real, signature: signMessage('challenge', real.body, stranger.secretKey).signature };
  const f = await postJson(url('/v1/challenges'), forged);
  assert.equal(f.status, 403);
  assert.equal(errorOf(f).field, 'signature');
  assert.equal((await honest).status, 200);
  // The stranger's open request for a real pending commitment is refused the same way.
  const ch = challengeFrom(validator);
  const c = await commit(ch);
  const o = await postJson(url('/v1/openings'), openRequestFor(ch, c, stranger));
  assert.equal(o.status, 403);
  assert.equal(errorOf(o).field, 'signer');
  const after = stats();
  assert.equal(after.runs - before.runs, 2, 'only the two allowed challenges ran');
  assert.equal(after.openings, before.openings, 'no openings were computed');
});

/** 400 naming the table's field, or 413 (field `$`) when the text is over the endpoint's cap. */
async function runTable(path: string, type: MessageType, valid: unknown, limit: number): Promise<number> {
  const failures: string[] = [];
  const cases = malformedCases(type, valid);
  for (const c of cases) {
    const r = await rawRequest(url(path), 'POST', c.text);
    const over = Buffer.byteLength(c.text) > limit;
    const want = over ? { status: 413, field: '$' } : { status: 400, field: c.field };
    let got: { status: number; field: string | null; code?: string } = { status: r.status, field: null };
    try {
      got = { status: r.status, field: errorOf(r).field, code: errorOf(r).code };
    } catch {
      // no error body: reported below
    }
    if (got.status !== want.status || got.field !== want.field || got.code !== 'INPUT') failures.push(`${c.name}: want ${want.status} ${want.field}, got ${got.status} ${got.code} ${got.field} ${r.text.slice(0, 200)}`);
  }
  assert.deepEqual(failures, []);
  return cases.length;
}

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/signatures.json', import.meta.url), 'utf8')) as { messages: Record<MessageType, { envelope: unknown }> };

test('the shared malformed-input table: POST /v1/challenges answers 400/413 naming the field, and runs nothing', GPU_LIMIT, async () => {
  const before = stats();
  const n = await runTable('/v1/challenges', 'challenge', fixtures.messages.challenge.envelope, MAX_CHALLENGE_BYTES);
  assert.ok(n > 100);
  assert.equal(stats().runs, before.runs);
  assert.equal(stats().malformed - before.malformed, n);
});

test('the shared malformed-input table: POST /v1/openings answers 400/413 naming the field, and opens nothing', GPU_LIMIT, async () => {
  const before = stats();
  const n = await runTable('/v1/openings', 'open-request', fixtures.messages['open-request'].envelope, MAX_OPEN_REQUEST_BYTES);
  assert.ok(n > 50);
  assert.equal(stats().openings, before.openings);
});

test('wrong message types, wrong methods, unknown paths and oversized bodies', GPU_LIMIT, async () => {
  const wrongType = await postJson(url('/v1/challenges'), fixtures.messages.commitment.envelope);
  assert.deepEqual([wrongType.status, errorOf(wrongType).field], [400, 'type']);
  const reqAsChallenge = await postJson(url('/v1/openings'), fixtures.messages.challenge.envelope);
  assert.deepEqual([reqAsChallenge.status, errorOf(reqAsChallenge).field], [400, 'type']);
  const get = await rawRequest(url('/v1/challenges'), 'GET');
  assert.deepEqual([get.status, get.headers.allow], [405, 'POST']);
  assert.equal((await rawRequest(url('/v1/nope'), 'GET')).status, 404);
  // A valid challenge padded past 1 MiB is refused by size before it is parsed, with or without a length.
  const padded = `${JSON.stringify(challengeFrom(validator))}${' '.repeat(MAX_CHALLENGE_BYTES)}`;
  for (const chunked of [false, true]) {
    const r = await rawRequest(url('/v1/challenges'), 'POST', padded, { chunked });
    assert.deepEqual([r.status, errorOf(r).field, errorOf(r).code], [413, '$', 'INPUT'], `chunked=${chunked}`);
  }
  const notUtf8 = await rawRequest(url('/v1/challenges'), 'POST', Buffer.from([0x7b, 0xff, 0x7d]));
  assert.deepEqual([notUtf8.status, errorOf(notUtf8).field], [400, '$']);
});

test('a replayed challenge is refused with 409 and not run again', GPU_LIMIT, async () => {
  const ch = challengeFrom(validator);
  await commit(ch);
  const runs = stats().runs;
  const again = await postJson(url('/v1/challenges'), ch);
  assert.equal(again.status, 409);
  assert.deepEqual([errorOf(again).code, errorOf(again).field], ['REPLAY', 'body.id']);
  assert.equal(stats().runs, runs);
});

test('challenges for another executor, or expired, are refused with 403 naming the field', GPU_LIMIT, async () => {
  const other = issueChallenge(validator, { executorKey: toB64(stranger.publicKey), matmul: SIZE }, new MemoryReplayStore());
  const r = await postJson(url('/v1/challenges'), other);
  assert.deepEqual([r.status, errorOf(r).field], [403, 'body.executorKey']);
  const old = issueChallenge(validator, { executorKey: toB64(executor.publicKey), matmul: SIZE, ttlMs: 1 }, new MemoryReplayStore(), Date.now() - 10_000);
  const e = await postJson(url('/v1/challenges'), old);
  assert.deepEqual([e.status, errorOf(e).field], [403, 'body.expiresAt']);
});

test('one challenge at a time per GPU: others get 429 with Retry-After, and the agent stays up', GPU_LIMIT, async () => {
  const slot = agent.slots[0] as GpuSlot;
  assert.ok(slot.tryAcquire(), 'the slot is free between tests');
  let held: RawResponse[];
  try {
    held = await Promise.all(Array.from({ length: 5 }, () => postJson(url('/v1/challenges'), challengeFrom(validator))));
  } finally {
    slot.release();
  }
  for (const r of held) {
    assert.equal(r.status, 429, r.text);
    assert.equal(errorOf(r).code, 'BUSY');
    assert.match(String(r.headers['retry-after']), /^[1-9][0-9]*$/);
  }
  // A real burst: at least one runs, the rest are 429, nothing else.
  const burst = await Promise.all(Array.from({ length: 6 }, () => postJson(url('/v1/challenges'), challengeFrom(validator))));
  const codes = burst.map((r) => r.status);
  assert.ok(codes.includes(200) && codes.every((s) => s === 200 || s === 429), codes.join(','));
  assert.equal((await rawRequest(url('/v1/info'), 'GET')).status, 200);
  await commit(challengeFrom(validator));
});

test('openings: the same request is answered again identically, another request 409, an unknown hash 404', GPU_LIMIT, async () => {
  const ch = challengeFrom(validator);
  const c = await commit(ch);
  const req = openRequestFor(ch, c);
  const a = await postJson(url('/v1/openings'), req);
  const b = await postJson(url('/v1/openings'), req);
  assert.equal(a.status, 200, a.text);
  assert.deepEqual(b.json, a.json);
  const other = await postJson(url('/v1/openings'), openRequestFor(ch, c, validator, 5));
  assert.deepEqual([other.status, errorOf(other).code], [409, 'REPLAY']);
  const unknown = openRequestFor(challengeFrom(validator), c);
  const u = await postJson(url('/v1/openings'), unknown);
  assert.deepEqual([u.status, errorOf(u).field], [404, 'body.challengeHash']);
});

test('state kept for openings is freed when the challenge expires', GPU_LIMIT, async () => {
  const ch = challengeFrom(validator, 2_500);
  const pending = stats().pending;
  const c = await commit(ch);
  assert.equal(stats().pending, pending + 1);
  await new Promise((r) => setTimeout(r, Math.max(0, ch.body.expiresAt - Date.now()) + 150));
  assert.equal(stats().pending, pending, 'the timer freed the entry');
  const r = await postJson(url('/v1/openings'), openRequestFor(ch, c));
  assert.deepEqual([r.status, errorOf(r).field], [404, 'body.challengeHash']);
});

test('a lost device is replaced on the next request', GPU_LIMIT, async () => {
  const slot = agent.slots[0];
  assert.ok(slot);
  const ctx = await slot.context();
  const before = stats();
  ctx.device.destroy();
  await ctx.lost;
  const r = await attest({ keys: validator, url: agent.url, size: SIZE, rows: 4 });
  assert.equal(r.accepted, true, JSON.stringify(r.cards[0]?.reason));
  assert.equal(stats().deviceLosses, before.deviceLosses + 1);
  assert.equal(stats().deviceOpens, before.deviceOpens + 1);
});

test('a challenge with the memory proof is answered over HTTP and verifies', GPU_LIMIT, async () => {
  const ch = issueChallenge(validator, { executorKey: toB64(executor.publicKey), matmul: MEMORY_ONLY_MATMUL, memory: { mib: 1, passes: MIN_PASSES } }, new MemoryReplayStore());
  const c = await commit(ch);
  assert.ok(c.body.memory, 'the commitment has a memory root');
  const request = makeOpenRequest(validator, ch, c, { sentAt: ch.body.issuedAt, receivedAt: Date.now(), observedMs: 10_000 }, 4);
  const o = await postJson(url('/v1/openings'), request);
  assert.equal(o.status, 200, o.text);
  const v = verifyProof({ challenge: ch, commitment: c, request, openings: parseMessage('openings', o.json) }, toB64(validator.publicKey));
  assert.equal(v.accepted, true, JSON.stringify(v.checks.filter((x) => !x.pass)));
  assert.ok(v.measured.memory && v.measured.memory.capacityGib > 0);
});

test('commitments name the challenge they answer', GPU_LIMIT, async () => {
  const ch = challengeFrom(validator);
  const c = await commit(ch);
  assert.equal(c.body.challengeHash, hashHex(ch));
  assert.ok(verifySignature(c) && c.signer === toB64(executor.publicKey));
});
