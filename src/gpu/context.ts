// The one place that owns Dawn: creates the binding with flags from the environment, picks the
// adapter, asks for the limits and features the kernels use, and tears everything down so the
// process can exit (an idle dawn.node device keeps a core spinning).
import { create, globals } from 'webgpu';
import { gpuError } from '../errors.js';
import { type AdapterReport, describeAdapter, isSoftwareAdapter } from './adapter-info.js';
import { noAdapterMessage } from './diagnose.js';
import { pacePolling, pollMode, type PollMode } from './event-poll.js';
import { withoutDawnNotices } from './native-stderr.js';

export interface GpuOptions {
  /** Dawn backend: vulkan, metal, d3d12, null, … (env GPUPROOF_BACKEND). */
  backend?: string | undefined;
  /** Substring of the adapter name to pick (env GPUPROOF_ADAPTER). */
  adapter?: string | undefined;
  /** Extra Dawn toggles to enable (env GPUPROOF_TOGGLES, comma separated). */
  toggles?: string[] | undefined;
  /** Features to request when the adapter has them. */
  wantFeatures?: GPUFeatureName[] | undefined;
}

export interface GpuContext {
  readonly adapter: GPUAdapter;
  readonly device: GPUDevice;
  readonly report: AdapterReport;
  readonly hasTimestamps: boolean;
  /** How Dawn's promises are polled while this context is open (see event-poll.ts). */
  readonly poll: PollMode;
  /** Set when the device was lost; work on it must stop and a new context be made. */
  readonly lost: Promise<GPUDeviceLostInfo>;
  close(): Promise<void>;
}

const OPTIONAL_FEATURES: GPUFeatureName[] = ['timestamp-query', 'subgroups', 'shader-f16', 'chromium-experimental-subgroup-matrix' as GPUFeatureName];

/**
 * Toggles on by default: the tensor path's feature is experimental (allow_unsafe_apis), and Dawn
 * hides f16 on NVIDIA's Vulkan driver unless asked (vulkan_enable_f16_on_nvidia). Neither changes
 * what a kernel computes; GPUPROOF_DISABLE_TOGGLES turns either off.
 */
export const DEFAULT_TOGGLES = ['allow_unsafe_apis', 'vulkan_enable_f16_on_nvidia'];

let globalsInstalled = false;

/** Dawn flags for create(): backend, adapter and toggles, from options then environment. */
export function dawnFlags(opts: GpuOptions = {}, env: NodeJS.ProcessEnv = process.env): string[] {
  const flags: string[] = [];
  const backend = opts.backend ?? env.GPUPROOF_BACKEND;
  const adapter = opts.adapter ?? env.GPUPROOF_ADAPTER;
  const userDisabled = splitList(env.GPUPROOF_DISABLE_TOGGLES);
  const toggles = [...DEFAULT_TOGGLES, ...(opts.toggles ?? []), ...splitList(env.GPUPROOF_TOGGLES)].filter((t) => !userDisabled.includes(t));
  // Dawn quantizes timestamps for the web's sake; a benchmark wants the raw ticks.
  const disabled = ['timestamp_quantization', ...userDisabled];
  if (backend) flags.push(`backend=${backend}`);
  if (adapter) flags.push(`adapter=${adapter}`);
  if (toggles.length > 0) flags.push(`enable-dawn-features=${[...new Set(toggles)].join(',')}`);
  flags.push(`disable-dawn-features=${[...new Set(disabled)].join(',')}`);
  return flags;
}

const splitList = (s: string | undefined): string[] =>
  (s ?? '').split(',').map((t) => t.trim()).filter((t) => t.length > 0);

/** Opens the adapter and a device with its largest buffer limits. Throws GpuproofError('GPU'). */
export async function openGpu(opts: GpuOptions = {}): Promise<GpuContext> {
  if (!globalsInstalled) {
    Object.assign(globalThis, globals);
    globalsInstalled = true;
  }
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  let gpu: GPU | undefined = create(dawnFlags(opts));
  let adapter: GPUAdapter | null;
  try {
    const g = gpu;
    adapter = await withoutDawnNotices(() => g.requestAdapter({ powerPreference: 'high-performance' }));
  } catch (e) {
    throw gpuError(`${noAdapterMessage()}\n(requestAdapter: ${(e as Error).message})`, e);
  }
  if (!adapter) throw gpuError(noAdapterMessage());
  const report = describeAdapter(adapter, opts.backend ?? process.env.GPUPROOF_BACKEND);
  const poll = pollMode(isSoftwareAdapter(report));
  const wanted = new Set([...OPTIONAL_FEATURES, ...(opts.wantFeatures ?? [])]);
  const requiredFeatures = [...wanted].filter((f) => adapter.features.has(f));
  const lim = adapter.limits;
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      label: 'gpuproof',
      requiredFeatures,
      requiredLimits: {
        maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
        maxBufferSize: lim.maxBufferSize,
        maxComputeWorkgroupStorageSize: lim.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: lim.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: lim.maxComputeWorkgroupSizeX,
        maxStorageBuffersPerShaderStage: lim.maxStorageBuffersPerShaderStage,
      },
    });
  } catch (e) {
    throw gpuError(`requestDevice failed: ${(e as Error).message}`, e);
  }
  // An uncaptured error would otherwise only be printed; every kernel runs in an error scope, so
  // reaching here means a bug outside one: keep it visible on stderr.
  device.addEventListener('uncapturederror', (ev) => {
    console.error(`gpuproof: uncaptured GPU error: ${(ev as GPUUncapturedErrorEvent).error.message}`);
  });
  const unpace = poll === 'paced' ? pacePolling() : undefined;
  let closed = false;
  return {
    adapter,
    device,
    report,
    hasTimestamps: device.features.has('timestamp-query'),
    poll,
    lost: device.lost,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await device.queue.onSubmittedWorkDone();
      } catch {
        // a lost device has nothing left to drain
      }
      device.destroy();
      unpace?.();
      gpu = undefined; // drop the binding so dawn.node lets the process exit
      void gpu;
    },
  };
}

/** Runs fn with a GPU context and always closes it. */
export async function withGpu<T>(opts: GpuOptions, fn: (ctx: GpuContext) => Promise<T>): Promise<T> {
  const ctx = await openGpu(opts);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
