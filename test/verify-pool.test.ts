// The verify pool: verdicts equal to verifyProof's, errors and crashed workers fail only their own
// job, idle workers never hold a process open, and, the point of it, a slow verification on the
// pool neither blocks the event loop nor stretches another executor's observed window.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { syntheticTranscript } from '../bench/transcript.js';
import { GpuproofError } from '../src/errors.js';
import { generateKeyPair } from '../src/protocol/keys.js';
import { verifyProof, type VerifyInput } from '../src/roles/verifier.js';
import { createVerifyPool, defaultVerifyWorkers, WorkerPool, type VerifyPool } from '../src/roles/verify-pool.js';
import { untilServed } from '../src/server/attest-steps.js';
import { startAgent } from '../src/server/agent.js';
import { attest } from '../src/server/attest.js';
import { verifySignature } from '../src/protocol/signing.js';
import { toB64 } from '../src/util/bytes.js';
import { buildCli, cliError, describeResult, runCli } from './helpers/cli.js';
import { PROCESS_LIMIT } from './helpers/limits.js';

const v = generateKeyPair();
const KEY = toB64(v.publicKey);
let pool: VerifyPool;
let root = '';

before(() => {
  pool = createVerifyPool({ size: 1 });
  root = mkdtempSync(join(tmpdir(), 'gpuproof-pool-'));
}, PROCESS_LIMIT);

after(async () => {
  await pool.close();
  if (root) rmSync(root, { recursive: true, force: true });
}, PROCESS_LIMIT);

test('the pool returns the very verdict verifyProof returns: accepted (exact and Freivalds) and rejected', PROCESS_LIMIT, async () => {
  const exact = syntheticTranscript(64, 8, v);
  const freivalds = syntheticTranscript(256, 8, v);
  const stranger = syntheticTranscript(64, 8);
  const wrong = syntheticTranscript(256, 8, v, generateKeyPair(), true);
  for (const [name, t, accepted] of [['exact', exact, true], ['freivalds', freivalds, true], ['another validator\'s', stranger, false], ['wrong rows', wrong, false]] as const) {
    const local = verifyProof(t, KEY);
    assert.equal(local.accepted, accepted, `${name}: in-process verdict`);
    assert.deepEqual(await pool.verify(t, KEY), local, `${name}: pooled verdict`);
  }
  const bad = await pool.verify(wrong, KEY);
  assert.deepEqual(bad.checks.filter((c) => !c.pass).map((c) => c.name), ['matmul.rows']);
  const inProcess = createVerifyPool({ size: 0 });
  assert.deepEqual(await inProcess.verify(stranger, null), verifyProof(stranger, null));
  await inProcess.close();
  await assert.rejects(inProcess.verify(stranger, null), /closed/);
});

test('a job that throws, or cannot be copied to a worker, rejects with its error, and the same pool goes on verifying', PROCESS_LIMIT, async () => {
  const broken = { challenge: null } as unknown as VerifyInput;
  await assert.rejects(pool.verify(broken, KEY), (err: unknown) => err instanceof GpuproofError && err.code === 'INTERNAL' && /null/.test(err.message));
  const uncloneable = { ...syntheticTranscript(64, 4, v), extra: () => 1 } as unknown as VerifyInput;
  await assert.rejects(pool.verify(uncloneable, KEY), (err: unknown) => err instanceof GpuproofError && err.code === 'INPUT' && err.field === 'input');
  assert.equal((await pool.verify(syntheticTranscript(64, 4, v), KEY)).accepted, true);
});

test('sizes: default is cores − 1 and at least 1; out of range is an INPUT error naming verify-workers', PROCESS_LIMIT, () => {
  assert.ok(defaultVerifyWorkers() >= 1);
  assert.equal(createVerifyPool().size, defaultVerifyWorkers());
  for (const size of [-1, 1.5, 257]) {
    assert.throws(() => createVerifyPool({ size }), (err: unknown) => err instanceof GpuproofError && err.code === 'INPUT' && err.field === 'verify-workers');
  }
});

test('--verify-workers: attest and validate refuse a bad count with exit 2 naming it, before any network or GPU work', PROCESS_LIMIT, async () => {
  await buildCli();
  const home = join(root, 'home');
  mkdirSync(home);
  const key = join(root, 'validator.key');
  assert.equal((await runCli(['keygen', '--out', key], { home })).code, 0);
  const list = join(root, 'executors.json');
  writeFileSync(list, JSON.stringify([{ url: 'http://127.0.0.1:9' }]));
  for (const [args, bad] of [[['attest', 'http://127.0.0.1:9'], '1.5'], [['validate', '--executors', list, '--db', join(root, 'r.db')], '-1'], [['attest', 'http://127.0.0.1:9'], '257']] as const) {
    const r = await runCli([...args, '--key', key, '--verify-workers', bad, '--json'], { home });
    assert.equal(r.code, 2, describeResult(r));
    assert.deepEqual([cliError(r).code, cliError(r).field], ['INPUT', 'verify-workers']);
  }
});

test('a worker that dies fails only the job it held; a fresh worker takes the next', PROCESS_LIMIT, async () => {
  // A stand-in worker: exits on the key 'crash', otherwise answers an accepted verdict.
  const entry = join(root, 'crashing-worker.mjs');
  writeFileSync(entry, `import { parentPort } from 'node:worker_threads';
parentPort.on('message', (j) => { if (j.validatorKey === 'crash') process.exit(7); parentPort.postMessage({ id: j.id, verdict: { accepted: true, checks: [], measured: { by: process.pid } } }); });`);
  const p = new WorkerPool(1, { url: pathToFileURL(entry) });
  try {
    const input = syntheticTranscript(16, 1, v);
    const [crashed, queued] = await Promise.allSettled([p.verify(input, 'crash'), p.verify(input, KEY)]);
    assert.equal(crashed.status, 'rejected');
    assert.match(String((crashed as PromiseRejectedResult).reason), /verify worker failed: exited with code 7/);
    assert.equal(queued.status === 'fulfilled' && queued.value.accepted, true, 'the queued job ran on a replacement worker');
    assert.equal((await p.verify(input, KEY)).accepted, true);
  } finally {
    await p.close();
  }
  await assert.rejects(p.verify(syntheticTranscript(16, 1, v), KEY), /closed/);
});

test('an idle worker does not keep its process alive: a script that never closes the pool exits', PROCESS_LIMIT, () => {
  const script = join(root, 'no-close.mts');
  const src = (rel: string): string => pathToFileURL(join(import.meta.dirname, rel)).href;
  writeFileSync(script, `import { createVerifyPool } from '${src('../src/roles/verify-pool.ts')}';
import { syntheticTranscript } from '${src('../bench/transcript.ts')}';
const t = syntheticTranscript(16, 1);
createVerifyPool({ size: 2 }).verify(t, null).then((r) => console.log('verdict', r.accepted));`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, 'it exited on its own, not by the timeout');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /verdict true/, 'a busy worker did hold the process until its verdict came');
});

test('attest verifies through the pool; a pool that fails still ends in a signed receipt naming verification.completed', PROCESS_LIMIT, async () => {
  const agent = await startAgent({ keys: generateKeyPair(), allow: [KEY] });
  const size = { n: 32, iterations: 2 };
  try {
    let used = 0;
    const counting: VerifyPool = { size: 1, verify: (input, key) => ((used += 1), pool.verify(input, key)), close: async () => undefined };
    const ok = await attest({ keys: v, url: agent.url, size, rows: 8, pool: counting });
    assert.equal(ok.accepted, true, JSON.stringify(ok.cards[0]?.checks.filter((c) => !c.pass)));
    assert.equal(used, 1, 'the verdict came from the pool');
    const broken: VerifyPool = { size: 1, verify: async () => Promise.reject(new GpuproofError('INTERNAL', 'a verify worker failed: gone')), close: async () => undefined };
    const failed = await attest({ keys: v, url: agent.url, size, rows: 8, pool: broken });
    const card = failed.cards[0];
    assert.equal(failed.accepted, false);
    assert.deepEqual(card?.checks.map((c) => [c.name, c.pass]), [['verification.completed', false]]);
    assert.match(card?.checks[0]?.reason ?? '', /could not verify: a verify worker failed: gone/);
    assert.ok(card && verifySignature(card.receipt) && card.receipt.body.commitmentHash !== null);
  } finally {
    await agent.close(5_000);
  }
});

/** A slow verification: the verifier streams all of B (n² words) before it finds the rows wrong. */
const slow = syntheticTranscript(8192, 4, v, generateKeyPair(), true);

/** The longest gap between ticks of a 5 ms interval while `fn` runs: how long the loop was held. */
async function loopHeldDuring<T>(fn: () => Promise<T>): Promise<{ value: T; heldMs: number }> {
  let last = performance.now();
  let heldMs = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    heldMs = Math.max(heldMs, now - last);
    last = now;
  }, 5);
  try {
    await sleep(20);
    const value = await fn();
    await sleep(20);
    return { value, heldMs };
  } finally {
    clearInterval(tick);
  }
}

/**
 * An executor in another thread that answers `computeMs` after it is asked, as an agent on another
 * machine would, timed by the validator's own untilServed while `busy` runs on the validator.
 */
async function windowDuring(busy: () => Promise<unknown>, computeMs: number): Promise<{ windowMs: number; heldMs: number; busyMs: number }> {
  const executor = new Worker(`const { parentPort } = require('node:worker_threads');
parentPort.on('message', (ms) => setTimeout(() => parentPort.postMessage('commitment'), ms));`, { eval: true });
  await new Promise((r) => executor.once('online', r));
  try {
    const call = () => new Promise<{ kind: 'ok'; value: string; adapter: null }>((resolve) => {
      executor.once('message', (value: string) => resolve({ kind: 'ok', value, adapter: null }));
      executor.postMessage(computeMs);
    });
    const { value, heldMs } = await loopHeldDuring(async () => {
      const served = untilServed('executor', call, AbortSignal.timeout(60_000));
      const t0 = performance.now();
      await busy();
      const busyMs = performance.now() - t0;
      return { s: await served, busyMs };
    });
    return { windowMs: value.s.receivedPerf - value.s.sentPerf, heldMs, busyMs: value.busyMs };
  } finally {
    await executor.terminate();
  }
}

test('a slow verification on the pool does not stretch another executor\'s observed window; in-process it does', PROCESS_LIMIT, async (t) => {
  assert.equal((await pool.verify(syntheticTranscript(64, 1, v), KEY)).accepted, true, 'warm-up');
  const computeMs = 40;
  const inProcess = await windowDuring(async () => verifyProof(slow, KEY), computeMs);
  const pooled = await windowDuring(() => pool.verify(slow, KEY), computeMs);
  for (const [name, r] of [['in-process', inProcess], ['pooled', pooled]] as const) {
    t.diagnostic(`${name}: verify ${r.busyMs.toFixed(0)} ms, window ${r.windowMs.toFixed(0)} ms for ${computeMs} ms of compute, loop held up to ${r.heldMs.toFixed(0)} ms`);
  }
  // In-process the commitment waits for the whole verification: the test is sensitive at all.
  assert.ok(inProcess.busyMs > 5 * computeMs, 'the verification is slow next to the executor\'s compute');
  assert.ok(inProcess.windowMs >= 0.9 * inProcess.busyMs, 'in-process: the window is stretched to the verification');
  assert.ok(inProcess.heldMs >= 0.9 * inProcess.busyMs, 'in-process: the loop is held for the whole verification');
  // On the pool the window is the executor's compute plus scheduling noise, far below that stretch.
  const stretchIn = inProcess.windowMs - computeMs;
  const stretchPooled = pooled.windowMs - computeMs;
  assert.ok(stretchPooled < stretchIn / 4, `pooled stretch ${stretchPooled.toFixed(0)} ms, in-process ${stretchIn.toFixed(0)} ms`);
  assert.ok(pooled.heldMs < inProcess.heldMs / 4, `pooled loop held ${pooled.heldMs.toFixed(0)} ms, in-process ${inProcess.heldMs.toFixed(0)} ms`);
});
