// Shared bits for the benchmarks: file names and the machine description recorded with results.
import { cpus, totalmem } from 'node:os';
import type { AdapterReport } from '../src/gpu/adapter-info.js';

export const adapterSlug = (a: Pick<AdapterReport, 'description' | 'device'>): string =>
  (a.description || a.device || 'unknown').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);

export function machineDescription(): string {
  const c = cpus();
  return `${process.platform}/${process.arch}, ${c.length}× ${c[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
}

/** A selftest's timings as the bench reports them (the `timings` of `selftest --json`). */
export interface SelftestTimings {
  totalMs: number;
  commitMs: number;
  openMs: number;
  verifyMs: number;
  phases: Record<string, number>;
}

/**
 * The sum of a selftest's GPU phases, and where the wall time beyond them goes: host work inside
 * the commit windows, answering the openings, verifying, and the rest (keys, challenges, judging).
 */
export function splitSelftest(t: SelftestTimings): { gpu: number; host: Record<string, number> } {
  const gpu = Object.values(t.phases).reduce((s, x) => s + x, 0);
  return { gpu, host: { commitHostMs: t.commitMs - gpu, openMs: t.openMs, verifyMs: t.verifyMs, otherMs: t.totalMs - t.commitMs - t.openMs - t.verifyMs } };
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
