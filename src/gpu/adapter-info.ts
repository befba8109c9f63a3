// What we say about an adapter. These strings come from the driver and an executor can forge
// them, so they are reported and used only to break ties, never to classify.

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  backend: string;
  features: string[];
  isFallbackAdapter: boolean;
  subgroupMinSize: number | null;
  subgroupMaxSize: number | null;
  /** The adapter's subgroup-matrix shapes, as plain objects (empty without the feature). */
  subgroupMatrixConfigs: SubgroupMatrixConfig[];
  limits: Record<string, number>;
}

export interface SubgroupMatrixConfig {
  componentType: string;
  resultComponentType: string;
  M: number;
  N: number;
  K: number;
}

const cap = (s: string | undefined, n = 256): string => (s ?? '').slice(0, n);

/** Software rasterisers that WebGPU can run on: they are the software class. */
export function isSoftwareAdapter(r: Pick<AdapterReport, 'description' | 'device' | 'architecture' | 'isFallbackAdapter' | 'backend'>): boolean {
  if (r.isFallbackAdapter || r.backend === 'null') return true;
  const s = `${r.description} ${r.device} ${r.architecture}`.toLowerCase();
  return /llvmpipe|lavapipe|swiftshader|software|warp|null/.test(s);
}

export function describeAdapter(adapter: GPUAdapter, backend?: string): AdapterReport {
  const info = adapter.info as GPUAdapterInfo & {
    subgroupMinSize?: number;
    subgroupMaxSize?: number;
    subgroupMatrixConfigs?: readonly SubgroupMatrixConfig[];
    isFallbackAdapter?: boolean;
    backendType?: string;
  };
  const limits: Record<string, number> = {};
  const l = adapter.limits as unknown as Record<string, number>;
  for (const k in l) {
    const v = l[k];
    if (typeof v === 'number') limits[k] = v;
  }
  return {
    vendor: cap(info.vendor),
    architecture: cap(info.architecture),
    device: cap(info.device),
    description: cap(info.description),
    backend: cap(info.backendType ?? backend ?? inferBackend(info.description)),
    features: [...adapter.features].map(String).sort().slice(0, 64),
    isFallbackAdapter: info.isFallbackAdapter ?? false,
    subgroupMinSize: info.subgroupMinSize ?? null,
    subgroupMaxSize: info.subgroupMaxSize ?? null,
    // dawn.node's config objects keep their fields on the prototype: copy them out.
    subgroupMatrixConfigs: [...(info.subgroupMatrixConfigs ?? [])].slice(0, 64).map((c) => ({
      componentType: String(c.componentType),
      resultComponentType: String(c.resultComponentType),
      M: Number(c.M),
      N: Number(c.N),
      K: Number(c.K),
    })),
    limits,
  };
}

function inferBackend(description: string | undefined): string {
  // dawn.node does not expose the backend; on Linux only Vulkan yields compute adapters.
  if (process.platform === 'darwin') return 'metal';
  if (process.platform === 'win32') return 'd3d12';
  return description ? 'vulkan' : 'unknown';
}
