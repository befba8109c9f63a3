// Shared bits for the benchmarks: file names and the machine description recorded with results.
import { cpus, totalmem } from 'node:os';
import type { AdapterReport } from '../src/gpu/adapter-info.js';

export const adapterSlug = (a: Pick<AdapterReport, 'description' | 'device'>): string =>
  (a.description || a.device || 'unknown').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);

export function machineDescription(): string {
  const c = cpus();
  return `${process.platform}/${process.arch}, ${c.length}× ${c[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
}
