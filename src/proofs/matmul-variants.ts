// The matmul kernels the autotuner chooses from. Every variant computes the same exact integers
// (tests hold each to the CPU reference and to the others); they differ only in speed. The f32
// variants are listed here; tensor variants are made from the adapter's shapes (tensor-variants.ts).
import { parseTensorId, SUBGROUP_MATRIX_FEATURE, tensorCandidates, tensorId, tensorPath, TENSOR_PATHS, type TensorParams, type TensorShape } from './tensor-variants.js';

/** What a commitment says ran: the f32 kernels or one of the matrix-unit paths. */
export const MATMUL_PATHS = ['f32', ...TENSOR_PATHS] as const;
export type MatmulPath = (typeof MATMUL_PATHS)[number];

export interface MatmulVariant {
  id: string;
  file: string;
  /** Shader files the kernel file builds on, after matmul_common. */
  includes?: readonly string[];
  defines: Record<string, number>;
  /** Output rows and columns per workgroup, for the dispatch. */
  tileM: number;
  tileN: number;
  /** Only a baseline for benchmarks; the autotuner never picks it. */
  baseline?: boolean;
  /** A device feature the kernel needs. */
  requires?: GPUFeatureName;
  path: MatmulPath;
  /** Set for the tensor path: the subgroup-matrix shape and tiling. */
  tensor?: TensorParams;
}

/** What a variant may need of the device beyond its limits. */
export interface VariantNeeds {
  features: ReadonlySet<string>;
  /** The adapter's largest subgroup; the subgroup kernel needs every subgroup inside one workgroup row of 64. */
  subgroupMaxSize: number | null;
  /** The adapter's exact subgroup-matrix shapes (none without the feature). */
  tensorShapes?: readonly TensorShape[];
}

const tiled = (wx: number, wy: number, tm: number, tn: number, tk: number): MatmulVariant => ({
  id: `tiled-${wy * tm}x${wx * tn}-r${tm}x${tn}-k${tk}`,
  file: 'matmul_tiled',
  includes: ['matmul_a_tile'],
  defines: { WG_X: wx, WG_Y: wy, TM: tm, TN: tn, TK: tk },
  tileM: wy * tm,
  tileN: wx * tn,
  path: 'f32',
});

const vec4 = (wx: number, wy: number, tm: number, tn4: number, tk: number): MatmulVariant => ({
  id: `vec4-${wy * tm}x${wx * tn4 * 4}-r${tm}x${tn4 * 4}-k${tk}`,
  file: 'matmul_vec4',
  includes: ['matmul_a_tile'],
  defines: { WG_X: wx, WG_Y: wy, TM: tm, TN4: tn4, TK: tk },
  tileM: wy * tm,
  tileN: wx * tn4 * 4,
  path: 'f32',
});

/** No workgroup memory: each invocation reads A and B directly (TM rows × TN4·4 columns). */
const direct = (wx: number, wy: number, tm: number, tn4: number): MatmulVariant => ({
  id: `direct-${wy * tm}x${wx * tn4 * 4}-r${tm}x${tn4 * 4}`,
  file: 'matmul_direct',
  defines: { WG_X: wx, WG_Y: wy, TM: tm, TN4: tn4 },
  tileM: wy * tm,
  tileN: wx * tn4 * 4,
  path: 'f32',
});

/** A row of 64 invocations sharing A through subgroup shuffles (TM rows × TN4·4 columns each). */
const subgroup = (tm: number, tn4: number): MatmulVariant => ({
  id: `subgroup-${tm}x${64 * tn4 * 4}-r${tm}x${tn4 * 4}`,
  file: 'matmul_subgroup',
  defines: { WG_X: 64, WG_Y: 1, TM: tm, TN4: tn4 },
  tileM: tm,
  tileN: 64 * tn4 * 4,
  requires: 'subgroups',
  path: 'f32',
});

export const NAIVE_VARIANT: MatmulVariant = { id: 'naive-16x16', file: 'matmul_naive16', defines: {}, tileM: 16, tileN: 16, baseline: true, path: 'f32' };

/** A tensor variant: pack to i8 or f16, multiply on the matrix units, unpad to int32 (matmul-multiply.ts). */
export const tensorVariant = (p: TensorParams): MatmulVariant => ({
  id: tensorId(p),
  file: 'matmul_tensor',
  defines: { SM: p.M, SN: p.N, SK: p.K, TM: p.TM, TN: p.TN, WG_X: p.WG },
  tileM: p.TM * p.M,
  tileN: p.TN * p.N,
  requires: SUBGROUP_MATRIX_FEATURE,
  path: tensorPath(p.type),
  tensor: p,
});

export const MATMUL_VARIANTS: readonly MatmulVariant[] = [
  NAIVE_VARIANT,
  tiled(16, 16, 4, 4, 16),
  tiled(16, 16, 8, 8, 8),
  tiled(8, 8, 4, 4, 16),
  vec4(16, 16, 4, 1, 16),
  vec4(16, 8, 8, 1, 16),
  vec4(8, 8, 8, 2, 8),
  vec4(16, 16, 8, 2, 8),
  direct(8, 8, 4, 1),
  direct(8, 8, 4, 2),
  direct(16, 4, 8, 1),
  direct(8, 8, 8, 2),
  direct(8, 8, 8, 4),
  direct(8, 8, 16, 2),
  direct(16, 16, 8, 2),
  subgroup(4, 1),
  subgroup(8, 1),
  subgroup(8, 2),
  subgroup(16, 1),
  subgroup(4, 2),
];

export const DEFAULT_VARIANT_ID = 'vec4-64x64-r4x4-k16';

/** The variant an id names (a listed f32 variant or a well-formed tensor id), or undefined. */
export function lookupVariant(id: string): MatmulVariant | undefined {
  const listed = MATMUL_VARIANTS.find((x) => x.id === id);
  if (listed) return listed;
  const t = parseTensorId(id);
  return t ? tensorVariant(t) : undefined;
}

/** {@link lookupVariant}, throwing RangeError for an unknown id. */
export function findVariant(id: string): MatmulVariant {
  const v = lookupVariant(id);
  if (!v) throw new RangeError(`unknown matmul kernel ${id}`);
  return v;
}

/** Every variant worth timing on a device: the fitting f32 variants, then its tensor variants. */
export function candidateVariants(limits: GPUSupportedLimits, needs: VariantNeeds, includeBaseline = false): MatmulVariant[] {
  const tensor = tensorCandidates(needs.tensorShapes ?? [], needs.subgroupMaxSize, limits.maxComputeInvocationsPerWorkgroup).map(tensorVariant);
  return [...MATMUL_VARIANTS, ...tensor].filter((v) => (includeBaseline || !v.baseline) && variantFits(v, limits, needs));
}


/** A variant fits when its workgroup and tiles are within the device's limits. */
export function variantFits(v: MatmulVariant, limits: GPUSupportedLimits, needs?: VariantNeeds): boolean {
  if (v.requires) {
    if (!needs?.features.has(v.requires)) return false;
    if (v.requires === 'subgroups' && !(needs.subgroupMaxSize !== null && needs.subgroupMaxSize <= 64)) return false;
  }
  if (v.tensor) return tensorFits(v.tensor, limits, needs);
  const wx = v.defines.WG_X ?? 16;
  const wy = v.defines.WG_Y ?? 16;
  const tk = v.defines.TK ?? 16;
  const shared = v.file === 'matmul_direct' || v.file === 'matmul_subgroup' ? 0 : (v.tileM + v.tileN) * tk * 4;
  return wx * wy <= limits.maxComputeInvocationsPerWorkgroup && shared <= limits.maxComputeWorkgroupStorageSize;
}

/** The adapter has the shape, f16 is enabled where needed, and the workgroup holds whole largest subgroups. */
function tensorFits(t: TensorParams, limits: GPUSupportedLimits, needs: VariantNeeds | undefined): boolean {
  if (!needs || needs.subgroupMaxSize === null) return false;
  if (!(needs.tensorShapes ?? []).some((s) => s.type === t.type && s.M === t.M && s.N === t.N && s.K === t.K)) return false;
  if (t.type === 'f16' && !needs.features.has('shader-f16')) return false;
  return t.WG % needs.subgroupMaxSize === 0 && t.WG <= limits.maxComputeInvocationsPerWorkgroup && t.WG <= limits.maxComputeWorkgroupSizeX;
}
