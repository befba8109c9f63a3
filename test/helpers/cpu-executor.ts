// A CPU stand-in for the GPU half of the agent, for tests of its admission path without a GPU
// (test/agent-admission.test.ts): cpu-agent-hooks.mjs makes src/server/agent.ts import this
// module in place of src/roles/executor.js and src/roles/autotune.js. checkChallenge is the real
// one (the agent's admission runs it); the proof is the honest CPU cheater's (small n only),
// committed and opened as the GPU executor would; no kernel is prepared.
import { checkChallenge } from '../../src/roles/executor.js';
import type { ExecutorOptions, ExecutorState } from '../../src/roles/executor.js';
import type { GpuContext } from '../../src/gpu/context.js';
import type { SignedChallenge, SignedOpenRequest, SignedOpenings } from '../../src/protocol/schemas.js';
import { toB64 } from '../../src/util/bytes.js';
import { CheatingExecutor } from './cheater.js';

export { checkChallenge };

/** What the tests see of the stand-in: runs and openings counted, and a way to hold a run. */
export const cpuExecutor = {
  runs: 0,
  openings: 0,
  /** When set, runChallenge waits for it: a slot stays busy while a test looks. */
  gate: undefined as Promise<void> | undefined,
};

const executors = new WeakMap<SignedChallenge, CheatingExecutor>();

export async function runChallenge(_ctx: GpuContext, challenge: SignedChallenge, opts: ExecutorOptions): Promise<ExecutorState> {
  const now = opts.now ?? Date.now;
  checkChallenge(challenge, opts.keys, opts.replay, now());
  opts.replay.remember(challenge.body.id, challenge.body.expiresAt);
  cpuExecutor.runs++;
  await cpuExecutor.gate;
  const x = new CheatingExecutor(challenge, opts.keys);
  const commitment = x.commit();
  executors.set(challenge, x);
  return { challenge, commitment, layerRoots: toB64(x.layerRoots()) };
}

export async function answerOpenings(_ctx: GpuContext, state: ExecutorState, request: SignedOpenRequest): Promise<SignedOpenings> {
  const x = executors.get(state.challenge);
  if (!x) throw new Error('no CPU run for this challenge');
  cpuExecutor.openings++;
  await cpuExecutor.gate;
  return x.open(request);
}

export function releaseState(_state: ExecutorState): void {}

export async function readyKernels(): Promise<Record<string, undefined>> {
  return {};
}

/** A device context that is never used for GPU work: enough for the agent's slots and /v1/info. */
export function fakeGpuContext(): GpuContext {
  const report = {
    vendor: 'cpu',
    architecture: 'test',
    device: 'cpu stand-in',
    description: 'no GPU: test/helpers/cpu-executor.ts',
    backend: 'null',
    features: [],
    isFallbackAdapter: true,
    subgroupMinSize: null,
    subgroupMaxSize: null,
    subgroupMatrixConfigs: [],
    limits: {},
  };
  return { report, lost: new Promise(() => undefined), close: async () => undefined } as unknown as GpuContext;
}
