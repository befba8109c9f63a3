// The matmul openings of protocol v2 (docs/verification.md §3–4): each opened row is bound to its
// layer root at the validator's own index and size, each layer root to the commitment root; then
// A_k[i] is regenerated (k = 0) or rebuilt as fold(C_{k−1}[i] + M_{k−1}[i]) with the mask keyed by
// the opened L_{k−1}, and C_k[i] = A_k[i]·B is checked exactly.
import { randomBytes } from 'node:crypto';
import { verifyAuditPath } from '../proofs/merkle.js';
import { streamKey, generateMatrix, generateRow, maskRow, matrixReader, STREAM_MATMUL_A0, STREAM_MATMUL_B } from '../proofs/generator.js';
import { maskKey, maskedFoldRow } from '../proofs/matmul-mask.js';
import { prepareFreivalds, checkRow, checkRowExact, type FreivaldsContext } from '../proofs/freivalds.js';
import { fromB64, fromHex, sha256 } from '../util/bytes.js';
import type { RowOpening } from '../protocol/schemas.js';
import type { VerifyInput } from './verifier.js';

export type CheckFn = (name: string, pass: boolean, reason: string) => boolean;
export type RowCheckMode = 'exact' | 'freivalds';

/** Full products up to this n; integer Freivalds above (same O(n²) order, about m/4 times cheaper). */
export const EXACT_ROW_CHECK_MAX_N = 128;

export const MATMUL_OPENING_CHECKS = ['openings.complete', 'matmul.paths', 'matmul.rows'] as const;

type Opened = Omit<RowOpening, 'k' | 'i' | 'prev'>;
interface Decoded {
  k: number;
  i: number;
  row: Int32Array | null;
  prev: { row: Int32Array | null; layerRoot: Uint8Array } | null;
}

/** A row's bytes as int32 when it is exactly 4n bytes; null otherwise (a digest does not fix the length). */
function decodeRow(b64: string, n: number): { bytes: Uint8Array; ints: Int32Array } | null {
  const bytes = fromB64(b64);
  return bytes.length === n * 4 ? { bytes, ints: new Int32Array(bytes.slice().buffer) } : null;
}

export function checkMatmulOpenings(input: VerifyInput, check: CheckFn, proceed: boolean): RowCheckMode {
  const { challenge, commitment, request, openings } = input;
  const { n, iterations: K } = challenge.body.matmul;
  const mode: RowCheckMode = n <= EXACT_ROW_CHECK_MAX_N ? 'exact' : 'freivalds';
  const skip = (why: string, names: readonly string[]): RowCheckMode => {
    for (const name of names) check(name, false, `not checked: ${why}`);
    return mode;
  };
  if (!proceed) return skip('an earlier check failed', MATMUL_OPENING_CHECKS);
  const asked = request.body.rows;
  const got = openings.body.rows;
  const complete = got.length === asked.length && asked.every((r, j) => got[j]?.k === r.k && got[j]?.i === r.i && (r.k > 0) === (got[j]?.prev !== undefined));
  if (!check('openings.complete', complete, 'openings do not answer exactly the requested rows, in order, with the previous row for k > 0')) {
    return skip('openings incomplete', MATMUL_OPENING_CHECKS.slice(1));
  }
  const root = fromHex(commitment.body.matmul.root);
  let badPath = '';
  // Sizes and indices are the validator's own (n, K, k, i), never numbers the executor supplies.
  const bind = (o: Opened, k: number, i: number): Int32Array | null => {
    const row = decodeRow(o.row, n);
    const layerRoot = fromHex(o.layerRoot);
    const ok =
      row !== null &&
      verifyAuditPath(sha256(row.bytes), i, n, o.path.map(fromHex), layerRoot) &&
      verifyAuditPath(layerRoot, k, K, o.layerPath.map(fromHex), root);
    if (!ok) badPath ||= `row (${k}, ${i}) does not match the committed root (length, row path or layer path)`;
    return row?.ints ?? null;
  };
  const rows: Decoded[] = got.map((o) => ({
    k: o.k,
    i: o.i,
    row: bind(o, o.k, o.i),
    prev: o.prev ? { row: bind(o.prev, o.k - 1, o.i), layerRoot: fromHex(o.prev.layerRoot) } : null,
  }));
  if (!check('matmul.paths', badPath === '', badPath)) return skip('a path failed', ['matmul.rows']);
  const badRow = checkProducts(fromHex(challenge.body.seed), n, K, rows, mode);
  check('matmul.rows', badRow === '', badRow);
  return mode;
}

/** '' when every C_k[i] = A_k[i]·B exactly, else the first bad row named. */
function checkProducts(seed: Uint8Array, n: number, K: number, rows: readonly Decoded[], mode: RowCheckMode): string {
  const keyA = streamKey(seed, STREAM_MATMUL_A0);
  const keyB = streamKey(seed, STREAM_MATMUL_B);
  // Freivalds streams B in chunks of whole rows (B·r), so B is never held: 64 MiB at n = 4096.
  let fr: FreivaldsContext | undefined;
  let B: Int32Array | undefined;
  if (mode === 'freivalds') fr = prepareFreivalds(matrixReader(keyB), n, (len) => new Uint8Array(randomBytes(len)));
  else B = generateMatrix(keyB, n);
  for (const { k, i, row, prev } of rows) {
    let aRow: Int32Array | null = null;
    if (k === 0) aRow = generateRow(keyA, n, i);
    else if (prev?.row) aRow = maskedFoldRow(prev.row, maskRow(maskKey(seed, n, K, k - 1, prev.layerRoot), n, i));
    const ok = row !== null && aRow !== null && (fr ? checkRow(fr, aRow, row) : B !== undefined && checkRowExact(aRow, B, row));
    if (!ok) return `C_${k}[${i}] ≠ A_${k}[${i}]·B`;
  }
  return '';
}
