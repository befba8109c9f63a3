// The executor: accepts a challenge only when it is signed, addressed to this key, unexpired and
// unseen; runs the proofs; commits to every layer of the chain; later answers openings from what it
// kept on the GPU, or by re-running the deterministic chain and capturing just what was asked for.
import type { GpuContext } from '../gpu/context.js';
import { refused, inputError } from '../errors.js';
import { MerkleTree } from '../proofs/merkle.js';
import { runMatmulChain, rowKey, matmulPipelines, type RowRef, type KeptChain } from '../proofs/matmul-gpu.js';
import type { Captured } from '../proofs/matmul-kept.js';
import { topTree } from '../proofs/matmul-layers.js';
import { memoryPipelines, type InPlaceKernel } from '../proofs/memory-gpu.js';
import { merklePipelines } from '../proofs/merkle-gpu.js';
import { DEFAULT_VARIANT_ID, findVariant, variantFits } from '../proofs/matmul-variants.js';
import { variantNeedsOf } from '../proofs/matmul-tune.js';
import { checkMatmulSize } from '../proofs/matmul-size.js';
import { fromB64, fromHex, toB64, toHex, bytesEqual } from '../util/bytes.js';
import { PROTOCOL_VERSION } from '../protocol/schemas.js';
import type { SignedChallenge, SignedCommitment, SignedOpenRequest, SignedOpenings, CommitmentBody, BlockOpening, BlockRef, LaneOpening } from '../protocol/schemas.js';
import { signMessage, verifySignature, hashHex } from '../protocol/signing.js';
import type { KeyPair } from '../protocol/keys.js';
import type { ReplayStore } from './stores.js';
import { commitMemory, openMemory, type MemoryState } from './executor-memory.js';
import type { KeptMemory } from '../proofs/memory-kept.js';
import { IN_PLACE_KERNELS, isInPlaceKernel } from '../proofs/memory-tune.js';
import { warmExecutorPaths } from './warmup.js';
import { commitAlu, openAlu } from './executor-alu.js';
import type { AluRun } from '../proofs/alu-proof.js';
import { checkAluSize } from '../proofs/alu-size.js';
import { isAluKernel, ALU_KERNELS } from '../proofs/alu-gpu.js';

/** Clock skew tolerated between validator and executor when checking issuedAt. */
export const CLOCK_SKEW_MS = 5 * 60_000;

export interface ExecutorOptions {
  keys: KeyPair;
  replay: ReplayStore;
  now?: () => number;
  /** Matmul variant id; the default kernel when absent. */
  kernel?: string | undefined;
  /** In-place memory kernel (same bits either way); the adapter's default when absent. */
  memoryKernel?: InPlaceKernel | undefined;
  /** Integer-proof kernel (alu-gpu.ts; same bits either way); the untuned default when absent. */
  aluKernel?: string | undefined;
  /** Keep C_k, X_P and the lane results on the GPU until the openings (one process answering its own). */
  keepOnGpu?: boolean | undefined;
  onProgress?: (phase: string, done: number, total: number) => void;
}

/** What the executor keeps between commitment and openings. */
export interface ExecutorState {
  challenge: SignedChallenge;
  commitment: SignedCommitment;
  /** The layer roots L_0 … L_{K−1}, K × 32 bytes, base64. */
  layerRoots: string;
  memory?: MemoryState;
}

/**
 * Compiles every pipeline a challenge can need and runs a tiny proof down every path (see
 * warmup.ts), so compilation (tens of milliseconds on lavapipe) and Dawn's lazy per-layout set-up
 * never fall inside a validator's observed window. Call once per device before taking work.
 */
export async function prepareExecutor(ctx: GpuContext, kernel?: string, memoryKernel?: InPlaceKernel, aluKernel?: string): Promise<void> {
  const variant = findVariant(kernel ?? DEFAULT_VARIANT_ID);
  // A kernel named by the user that this adapter cannot run is bad input, said before any
  // compilation fails on it (and before a challenge is taken, so none is burned).
  if (kernel !== undefined && !variantFits(variant, ctx.device.limits, variantNeedsOf(ctx))) {
    throw inputError('kernel', `${kernel} does not fit this adapter (a feature, subgroup-matrix shape or limit it lacks); \`gpuproof adapters\` lists what it has`);
  }
  if (memoryKernel !== undefined && !isInPlaceKernel(memoryKernel)) throw inputError('memoryKernel', `must be one of ${IN_PLACE_KERNELS.join(', ')}, got ${String(memoryKernel)}`);
  if (aluKernel !== undefined && !isAluKernel(aluKernel)) throw inputError('aluKernel', `must be one of ${ALU_KERNELS.map((k) => k.id).join(', ')}, got ${String(aluKernel)}`);
  await Promise.all([matmulPipelines(ctx.device, variant), memoryPipelines(ctx.device), merklePipelines(ctx.device)]);
  await warmExecutorPaths(ctx, variant.id, memoryKernel, aluKernel);
}

export function checkChallenge(challenge: SignedChallenge, keys: KeyPair, replay: ReplayStore, now: number): void {
  const b = challenge.body;
  if (!verifySignature(challenge) || challenge.signer !== b.validatorKey) throw refused('challenge signature does not verify against its validator key', 'signature');
  if (b.executorKey !== toB64(keys.publicKey)) throw refused('challenge is addressed to another executor key', 'body.executorKey');
  if (now >= b.expiresAt) throw refused(`challenge expired at ${new Date(b.expiresAt).toISOString()}`, 'body.expiresAt');
  if (b.issuedAt > now + CLOCK_SKEW_MS) throw refused('challenge is issued in the future', 'body.issuedAt');
  if (replay.seen(b.id, now)) throw refused(`challenge ${b.id} was already run; replays are refused`, 'body.id');
}

export async function runChallenge(ctx: GpuContext, challenge: SignedChallenge, opts: ExecutorOptions): Promise<ExecutorState> {
  const now = opts.now ?? Date.now;
  checkChallenge(challenge, opts.keys, opts.replay, now());
  const b = challenge.body;
  checkMatmulSize(b.matmul, ctx.device.limits, 'body.matmul');
  if (b.alu) checkAluSize(b.alu, 'body.alu');
  if (opts.aluKernel !== undefined && !isAluKernel(opts.aluKernel)) throw inputError('aluKernel', `must be one of ${ALU_KERNELS.map((k) => k.id).join(', ')}, got ${String(opts.aluKernel)}`);
  // Remember before running: a crash mid-run must not let the same challenge be run twice.
  opts.replay.remember(b.id, b.expiresAt);
  const t0 = performance.now();
  const run = await runMatmulChain(ctx, fromHex(b.seed), b.matmul, {
    ...(opts.kernel ? { kernel: opts.kernel } : {}),
    ...(opts.keepOnGpu ? { keep: true } : {}),
    ...(opts.onProgress ? { onProgress: (d: number, t: number) => opts.onProgress?.('matmul', d, t) } : {}),
  });
  const tree = topTree(run.layerRoots);
  const mem = b.memory
    ? await commitMemory(ctx, fromHex(b.seed), b.memory, {
        memoryKernel: opts.memoryKernel,
        keep: opts.keepOnGpu,
        onProgress: opts.onProgress ? (d, t) => opts.onProgress?.('memory', d, t) : undefined,
      })
    : undefined;
  const alu = b.alu
    ? await commitAlu(ctx, fromHex(b.seed), b.alu, {
        kernel: opts.aluKernel,
        keep: opts.keepOnGpu,
        onProgress: opts.onProgress ? (d, t) => opts.onProgress?.('alu', d, t) : undefined,
      })
    : undefined;
  const totalMs = performance.now() - t0;
  const body: CommitmentBody = {
    version: PROTOCOL_VERSION,
    challengeHash: hashHex(challenge),
    executorKey: toB64(opts.keys.publicKey),
    matmul: { root: toHex(tree.root()), layers: b.matmul.iterations, rows: b.matmul.n, path: run.path, kernel: run.kernel },
    ...(mem ? { memory: mem.body } : {}),
    ...(alu ? { alu: alu.body } : {}),
    adapter: {
      vendor: ctx.report.vendor,
      architecture: ctx.report.architecture,
      device: ctx.report.device,
      description: ctx.report.description,
      backend: ctx.report.backend,
      features: ctx.report.features,
      isFallbackAdapter: ctx.report.isFallbackAdapter,
    },
    timings: { method: run.method, phases: { ...prefixPhases('matmul', run.phases), ...(mem?.phases ?? {}), ...(alu?.phases ?? {}) }, totalMs },
  };
  const commitment = signMessage('commitment', body, opts.keys.secretKey);
  const state: ExecutorState = { challenge, commitment, layerRoots: toB64(run.layerRoots), ...(mem ? { memory: mem.state } : {}) };
  held.set(state, { matmulTree: tree, ...(run.kept ? { chain: run.kept } : {}), ...(mem ? { memoryTree: mem.tree } : {}), ...(mem?.kept ? { memory: mem.kept } : {}), ...(alu?.run.kept ? { alu: alu.run } : {}) });
  return state;
}

// What this process still holds of a state beyond its (serialisable) fields: the top and memory
// Merkle trees, and C_k, the layer trees and X_P on the GPU when kept. A state read back from a file has none of it.
interface Held {
  matmulTree: MerkleTree;
  memoryTree?: MerkleTree;
  chain?: KeptChain;
  memory?: KeptMemory;
  alu?: AluRun;
}
const held = new WeakMap<ExecutorState, Held>();

/** Frees what a state holds on the GPU; a state answered or expired is released. */
export function releaseState(state: ExecutorState): void {
  const h = held.get(state);
  h?.chain?.destroy();
  h?.memory?.destroy();
  h?.alu?.kept?.destroy();
  held.delete(state);
}

export async function answerOpenings(ctx: GpuContext, state: ExecutorState, request: SignedOpenRequest, opts: ExecutorOptions): Promise<SignedOpenings> {
  const { challenge, commitment } = state;
  const r = request.body;
  if (!verifySignature(request) || request.signer !== challenge.body.validatorKey) throw refused('open request is not signed by the challenge validator', 'signature');
  if (r.commitmentHash !== hashHex(commitment)) throw refused('open request is for another commitment', 'body.commitmentHash');
  if (r.challengeHash !== hashHex(challenge)) throw refused('open request is for another challenge', 'body.challengeHash');
  const { n, iterations } = challenge.body.matmul;
  r.rows.forEach(({ k, i }, j) => {
    if (k >= iterations || i >= n) throw inputError(`body.rows.${j}`, `row (${k}, ${i}) is outside the ${iterations}×${n} proof`);
  });
  const wanted = new Map<string, RowRef>();
  for (const { k, i } of r.rows) {
    wanted.set(rowKey({ k, i }), { k, i });
    if (k > 0) wanted.set(rowKey({ k: k - 1, i }), { k: k - 1, i });
  }
  const roots = fromB64(state.layerRoots);
  const top = held.get(state)?.matmulTree ?? topTree(roots);
  let captured: Captured;
  let blocks: BlockOpening[];
  let lanes: LaneOpening[] | undefined;
  try {
    captured = await capturedRows(ctx, state, [...wanted.values()], roots, opts);
    blocks = await openBlocks(ctx, state, r.blocks, opts.memoryKernel);
    lanes = r.lanes ? await openLanes(ctx, state, r.lanes, opts.aluKernel) : undefined;
  } finally {
    releaseState(state);
  }
  const open = (k: number, i: number): { row: string; path: string[]; layerRoot: string; layerPath: string[] } => {
    const row = captured.rows.get(rowKey({ k, i }));
    const layer = captured.trees.get(k);
    if (!row || !layer) throw new Error(`row ${k}:${i} was not captured`);
    return {
      row: toB64(new Uint8Array(row.buffer, row.byteOffset, row.byteLength)),
      path: layer.auditPath(i).map(toHex),
      layerRoot: toHex(roots.subarray(k * 32, (k + 1) * 32)),
      layerPath: top.auditPath(k).map(toHex),
    };
  };
  const rows = r.rows.map(({ k, i }) => ({ k, i, ...open(k, i), ...(k > 0 ? { prev: open(k - 1, i) } : {}) }));
  return signMessage('openings', { version: PROTOCOL_VERSION, requestHash: hashHex(request), rows, blocks, ...(lanes ? { lanes } : {}) }, opts.keys.secretKey);
}

async function openLanes(ctx: GpuContext, state: ExecutorState, lanes: readonly number[], aluKernel: string | undefined): Promise<LaneOpening[]> {
  const req = state.challenge.body.alu;
  const com = state.commitment.body.alu;
  if (!req || !com) throw inputError('body.lanes', 'lanes asked of a challenge without an integer proof');
  lanes.forEach((l, j) => {
    if (l >= req.lanes) throw inputError(`body.lanes.${j}`, `lane ${l} is outside the ${req.lanes} lanes of the proof`);
  });
  // A re-run uses the committed kernel: any kernel gives the same bits, this one is known to work here.
  return openAlu(ctx, fromHex(state.challenge.body.seed), req, com.root, lanes, held.get(state)?.alu, aluKernel ?? com.kernel);
}

async function openBlocks(ctx: GpuContext, state: ExecutorState, blocks: readonly BlockRef[], memoryKernel: InPlaceKernel | undefined): Promise<BlockOpening[]> {
  const req = state.challenge.body.memory;
  if (blocks.length === 0) return [];
  if (!req || !state.memory) throw inputError('body.blocks', 'blocks asked of a challenge without a memory proof');
  const total = req.mib * 64;
  blocks.forEach((b, j) => {
    if (b.index >= total) throw inputError(`body.blocks.${j}.index`, `block ${b.index} is outside the ${total} blocks of the proof`);
  });
  const h = held.get(state);
  return openMemory(ctx, fromHex(state.challenge.body.seed), req.passes, state.memory, blocks, { kept: h?.memory, keptTree: h?.memoryTree, memoryKernel });
}

/** The rows asked for and their layers' trees: copied from the kept chain when there is one, else from a re-run. */
async function capturedRows(ctx: GpuContext, state: ExecutorState, refs: RowRef[], roots: Uint8Array, opts: ExecutorOptions): Promise<Captured> {
  const kept = held.get(state)?.chain;
  if (kept) return kept.open(refs);
  const { seed, matmul } = state.challenge.body;
  const run = await runMatmulChain(ctx, fromHex(seed), matmul, { capture: refs, ...(opts.kernel ? { kernel: opts.kernel } : {}) });
  // The re-run must reproduce what was committed; anything else is a fault on this machine.
  if (!bytesEqual(run.layerRoots, roots)) throw refused('re-running the chain did not reproduce the committed layer roots (faulty GPU?)');
  return { rows: run.rows, trees: run.trees };
}


const prefixPhases = (p: string, phases: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(phases).map(([k, v]) => [`${p}.${k}`, v]));
