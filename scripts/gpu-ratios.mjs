#!/usr/bin/env node
// Reads what scripts/gpu-run.sh left in its output folder and writes the GPU run's record:
// the raw outputs, the device named, and the ratios the project tracks (WGSL f32 against cuBLAS
// SGEMM, the tensor path against the vendor GEMM of its type, memory against torch's triad).
// Usage: node scripts/gpu-ratios.mjs OUT_DIR [--out FILE]  (default bench/results/<device>-<date>.json)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...rest] = process.argv.slice(2);
if (!dir || !existsSync(dir)) {
  console.error('usage: node scripts/gpu-ratios.mjs OUT_DIR [--out FILE]');
  process.exit(2);
}
const outIdx = rest.indexOf('--out');
const json = (name) => {
  const p = join(dir, `${name}.json`);
  if (!existsSync(p)) return undefined;
  const text = readFileSync(p, 'utf8').trim();
  try {
    return JSON.parse(text.split('\n').filter((l) => l.trim()).at(-1) ?? 'null');
  } catch {
    try { return JSON.parse(text); } catch { return { unparsed: text.slice(0, 2000) }; }
  }
};
const text = (name) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : undefined);
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? Math.round((a / b) * 1000) / 1000 : null);

const adapters = json('adapters');
const selftest = json('selftest');
const bench = json('bench');
const baseline = json('baseline');
const variants = bench?.matmul?.variants ?? [];
const best = (pred) => variants.filter(pred).sort((x, y) => y.gflops - x.gflops)[0] ?? null;
const f32 = best((v) => !v.id.startsWith('tensor-') && !v.id.startsWith('naive'));
const tensorF16 = best((v) => v.id.startsWith('tensor-f16'));
const tensorI8 = best((v) => v.id.startsWith('tensor-i8'));
const memBest = bench?.memory?.best ? Math.max(...Object.values(bench.memory.best)) : null;
const phases = selftest?.timings?.phases ? Object.values(selftest.timings.phases).reduce((s, x) => s + x, 0) : null;

const record = {
  bench: 'gpuproof GPU run',
  date: new Date().toISOString(),
  device: baseline?.device ?? adapters?.adapters?.[0]?.description ?? 'unknown',
  nvidia_smi: text('nvidia-smi.csv')?.trim(),
  command: 'bash scripts/gpu-run.sh OUT_DIR; node scripts/gpu-ratios.mjs OUT_DIR',
  steps: text('steps.jsonl')?.trim().split('\n').map((l) => JSON.parse(l)),
  ratios: {
    f32_over_cublas_sgemm: { kernel: f32?.id ?? null, gflops: f32?.gflops ?? null, sgemm_gflops: (baseline?.sgemm_f32_tflops ?? NaN) * 1000, ratio: ratio(f32?.gflops, baseline?.sgemm_f32_tflops * 1000), target: 0.8 },
    tensor_f16_over_gemm_f16: { kernel: tensorF16?.id ?? null, gflops: tensorF16?.gflops ?? null, vendor_gflops: (baseline?.gemm_f16_tflops ?? NaN) * 1000, ratio: ratio(tensorF16?.gflops, baseline?.gemm_f16_tflops * 1000) },
    tensor_i8_over_gemm_i8: { kernel: tensorI8?.id ?? null, gops: tensorI8?.gflops ?? null, vendor_gops: (baseline?.gemm_i8_tops ?? NaN) * 1000, ratio: ratio(tensorI8?.gflops, baseline?.gemm_i8_tops * 1000) },
    memory_over_triad: { gbs: memBest, triad_gbs: baseline?.triad_gbs ?? null, ratio: ratio(memBest, baseline?.triad_gbs), target: 0.9 },
    selftest_wall_over_gpu: ratio(selftest?.timings?.totalMs, phases),
  },
  selftest_summary: selftest ? { accepted: selftest.accepted, class: selftest.class, score: selftest.score, kernel: selftest.kernel, memoryKernel: selftest.memoryKernel, measured: selftest.measured } : null,
  raw: { adapters, selftest, bench, baseline },
};
const slug = String(record.device).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const file = outIdx >= 0 ? rest[outIdx + 1] : `bench/results/${slug}-${record.date.slice(0, 10)}.json`;
if (!file) {
  console.error('--out needs a file');
  process.exit(2);
}
mkdirSync(join(file, '..'), { recursive: true });
writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
console.log(JSON.stringify(record.ratios, null, 2));
console.error(`gpu-ratios: wrote ${file}`);
