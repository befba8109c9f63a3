// The tensor path: matmul variants on the adapter's matrix units through Dawn's
// `chromium-experimental-subgroup-matrix`. Their shapes come from the adapter (its subgroup-matrix
// configurations), so they are made, not listed; the id spells every parameter, so any process
// can rebuild the variant from the id alone (an executor's cached choice, a --kernel option).
// Both component types give the f32 path's bits: i8 × i8 → i32 is integer arithmetic, and with
// f16 × f16 → f32 every entry (|x| ≤ 8) and every partial sum (an integer below 2^24) is exact.

export const SUBGROUP_MATRIX_FEATURE = 'chromium-experimental-subgroup-matrix' as GPUFeatureName;

export type TensorType = 'i8' | 'f16';

/** One subgroup-matrix shape: left M×K, right K×N, result M×N. */
export interface TensorShape {
  type: TensorType;
  M: number;
  N: number;
  K: number;
}

export interface TensorParams extends TensorShape {
  /** Result tiles a subgroup keeps: TM down, TN across. */
  TM: number;
  TN: number;
  /** Invocations a workgroup: a multiple of the adapter's largest subgroup. */
  WG: number;
}

/** The result type each operand type accumulates into; other pairings are not exact or not ours. */
const RESULT_OF: Record<TensorType, string> = { i8: 'i32', f16: 'f32' };

/** What a commitment names as the path of a tensor run. */
export const TENSOR_PATHS = ['f16-subgroup-matrix', 'i8-subgroup-matrix'] as const;
export type TensorPath = (typeof TENSOR_PATHS)[number];

export const tensorPath = (type: TensorType): TensorPath => (type === 'i8' ? 'i8-subgroup-matrix' : 'f16-subgroup-matrix');

export const tensorId = (p: TensorParams): string => `tensor-${p.type}-${p.M}x${p.N}x${p.K}-t${p.TM}x${p.TN}-w${p.WG}`;

const ID = /^tensor-(i8|f16)-(\d{1,3})x(\d{1,3})x(\d{1,3})-t(\d)x(\d)-w(\d{1,4})$/;

/** The parameters an id names, or undefined when it is not a well-formed tensor id. */
export function parseTensorId(id: string): TensorParams | undefined {
  const m = ID.exec(id);
  if (!m) return undefined;
  const [M, N, K, TM, TN, WG] = m.slice(2).map(Number) as [number, number, number, number, number, number];
  const p: TensorParams = { type: m[1] as TensorType, M, N, K, TM, TN, WG };
  const pow2 = (x: number): boolean => x >= 1 && (x & (x - 1)) === 0;
  // Shapes are powers of two from 4 (i8 entries pack 4 to a word), tiles 1..4.
  if (![M, N, K].every((x) => pow2(x) && x >= 4 && x <= 64) || ![TM, TN].every((x) => x >= 1 && x <= 4) || !pow2(WG)) return undefined;
  return tensorId(p) === id ? p : undefined;
}

/** The exact shapes among the adapter's configurations (dawn.node's GPUSubgroupMatrixConfig objects). */
export function exactShapes(configs: readonly unknown[]): TensorShape[] {
  const out: TensorShape[] = [];
  for (const c of configs) {
    const { componentType, resultComponentType, M, N, K } = c as Record<string, unknown>;
    if ((componentType === 'i8' || componentType === 'f16') && resultComponentType === RESULT_OF[componentType] && [M, N, K].every((x) => typeof x === 'number')) {
      const shape: TensorShape = { type: componentType, M: M as number, N: N as number, K: K as number };
      if (parseTensorId(tensorId({ ...shape, TM: 1, TN: 1, WG: 64 }))) out.push(shape);
    }
  }
  return out;
}

/** Tuning candidates for each exact shape: 1×1 to 4×2 result tiles, one to four subgroups a workgroup. */
export function tensorCandidates(shapes: readonly TensorShape[], subgroupMaxSize: number | null, maxInvocations: number): TensorParams[] {
  if (subgroupMaxSize === null) return [];
  const out: TensorParams[] = [];
  for (const s of shapes) {
    for (const [TM, TN] of [[1, 1], [2, 2], [4, 2]] as const) {
      for (const groups of [1, 2, 4]) {
        const WG = subgroupMaxSize * groups;
        if (WG <= maxInvocations) out.push({ ...s, TM, TN, WG });
      }
    }
  }
  return out;
}

/** The padded order np ≥ n: a multiple of every tile a subgroup covers, and of 16. */
export function paddedOrder(p: TensorParams, n: number): number {
  const tile = Math.max(16, p.TM * p.M, p.TN * p.N, p.K);
  return Math.ceil(n / tile) * tile;
}
