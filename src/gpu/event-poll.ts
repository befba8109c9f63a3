// dawn.node settles its promises (mapAsync, onSubmittedWorkDone, …) by calling the global
// setImmediate with a native tick, again and again, until none is pending: a busy spin on the
// main thread for as long as the GPU works. On a software adapter the "GPU" is the CPU's other
// cores, so the spin (and the garbage each tick makes) takes a core from the rasteriser. Paced
// polling routes those ticks through a 1 ms timer instead: at most ~1 ms later per wait, and the
// core goes back to the work. The binding looks setImmediate up on every tick, so a wrapper on
// the global is enough; only native callbacks (Dawn's) are paced, JavaScript ones pass through.
import { inputError } from '../errors.js';

export type PollMode = 'spin' | 'paced';

const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;

let users = 0;
let original: typeof setImmediate | undefined;

// A wait's first tick runs at once: work already done (a readback after a drain) then settles
// without a timer's delay. Ticks that follow within a moment of the last are the spin, and are paced.
const FRESH_MS = 4;
let lastNative = Number.NEGATIVE_INFINITY;

function pacedSetImmediate(this: unknown, fn: (...a: unknown[]) => void, ...args: unknown[]): NodeJS.Immediate {
  const real = original as typeof setImmediate;
  if (typeof fn === 'function' && NATIVE.test(Function.prototype.toString.call(fn))) {
    const now = performance.now();
    const fresh = now - lastNative > FRESH_MS;
    lastNative = now;
    if (fresh) return real(fn, ...args);
    // Dawn drops the handle it gets back, so a Timeout stands in for the Immediate.
    return setTimeout(fn, 1, ...args) as unknown as NodeJS.Immediate;
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
