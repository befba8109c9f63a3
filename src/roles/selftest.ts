// Validator, executor and verifier in one process on the adapter at hand: the provider's own
// benchmark and CI's job. The validator's observed window is taken with a monotonic clock.
import type { GpuContext } from '../gpu/context.js';
import { isSoftwareAdapter } from '../gpu/adapter-info.js';
import { generateKeyPair } from '../protocol/keys.js';
import { toB64 } from '../util/bytes.js';
import { maxNForLimits, type MatmulSize } from '../proofs/matmul-size.js';
import { runChallenge, answerOpenings } from './executor.js';
import { issueChallenge, receiveCommitment, makeOpenRequest, DEFAULT_OPEN_ROWS } from './validator.js';
import { verifyProof, type Verification } from './verifier.js';
import { MemoryReplayStore } from './stores.js';
import { chooseKernel } from './autotune.js';

export interface SelftestOptions {
  n?: number | undefined;
  iterations?: number | undefined;
  rows?: number | undefined;
  claim?: string | undefined;
  /** Force a matmul variant; otherwise the autotuner's choice (cached in tuneCache when given). */
  kernel?: string | undefined;
  tuneCache?: string | undefined;
  onProgress?: ((phase: string, done: number, total: number) => void) | undefined;
}

export interface SelftestResult extends Verification {
  adapter: GpuContext['report'];
  timings: { commit_ms: number; open_ms: number; verify_ms: number; total_ms: number; phases: Record<string, number>; method: string };
}

/** Software adapters get sizes that finish in seconds; real GPUs get a seconds-long window. */
export function defaultSelftestSize(ctx: GpuContext): MatmulSize {
  if (isSoftwareAdapter(ctx.report)) return { n: 512, iterations: 4 };
  const n = Math.min(4096, maxNForLimits(ctx.device.limits));
  return { n, iterations: 32 };
}

export async function selftest(ctx: GpuContext, opts: SelftestOptions = {}): Promise<SelftestResult> {
  const def = defaultSelftestSize(ctx);
  const size = { n: opts.n ?? def.n, iterations: opts.iterations ?? def.iterations };
  const validatorKeys = generateKeyPair();
  const executorKeys = generateKeyPair();
  const validatorStore = new MemoryReplayStore();
  const executorStore = new MemoryReplayStore();
  const t0 = performance.now();
  const challenge = issueChallenge(validatorKeys, { executorKey: toB64(executorKeys.publicKey), matmul: size, claim: opts.claim ?? 'any' }, validatorStore);
  const kernel = opts.kernel ?? (await chooseKernel(ctx, opts.tuneCache)).kernel;
  const execOpts = { keys: executorKeys, replay: executorStore, kernel, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) };
  const sent = performance.now();
  const state = await runChallenge(ctx, challenge, execOpts);
  const observedMs = performance.now() - sent;
  const window = { ...receiveCommitment(validatorKeys, challenge, state.commitment, validatorStore), observedMs };
  const request = makeOpenRequest(validatorKeys, challenge, state.commitment, window, opts.rows ?? DEFAULT_OPEN_ROWS);
  const t1 = performance.now();
  const openings = await answerOpenings(ctx, state, request, execOpts);
  const t2 = performance.now();
  const verification = verifyProof({ challenge, commitment: state.commitment, request, openings });
  const t3 = performance.now();
  return {
    ...verification,
    adapter: ctx.report,
    timings: {
      commit_ms: observedMs,
      open_ms: t2 - t1,
      verify_ms: t3 - t2,
      total_ms: t3 - t0,
      phases: state.commitment.body.timings.phases,
      method: state.commitment.body.timings.method,
    },
  };
}
