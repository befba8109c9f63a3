// Buffer helpers: every buffer is labelled, and readback goes through a staging buffer that is
// destroyed straight after, so large runs do not pin host memory.

export function storageBuffer(device: GPUDevice, label: string, size: number, extraUsage = 0): GPUBuffer {
  return device.createBuffer({
    label,
    size: align4(size),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | extraUsage,
  });
}

export function uniformBuffer(device: GPUDevice, label: string, data: ArrayBufferView): GPUBuffer {
  const buf = device.createBuffer({
    label,
    size: Math.max(16, align(data.byteLength, 16)),
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
  return buf;
}

/** Copies [offset, offset+size) of a GPU buffer into host memory. */
export async function readBuffer(device: GPUDevice, src: GPUBuffer, offset = 0, size = src.size - offset): Promise<Uint8Array> {
  const staging = device.createBuffer({
    label: `${src.label}.readback`,
    size: align4(size),
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const enc = device.createCommandEncoder({ label: `${src.label}.readback` });
    enc.copyBufferToBuffer(src, offset, staging, 0, align4(size));
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = new Uint8Array(size);
    out.set(new Uint8Array(staging.getMappedRange(0, align4(size)), 0, size));
    staging.unmap();
    return out;
  } finally {
    staging.destroy();
  }
}

/** Workgroup counts for `count` invocations, folded into 2D when one dimension would overflow. */
/**
 * The bind group 0 of `pipeline` with `resources` at bindings 0, 1, 2, … in order: how every
 * kernel here lays out its buffers. A plain buffer binds whole.
 */
export function bindInOrder(device: GPUDevice, label: string, pipeline: GPUComputePipeline, resources: readonly (GPUBuffer | GPUBufferBinding)[]): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: resources.map((r, binding) => ({ binding, resource: 'usage' in r ? { buffer: r } : r })),
  });
}

export function dispatchSize(count: number, workgroupSize: number, maxPerDim = 65535): [number, number] {
  const groups = Math.ceil(count / workgroupSize);
  if (groups <= maxPerDim) return [Math.max(1, groups), 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y];
}

export const align = (n: number, a: number): number => Math.ceil(n / a) * a;
const align4 = (n: number): number => align(n, 4);
