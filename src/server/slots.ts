// One slot per GPU: a device context and a one-job queue. A job holds the slot for its whole GPU
// use, so a challenge's observed window never shares the card with other work. A lost device is
// noticed through ctx.lost and replaced by a fresh one when the slot is next used.
import { openGpu as defaultOpenGpu, type GpuContext, type GpuOptions } from '../gpu/context.js';
import { isSoftwareAdapter, type AdapterReport } from '../gpu/adapter-info.js';
import { GpuproofError } from '../errors.js';
import type { InPlaceKernel } from '../proofs/memory-gpu.js';
import type { AdapterSlotInfo } from './wire.js';

export type OpenGpu = (opts: GpuOptions) => Promise<GpuContext>;
/** The kernels a prepared device runs; an absent one is the default. */
export interface SlotKernels {
  kernel?: string | undefined;
  memoryKernel?: InPlaceKernel | undefined;
  aluKernel?: string | undefined;
}
/** Readies a fresh device for work (pipelines, kernel choice); returns the kernels to use. */
export type PrepareGpu = (ctx: GpuContext) => Promise<SlotKernels>;

export class GpuSlot {
  private ctx: GpuContext | undefined;
  private opening: Promise<GpuContext> | undefined;
  private lost = false;
  private busy = false;
  private lastReport: AdapterReport | undefined;
  opens = 0;
  losses = 0;
  /** Mean job time, for Retry-After. */
  private meanMs = 1000;
  /** The kernels prepared on the current device. */
  kernels: SlotKernels = {};

  constructor(
    readonly index: number,
    readonly adapter: string | undefined,
    private readonly open: OpenGpu = defaultOpenGpu,
    private readonly log: (line: string) => void = () => undefined,
    private readonly prepare: PrepareGpu = async () => ({}),
  ) {}

  get isBusy(): boolean {
    return this.busy;
  }

  get report(): AdapterReport | undefined {
    return this.lastReport;
  }

  /** Takes the slot if it is free; the caller must release() it. */
  tryAcquire(): boolean {
    if (this.busy) return false;
    this.busy = true;
    return true;
  }

  release(elapsedMs?: number): void {
    if (elapsedMs !== undefined) this.meanMs = 0.8 * this.meanMs + 0.2 * elapsedMs;
    this.busy = false;
  }

  /** Seconds a refused caller should wait: about one job. */
  retryAfterS(): number {
    return Math.min(60, Math.max(1, Math.ceil(this.meanMs / 1000)));
  }

  /** The live context, opening a new device when there is none or the last one was lost. */
  async context(): Promise<GpuContext> {
    if (this.ctx && !this.lost) return this.ctx;
    this.opening ??= this.reopen().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async reopen(): Promise<GpuContext> {
    const old = this.ctx;
    this.ctx = undefined;
    if (old) await old.close().catch(() => undefined);
    const ctx = await this.open(this.adapter === undefined ? {} : { adapter: this.adapter });
    this.opens++;
    this.lost = false;
    this.ctx = ctx;
    this.lastReport = ctx.report;
    void ctx.lost.then((info) => {
      // Our own close() destroys the device too; only a loss of the current context counts.
      if (this.ctx !== ctx) return;
      this.lost = true;
      this.losses++;
      this.log(`adapter ${this.index}: device lost (${info.reason}: ${info.message}); reopening on next use`);
    });
    // Pipelines compile on first use; an honest agent should not pay that inside a challenge's window.
    this.kernels = await this.prepare(ctx);
    return ctx;
  }

  /** After a GPU error the device may be unusable even if not reported lost: start afresh. */
  markSuspect(err: unknown): void {
    if (err instanceof GpuproofError && err.code === 'GPU') this.lost = true;
  }

  async close(): Promise<void> {
    const ctx = this.ctx;
    this.ctx = undefined;
    await this.opening?.catch(() => undefined);
    const late = this.ctx as GpuContext | undefined;
    this.ctx = undefined;
    await Promise.all([ctx?.close(), late?.close()]);
  }

  describe(): AdapterSlotInfo {
    const r = this.lastReport;
    return {
      index: this.index,
      name: this.adapter ?? null,
      busy: this.busy,
      open: this.ctx !== undefined && !this.lost,
      software: r ? isSoftwareAdapter(r) : false,
      report: r ? { ...r } : null,
    };
  }
}

/** The first free slot, taken; undefined when every one is busy. */
export function acquireAny(slots: readonly GpuSlot[], prefer?: number): GpuSlot | undefined {
  const first = prefer === undefined ? undefined : slots[prefer];
  if (first?.tryAcquire()) return first;
  return slots.find((s) => s.tryAcquire());
}
