// Exits 0 when dawn.node finds a WebGPU adapter, 1 otherwise. Kept free of the build so set-up
// can ask before anything is compiled.
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
const gpu = create([]);
let adapter = null;
try {
  adapter = await gpu.requestAdapter();
} catch {
  adapter = null;
}
if (adapter && process.argv.includes('--print')) {
  const i = adapter.info;
  console.log(`${i.vendor} ${i.architecture} ${i.device} ${i.description}`.trim());
}
process.exit(adapter ? 0 : 1);
