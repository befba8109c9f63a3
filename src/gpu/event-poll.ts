// dawn.node settles its promises (mapAsync, onSubmittedWorkDone, …) by calling the global
// setImmediate with a native tick, again and again, until none is pending: a busy spin on the
// main thread for as long as the GPU works. On a software adapter the "GPU" is the CPU's other
// cores, so the spin (and the garbage each tick makes) takes a core from the rasteriser. Paced
// polling lets a wait spin briefly and then routes its ticks through a 1 ms timer: at most ~1 ms
// late for a long wait, and the core goes back to the work. The binding looks setImmediate up on
// every tick, so a wrapper on the global is enough; only native callbacks (Dawn's) are paced,
// JavaScript ones pass through.
import { inputError } from '../errors.js';

export type PollMode = 'spin' | 'paced';

const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;

let users = 0;
let original: typeof setImmediate | undefined;

// dawn.node re-queues its tick from inside the tick while anything is pending; a tick queued from
// anywhere else (a new mapAsync, popErrorScope, onSubmittedWorkDone) begins a wait. A wait spins for
// its first SPIN_MS, so the short ones (error scopes, readbacks after a drain, timestamp resolves)
// settle in microseconds, and is paced after that, when the GPU is plainly busy. Pacing every tick
// from the first cost about a millisecond per wait, some 25 waits per selftest.
export const SPIN_MS = 0.5;
let inTick = false;
let waitStart = Number.NEGATIVE_INFINITY;

function inNativeTick(fn: (...a: unknown[]) => void, begins: boolean): (...a: unknown[]) => void {
  return (...a: unknown[]) => {
    inTick = true;
    // Timed from the first tick's run, not its queueing: the loop may be late to it.
    if (begins) waitStart = performance.now();
    try {
      fn(...a);
    } finally {
      inTick = false;
    }
  };
}

function pacedSetImmediate(this: unknown, fn: (...a: unknown[]) => void, ...args: unknown[]): NodeJS.Immediate {
  const real = original as typeof setImmediate;
  if (typeof fn === 'function' && NATIVE.test(Function.prototype.toString.call(fn))) {
    if (!inTick) return real(inNativeTick(fn, true), ...args);
    if (performance.now() - waitStart < SPIN_MS) return real(inNativeTick(fn, false), ...args);
    // Dawn drops the handle it gets back, so a Timeout stands in for the Immediate.
    return setTimeout(inNativeTick(fn, false), 1, ...args) as unknown as NodeJS.Immediate;
  }
  return real(fn, ...args);
}

/** Paces Dawn's polling until the returned function is called (reference counted). */
export function pacePolling(): () => void {
  if (users++ === 0) {
    original = globalThis.setImmediate;
    globalThis.setImmediate = Object.assign(pacedSetImmediate, original) as unknown as typeof setImmediate;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--users === 0 && original) {
      globalThis.setImmediate = original;
      original = undefined;
    }
  };
}

/** Poll mode from GPUPROOF_POLL, else paced on software adapters (whose GPU is the CPU) and spin elsewhere. */
export function pollMode(software: boolean, env: NodeJS.ProcessEnv = process.env): PollMode {
  const v = env.GPUPROOF_POLL;
  if (v === 'spin' || v === 'paced') return v;
  if (v !== undefined && v !== '') throw inputError('GPUPROOF_POLL', `must be spin or paced, not ${JSON.stringify(v)}`);
  return software ? 'paced' : 'spin';
}
