// `npm run bench`: the CPU suites (tinybench), the GPU suite and the memory verifier cost, in one
// run on this machine, written to bench/results/<adapter>-<date>.json with the machine named.
// Options: --quick (smaller CPU sizes), --skip-cpu, --skip-gpu.
import { mkdirSync, writeFileSync } from 'node:fs';
import { withGpu } from '../src/gpu/context.js';
import { runCpuBench } from './cpu.js';
import { coldSelftests, runGpuBench } from './gpu.js';
import { measureMemoryVerify } from './memory-verify.js';
import { adapterSlug, machineDescription } from './lib.js';

const args = new Set(process.argv.slice(2));
const started = new Date();
const result: Record<string, unknown> = { bench: 'gpuproof', date: started.toISOString(), machine: machineDescription(), command: `npm run bench ${[...args].join(' ')}`.trim() };

let slug = 'no-adapter';
if (!args.has('--skip-gpu')) {
  await withGpu({}, async (ctx) => {
    slug = adapterSlug(ctx.report);
    result.adapter = { vendor: ctx.report.vendor, architecture: ctx.report.architecture, device: ctx.report.device, description: ctx.report.description, backend: ctx.report.backend };
    console.error('bench: GPU suite');
    result.gpu = await runGpuBench(ctx);
  });
  console.error('bench: default selftest in fresh processes');
  result.cold_selftest = coldSelftests();
}
console.error('bench: memory verification at P = 12');
result.memory_verify = measureMemoryVerify(12, 16, 1, 7);
if (!args.has('--skip-cpu')) {
  console.error('bench: CPU suites');
  result.cpu = await runCpuBench(args.has('--quick') ? [1024, 2048, 4096] : [1024, 2048, 4096, 8192]);
}
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${slug}-${started.toISOString().slice(0, 10)}.json`;
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
console.error(`bench: wrote ${file}`);
