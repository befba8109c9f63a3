// Row checks: honest rows pass, any wrong row fails, and the exact check agrees with Freivalds.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  checkRow,
  checkRowExact,
  FREIVALDS_R_BITS,
  FREIVALDS_SOUNDNESS_LOG2,
  FREIVALDS_VECTORS,
  prepareFreivalds,
} from '../src/proofs/freivalds.js';
import { chainRef, chainInputs, MAX_MATMUL_N, maxCEntry, nextLayerInput, rowTimesMatrix } from '../src/proofs/reference.js';
import { generateRow, matrixReader, streamKey, STREAM_MATMUL_B } from '../src/proofs/generator.js';
import { sha256, utf8 } from '../src/util/bytes.js';
import { notInMutationRun } from './helpers/mutation.js';

const seed = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 ^ i);
const n = 48;
const K = 3;
const { A0, B } = chainInputs(seed, n);
const rowOf = (M: Int32Array, i: number): Int32Array => M.slice(i * n, (i + 1) * n);
// The chain builds Merkle trees (each layer's mask is keyed by its root), so it is built in a hook:
// a mutant of merkle.ts that throws there fails the tests instead of the file's import, which the
// mutation run could only count as a runtime error, not as detected.
let Cs: Int32Array[] = [];
let As: Int32Array[] = [];
before(() => {
  Cs = chainRef(seed, n, K);
  As = Cs.map((C, k) => (k === 0 ? A0 : nextLayerInput(seed, n, K, k - 1, Cs[k - 1] as Int32Array)));
});
const aRowOf = (k: number, i: number): Int32Array => rowOf(As[k] as Int32Array, i);

test('soundness constants: 4 vectors of 11 bits give at least 40 bits', () => {
  assert.equal(FREIVALDS_VECTORS * FREIVALDS_R_BITS, -FREIVALDS_SOUNDNESS_LOG2);
  assert.ok(-FREIVALDS_SOUNDNESS_LOG2 >= 40);
});

test('honest rows pass both checks at every step of the chain', () => {
  const ctx = prepareFreivalds(B, n, randomBytes);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < n; i++) {
      const a = aRowOf(k, i);
      const c = rowOf(Cs[k] as Int32Array, i);
      assert.ok(checkRow(ctx, a, c), `k=${k} i=${i}`);
      assert.ok(checkRowExact(a, B, c));
    }
  }
});

test('a row provider and the streamed generator give the same context as the whole matrix', () => {
  const key = streamKey(seed, STREAM_MATMUL_B);
  let calls = 0;
  const bytes = randomBytes(2 * n * FREIVALDS_VECTORS);
  const replay = (): ((len: number) => Uint8Array) => {
    let off = 0;
    return (len) => bytes.subarray(off, (off += len));
  };
  const fromRows = prepareFreivalds((r) => (calls++, generateRow(key, n, r)), n, replay());
  const fromMatrix = prepareFreivalds(B, n, replay());
  const fromStream = prepareFreivalds(matrixReader(key), n, replay());
  assert.equal(calls, n);
  assert.deepEqual(fromRows.Br, fromMatrix.Br);
  assert.deepEqual(fromStream.Br, fromMatrix.Br);
  assert.ok(checkRow(fromRows, aRowOf(0, 3), rowOf(Cs[0] as Int32Array, 3)));
});

test('one entry off by ±1 fails, at every position', () => {
  const ctx = prepareFreivalds(B, n, randomBytes);
  const a = aRowOf(1, 7);
  const c = rowOf(Cs[1] as Int32Array, 7);
  for (let j = 0; j < n; j++) {
    for (const d of [1, -1]) {
      const bad = c.slice();
      bad[j] = (bad[j] as number) + d;
      assert.equal(checkRow(ctx, a, bad), false, `j=${j} d=${d}`);
      assert.equal(checkRowExact(a, B, bad), false);
    }
  }
});

/** Reproducible bytes, for the assertion that would flake 1 run in ~500 with fresh randomness. */
function fixedRandom(tag: string): (len: number) => Uint8Array {
  let ctr = 0;
  return (len) => {
    const out = new Uint8Array(len);
    for (let o = 0; o < len; o += 32) out.set(sha256(utf8(`${tag}/${ctr++}`)).subarray(0, Math.min(32, len - o)), o);
    return out;
  };
}

test('a wrong row fails on every one of the four vectors separately', () => {
  // Each single vector lets a wrong row through with probability up to 2^-11, hence fixed bytes.
  const ctx = prepareFreivalds(B, n, fixedRandom('freivalds-test'));
  const a = aRowOf(0, 0);
  const wrong = rowOf(Cs[0] as Int32Array, 1); // someone else's honest row
  for (let j = 0; j < FREIVALDS_VECTORS; j++) {
    const single = { n, r: [ctx.r[j] as Float64Array], Br: [ctx.Br[j] as Float64Array] };
    assert.equal(checkRow(single, a, wrong), false, `vector ${j}`);
  }
  assert.equal(checkRow(ctx, a, wrong), false);
});

test('Freivalds and the exact check agree on random perturbations', () => {
  const ctx = prepareFreivalds(B, n, randomBytes);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: K - 1 }),
      fc.integer({ min: 0, max: n - 1 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: -3, max: 3 })), { maxLength: 4 }),
      (k, i, edits) => {
        const a = aRowOf(k, i);
        const c = rowOf(Cs[k] as Int32Array, i);
        for (const [j, d] of edits) c[j] = (c[j] as number) + d;
        const exact = checkRowExact(a, B, c);
        return checkRow(ctx, a, c) === exact && exact === rowTimesMatrix(a, B, n).every((v, j) => v === c[j]);
      },
    ),
    { numRuns: 300 },
  );
});

test('out-of-domain or malformed rows are rejected without throwing', () => {
  const ctx = prepareFreivalds(B, n, randomBytes);
  const a = aRowOf(0, 2);
  const c = rowOf(Cs[0] as Int32Array, 2);
  const big = c.slice();
  big[0] = 64 * n + 1;
  assert.equal(checkRow(ctx, a, big), false);
  const aBig = a.slice();
  aBig[0] = 9;
  assert.equal(checkRow(ctx, aBig, c), false);
  assert.equal(checkRowExact(aBig, B, c), false);
  assert.equal(checkRow(ctx, a, c.subarray(1)), false);
  assert.equal(checkRow(ctx, a, Array.from(c) as unknown as Int32Array), false);
  assert.equal(checkRowExact(a, B.subarray(1), c), false);
});

test('prepareFreivalds refuses bad B and a short random source', () => {
  assert.throws(() => prepareFreivalds(B.subarray(1), n, randomBytes), RangeError);
  const badB = B.slice();
  badB[10] = 9;
  assert.throws(() => prepareFreivalds(badB, n, randomBytes), RangeError);
  assert.throws(() => prepareFreivalds(B, n, () => new Uint8Array(1)), RangeError);
  assert.throws(() => prepareFreivalds(B, 2 ** 18, randomBytes), RangeError);
});

test('B·r is exact at the extremes and across runs of 2048 columns and 32768-entry chunks', notInMutationRun('three sweeps of 4.4 M entries; the one-sweep test below stands in'), () => {
  // r all 2047 and B all −8 or all 8: every packed partial sum at its largest magnitude.
  const m = 2100;
  const top = (): Uint8Array => new Uint8Array(2 * m).fill(0xff);
  for (const b of [-8, 8]) {
    const ctx = prepareFreivalds(new Int32Array(m * m).fill(b), m, top);
    for (const Br of ctx.Br) assert.ok(Br.every((v) => v === b * 2047 * m), `b=${b}`);
  }
  // Random ±8 rows against a plain four-sum reference, B streamed from an entry source.
  const period = Array.from({ length: 977 }, (_, j) => ((sha256(utf8(String(j)))[0] as number) & 1 ? 8 : -8));
  const signs = Int32Array.from({ length: m * m }, (_, i) => period[i % 977] as number);
  const ctx = prepareFreivalds({ read: (() => { let at = 0; return (out: Int8Array) => { out.set(signs.subarray(at, at + out.length)); at += out.length; }; })() }, m, randomBytes);
  for (let i = 0; i < m; i += 97) {
    ctx.r.forEach((r, j) => {
      let s = 0;
      for (let k = 0; k < m; k++) s += (signs[i * m + k] as number) * (r[k] as number);
      assert.equal(ctx.Br[j]?.[i], s, `row ${i} vector ${j}`);
    });
  }
});

test('one sweep across two runs of columns and many chunks: extreme rows and ±8 rows exact, in every row', () => {
  // m = 2064 > 2048 columns: each row is two runs; r all 2047; row 0 all 8, row 1 all −8, others ±8.
  const m = 2064;
  const period = Array.from({ length: 977 }, (_, j) => ((sha256(utf8(String(j)))[0] as number) & 1 ? 8 : -8));
  const entry = (i: number): number => (i < m ? 8 : i < 2 * m ? -8 : (period[i % 977] as number));
  const ctx = prepareFreivalds({ read: (() => { let at = 0; return (out: Int8Array) => { for (let t = 0; t < out.length; t++) out[t] = entry(at++); }; })() }, m, () => new Uint8Array(2 * m).fill(0xff));
  for (const i of [0, 1, 2, 3, 4, 5, 15, 16, 17, 1031, m - 5, m - 1]) {
    let s = 0;
    for (let k = 0; k < m; k++) s += entry(i * m + k) * 2047;
    for (let j = 0; j < 4; j++) assert.equal(ctx.Br[j]?.[i], s, `row ${i} vector ${j}`);
  }
  assert.equal(ctx.Br[0]?.[0], 8 * 2047 * m);
  assert.equal(ctx.Br[3]?.[1], -8 * 2047 * m);
});

test('an entry source outside [-8, 8] is refused, naming the entry', () => {
  const source = { read: (out: Int8Array): void => void out.fill(1).fill(9, 50, 51) };
  assert.throws(() => prepareFreivalds(source, 48, randomBytes), /B\[1\]\[2\] = 9/);
});

// The domain checks are what the exactness argument stands on. With r known (here every entry 1,
// from a source of bytes 1, 0, 1, 0…) a row outside the domain can satisfy the equation; the
// executor never knows r, but the checks must not depend on that.
const ones = (len: number): Uint8Array => Uint8Array.from({ length: len }, (_, i) => (i % 2 === 0 ? 1 : 0));

test('with r known, a cRow that satisfies the equation passes with an entry of exactly ±64n, and is refused with ±(64n + 1) or far outside', () => {
  const ctx = prepareFreivalds(B, n, ones);
  assert.ok(ctx.r.every((r) => r.every((x) => x === 1)));
  const a = aRowOf(0, 5);
  const c = rowOf(Cs[0] as Int32Array, 5);
  assert.equal(checkRow(ctx, a, c), true);
  const cMax = maxCEntry(n);
  /** c with c[0] = v and the same sum (all r sees), the difference spread over the other entries. */
  const withFirst = (v: number): Int32Array => {
    const out = c.slice();
    const d = v - (c[0] as number);
    out[0] = v;
    for (let k = 1; k < n; k++) out[k] = (out[k] as number) - Math.trunc(d / (n - 1)) - (k === 1 ? d % (n - 1) : 0);
    assert.ok(out.subarray(1).every((x) => Math.abs(x) < cMax / 2), 'only c[0] is near the bound');
    return out;
  };
  for (const v of [cMax, -cMax]) assert.equal(checkRow(ctx, a, withFirst(v)), true, `c[0] = ${v}`);
  for (const v of [cMax + 1, -cMax - 1]) assert.equal(checkRow(ctx, a, withFirst(v)), false, `c[0] = ${v}`);
  const forged = c.slice();
  forged[0] = (forged[0] as number) + 2 ** 20;
  forged[1] = (forged[1] as number) - 2 ** 20;
  assert.equal(checkRow(ctx, a, forged), false, 'c[0] = honest + 2^20, c[1] = honest − 2^20');
});

test('an aRow outside ±8 whose product is computed exactly is refused by both checks', () => {
  const ctx = prepareFreivalds(B, n, ones);
  for (const [outside, edge] of [[9, 8], [-9, -8]] as const) {
    const a = aRowOf(1, 3).slice();
    a[4] = outside;
    const c = rowTimesMatrix(a, B, n);
    assert.equal(checkRow(ctx, a, c), false, `a[4] = ${outside}`);
    assert.equal(checkRowExact(a, B, c), false, `exact, a[4] = ${outside}`);
    a[4] = edge;
    const inside = rowTimesMatrix(a, B, n);
    assert.equal(checkRow(ctx, a, inside), true, `a[4] = ${edge} is in the domain`);
    assert.equal(checkRowExact(a, B, inside), true, `exact, a[4] = ${edge}`);
  }
});

test('rows and B of the wrong shape are refused even when the first n entries are right', () => {
  const ctx = prepareFreivalds(B, n, randomBytes);
  const a = aRowOf(2, 9);
  const c = rowOf(Cs[2] as Int32Array, 9);
  const longer = (x: Int32Array): Int32Array => Int32Array.from([...x, 0]);
  assert.equal(checkRow(ctx, longer(a), c), false);
  assert.equal(checkRow(ctx, a, longer(c)), false);
  assert.equal(checkRowExact(a, B, longer(c)), false);
  assert.equal(checkRowExact(a, Int32Array.from([...B, ...new Array<number>(n).fill(0)]), c), false);
  assert.equal(checkRowExact(a, Array.from(B) as unknown as Int32Array, c), false);
  assert.throws(() => prepareFreivalds(Int32Array.from([...B, 0]), n, randomBytes), RangeError);
});


/** An Int32Array that claims `len` entries: a B of n² entries for n near 2^18, which no machine holds. */
const claiming = (len: number): Int32Array => new Proxy(new Int32Array(0), { get: (t, p) => (p === 'length' ? len : Reflect.get(t, p)) });

test('checkRowExact takes n from 1 to MAX_MATMUL_N and refuses 0 and MAX_MATMUL_N + 1', () => {
  assert.equal(checkRowExact(Int32Array.of(3), Int32Array.of(-5), Int32Array.of(-15)), true);
  assert.equal(checkRowExact(Int32Array.of(3), Int32Array.of(-5), Int32Array.of(-14)), false);
  assert.equal(checkRowExact(new Int32Array(0), new Int32Array(0), new Int32Array(0)), false);
  // A zero aRow never reads B, so the claimed length is all that the size check sees.
  for (const [m, ok] of [[MAX_MATMUL_N, true], [MAX_MATMUL_N + 1, false]] as const) {
    assert.equal(checkRowExact(new Int32Array(m), claiming(m * m), new Int32Array(m)), ok, `n = ${m}`);
  }
});
