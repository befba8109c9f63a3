// Dawn only prints validation errors unless a scope captures them; every piece of GPU work runs
// inside these scopes so a bad kernel or an allocation failure becomes an error we can report.
import { gpuError } from '../errors.js';

const FILTERS: GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];

export async function withErrorScopes<T>(device: GPUDevice, label: string, fn: () => T | Promise<T>): Promise<T> {
  for (const f of FILTERS) device.pushErrorScope(f);
  let result: T;
  try {
    result = await fn();
  } finally {
    // Pop in reverse order of pushing, always, so the stack stays balanced even when fn throws.
    // Each pop takes its scope off the stack when called; only its answer waits on the device, so
    // the three are asked at once and answered in one round trip rather than three.
    const pops: Promise<GPUError | null>[] = [];
    for (let i = FILTERS.length - 1; i >= 0; i--) pops.push(device.popErrorScope());
    const errors = await Promise.all(pops);
    const first = errors.find((e) => e !== null);
    if (first) {
      const kind = first instanceof GPUOutOfMemoryError ? 'out of GPU memory' : 'GPU error';
      // eslint-disable-next-line no-unsafe-finally
      throw gpuError(`${label}: ${kind}: ${first.message}`);
    }
  }
  return result;
}
