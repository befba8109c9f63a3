// The matmul kernels the autotuner chooses from. Every variant computes the same exact integers
// (tests hold each to the CPU reference and to the others); they differ only in speed.

export interface MatmulVariant {
  id: string;
  file: string;
  defines: Record<string, number>;
  /** Output rows and columns per workgroup, for the dispatch. */
  tileM: number;
  tileN: number;
  /** Only a baseline for benchmarks; the autotuner never picks it. */
  baseline?: boolean;
  /** A device feature the kernel needs. */
  requires?: GPUFeatureName;
}

/** What a variant may need of the device beyond its limits. */
export interface VariantNeeds {
  features: ReadonlySet<string>;
  /** The adapter's largest subgroup; the subgroup kernel needs every subgroup inside one workgroup row of 64. */
  subgroupMaxSize: number | null;
}

const tiled = (wx: number, wy: number, tm: number, tn: number, tk: number): MatmulVariant => ({
  id: `tiled-${wy * tm}x${wx * tn}-r${tm}x${tn}-k${tk}`,
  file: 'matmul_tiled',
  defines: { WG_X: wx, WG_Y: wy, TM: tm, TN: tn, TK: tk },
  tileM: wy * tm,
  tileN: wx * tn,
});

const vec4 = (wx: number, wy: number, tm: number, tn4: number, tk: number): MatmulVariant => ({
  id: `vec4-${wy * tm}x${wx * tn4 * 4}-r${tm}x${tn4 * 4}-k${tk}`,
  file: 'matmul_vec4',
  defines: { WG_X: wx, WG_Y: wy, TM: tm, TN4: tn4, TK: tk },
  tileM: wy * tm,
  tileN: wx * tn4 * 4,
});

/** No workgroup memory: each invocation reads A and B directly (TM rows × TN4·4 columns). */
const direct = (wx: number, wy: number, tm: number, tn4: number): MatmulVariant => ({
  id: `direct-${wy * tm}x${wx * tn4 * 4}-r${tm}x${tn4 * 4}`,
  file: 'matmul_direct',
  defines: { WG_X: wx, WG_Y: wy, TM: tm, TN4: tn4 },
  tileM: wy * tm,
  tileN: wx * tn4 * 4,
});

/** A row of 64 invocations sharing A through subgroup shuffles (TM rows × TN4·4 columns each). */
const subgroup = (tm: number, tn4: number): MatmulVariant => ({
  id: `subgroup-${tm}x${64 * tn4 * 4}-r${tm}x${tn4 * 4}`,
  file: 'matmul_subgroup',
  defines: { WG_X: 64, WG_Y: 1, TM: tm, TN4: tn4 },
  tileM: tm,
  tileN: 64 * tn4 * 4,
  requires: 'subgroups',
});

export const NAIVE_VARIANT: MatmulVariant = { id: 'naive-16x16', file: 'matmul_naive16', defines: {}, tileM: 16, tileN: 16, baseline: true };

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

export function findVariant(id: string): MatmulVariant {
  const v = MATMUL_VARIANTS.find((x) => x.id === id);
  if (!v) throw new RangeError(`unknown matmul kernel ${id}`);
  return v;
}

/** A variant fits when its workgroup and tiles are within the device's limits. */
export function variantFits(v: MatmulVariant, limits: GPUSupportedLimits, needs?: VariantNeeds): boolean {
  if (v.requires) {
    if (!needs?.features.has(v.requires)) return false;
    if (v.requires === 'subgroups' && !(needs.subgroupMaxSize !== null && needs.subgroupMaxSize <= 64)) return false;
  }
  const wx = v.defines.WG_X ?? 16;
  const wy = v.defines.WG_Y ?? 16;
  const tk = v.defines.TK ?? 16;
  const shared = v.file === 'matmul_direct' || v.file === 'matmul_subgroup' ? 0 : (v.tileM + v.tileN) * tk * 4;
  return wx * wy <= limits.maxComputeInvocationsPerWorkgroup && shared <= limits.maxComputeWorkgroupStorageSize;
}
