// One GPU context per test file: opening a device on lavapipe costs ~100 ms and an open device
// spins a core, so files share one and close it in `after`.
import { after, before } from 'node:test';
import { openGpu, type GpuContext } from '../../src/gpu/context.js';
import { MUTATION_RUN } from './mutation.js';
import { GPU_LIMIT } from './limits.js';

export function useGpu(): () => GpuContext {
  let ctx: GpuContext | undefined;
  before(async () => {
    // The mutation run skips every GPU test (notInMutationRun('GPU')): no device to open.
    if (!MUTATION_RUN) ctx = await openGpu();
  }, GPU_LIMIT);
  after(async () => {
    await ctx?.close();
  }, GPU_LIMIT);
  return () => {
    if (!ctx) throw new Error('GPU context not open');
    return ctx;
  };
}
