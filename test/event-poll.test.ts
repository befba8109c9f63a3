// Paced polling of dawn.node's promises: which callbacks it paces, that it restores the global
// when the last user leaves, the mode's parsing (both sides), and that GPU work still completes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pacePolling, pollMode, SPIN_MS } from '../src/gpu/event-poll.js';
import { openGpu } from '../src/gpu/context.js';
import { GpuproofError } from '../src/errors.js';
import { GPU_LIMIT } from './helpers/limits.js';

test('pollMode: env wins, else paced on software adapters and spin elsewhere; bad values name the variable', GPU_LIMIT, () => {
  assert.equal(pollMode(true, {}), 'paced');
  assert.equal(pollMode(false, {}), 'spin');
  assert.equal(pollMode(true, { GPUPROOF_POLL: 'spin' }), 'spin');
  assert.equal(pollMode(false, { GPUPROOF_POLL: 'paced' }), 'paced');
  assert.equal(pollMode(false, { GPUPROOF_POLL: '' }), 'spin');
  assert.throws(() => pollMode(true, { GPUPROOF_POLL: 'fast' }), (e: unknown) => e instanceof GpuproofError && e.code === 'INPUT' && e.field === 'GPUPROOF_POLL');
});

test('pacePolling wraps the global while in use, reference counted, and restores it after', GPU_LIMIT, async () => {
  const original = globalThis.setImmediate;
  const a = pacePolling();
  const b = pacePolling();
  assert.notEqual(globalThis.setImmediate, original);
  a();
  a(); // a second release of the same handle changes nothing
  assert.notEqual(globalThis.setImmediate, original, 'still in use by b');
  // JavaScript callbacks still run as immediates, before any timer.
  const order: string[] = [];
  await new Promise<void>((done) => {
    setTimeout(() => (order.push('timer'), done()), 0);
    setImmediate(() => order.push('immediate'));
  });
  assert.deepEqual(order, ['immediate', 'timer']);
  b();
  assert.equal(globalThis.setImmediate, original);
});

test('a wait spins for its first SPIN_MS, then its re-queued ticks are paced; a new wait spins again', GPU_LIMIT, async () => {
  const release = pacePolling();
  try {
    // A bound function prints as [native code], like dawn.node's tick; like it, it re-queues itself
    // from inside the tick until its work is done.
    const wait = (ms: number): Promise<{ early: number; late: number }> =>
      new Promise((done) => {
        let t0 = Number.NaN;
        const seen = { early: 0, late: 0 };
        const tick = function (this: null): void {
          if (Number.isNaN(t0)) t0 = performance.now();
          const at = performance.now() - t0;
          if (at < SPIN_MS) seen.early++;
          else seen.late++;
          if (at < ms) setImmediate(native);
          else done(seen);
        };
        const native = tick.bind(null);
        setImmediate(native);
      });
    // The first tick of a wait is an immediate: it runs before a timer queued just before it.
    const order: string[] = [];
    await new Promise<void>((done) => {
      setTimeout(() => (order.push('timer'), done()), 0);
      setImmediate((() => order.push('first tick')).bind(null));
    });
    assert.deepEqual(order, ['first tick', 'timer']);
    for (let i = 0; i < 2; i++) {
      const { early, late } = await wait(6);
      assert.ok(early > 1, `a wait's first ${SPIN_MS} ms spins (${early} ticks)`);
      // Spinning, the remaining 5.5 ms would be hundreds of ticks; paced at 1 ms, a handful.
      assert.ok(late <= 8, `paced after that (${late} ticks)`);
    }
  } finally {
    release();
  }
});

test('native callbacks are paced through a timer; the count of ticks drops while GPU work completes', GPU_LIMIT, async () => {
  const ticks = async (mode: 'spin' | 'paced'): Promise<number> => {
    const prev = process.env.GPUPROOF_POLL;
    process.env.GPUPROOF_POLL = mode;
    const ctx = await openGpu();
    if (prev === undefined) delete process.env.GPUPROOF_POLL;
    else process.env.GPUPROOF_POLL = prev;
    const inner = globalThis.setImmediate;
    let count = 0;
    globalThis.setImmediate = Object.assign((fn: (...a: unknown[]) => void, ...args: unknown[]) => (count++, inner(fn, ...args)), inner) as typeof setImmediate;
    try {
      assert.equal(ctx.poll, mode);
      const buf = ctx.device.createBuffer({ label: 'test.poll', size: 16 << 20, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      for (let i = 0; i < 8; i++) {
        const enc = ctx.device.createCommandEncoder({ label: 'test.poll' });
        // Waits of several milliseconds: each begins with a SPIN_MS spin in both modes.
        for (let j = 0; j < 16; j++) enc.clearBuffer(buf);
        ctx.device.queue.submit([enc.finish()]);
        await ctx.device.queue.onSubmittedWorkDone();
      }
      buf.destroy();
    } finally {
      globalThis.setImmediate = inner;
      await ctx.close();
    }
    return count;
  };
  const spin = await ticks('spin');
  const paced = await ticks('paced');
  // Past each wait's first SPIN_MS, paced ticks are timers: about one a millisecond against a spin's
  // hundreds.
  assert.ok(paced * 4 < spin, `paced ${paced} ticks vs spin ${spin}`);
});
