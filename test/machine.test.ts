// Several GPUs: an agent with two slots (lavapipe named twice: two devices on the one software
// adapter, which covers the code path but not parallel speed), the all-adapters mode, a machine
// made of several agents judged over one window, a member that never commits, a "machine" whose
// cards are really one card served one after another, and a graceful close with work in flight.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAgent, type Agent } from '../src/server/agent.js';
import type { GpuSlot } from '../src/server/slots.js';
import { attest, attestMachine } from '../src/server/attest.js';
import { generateKeyPair } from '../src/protocol/keys.js';
import { issueChallenge } from '../src/roles/validator.js';
import { MemoryReplayStore } from '../src/roles/stores.js';
import { toB64 } from '../src/util/bytes.js';
import { postJson, rawRequest } from './helpers/net.js';
import { GPU_LIMIT } from './helpers/limits.js';

const SIZE = { n: 32, iterations: 2 };
const validator = generateKeyPair();
const allow = [toB64(validator.publicKey)];
const keyOne = generateKeyPair();
const keyTwo = generateKeyPair();
let one: Agent;
let two: Agent;

before(async () => {
  one = await startAgent({ keys: keyOne, allow });
  const name = one.slots[0]?.report?.description.split(':')[0] ?? 'llvmpipe';
  two = await startAgent({ keys: keyTwo, allow, adapters: [name, name] });
}, GPU_LIMIT);

after(async () => {
  await Promise.all([one?.close(5_000), two?.close(5_000)]);
}, GPU_LIMIT);

const challengeFor = (executor: Uint8Array) => issueChallenge(validator, { executorKey: toB64(executor), matmul: SIZE }, new MemoryReplayStore());
const machineOf = (r: { cards: { receipt: { body: { measured: Record<string, unknown> } } }[] }) =>
  r.cards[0]?.receipt.body.measured.machine as { cards: number; committed: number; windowMs: number; aggregateGflops: number };

test('two slots: each card runs its own challenge; with both busy the answer is 429', GPU_LIMIT, async () => {
  assert.equal(two.info().adapters.length, 2);
  const [s0, s1] = two.slots as [GpuSlot, GpuSlot];
  assert.ok(s0.tryAcquire());
  try {
    const r = await postJson(`${two.url}/v1/challenges`, challengeFor(keyTwo.publicKey));
    assert.deepEqual([r.status, r.headers['x-gpuproof-adapter']], [200, '1'], r.text);
    assert.ok(s1.tryAcquire());
    const busy = await postJson(`${two.url}/v1/challenges`, challengeFor(keyTwo.publicKey));
    s1.release();
    assert.equal(busy.status, 429);
  } finally {
    s0.release();
  }
});

test('all adapters at once: one receipt per card, judged over the common window', GPU_LIMIT, async () => {
  const m = await attest({ keys: validator, url: two.url, size: SIZE, rows: 4, machine: true });
  assert.equal(m.accepted, true, JSON.stringify(m.cards.map((c) => c.reason)));
  assert.deepEqual(m.cards.map((c) => c.adapter).sort(), [0, 1]);
  for (const c of m.cards) {
    assert.ok(c.checks.some((x) => x.name === 'machine.window' && x.pass));
    assert.equal(c.observedMs, m.windowMs);
  }
  const fig = machineOf(m);
  assert.deepEqual([fig.cards, fig.committed], [2, 2]);
  assert.ok(fig.aggregateGflops > 0);
});

test('a machine of several agents: every card challenged at once, all accepted over one window', GPU_LIMIT, async () => {
  const rs = await attestMachine({ keys: validator, size: SIZE, rows: 4 }, [{ url: one.url }, { url: two.url, allAdapters: true }]);
  assert.deepEqual(rs.map((r) => r.accepted), [true, true], JSON.stringify(rs.map((r) => r.cards.map((c) => c.reason))));
  assert.deepEqual(rs.map((r) => r.cards.length), [1, 2]);
  assert.equal(rs[0]?.windowMs, rs[1]?.windowMs);
  assert.deepEqual([machineOf(rs[0] as never).cards, machineOf(rs[0] as never).committed], [3, 3]);
});

test('a machine member that never commits fails machine.window for every card', GPU_LIMIT, async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((r) => closed.close(() => r()));
  const rs = await attestMachine({ keys: validator, size: SIZE, rows: 4, timeoutMs: 20_000 }, [{ url: one.url }, { url: dead, executorKey: toB64(keyTwo.publicKey) }]);
  assert.deepEqual(rs.map((r) => r.accepted), [false, false]);
  const live = rs[0]?.cards[0];
  const window = live?.checks.find((c) => c.name === 'machine.window');
  assert.equal(window?.pass, false);
  assert.match(window?.reason ?? '', /only 1 of 2 cards/);
  assert.ok(live?.checks.filter((c) => c.name !== 'machine.window').every((c) => c.pass), 'the proof itself was fine');
  assert.match(rs[1]?.cards[0]?.reason ?? '', /challenge\.delivery: cannot reach/);
});

test('two "cards" that are one card: served one after the other, the common window shows it', GPU_LIMIT, async () => {
  // Both targets are the one-slot agent: the second challenge waits out a 429 (≥ 1 s) and runs
  // after the first, and that wait is inside the window every card is judged by.
  const rs = await attestMachine({ keys: validator, size: SIZE, rows: 4 }, [{ url: one.url }, { url: one.url }]);
  const retries = rs.map((r) => (r.cards[0]?.receipt.body.measured.network as { busyRetries: number }).busyRetries);
  assert.ok(retries.some((n) => n >= 1), `one challenge waited: ${retries.join(',')}`);
  const windowMs = rs[0]?.windowMs ?? 0;
  assert.ok(windowMs >= 1000, `window ${windowMs} ms includes the wait`);
});

test('close drains in-flight work, then nothing listens', GPU_LIMIT, async () => {
  const inflight = postJson(`${two.url}/v1/challenges`, challengeFor(keyTwo.publicKey));
  while (!two.slots.some((s) => s.isBusy)) await new Promise((r) => setTimeout(r, 2));
  await two.close(10_000);
  assert.equal((await inflight).status, 200);
  await assert.rejects(rawRequest(`${two.url}/v1/info`, 'GET'), /ECONNREFUSED/);
});
