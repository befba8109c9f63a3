// How many executors one validator process carries. N simulated executors (test/helpers/
// sim-executor.ts: honest answers at small n from the CPU reference, each with its own key and
// port, padded to a known compute time) run in a child process on loopback; this process attests
// them `--concurrency` at a time with the code of `gpuproof validate` (attestWithMemory, a real
// ledger, real verification of every opened row). Per configuration: attests per minute, the
// stretch of each observed window beyond the executor's own time (observedMs − the time it
// signed), this process's CPU per attest, peak RSS and event-loop delay, and the fleet's CPU.
// Then verification is timed at production n and the per-executor CPU of an epoch projected.
// Usage: node --import tsx bench/validator-scale.ts --n-executors 10,100,1000 --concurrency 1,8,64 --out FILE
//   [--compute-ms 100 --n 64 --iterations 2 --rows 66 --max-attests 400 --max-seconds 30
//    --production-n 1024,2048,4096,8192 --verify-workers W --note TEXT]
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Ledger } from '../src/ledger/ledger.js';
import { generateKeyPair, type KeyPair } from '../src/protocol/keys.js';
import { MemoryReplayStore } from '../src/roles/stores.js';
import { attestWithMemory, type GroupOptions } from '../src/server/attest.js';
import type { SimExecutor } from '../test/helpers/sim-executor.js';
import { machineDescription } from './lib.js';
import type { FleetSample } from './lib/sim-fleet.js';
import { measureProcess, quantile, round } from './lib/scale-measure.js';
import { EPOCH_MINUTES, memoryVerifyCpuMs, project, verifyCpuMs } from './lib/scale-projection.js';

const { values: a } = parseArgs({
  options: {
    'n-executors': { type: 'string', default: '10,100,1000' },
    concurrency: { type: 'string', default: '1,8,64' },
    'compute-ms': { type: 'string', default: '100' },
    n: { type: 'string', default: '64' },
    iterations: { type: 'string', default: '2' },
    rows: { type: 'string', default: '66' },
    'max-attests': { type: 'string', default: '400' },
    'max-seconds': { type: 'string', default: '30' },
    'production-n': { type: 'string', default: '1024,2048,4096,8192' },
    'verify-workers': { type: 'string' },
    out: { type: 'string' },
    note: { type: 'string' },
  },
});
const list = (s: string): number[] => (s === '' ? [] : s.split(',').map((x) => {
  const v = Number(x);
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`not a positive integer: ${x}`);
  return v;
}));
const FLEETS = list(a['n-executors']);
const CONCURRENCY = list(a.concurrency);
const COMPUTE_MS = Number(a['compute-ms']);
const SIZE = { n: Number(a.n), iterations: Number(a.iterations) };
const ROWS = Number(a.rows);
const MAX_ATTESTS = Number(a['max-attests']);
const MAX_MS = Number(a['max-seconds']) * 1000;
const WARMUP_ATTESTS = 12;
const date = new Date().toISOString();
const OUT = a.out ?? join('bench', 'results', `validator-scale-${date.slice(0, 10)}.json`);

interface Fleet {
  child: ChildProcess;
  executors: SimExecutor[];
  sample(): Promise<FleetSample>;
}

async function startFleet(count: number): Promise<Fleet> {
  const child = fork(new URL('./lib/sim-fleet.ts', import.meta.url), [String(count), String(COMPUTE_MS)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const executors = await new Promise<SimExecutor[]>((resolve, reject) => {
    child.once('message', (m: { executors: SimExecutor[] }) => resolve(m.executors));
    child.once('exit', (code) => reject(new Error(`the simulated fleet exited ${code} before it was ready`)));
  });
  const sample = () => new Promise<FleetSample>((resolve) => {
    child.once('message', (m: FleetSample) => resolve(m));
    child.send({ type: 'sample' });
  });
  return { child, executors, sample };
}

/**
 * `--verify-workers W`: verification on createVerifyPool's worker threads, passed to attest as its
 * `pool` option. Looked up at run time, so the bench also runs on a build without the pool.
 */
async function verifyPoolOption(): Promise<{ extra: Record<string, unknown>; close(): Promise<void> }> {
  if (a['verify-workers'] === undefined) return { extra: {}, close: async () => undefined };
  const lib = (await import('../src/index.js')) as Record<string, unknown>;
  const create = lib.createVerifyPool as ((o: { size: number }) => { close(): Promise<void> }) | undefined;
  if (typeof create !== 'function') {
    console.error('--verify-workers: this build has no verify pool (createVerifyPool); run without it');
    process.exit(2);
  }
  const pool = create({ size: Number(a['verify-workers']) });
  return { extra: { pool }, close: () => pool.close() };
}

/** Adds the wall time of every ledger write (synchronous SQLite with an fsync per commit) to `acc.ms`. */
function timeLedgerWrites(ledger: Ledger, acc: { ms: number }): Ledger {
  for (const name of ['recordIssued', 'markAnswered', 'storeReceipt'] as const) {
    const write = ledger[name].bind(ledger) as (...args: unknown[]) => unknown;
    (ledger as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      const t = performance.now();
      try {
        return write(...args);
      } finally {
        acc.ms += performance.now() - t;
      }
    };
  }
  return ledger;
}

async function runConfig(fleet: Fleet, concurrency: number, base: GroupOptions, dir: string, limits = { attests: MAX_ATTESTS, ms: MAX_MS }) {
  const ledger = Ledger.open(join(dir, `n${fleet.executors.length}-c${concurrency}-${Date.now()}.db`));
  const writes = { ms: 0 };
  const opts: GroupOptions = { ...base, ledger: timeLedgerWrites(ledger, writes), replay: new MemoryReplayStore() };
  const stretch: number[] = [];
  const observed: number[] = [];
  let accepted = 0;
  let rejected = 0;
  const reasons = new Set<string>();
  const f0 = await fleet.sample();
  const proc = measureProcess();
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < limits.attests && performance.now() - t0 < limits.ms) {
      const e = fleet.executors[next++ % fleet.executors.length] as SimExecutor;
      const [r] = (await attestWithMemory(opts, [{ url: e.url, executorKey: e.publicKey, claim: 'any' }], false)).results;
      const card = r?.cards[0];
      if (!card?.accepted) {
        rejected++;
        reasons.add(card?.reason ?? r?.error?.message ?? 'no card');
        continue;
      }
      accepted++;
      const m = card.receipt.body.measured.matmul as { observedMs: number; reportedMs: number };
      observed.push(m.observedMs);
      stretch.push(m.observedMs - m.reportedMs);
    }
  };
  const inFlight = Math.min(concurrency, fleet.executors.length);
  await Promise.all(Array.from({ length: inFlight }, worker));
  const wallMs = performance.now() - t0;
  const p = proc.stop();
  const f = await fleet.sample();
  ledger.close();
  const attests = accepted + rejected;
  return {
    executors: fleet.executors.length,
    concurrency,
    inFlight,
    attests,
    accepted,
    rejected,
    rejectReasons: [...reasons].slice(0, 5),
    wallS: round(wallMs / 1000, 2),
    attestsPerMinute: round((attests / wallMs) * 60_000),
    observedMs: { p50: round(quantile(observed, 0.5)), p99: round(quantile(observed, 0.99)) },
    stretchMs: { p50: round(quantile(stretch, 0.5)), p99: round(quantile(stretch, 0.99)), max: round(quantile(stretch, 1)) },
    validator: { cpuMsPerAttest: round(p.cpuMs / Math.max(1, attests), 2), loopActiveMsPerAttest: round(p.loopActiveMs / Math.max(1, attests), 2), ledgerWriteMsPerAttest: round(writes.ms / Math.max(1, attests), 2), cpuShareOfOneCore: round(p.cpuMs / wallMs, 3), peakRssMiB: round(p.peakRssMiB), loopDelayMs: p.loopDelayMs },
    fleet: { cpuMsPerAttest: round((f.cpuMs - f0.cpuMs) / Math.max(1, attests), 2), loopDelayMs: f.loopDelayMs, overranComputeMs: f.overran - f0.overran, errors: f.errors - f0.errors },
  };
}

type ConfigResult = Awaited<ReturnType<typeof runConfig>>;

function projection(configs: ConfigResult[]) {
  // The small-n attest's own verification, timed the same way as the production sizes.
  const smallVerifyMs = verifyCpuMs(SIZE.n, ROWS, 9);
  const measured = configs.filter((c) => c.accepted > 0);
  const perAttest = quantile(measured.map((c) => c.validator.cpuMsPerAttest ?? Number.NaN), 0.5);
  const ledgerMs = quantile(measured.map((c) => c.validator.ledgerWriteMsPerAttest ?? Number.NaN), 0.5);
  // CPU beyond verification, plus the ledger's blocking writes (their CPU part counted twice: conservative).
  const overheadMs = perAttest === null || ledgerMs === null ? null : Math.max(0, perAttest - smallVerifyMs) + ledgerMs;
  const memory = memoryVerifyCpuMs();
  const verifyByN = Object.fromEntries(list(a['production-n']).map((n) => [n, verifyCpuMs(n, ROWS)]));
  return {
    epochMinutes: EPOCH_MINUTES,
    smallNVerifyCpuMs: round(smallVerifyMs, 2),
    medianCpuMsPerAttest: round(perAttest, 2),
    medianLedgerWriteMsPerAttest: round(ledgerMs, 2),
    overheadMsPerAttest: round(overheadMs, 2),
    memoryVerifyCpuMs: memory.ms,
    memoryVerifySource: memory.source,
    formula: 'overheadMsPerAttest = medianCpuMsPerAttest − smallNVerifyCpuMs + medianLedgerWriteMsPerAttest; perExecutorMs = 2 × overheadMsPerAttest + matmulVerifyCpuMs(n) + memoryVerifyCpuMs; executorsPerEpochPerCore = floor(72 × 60 000 / perExecutorMs)',
    bySize: overheadMs === null || memory.ms === null ? [] : project(overheadMs, memory.ms, verifyByN),
  };
}

async function main(): Promise<void> {
  const loadBefore = loadavg().map((x) => round(x, 2));
  const keys: KeyPair = generateKeyPair();
  const pool = await verifyPoolOption();
  const base = { keys, size: SIZE, rows: ROWS, timeoutMs: 120_000, ...pool.extra } as GroupOptions;
  const dir = mkdtempSync(join(tmpdir(), 'gpuproof-scale-'));
  const configs: ConfigResult[] = [];
  try {
    for (const count of FLEETS) {
      const fleet = await startFleet(count);
      try {
        // Untimed: JIT, connection pools and the fleet's first keys are not the validator's load.
        await runConfig(fleet, 4, base, dir, { attests: WARMUP_ATTESTS, ms: MAX_MS });
        for (const c of CONCURRENCY) {
          const r = await runConfig(fleet, c, base, dir);
          configs.push(r);
          console.log(`N=${count} C=${c}: ${r.attests} attests (${r.rejected} rejected) in ${r.wallS} s, ${r.attestsPerMinute}/min, stretch p50 ${r.stretchMs.p50} p99 ${r.stretchMs.p99} ms, validator ${r.validator.cpuMsPerAttest} ms CPU/attest, RSS ${r.validator.peakRssMiB} MiB`);
        }
      } finally {
        fleet.child.disconnect();
      }
    }
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const result = {
    bench: 'validator-scale',
    date,
    machine: `${machineDescription()}; ${cpus().length} cores shared by the validator, the simulated fleet and any other work`,
    loadAverage: { before: loadBefore, after: loadavg().map((x) => round(x, 2)) },
    ...(a.note ? { note: a.note } : {}),
    command: `node --import tsx bench/validator-scale.ts ${process.argv.slice(2).join(' ')}`.trim(),
    setup: {
      validator: 'this process: attestWithMemory per executor (the code of gpuproof validate), one SQLite ledger per configuration, 3 RTT samples, every opened row verified',
      executors: 'one child process: simulated executors on 127.0.0.1, one port and key each, honest at small n on the CPU reference (test/helpers/sim-executor.ts)',
      size: SIZE,
      rows: ROWS,
      computeMs: COMPUTE_MS,
      stretch: 'observedMs − the executor-signed time from its handler start to its commitment (≥ computeMs)',
      bounds: { maxAttests: MAX_ATTESTS, maxSeconds: MAX_MS / 1000 },
      verifyWorkers: a['verify-workers'] === undefined ? null : Number(a['verify-workers']),
    },
    configs,
    projection: projection(configs),
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result.projection, null, 2));
  console.log(`wrote ${OUT}`);
}

await main();
