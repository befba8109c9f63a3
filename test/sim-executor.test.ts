// The simulated executors of bench/validator-scale.ts are only a fair load if the validator does
// its real work on them: the real attest flow (the code of `gpuproof validate`) must accept their
// honest answers after checking every opened row, reject a wrong answer, and see each window
// padded to the executor's stated compute time (the figure the bench subtracts as "its own").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair } from '../src/protocol/keys.js';
import { attest, type AttestResult, type CardResult } from '../src/server/attest.js';
import { startSimExecutors, type SimFleet } from './helpers/sim-executor.js';
import { NET_LIMIT } from './helpers/limits.js';

const SIZE = { n: 64, iterations: 2 };
const validator = generateKeyPair();
let honest: SimFleet;
let liar: SimFleet;

before(async () => {
  honest = await startSimExecutors({ count: 2, computeMs: 120 });
  liar = await startSimExecutors({ count: 1, honest: false });
}, NET_LIMIT);

after(async () => {
  await honest?.close();
  await liar?.close();
}, NET_LIMIT);

const card = (r: AttestResult): CardResult => {
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  assert.equal(r.cards.length, 1);
  return r.cards[0] as CardResult;
};

test('an honest simulated executor is accepted after every row check ran and passed', NET_LIMIT, async () => {
  for (const e of honest.executors) {
    const c = card(await attest({ url: e.url, executorKey: e.publicKey, keys: validator, size: SIZE, rows: 16 }));
    assert.equal(c.accepted, true, c.reason ?? '');
    const rows = c.checks.find((k) => k.name === 'matmul.rows');
    assert.deepEqual(rows, { name: 'matmul.rows', pass: true, reason: 'ok' });
    const m = c.receipt.body.measured.matmul as Record<string, unknown>;
    assert.equal(m.rowsOpened, 16);
    assert.equal(m.rowCheck, 'exact');
    assert.equal(c.receipt.body.executorKey, e.publicKey, 'each simulated executor signs with its own key');
  }
  assert.notEqual(honest.executors[0]?.publicKey, honest.executors[1]?.publicKey);
  assert.equal(honest.stats.openings, 2);
});

test('the window is padded to computeMs and the executor signs that time, so stretch = observed − reported', NET_LIMIT, async () => {
  const e = honest.executors[0];
  assert.ok(e);
  const c = card(await attest({ url: e.url, executorKey: e.publicKey, keys: validator, size: SIZE, rows: 8 }));
  const m = c.receipt.body.measured.matmul as { observedMs: number; reportedMs: number };
  assert.ok(m.reportedMs >= 120, `reported ${m.reportedMs} ms, below the 120 ms compute time`);
  assert.ok(m.reportedMs < 1000, `reported ${m.reportedMs} ms: the pad overshot`);
  assert.ok(m.observedMs >= m.reportedMs, `observed ${m.observedMs} < reported ${m.reportedMs}`);
  assert.equal(c.observedMs, m.observedMs);
});

test('a wrong answer (zero rows committed) is rejected by the row check, not by anything cheaper', NET_LIMIT, async () => {
  const e = liar.executors[0];
  assert.ok(e);
  const c = card(await attest({ url: e.url, executorKey: e.publicKey, keys: validator, size: SIZE, rows: 8 }));
  assert.equal(c.accepted, false);
  const failed = c.checks.filter((k) => !k.pass).map((k) => k.name);
  assert.deepEqual(failed, ['matmul.rows']);
  assert.equal(c.score, 0);
});
