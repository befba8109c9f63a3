// Validator, executor and verifier in one process on the adapter at hand: the provider's own
// benchmark and CI's job. Each proof runs in its own challenge so each observed window (taken
// with a monotonic clock) times one proof only.
import type { GpuContext } from '../gpu/context.js';
import { isSoftwareAdapter } from '../gpu/adapter-info.js';
import { generateKeyPair, type KeyPair } from '../protocol/keys.js';
import type { SignedChallenge } from '../protocol/schemas.js';
import { toB64 } from '../util/bytes.js';
import { maxNForLimits, type MatmulSize } from '../proofs/matmul-size.js';
import { chunkCapBytes, defaultMemoryMib, MIB } from '../proofs/memory-size.js';
import { probeAllocatableBytes } from '../gpu/probe.js';
import { runChallenge, answerOpenings, type ExecutorOptions } from './executor.js';
import { issueChallenge, receiveCommitment, makeOpenRequest, DEFAULT_OPEN_ROWS, MEMORY_ONLY_MATMUL, type ChallengeSpec } from './validator.js';
import { EXACT_ROW_CHECK_MAX_N, verifyProof, type Verification, type VerifyInput } from './verifier.js';
import { MemoryReplayStore } from './stores.js';
import { readyKernels } from './autotune.js';
import { DEFAULT_VARIANT_ID } from '../proofs/matmul-variants.js';
import { defaultInPlaceKernel, type InPlaceKernel } from '../proofs/memory-gpu.js';
import { judge, type Judgement } from './judge.js';
import { DEFAULT_ALU_KERNEL } from '../proofs/alu-gpu.js';

export interface SelftestOptions {
  n?: number | undefined;
  iterations?: number | undefined;
  rows?: number | undefined;
  /** Capacity to prove in MiB; 0 skips the memory proof. */
  memoryMib?: number | undefined;
  passes?: number | undefined;
  /** Lanes of the integer proof; 0 skips it. */
  aluLanes?: number | undefined;
  /** Rounds a lane of the integer proof. */
  aluRounds?: number | undefined;
  claim?: string | undefined;
  /** Force a matmul variant; otherwise the autotuner's choice (cached in tuneCache when given). */
  kernel?: string | undefined;
  /** Force the in-place memory kernel; otherwise the autotuner's choice (the adapter default when kernel is forced). */
  memoryKernel?: InPlaceKernel | undefined;
  tuneCache?: string | undefined;
  /** One small untimed round first, once per device (default true): see {@link warmupRound}. */
  warmup?: boolean | undefined;
  onProgress?: ((phase: string, done: number, total: number) => void) | undefined;
}

export interface SelftestTimings {
  commitMs: number;
  openMs: number;
  verifyMs: number;
  totalMs: number;
  phases: Record<string, number>;
  method: string;
}

export interface SelftestResult extends Verification {
  class: string;
  score: number;
  judgement: Judgement;
  adapter: GpuContext['report'];
  kernel: string;
  /** The in-place memory kernel the memory proof ran (same bits either way). */
  memoryKernel: InPlaceKernel;
  /** The integer kernel the integer proof ran (same bits either way). */
  aluKernel: string;
  timings: SelftestTimings;
  /** The transcripts, for reports and for recording. */
  transcripts: VerifyInput[];
}

/** Cap on the memory probe: the largest card in the class table has 192 GB. */
const PROBE_CAP_BYTES = 256 * 2 ** 30;

/**
 * Software adapters get sizes that finish in seconds. Real GPUs get a seconds-long matmul window
 * and a memory proof of what the device will actually allocate (probed), at P = 12.
 */
export async function defaultSelftestSize(ctx: GpuContext, probeMemory = true): Promise<MatmulSize & { memoryMib: number; passes: number; aluLanes: number; aluRounds: number }> {
  if (isSoftwareAdapter(ctx.report)) return { n: 512, iterations: 4, memoryMib: 16, passes: 4, ...SOFTWARE_ALU };
  const n = Math.min(4096, maxNForLimits(ctx.device.limits));
  if (!probeMemory) return { n, iterations: 32, memoryMib: 0, passes: 12, ...GPU_ALU };
  const chunk = Math.min(chunkCapBytes(ctx.device.limits), 1024 * MIB);
  const probe = await probeAllocatableBytes(ctx.device, Math.floor(chunk / MIB) * MIB, PROBE_CAP_BYTES);
  const memoryMib = defaultMemoryMib(ctx.device.limits, probe.bytes);
  return { n, iterations: 32, memoryMib, passes: 12, ...GPU_ALU };
}

/** Tens of milliseconds on lavapipe; its 66 lanes verify in about 2 ms. */
const SOFTWARE_ALU = { aluLanes: 4096, aluRounds: 4096 };
/** L = 2^16 as in production; 2^22 lanes is about a quarter second on an H100 and a second on a T4. */
const GPU_ALU = { aluLanes: 2 ** 22, aluRounds: 2 ** 16 };

interface Party {
  keys: KeyPair;
  store: MemoryReplayStore;
}

async function oneChallenge(ctx: GpuContext, v: Party, exec: ExecutorOptions, spec: ChallengeSpec, rows: number, onProgress?: SelftestOptions['onProgress']): Promise<{ v: Verification; input: VerifyInput; commitMs: number; openMs: number; verifyMs: number }> {
  const challenge: SignedChallenge = issueChallenge(v.keys, spec, v.store);
  // The executor reports each iteration once done: this marks where the phase starts.
  onProgress?.('matmul', 0, spec.matmul.iterations);
  const sent = performance.now();
  const state = await runChallenge(ctx, challenge, exec);
  const observedMs = performance.now() - sent;
  const window = { ...receiveCommitment(v.keys, challenge, state.commitment, v.store), observedMs };
  const request = makeOpenRequest(v.keys, challenge, state.commitment, window, rows);
  onProgress?.('openings', 0, 1);
  const t1 = performance.now();
  const openings = await answerOpenings(ctx, state, request, exec);
  const t2 = performance.now();
  onProgress?.('verify', 0, 1);
  const input = { challenge, commitment: state.commitment, request, openings };
  const result = verifyProof(input, toB64(v.keys.publicKey));
  return { v: result, input, commitMs: observedMs, openMs: t2 - t1, verifyMs: performance.now() - t2 };
}

/** Above EXACT_ROW_CHECK_MAX_N, so the round takes the Freivalds path the timed one takes. */
const WARMUP_SPEC = { matmul: { n: EXACT_ROW_CHECK_MAX_N + 16, iterations: 2 }, memory: { mib: 1, passes: 1 }, alu: { lanes: 64, rounds: 16 } };

/**
 * One small round of the whole protocol, untimed and discarded, so that first-use costs fall
 * before the clock starts: V8 compiling the verifier, schemas, canonicaliser and judge, and what
 * prepareExecutor has not already paid. A long-running validator and agent pay them once, not
 * per proof; without this a fresh process's timings mostly measure the JIT (docs/decisions.md).
 */
// V8 compiles once per process; once a device has had its round, later selftests on it skip it.
const roundWarmed = new WeakSet<GPUDevice>();

async function warmupRound(ctx: GpuContext, kernels: Pick<ExecutorOptions, 'kernel' | 'memoryKernel' | 'aluKernel'>): Promise<void> {
  const v = { keys: generateKeyPair(), store: new MemoryReplayStore() };
  const keys = generateKeyPair();
  const exec: ExecutorOptions = { keys, replay: new MemoryReplayStore(), ...kernels, keepOnGpu: true };
  const r = await oneChallenge(ctx, v, exec, { executorKey: toB64(keys.publicKey), claim: 'any', ...WARMUP_SPEC }, DEFAULT_OPEN_ROWS);
  judge(r.v, r.input.commitment.body.adapter, 'any');
  roundWarmed.add(ctx.device);
}

export async function selftest(ctx: GpuContext, opts: SelftestOptions = {}): Promise<SelftestResult> {
  const def = await defaultSelftestSize(ctx, opts.memoryMib === undefined);
  const size = { n: opts.n ?? def.n, iterations: opts.iterations ?? def.iterations };
  const memoryMib = opts.memoryMib ?? def.memoryMib;
  const passes = opts.passes ?? def.passes;
  const aluLanes = opts.aluLanes ?? def.aluLanes;
  const aluRounds = opts.aluRounds ?? def.aluRounds;
  const ready = await readyKernels(ctx, { kernel: opts.kernel, memoryKernel: opts.memoryKernel, tuneCache: opts.tuneCache, onProgress: opts.onProgress });
  const kernel = ready.kernel ?? DEFAULT_VARIANT_ID;
  const memoryKernel = ready.memoryKernel ?? defaultInPlaceKernel(ctx);
  const aluKernel = ready.aluKernel ?? DEFAULT_ALU_KERNEL;
  if (opts.warmup !== false && !roundWarmed.has(ctx.device)) await warmupRound(ctx, { kernel, memoryKernel, aluKernel });
  const t0 = performance.now();
  const validator = { keys: generateKeyPair(), store: new MemoryReplayStore() };
  const executorKeys = generateKeyPair();
  const exec: ExecutorOptions = { keys: executorKeys, replay: new MemoryReplayStore(), kernel, memoryKernel, aluKernel, keepOnGpu: true, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) };
  const base = { executorKey: toB64(executorKeys.publicKey), claim: opts.claim ?? 'any' };
  const runs = [await oneChallenge(ctx, validator, exec, { ...base, matmul: size }, opts.rows ?? DEFAULT_OPEN_ROWS, opts.onProgress)];
  const mem = memoryMib > 0 ? await oneChallenge(ctx, validator, exec, { ...base, matmul: MEMORY_ONLY_MATMUL, memory: { mib: memoryMib, passes } }, 1, opts.onProgress) : undefined;
  const alu = aluLanes > 0 ? await oneChallenge(ctx, validator, exec, { ...base, matmul: MEMORY_ONLY_MATMUL, alu: { lanes: aluLanes, rounds: aluRounds } }, 1, opts.onProgress) : undefined;
  const [mm] = runs;
  if (!mm) throw new Error('unreachable');
  if (mem) runs.push(mem);
  if (alu) runs.push(alu);
  // Each side run's own checks keep their names; its matmul and protocol checks are prefixed.
  const side = (r: typeof mem, proof: string) => (r?.v.checks ?? []).map((c) => (c.name.startsWith(`${proof}.`) ? c : { ...c, name: `${proof}-run.${c.name}` }));
  const checks = [...mm.v.checks, ...side(mem, 'memory'), ...side(alu, 'alu')];
  const measured = { matmul: mm.v.measured.matmul, ...(mem?.v.measured.memory ? { memory: mem.v.measured.memory } : {}), ...(alu?.v.measured.alu ? { alu: alu.v.measured.alu } : {}) };
  const judgement = judge({ accepted: checks.every((c) => c.pass), checks, measured }, mm.input.commitment.body.adapter, opts.claim ?? 'any');
  if (judgement.claimCheck) checks.push(judgement.claimCheck);
  const sum = (f: (r: (typeof runs)[number]) => number): number => runs.reduce((s, r) => s + f(r), 0);
  return {
    accepted: checks.every((c) => c.pass),
    checks,
    measured,
    class: judgement.class,
    score: checks.every((c) => c.pass) ? judgement.score : 0,
    judgement,
    adapter: ctx.report,
    kernel,
    memoryKernel,
    aluKernel,
    transcripts: runs.map((r) => r.input),
    timings: {
      commitMs: sum((r) => r.commitMs),
      openMs: sum((r) => r.openMs),
      verifyMs: sum((r) => r.verifyMs),
      totalMs: performance.now() - t0,
      phases: { ...mm.input.commitment.body.timings.phases, ...proofPhases(mem?.input, 'memory.'), ...proofPhases(alu?.input, 'alu.') },
      method: mm.input.commitment.body.timings.method,
    },
  };
}

const proofPhases = (t: VerifyInput | undefined, prefix: string): Record<string, number> =>
  Object.fromEntries(Object.entries(t?.commitment.body.timings.phases ?? {}).filter(([k]) => k.startsWith(prefix)));
