// The executor's integer proof on the GPU: W lanes of L rounds, their 16-byte results hashed into
// an RFC 6962 tree, all on the device. Lanes run in chunks of a power-of-two span, each chunk with
// its own tree in one storage binding; with full chunks of 2^s leaves every chunk's root is a node
// of the whole tree, so the root is the RFC 6962 tree over the chunk roots and a lane's audit path
// is its path in its chunk followed by its chunk's path among the chunk roots (docs/alu-proof.md §4).
import type { GpuContext } from '../gpu/context.js';
import { storageBuffer, uniformBuffer } from '../gpu/buffers.js';
import { withErrorScopes } from '../gpu/scope.js';
import { PhaseTimer, type TimingMethod } from '../gpu/timer.js';
import { aluParams, aluPipeline, checkLaneBase, DEFAULT_ALU_KERNEL, encodeAluLanes, findAluKernel } from './alu-gpu.js';
import { aluChunkLanes, checkAluSize, type AluSize } from './alu-size.js';
import { createGpuMerkle, merklePipelines, type GpuMerkle } from './merkle-gpu.js';
import { keptAlu, type KeptAlu } from './alu-kept.js';
import { MerkleTree } from './merkle.js';

export interface AluRunOptions {
  /** Kernel id (alu-gpu.ts); the untuned default when absent. */
  kernel?: string | undefined;
  /** Keep the lane results and chunk trees on the GPU for the openings. */
  keep?: boolean | undefined;
  /** Lanes a chunk (a power of two); the adapter's largest when absent. Tests use small spans. */
  chunkLanes?: number | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
}

export interface AluRun {
  root: Uint8Array;
  /** The RFC 6962 tree over the chunk roots; its root is `root`. */
  top: MerkleTree;
  chunkLanes: number;
  kernel: string;
  phases: Record<string, number>;
  method: TimingMethod;
  kept?: KeptAlu;
}

interface Chunk {
  base: number;
  lanes: number;
  states: GPUBuffer;
  params: GPUBuffer;
  merkle: GpuMerkle;
}

export async function runAluProof(ctx: GpuContext, seed: Uint8Array, size: AluSize, opts: AluRunOptions = {}): Promise<AluRun> {
  const { device } = ctx;
  const kernel = findAluKernel(opts.kernel ?? DEFAULT_ALU_KERNEL);
  checkAluSize(size);
  const span = opts.chunkLanes ?? aluChunkLanes(device.limits);
  if (!(Number.isSafeInteger(span) && span >= 4 && (span & (span - 1)) === 0)) throw new RangeError('chunkLanes must be a power of two ≥ 4');
  checkLaneBase(kernel, span);
  const [pipeline, merkleP] = await Promise.all([aluPipeline(device, kernel), merklePipelines(device, 16)]);
  const count = Math.ceil(size.lanes / span);
  const timer = new PhaseTimer(device, ctx.hasTimestamps, 'alu');
  const chunks: Chunk[] = [];
  let handedOver = false;
  try {
    return await withErrorScopes(device, 'integer proof', async () => {
      for (let c = 0; c < count; c++) {
        const base = c * span;
        const lanes = Math.min(span, size.lanes - base);
        const states = storageBuffer(device, `alu.chunk${c}.states`, lanes * 16);
        const params = uniformBuffer(device, `alu.chunk${c}.params`, aluParams(seed, size.rounds, lanes, base));
        chunks.push({ base, lanes, states, params, merkle: createGpuMerkle(device, merkleP, states, lanes, `alu.chunk${c}`, 16) });
      }
      // Lanes first, every chunk, then every tree: each phase is one span of GPU time.
      timer.wallStart('alu.lanes');
      for (const [c, ch] of chunks.entries()) {
        const enc = device.createCommandEncoder({ label: `alu.chunk${c}.lanes` });
        const pass = enc.beginComputePass({ label: `alu.chunk${c}.lanes`, timestampWrites: timer.writes('alu.lanes', c === 0, c === count - 1) });
        encodeAluLanes(device, pass, pipeline, kernel, ch.states, ch.params, ch.lanes, `alu.chunk${c}`);
        pass.end();
        device.queue.submit([enc.finish()]);
        if (opts.onProgress) {
          await device.queue.onSubmittedWorkDone();
          opts.onProgress(c + 1, count);
        }
      }
      await timer.settle();
      timer.wallEnd('alu.lanes');
      timer.wallStart('alu.tree');
      const enc = device.createCommandEncoder({ label: 'alu.tree' });
      for (const [c, ch] of chunks.entries()) {
        const pass = enc.beginComputePass({ label: `alu.chunk${c}.tree`, timestampWrites: timer.writes('alu.tree', c === 0, c === count - 1) });
        ch.merkle.encode(pass);
        pass.end();
      }
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      timer.wallEnd('alu.tree');
      timer.wallStart('alu.readback');
      const kept = keptAlu(device, chunks.map((ch) => ({ lanes: ch.lanes, states: ch.states, merkle: ch.merkle })), span);
      const top = MerkleTree.fromLeafHashes(await kept.chunkRoots());
      timer.wallEnd('alu.readback');
      const phases = await timer.resolve();
      const run: AluRun = { root: top.root(), top, chunkLanes: span, kernel: kernel.id, phases, method: timer.method };
      if (opts.keep) {
        handedOver = true;
        run.kept = kept;
      }
      return run;
    });
  } finally {
    timer.destroy();
    for (const ch of chunks) {
      ch.params.destroy();
      if (!handedOver) {
        ch.states.destroy();
        ch.merkle.destroy();
      }
    }
  }
}
