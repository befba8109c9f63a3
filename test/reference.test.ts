// CPU reference for the matmul chain: fold, row and matrix products, and the chain itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createCipheriv, createHash } from 'node:crypto';
import { chainInputs, chainRef, fold, matmulRef, MAX_MATMUL_N, rowTimesMatrix } from '../src/proofs/reference.js';
import { maskedFoldRow } from '../src/proofs/matmul-mask.js';
import { MerkleTree } from '../src/proofs/merkle.js';
import { generateMatrix, streamKey, STREAM_MATMUL_A0, STREAM_MATMUL_B } from '../src/proofs/generator.js';

const seed = Uint8Array.from({ length: 32 }, (_, i) => i);

function naive(A: Int32Array, B: Int32Array, n: number): Int32Array {
  const C = new Int32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (A[i * n + k] as number) * (B[k * n + j] as number);
      C[i * n + j] = s;
    }
  }
  return C;
}

test('fold table', () => {
  const table: [number, number][] = [
    [0, -8], [1, -7], [8, 0], [16, 8], [17, -8], [18, -7], [-1, 8], [-8, 1], [-9, 0], [-16, -7], [-17, -8],
    [-18, 8], [33, 8], [34, -8], [100, 7], [-100, -6], [512, -6], [-512, 7], [2 ** 24, -7],
  ];
  for (const [x, want] of table) assert.equal(fold(x), want, `fold(${x})`);
});

test('fold agrees with the mathematical mod and stays in [-8, 8]', () => {
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 24), max: 2 ** 24 }), (x) => {
      const f = fold(x);
      const m = x - 17 * Math.floor(x / 17);
      return f === m - 8 && f >= -8 && f <= 8 && Number.isInteger(f);
    }),
  );
  assert.deepEqual(Array.from(maskedFoldRow(Int32Array.of(-17, 0, 25, -1), Uint8Array.of(0, 0, 0, 0))), [-8, -8, 0, 8]);
  assert.deepEqual(Array.from(maskedFoldRow(Int32Array.of(-17, 0, 25, -1), Uint8Array.of(1, 16, 9, 2))), [-7, 8, -8, -7]);
});

test('matmulRef equals a naive triple loop', () => {
  for (const n of [1, 2, 5, 16, 33]) {
    const A = generateMatrix(streamKey(seed, STREAM_MATMUL_A0), n);
    const B = generateMatrix(streamKey(seed, STREAM_MATMUL_B), n);
    assert.deepEqual(matmulRef(A, B, n), naive(A, B, n), `n=${n}`);
  }
});

test('rowTimesMatrix is exact at the extremes (all ±8)', () => {
  const n = 1024;
  const a = new Int32Array(n).fill(-8);
  const B = new Int32Array(n * n).fill(8);
  const c = rowTimesMatrix(a, B, n);
  assert.ok(c.every((v) => v === -64 * n));
  assert.throws(() => rowTimesMatrix(a, B, MAX_MATMUL_N + 1), RangeError);
  assert.throws(() => rowTimesMatrix(a.subarray(1), B, n), RangeError);
});

/**
 * A_{k+1} from first principles, independent of src/proofs/matmul-*.ts: row digests, the layer
 * root, the mask key SHA-256(domain ‖ seed ‖ n ‖ K ‖ k ‖ L_k), the ChaCha20 keystream read as u16
 * entries mod 17, then fold(C + M).
 */
function nextInputByHand(C: Int32Array, n: number, K: number, k: number): Int32Array {
  const digests = Array.from({ length: n }, (_, i) => createHash('sha256').update(C.subarray(i * n, (i + 1) * n)).digest());
  const root = MerkleTree.fromLeafData(digests.map((d) => new Uint8Array(d))).root();
  const u32 = (x: number): Buffer => Buffer.from(Uint32Array.of(x).buffer);
  const key = createHash('sha256').update('gpuproof/2/matmul.mask\0').update(seed).update(u32(n)).update(u32(K)).update(u32(k)).update(root).digest();
  const stream = createCipheriv('chacha20', key, Buffer.alloc(16)).update(Buffer.alloc(n * n * 2));
  return Int32Array.from(C, (c, e) => fold(c + (stream.readUInt16LE(2 * e) % 17)));
}

test('chain at n = 16 (v2): C_k = A_k · B and A_{k+1} = fold(C_k + M_k), the mask keyed by L_k', () => {
  const n = 16;
  const K = 4;
  const Cs = chainRef(seed, n, K);
  assert.equal(Cs.length, K);
  const { A0, B } = chainInputs(seed, n);
  let A = A0;
  for (let k = 0; k < K; k++) {
    const C = Cs[k] as Int32Array;
    assert.deepEqual(C, naive(A, B, n), `k=${k}`);
    for (const v of C) assert.ok(Math.abs(v) <= 64 * n);
    const unmasked = Int32Array.from(C, fold);
    A = nextInputByHand(C, n, K, k);
    // The mask moves A off the v1 chain (a fraction 1/17 of entries keep their value by chance).
    assert.ok(A.filter((x, e) => x === unmasked[e]).length < (n * n) / 4, `k=${k}: the mask is applied`);
  }
  // The chain must keep moving: successive products are not equal.
  assert.notDeepEqual(Cs[0], Cs[1]);
});

test('chain inputs come from the two named streams', () => {
  const { A0, B } = chainInputs(seed, 8);
  assert.deepEqual(A0, generateMatrix(streamKey(seed, STREAM_MATMUL_A0), 8));
  assert.deepEqual(B, generateMatrix(streamKey(seed, STREAM_MATMUL_B), 8));
  assert.throws(() => chainRef(seed, 8, 0), RangeError);
});
