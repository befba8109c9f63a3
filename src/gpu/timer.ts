// Per-phase timing. GPU timestamp queries where the adapter has them, else wall time from the
// first submit to queue completion; the method is reported because the validator treats either
// as advisory and trusts only its own observed window.

export type TimingMethod = 'timestamp-query' | 'queue-completion';

export class PhaseTimer {
  readonly method: TimingMethod;
  private readonly device: GPUDevice;
  private readonly querySet: GPUQuerySet | undefined;
  private readonly names: string[] = [];
  private readonly wall = new Map<string, { start: number; end: number }>();
  private readonly capacity: number;

  constructor(device: GPUDevice, useTimestamps: boolean, label: string, capacity = 16) {
    this.device = device;
    this.capacity = capacity;
    this.method = useTimestamps ? 'timestamp-query' : 'queue-completion';
    this.querySet = useTimestamps
      ? device.createQuerySet({ label: `${label}.timestamps`, type: 'timestamp', count: capacity * 2 })
      : undefined;
  }

  /** Timestamp writes for a pass of `phase`: the begin stamp on its first pass, the end on its last. */
  writes(phase: string, first: boolean, last: boolean): GPUComputePassTimestampWrites | undefined {
    if (!this.querySet || (!first && !last)) return undefined;
    const slot = this.slot(phase);
    return {
      querySet: this.querySet,
      ...(first ? { beginningOfPassWriteIndex: slot * 2 } : {}),
      ...(last ? { endOfPassWriteIndex: slot * 2 + 1 } : {}),
    };
  }

  /**
   * Ends a phase's host side. Wall timing must wait for the queue here; with timestamps the GPU
   * times itself, so the next phase is queued at once (each wait is a host round trip, and on a
   * paced software adapter up to a millisecond more).
   */
  async settle(): Promise<void> {
    if (!this.querySet) await this.device.queue.onSubmittedWorkDone();
  }

  wallStart(phase: string): void {
    this.slot(phase);
    this.wall.set(phase, { start: performance.now(), end: Number.NaN });
  }

  wallEnd(phase: string): void {
    const w = this.wall.get(phase);
    if (w) w.end = performance.now();
  }

  /** Milliseconds per phase, by the timer's method. Phases never stamped fall back to wall time. */
  async resolve(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [name, w] of this.wall) out[name] = Math.max(0, w.end - w.start);
    if (!this.querySet || this.names.length === 0) return out;
    const count = this.names.length * 2;
    const resolveBuf = this.device.createBuffer({
      label: 'timestamps.resolve',
      size: count * 8,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    const staging = this.device.createBuffer({
      label: 'timestamps.readback',
      size: count * 8,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    try {
      const enc = this.device.createCommandEncoder({ label: 'timestamps.resolve' });
      enc.resolveQuerySet(this.querySet, 0, count, resolveBuf, 0);
      enc.copyBufferToBuffer(resolveBuf, 0, staging, 0, count * 8);
      this.device.queue.submit([enc.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const ticks = new BigUint64Array(staging.getMappedRange().slice(0));
      staging.unmap();
      this.names.forEach((name, i) => {
        const begin = ticks[i * 2] ?? 0n;
        const end = ticks[i * 2 + 1] ?? 0n;
        // An adapter may return zeros or wrap; keep wall time then rather than a nonsense figure.
        if (end > begin) out[name] = Number(end - begin) / 1e6;
      });
    } finally {
      resolveBuf.destroy();
      staging.destroy();
    }
    return out;
  }

  destroy(): void {
    this.querySet?.destroy();
  }

  private slot(phase: string): number {
    let i = this.names.indexOf(phase);
    if (i < 0) {
      if (this.names.length >= this.capacity) throw new Error(`PhaseTimer: more than ${this.capacity} phases`);
      i = this.names.push(phase) - 1;
    }
    return i;
  }
}
