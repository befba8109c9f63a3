// Readies a device before any challenge's window opens. Dawn builds a pipeline's descriptor
// machinery on the first bind group made with its layout (3–5 ms a pipeline on lavapipe, a dozen
// pipelines a challenge), and V8 has not yet seen the executor's code. One tiny matmul chain and
// one tiny memory proof and integer proof, down every path a challenge takes (GPU Merkle trees, kept results,
// captures, both memory pass kernels' dispatch code), pay for both here, where nobody is timing.
import type { GpuContext } from '../gpu/context.js';
import { runMatmulChain } from '../proofs/matmul-gpu.js';
import { runMemoryProof, type InPlaceKernel } from '../proofs/memory-gpu.js';
import { memoryLayout } from '../proofs/memory-size.js';
import { runAluProof } from '../proofs/alu-proof.js';
import { aluLaneResults } from '../proofs/alu-lanes.js';

const WARM_SEED = new Uint8Array(32);

// What each device has been warmed for: the costs are per device and kernel, not per call.
const warmed = new WeakMap<GPUDevice, Set<string>>();

export async function warmExecutorPaths(ctx: GpuContext, kernel: string, memoryKernel: InPlaceKernel | undefined, aluKernel?: string): Promise<void> {
  const done = warmed.get(ctx.device) ?? new Set<string>();
  const key = `${kernel}|${memoryKernel ?? ''}|${aluKernel ?? ''}`;
  if (done.has(key)) return;
  const mm = await runMatmulChain(ctx, WARM_SEED, { n: 16, iterations: 2 }, { kernel, keep: true, capture: [{ k: 1, i: 0 }] });
  try {
    await mm.kept?.open([{ k: 0, i: 0 }]);
  } finally {
    mm.kept?.destroy();
  }
  // Two chunks, so the pass runs in place and copies to the spare: both pass pipelines are bound.
  const layout = memoryLayout(1, 1, ctx.device.limits, { chunks: 2 });
  const mem = await runMemoryProof(ctx, WARM_SEED, layout, { tree: true, keep: true, captureBlocks: [0], inplaceKernel: memoryKernel });
  try {
    await mem.kept?.blocks([0]);
  } finally {
    mem.kept?.destroy();
  }
  // Two chunks of the integer proof, its tree and an opening; and the verifier's lane loop.
  const alu = await runAluProof(ctx, WARM_SEED, { lanes: 8, rounds: 2 }, { kernel: aluKernel, keep: true, chunkLanes: 4 });
  try {
    await alu.kept?.open([5], alu.top);
  } finally {
    alu.kept?.destroy();
  }
  aluLaneResults(WARM_SEED, [0, 1, 2, 3], 64);
  warmed.set(ctx.device, done.add(key));
}
