// Runs the memory proof on the GPU: X_0 from the seed, P passes, then the SHA-256 of every
// 16 KiB block of X_P (the commitment's leaves). With C ≥ 2 the passes run in place with one
// spare chunk, so the device holds C + 1 chunks while proving C; with C = 1 (small tests) two
// copies alternate. docs/memory-proof.md is the spec and explains the schedule.
import type { GpuContext } from '../gpu/context.js';
import { dispatchSize, readBuffer, storageBuffer, uniformBuffer } from '../gpu/buffers.js';
import { isSoftwareAdapter } from '../gpu/adapter-info.js';
import { getPipeline } from '../gpu/shaders.js';
import { withErrorScopes } from '../gpu/scope.js';
import { PhaseTimer, type TimingMethod } from '../gpu/timer.js';
import { GpuproofError, gpuError } from '../errors.js';
import { BLOCK_ROWS, BLOCK_WORDS, passConstants, STREAM_MEMORY_X0, type MemoryParams } from './memory-spec.js';
import { BLOCK_BYTES, checkMemoryParams, ROW_BYTES } from './memory-size.js';
import { keyWords, streamKey } from './generator.js';
import { blockRootsPipeline, blockTreeParams, encodeBlockRoots } from './memory-block-tree.js';
import { capturedBlocks, type CapturedBlock } from './memory-kept.js';
import { keptMemory, type KeptMemory } from './memory-kept.js';
import { createGpuMerkle, merkleFitsGpu, merklePipelines, runMerklePhase } from './merkle-gpu.js';
import type { MerkleTree } from './merkle.js';

export type MemorySchedule = 'in-place' | 'ping-pong';

/** Bytes of one uniform entry: memory_init's InitParams (48) rounded up to a power of two. */
const UNIFORM_BYTES = 64;

export interface MemoryRunOptions {
  /** Called after each pass completes (forces a queue wait per pass). */
  onProgress?: (done: number, total: number) => void;
  /** Blocks of X_P to copy out, for openings. */
  captureBlocks?: readonly number[];
  /** Default: in place when C ≥ 2. Ping-pong holds two copies; it exists to test the other. */
  schedule?: MemorySchedule;
  /**
   * The in-place kernel: 16 invocations a row with a barrier (`lanes`, for GPUs) or one a row
   * without (`rows`, for CPU rasterisers). Same bits either way. Default: {@link defaultInPlaceKernel};
   * the autotuner measures both (src/proofs/memory-tune.ts).
   */
  inplaceKernel?: InPlaceKernel | undefined;
  /** Leave X_P on the GPU and return it as `kept` (the caller destroys it). */
  keep?: boolean;
  /** Build the commitment's Merkle tree over the digests on the GPU too (where it fits). */
  tree?: boolean;
}

export type InPlaceKernel = 'lanes' | 'rows';

/** What an adapter runs when nothing was measured: rows on software adapters, lanes elsewhere. */
export const defaultInPlaceKernel = (ctx: GpuContext): InPlaceKernel => (isSoftwareAdapter(ctx.report) ? 'rows' : 'lanes');

export interface MemoryRun {
  /** C·R/64 SHA-256 digests of X_P's blocks in (c, r) order, 32 bytes each. */
  digests: Uint8Array;
  /** Captured blocks (4096 words each), by block index. */
  blocks: Map<number, CapturedBlock>;
  phases: Record<string, number>;
  method: TimingMethod;
  schedule: MemorySchedule;
  /** The in-place kernel that ran (same bits either way). */
  inplaceKernel: InPlaceKernel;
  chunks: number;
  rowsPerChunk: number;
  passes: number;
  /** Device bytes held for the working set: (C + 1) or 2·C chunks. */
  bytesAllocated: number;
  kept?: KeptMemory;
  /** The tree over `digests`, when built on the GPU. */
  tree?: MerkleTree;
}

/** One dispatch of a pass, in physical slots; dst === src means in place. */
export interface PassStep {
  chunk: number;
  src: number;
  other: number;
  dst: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Pass with offset t over chunks whose logical index c lives in slot phys[c], one slot spare.
 * Chunk x is read by itself and by x − t only, so each cycle c0, c0 + t, … writes its first chunk
 * into the spare and the rest in place; the last one still reads the old c0, whose slot is then
 * free. Returns the steps in order and the slot map and spare afterwards.
 */
export function inPlaceSteps(phys: readonly number[], spare: number, t: number): { steps: PassStep[]; phys: number[]; spare: number } {
  const C = phys.length;
  if (C < 2 || !(t >= 1 && t < C)) throw new RangeError('in place needs C ≥ 2 and t in [1, C)');
  const map = [...phys];
  const steps: PassStep[] = [];
  const slot = (c: number): number => map[c % C] as number;
  for (let c0 = 0; c0 < gcd(t, C); c0++) {
    steps.push({ chunk: c0, src: slot(c0), other: slot(c0 + t), dst: spare });
    for (let x = (c0 + t) % C; x !== c0; x = (x + t) % C) steps.push({ chunk: x, src: slot(x), other: slot(x + t), dst: slot(x) });
    [map[c0], spare] = [spare, slot(c0)];
  }
  return { steps, phys: map, spare };
}

/** Allocates `count` chunk buffers; a failure is a GpuproofError('GPU') naming the sizes. */
export async function allocateChunks(device: GPUDevice, count: number, bytes: number): Promise<GPUBuffer[]> {
  const bufs: GPUBuffer[] = [];
  const what = `${count} chunk buffers of ${bytes} bytes (${((count * bytes) / 2 ** 20).toFixed(1)} MiB in all)`;
  try {
    await withErrorScopes(device, `memory proof: allocating ${what}`, () => {
      for (let i = 0; i < count; i++) bufs.push(storageBuffer(device, `memory.slot${i}`, bytes));
    });
    return bufs;
  } catch (e) {
    for (const b of bufs) b.destroy();
    if (e instanceof GpuproofError) throw e;
    throw gpuError(`memory proof: allocating ${what} failed: ${(e as Error).message}`, e);
  }
}

type Pipelines5 = [GPUComputePipeline, GPUComputePipeline, GPUComputePipeline, GPUComputePipeline, GPUComputePipeline];

/** The memory proof's pipelines (init, copy pass, in-place by lanes and by rows, block-tree roots), compiled once per device. */
export const memoryPipelines = (device: GPUDevice): Promise<Pipelines5> =>
  Promise.all([
    getPipeline(device, { label: 'memory.init', files: ['chacha20', 'memory_init'] }),
    getPipeline(device, { label: 'memory.pass.copy', files: ['memory_pass'], entryPoint: 'pass_copy' }),
    getPipeline(device, { label: 'memory.pass.inplace', files: ['memory_pass'], entryPoint: 'pass_inplace' }),
    getPipeline(device, { label: 'memory.pass.inplace-row', files: ['memory_pass'], entryPoint: 'pass_inplace_row' }),
    blockRootsPipeline(device),
  ]);

export async function runMemoryProof(ctx: GpuContext, seed: Uint8Array, params: MemoryParams, opts: MemoryRunOptions = {}): Promise<MemoryRun> {
  const { device } = ctx;
  checkMemoryParams(params, device.limits);
  const { chunks: C, rows: R, passes: P } = params;
  const schedule: MemorySchedule = opts.schedule ?? (C >= 2 ? 'in-place' : 'ping-pong');
  if (schedule === 'in-place' && C < 2) throw new RangeError('the in-place schedule needs at least 2 chunks');
  const perChunk = R / BLOCK_ROWS;
  const capture = [...(opts.captureBlocks ?? [])];
  for (const b of capture) {
    if (!(Number.isSafeInteger(b) && b >= 0 && b < C * perChunk)) throw new RangeError(`block ${b} is outside the proof`);
  }
  const [initP, copyP, lanesP, rowsP, shaP] = await memoryPipelines(device);
  const inplaceKernel = opts.inplaceKernel ?? defaultInPlaceKernel(ctx);
  const byRows = inplaceKernel === 'rows';
  const inplaceP = byRows ? rowsP : lanesP;
  const leaves = C * perChunk;
  const merkleP = opts.tree === true && merkleFitsGpu(leaves, device.limits) ? await merklePipelines(device) : undefined;
  const chunkBytes = R * ROW_BYTES;
  const slotCount = schedule === 'in-place' ? C + 1 : 2 * C;
  const owned: { destroy(): void }[] = [];
  const own = <T extends { destroy(): void }>(x: T): T => (owned.push(x), x);
  const timer = own(new PhaseTimer(device, ctx.hasTimestamps, 'memory'));
  try {
    const slots = await allocateChunks(device, slotCount, chunkBytes);
    owned.push(...slots);
    let finalSlots: GPUBuffer[] = [];
    const run: MemoryRun = await withErrorScopes(device, 'memory proof', async () => {
      const digests = own(storageBuffer(device, 'memory.digests', C * perChunk * 32));
      const scratch = own(storageBuffer(device, 'memory.digests.chunk', perChunk * 32));
      const captured = own(storageBuffer(device, 'memory.capture', Math.max(16, capture.length * BLOCK_BYTES)));
      const merkle = merkleP ? own(createGpuMerkle(device, merkleP, digests, leaves, 'memory')) : undefined;
      // One uniform buffer per kind, entries at the offset alignment, bound at their offsets.
      const stride = Math.max(UNIFORM_BYTES, device.limits.minUniformBufferOffsetAlignment);
      const entries = (n: number, fill: (i: number, at: Uint32Array) => void): GPUBuffer => {
        const data = new Uint32Array((n * stride) / 4);
        for (let i = 0; i < n; i++) fill(i, data.subarray((i * stride) / 4, (i * stride + UNIFORM_BYTES) / 4));
        return own(uniformBuffer(device, 'memory.params', data));
      };
      const xkey = streamKey(seed, STREAM_MEMORY_X0);
      const initU = entries(C, (c, at) => at.set([...keyWords(xkey), 4 * c * R, 4 * R]));
      const consts = Array.from({ length: P }, (_, i) => passConstants(seed, i + 1, C));
      const passU = entries(P, (i, at) => {
        const k = consts[i] as (typeof consts)[number];
        at.set([k.hkey, k.mkey, k.s, R]);
      });
      const ubind = (buffer: GPUBuffer, i: number): GPUBufferBinding => ({ buffer, offset: i * stride, size: UNIFORM_BYTES });
      const buf = (s: number): GPUBufferBinding => ({ buffer: slots[s] as GPUBuffer });
      const bindGroup = (pipeline: GPUComputePipeline, entriesByBinding: [number, GPUBufferBinding][]): GPUBindGroup =>
        device.createBindGroup({
          layout: pipeline.getBindGroupLayout(0),
          entries: entriesByBinding.map(([binding, resource]) => ({ binding, resource })),
        });
      const rowDispatch = dispatchSize(R * 16, 64);
      const inplaceDispatch = byRows ? dispatchSize(R, 64) : rowDispatch;

      timer.wallStart('memory.init');
      const enc = device.createCommandEncoder({ label: 'memory.init' });
      const ip = enc.beginComputePass({ label: 'memory.init', timestampWrites: timer.writes('memory.init', true, true) });
      ip.setPipeline(initP);
      for (let c = 0; c < C; c++) {
        ip.setBindGroup(0, bindGroup(initP, [[0, buf(c)], [1, ubind(initU, c)]]));
        ip.dispatchWorkgroups(...dispatchSize(R * 4, 64)); // one invocation per ChaCha20 block
      }
      ip.end();
      device.queue.submit([enc.finish()]);
      await timer.settle();
      timer.wallEnd('memory.init');

      // Logical chunk c of the current layer lives in slot phys[c].
      let phys = Array.from({ length: C }, (_, c) => c);
      let spare = C;
      timer.wallStart('memory.passes');
      for (let p = 1; p <= P; p++) {
        const k = consts[p - 1] as (typeof consts)[number];
        let steps: PassStep[];
        if (schedule === 'in-place') {
          ({ steps, phys, spare } = inPlaceSteps(phys, spare, k.t));
        } else {
          // Two sets of C slots: read from phys, write the set that is not phys.
          const next = phys.map((s) => (s + C) % (2 * C));
          steps = phys.map((s, c) => ({ chunk: c, src: s, other: phys[(c + k.t) % C] as number, dst: next[c] as number }));
          phys = next;
        }
        const e = device.createCommandEncoder({ label: `memory.pass${p}` });
        const pass = e.beginComputePass({ label: `memory.pass${p}`, timestampWrites: timer.writes('memory.passes', p === 1, p === P) });
        for (const st of steps) {
          if (st.dst === st.src) {
            pass.setPipeline(inplaceP);
            pass.setBindGroup(0, bindGroup(inplaceP, [[1, buf(st.other)], [3, ubind(passU, p - 1)], [4, buf(st.src)]]));
            pass.dispatchWorkgroups(...inplaceDispatch);
          } else {
            pass.setPipeline(copyP);
            pass.setBindGroup(0, bindGroup(copyP, [[0, buf(st.src)], [1, buf(st.other)], [2, buf(st.dst)], [3, ubind(passU, p - 1)]]));
            pass.dispatchWorkgroups(...rowDispatch);
          }
        }
        pass.end();
        device.queue.submit([e.finish()]);
        if (opts.onProgress) {
          await device.queue.onSubmittedWorkDone();
          opts.onProgress(p, P);
        }
      }
      await timer.settle();
      timer.wallEnd('memory.passes');

      timer.wallStart('memory.hash');
      const shaU = own(blockTreeParams(device, perChunk));
      const he = device.createCommandEncoder({ label: 'memory.hash' });
      for (let c = 0; c < C; c++) {
        const hp = he.beginComputePass({ label: 'memory.hash', timestampWrites: timer.writes('memory.hash', c === 0, c === C - 1) });
        encodeBlockRoots(device, hp, shaP, slots[phys[c] as number] as GPUBuffer, scratch, shaU, perChunk);
        hp.end();
        // Digest offsets are 32-byte multiples, below the storage offset alignment: copy instead.
        he.copyBufferToBuffer(scratch, 0, digests, c * perChunk * 32, perChunk * 32);
      }
      capture.forEach((b, i) => {
        const src = slots[phys[Math.floor(b / perChunk)] as number] as GPUBuffer;
        he.copyBufferToBuffer(src, (b % perChunk) * BLOCK_BYTES, captured, i * BLOCK_BYTES, BLOCK_BYTES);
      });
      device.queue.submit([he.finish()]);
      // Drained before the readback's wall clock starts, so it times the copy alone (the Merkle
      // phase drains after itself).
      await (merkle ? timer.settle() : device.queue.onSubmittedWorkDone());
      timer.wallEnd('memory.hash');
      if (merkle) await runMerklePhase(device, timer, 'memory.merkle', merkle);

      timer.wallStart('memory.readback');
      const [digestBytes, tree, blocks] = await Promise.all([readBuffer(device, digests), merkle?.read(), capturedBlocks(device, captured, capture)]);
      timer.wallEnd('memory.readback');
      const phases = await timer.resolve();
      finalSlots = phys.map((s) => slots[s] as GPUBuffer);
      return { digests: digestBytes, blocks, phases, method: timer.method, schedule, inplaceKernel, chunks: C, rowsPerChunk: R, passes: P, bytesAllocated: slotCount * chunkBytes, ...(tree ? { tree } : {}) };
    });
    if (!opts.keep) return run;
    // Only once every scope came back clean do X_P's slots pass from `owned` to the caller.
    owned.splice(0, owned.length, ...owned.filter((o) => !finalSlots.includes(o as GPUBuffer)));
    return { ...run, kept: keptMemory(device, finalSlots, perChunk) };
  } finally {
    for (const o of owned) o.destroy();
  }
}
