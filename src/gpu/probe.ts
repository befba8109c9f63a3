// How much memory the device will give us. WebGPU reports no memory size, so the only honest
// answer is to allocate: chunk after chunk inside an out-of-memory error scope until one fails
// or the cap is reached, then free everything. Dawn backs a buffer with memory when it is
// created, so a successful allocation is real. Never run it on a software adapter: its "device
// memory" is the host's RAM.

export interface ProbeResult {
  bytes: number;
  chunks: number;
  chunkBytes: number;
  /** True when the cap, not the device, stopped the probe. */
  capped: boolean;
}

export async function probeAllocatableBytes(device: GPUDevice, chunkBytes: number, capBytes: number): Promise<ProbeResult> {
  const held: GPUBuffer[] = [];
  let capped = true;
  try {
    while ((held.length + 1) * chunkBytes <= capBytes) {
      device.pushErrorScope('out-of-memory');
      device.pushErrorScope('validation');
      const buf = device.createBuffer({ label: `probe.${held.length}`, size: chunkBytes, usage: GPUBufferUsage.STORAGE });
      const validation = await device.popErrorScope();
      const oom = await device.popErrorScope();
      if (oom || validation) {
        buf.destroy();
        capped = false;
        break;
      }
      held.push(buf);
    }
  } finally {
    for (const b of held) b.destroy();
    await device.queue.onSubmittedWorkDone();
  }
  return { bytes: held.length * chunkBytes, chunks: held.length, chunkBytes, capped };
}
