// What bench/validator-scale.ts measures in the validator's own process: CPU time, peak RSS
// (sampled: process.resourceUsage().maxRSS never comes down between configurations) and
// event-loop delay, each over one configuration; and the quantiles it reports.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** The q-quantile (0..1) of xs by the nearest-rank method; null for no samples. */
export function quantile(xs: readonly number[], q: number): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

export const round = (x: number | null, digits = 1): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

export interface Delays {
  p50: number | null;
  p99: number | null;
  max: number | null;
}

const LOOP_RESOLUTION_MS = 10;

/**
 * Event-loop delay in ms beyond the sampling timer's own period (the histogram records the whole
 * interval between its timer's runs, so an idle loop reads as the resolution, not 0).
 */
export function loopDelay(): { read(): Delays; reset(): void; disable(): void } {
  const h = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  h.enable();
  const beyond = (ns: number): number | null => round(Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS));
  return {
    read: () => ({ p50: beyond(h.percentile(50)), p99: beyond(h.percentile(99)), max: beyond(h.max) }),
    reset: () => h.reset(),
    disable: () => h.disable(),
  };
}

export interface ProcessFigures {
  /** Every thread of the process: a verify pool's workers count as the validator's. */
  cpuMs: number;
  /** Wall time the event loop was busy (JS, native calls, synchronous I/O such as SQLite's fsync). */
  loopActiveMs: number;
  peakRssMiB: number;
  loopDelayMs: Delays;
}

/** Starts measuring now; `stop()` returns the figures since. */
export function measureProcess(sampleEveryMs = 50): { stop(): ProcessFigures } {
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), sampleEveryMs);
  const loop = loopDelay();
  return {
    stop() {
      clearInterval(timer);
      const delays = loop.read();
      loop.disable();
      const cpu = process.cpuUsage(cpu0);
      peak = Math.max(peak, process.memoryUsage().rss);
      return {
        cpuMs: (cpu.user + cpu.system) / 1000,
        loopActiveMs: performance.eventLoopUtilization(elu0).active,
        peakRssMiB: peak / 2 ** 20,
        loopDelayMs: delays,
      };
    },
  };
}

/** CPU milliseconds (user + system) that fn takes in this process. */
export function cpuMsOf(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
}
