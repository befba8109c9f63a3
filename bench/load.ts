// A bounded load test of one agent on loopback: `gpuproof serve` in its own process, then bursts of
// 100 concurrent requests from this one — GET /v1/info, POST /v1/challenges from an allowed key
// (one GPU: one runs, the rest should be 429) and from an unknown key (403). Every request has a
// deadline and the whole run stops itself. Writes bench/results/load-<date>.json.
// Usage: node --import tsx bench/load.ts [--concurrency 100] [--rounds 3] [--n 256] [--iterations 4]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateKeyPair, keyFileText, type KeyPair } from '../src/protocol/keys.js';
import { issueChallenge } from '../src/roles/validator.js';
import { MemoryReplayStore } from '../src/roles/stores.js';
import { AgentInfo } from '../src/server/wire.js';
import { toB64 } from '../src/util/bytes.js';
import { buildCli } from '../test/helpers/cli.js';
import { spawnServe } from '../test/helpers/net.js';
import { machineDescription } from './lib.js';

const { values } = parseArgs({ options: { concurrency: { type: 'string', default: '100' }, rounds: { type: 'string', default: '3' }, n: { type: 'string', default: '256' }, iterations: { type: 'string', default: '4' } } });
const C = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
const SIZE = { n: Number(values.n), iterations: Number(values.iterations) };
const REQUEST_TIMEOUT_MS = 60_000;
const WHOLE_RUN_MS = 300_000;

// The run stops itself whatever happens.
setTimeout(() => {
  console.error(`load: over ${WHOLE_RUN_MS / 1000} s, giving up`);
  process.exit(3);
}, WHOLE_RUN_MS).unref();

interface Sample {
  status: number;
  ms: number;
}

async function timed(url: string, init: RequestInit): Promise<Sample> {
  const t0 = performance.now();
  try {
    const r = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    await r.arrayBuffer();
    return { status: r.status, ms: performance.now() - t0 };
  } catch {
    return { status: 0, ms: performance.now() - t0 };
  }
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

function summarize(samples: Sample[], wallMs: number): Record<string, unknown> {
  const statuses: Record<string, number> = {};
  for (const s of samples) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
  const byStatus = (code: number): Record<string, number> | null => {
    const ms = samples.filter((s) => s.status === code).map((s) => s.ms).sort((a, b) => a - b);
    return ms.length === 0 ? null : { p50: pct(ms, 50), p90: pct(ms, 90), p99: pct(ms, 99), max: ms[ms.length - 1] ?? 0 };
  };
  const all = samples.map((s) => s.ms).sort((a, b) => a - b);
  const round = (o: Record<string, number> | null) => (o ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Number(v.toFixed(2))])) : null);
  return {
    requests: samples.length,
    statuses,
    latency_ms: round({ p50: pct(all, 50), p90: pct(all, 90), p99: pct(all, 99), max: all[all.length - 1] ?? 0, mean: all.reduce((a, b) => a + b, 0) / Math.max(1, all.length) }),
    latency_ms_by_status: Object.fromEntries(Object.keys(statuses).map((k) => [k, round(byStatus(Number(k)))])),
    wall_ms: Number(wallMs.toFixed(1)),
    throughput_rps: Number((samples.length / (wallMs / 1000)).toFixed(1)),
  };
}

async function burst(make: () => Promise<Sample>[]): Promise<{ samples: Sample[]; wallMs: number }> {
  const t0 = performance.now();
  const samples = await Promise.all(make());
  return { samples, wallMs: performance.now() - t0 };
}

async function waitIdle(base: string): Promise<AgentInfo> {
  for (let i = 0; i < 6000; i++) {
    const info = AgentInfo.parse(await (await fetch(`${base}/v1/info`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).json());
    if (info.adapters.every((a) => !a.busy)) return info;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the agent never became idle');
}

const loadBefore = loadavg();
const root = mkdtempSync(join(tmpdir(), 'gpuproof-load-'));
const validator: KeyPair = generateKeyPair();
const stranger: KeyPair = generateKeyPair();
const executor: KeyPair = generateKeyPair();
writeFileSync(join(root, 'v.key'), keyFileText(validator), { mode: 0o600 });
writeFileSync(join(root, 'e.key'), keyFileText(executor), { mode: 0o600 });
await buildCli();
const agent = await spawnServe(['--key', join(root, 'e.key'), '--allow', join(root, 'v.key')], root);
try {
  const base = agent.url;
  const post = (body: string) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const challenges = (keys: KeyPair) => Array.from({ length: C }, () => JSON.stringify(issueChallenge(keys, { executorKey: toB64(executor.publicKey), matmul: SIZE }, new MemoryReplayStore())));
  const phases: Record<string, { samples: Sample[]; wallMs: number; rounds: Record<string, number>[] }> = {};
  const run = async (name: string, make: () => Promise<Sample>[]): Promise<void> => {
    const acc = (phases[name] ??= { samples: [], wallMs: 0, rounds: [] });
    await waitIdle(base);
    const b = await burst(make);
    acc.samples.push(...b.samples);
    acc.wallMs += b.wallMs;
    const st: Record<string, number> = {};
    for (const s of b.samples) st[s.status] = (st[s.status] ?? 0) + 1;
    acc.rounds.push(st);
    console.log(`${name}: ${JSON.stringify(st)} in ${b.wallMs.toFixed(0)} ms`);
  };
  await timed(`${base}/v1/info`, {}); // one warm connection and JIT
  for (let r = 0; r < ROUNDS; r++) {
    await run('info', () => Array.from({ length: C }, () => timed(`${base}/v1/info`, {})));
    const allowed = challenges(validator);
    await run('challenges_allowed', () => allowed.map((b) => timed(`${base}/v1/challenges`, post(b))));
    const unknown = challenges(stranger);
    await run('challenges_unknown_key', () => unknown.map((b) => timed(`${base}/v1/challenges`, post(b))));
  }
  const info = await waitIdle(base);
  const report = info.adapters[0]?.report as { description?: string; vendor?: string } | null;
  const result = {
    bench: 'load',
    date: new Date().toISOString(),
    machine: machineDescription(),
    // Other work on the machine shares its cores; the 1-minute load average says how much.
    load_average_1m: { before: Number((loadBefore[0] ?? 0).toFixed(2)), after: Number((loadavg()[0] ?? 0).toFixed(2)) },
    adapter: { description: report?.description ?? null, vendor: report?.vendor ?? null, slots: info.adapters.length },
    setup: { transport: 'HTTP/1.1 on loopback (127.0.0.1), keep-alive client pool', concurrency: C, rounds: ROUNDS, challenge_size: SIZE, agent: 'gpuproof serve, separate process' },
    phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, { ...summarize(v.samples, v.wallMs), per_round: v.rounds }])),
    agent_stats: info.stats,
  };
  const file = join('bench', 'results', `load-${result.date.slice(0, 10)}.json`);
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result.phases, null, 2));
  console.log(`wrote ${file}`);
} finally {
  const stopped = await agent.stop('SIGTERM', 30_000);
  if (stopped.code !== 0) console.error(`agent exited ${stopped.code ?? stopped.signal}: ${agent.stderr().slice(-500)}`);
  rmSync(root, { recursive: true, force: true });
}
