// Selftest wall time and throughput at several sizes on the adapter at hand; writes
// bench/results/<adapter>-selftest-<date>.json. Usage: node --import tsx bench/selftest-sizes.ts [n...]
import { writeFileSync, mkdirSync } from 'node:fs';
import { withGpu } from '../src/gpu/context.js';
import { selftest } from '../src/roles/selftest.js';
import { adapterSlug, machineDescription } from './lib.js';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const ns = sizes.length > 0 ? sizes : [256, 512];
const RUNS = 3;
const rows: Record<string, unknown>[] = [];
const adapter = await withGpu({}, async (ctx) => {
  await selftest(ctx, { n: 64, iterations: 1 }); // compile pipelines once, outside the figures
  for (const n of ns) {
    for (let run = 0; run < RUNS; run++) {
      const r = await selftest(ctx, { n, iterations: 4 });
      const m = r.measured.matmul;
      rows.push({ n, iterations: 4, run, accepted: r.accepted, totalMs: r.timings.totalMs, commitMs: r.timings.commitMs, openMs: r.timings.openMs, verifyMs: r.timings.verifyMs, gpuPhasesMs: r.timings.phases, gflopsObserved: m.gflopsObserved, gflopsReported: m.gflopsReported });
      console.log(`n=${n} run ${run}: total ${r.timings.totalMs.toFixed(0)} ms, commit ${r.timings.commitMs.toFixed(0)} ms, ${m.gflopsObserved.toFixed(2)} GFLOPS observed, ${m.gflopsReported.toFixed(2)} reported`);
    }
  }
  return ctx.report;
});
const date = new Date().toISOString().slice(0, 10);
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${adapterSlug(adapter)}-selftest-${date}.json`;
writeFileSync(file, `${JSON.stringify({ bench: 'selftest-sizes', date: new Date().toISOString(), machine: machineDescription(), adapter: { vendor: adapter.vendor, device: adapter.device, description: adapter.description }, runs: rows }, null, 2)}\n`);
console.log(`wrote ${file}`);

