// The TypeScript generator against Random123's published answers and against our own pinned
// vectors, which the WGSL twin must reproduce too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  generateMatrix,
  generateRow,
  matrixEntry,
  streamKey,
  STREAM_MATMUL_A0,
  STREAM_MATMUL_B,
  threefry4x32,
  word,
} from '../src/proofs/threefry.js';
import { fromHex } from '../src/util/bytes.js';

interface GeneratorFixture {
  katLines: string[];
  threefry4x32: { rounds: number; key: string[]; ctr: string[]; out: string[] }[];
  streamKeys: { seedHex: string; stream: string; key: number[] }[];
  words: { seedHex: string; stream: string; index: number; value: number }[];
  matrix: { seedHex: string; n: number; A0: number[]; B: number[] };
}

const fx = JSON.parse(readFileSync(new URL('../fixtures/generator.json', import.meta.url), 'utf8')) as GeneratorFixture;
const words = (hex: string[]): number[] => hex.map((h) => parseInt(h, 16));
const seed = Uint8Array.from({ length: 32 }, (_, i) => i);

test('Random123 threefry4x32 known answers (13, 20 and 72 rounds)', () => {
  assert.equal(fx.threefry4x32.length, 9);
  for (const v of fx.threefry4x32) {
    const out = threefry4x32(words(v.key), words(v.ctr), v.rounds);
    assert.deepEqual(Array.from(out), words(v.out), `rounds=${v.rounds} key=${v.key.join(' ')}`);
  }
});

test('fixture entries match the verbatim kat_vectors lines (ctr before key)', () => {
  assert.equal(fx.katLines.length, fx.threefry4x32.length);
  fx.katLines.forEach((line, i) => {
    const f = line.trim().split(/\s+/);
    const v = fx.threefry4x32[i];
    assert.ok(v);
    assert.equal(f[0], 'threefry4x32');
    assert.equal(Number(f[1]), v.rounds);
    assert.deepEqual(f.slice(2, 6), v.ctr);
    assert.deepEqual(f.slice(6, 10), v.key);
    assert.deepEqual(f.slice(10, 14), v.out);
  });
});

test('20 rounds is the default', () => {
  const k = [1, 2, 3, 4];
  const c = [5, 6, 7, 8];
  assert.deepEqual(threefry4x32(k, c), threefry4x32(k, c, 20));
  assert.notDeepEqual(threefry4x32(k, c, 13), threefry4x32(k, c, 20));
});

test('stream keys match the fixture', () => {
  for (const v of fx.streamKeys) {
    assert.deepEqual(Array.from(streamKey(fromHex(v.seedHex), v.stream)), v.key, v.stream);
  }
});

test('words match the fixture, including indices that use the high counter word', () => {
  assert.ok(fx.words.some((w) => w.index >= 4 * 2 ** 32));
  for (const v of fx.words) {
    const key = streamKey(fromHex(v.seedHex), v.stream);
    assert.equal(word(key, v.index), v.value, `${v.stream}[${v.index}]`);
  }
});

test('8×8 A0 and B match the fixture', () => {
  const s = fromHex(fx.matrix.seedHex);
  assert.deepEqual(Array.from(generateMatrix(streamKey(s, STREAM_MATMUL_A0), fx.matrix.n)), fx.matrix.A0);
  assert.deepEqual(Array.from(generateMatrix(streamKey(s, STREAM_MATMUL_B), fx.matrix.n)), fx.matrix.B);
});

test('word is lane index mod 4 of the block at index / 4', () => {
  const key = streamKey(seed, STREAM_MATMUL_A0);
  for (const blk of [0, 1, 7, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 3]) {
    const out = threefry4x32(key, [blk % 2 ** 32, Math.floor(blk / 2 ** 32), 0, 0]);
    for (let lane = 0; lane < 4; lane++) assert.equal(word(key, blk * 4 + lane), out[lane]);
  }
});

test('generateMatrix, generateRow and matrixEntry agree, for n not a multiple of 4', () => {
  const key = streamKey(seed, STREAM_MATMUL_B);
  for (const n of [1, 3, 5, 7, 13]) {
    const M = generateMatrix(key, n);
    for (let r = 0; r < n; r++) {
      assert.deepEqual(generateRow(key, n, r), M.subarray(r * n, (r + 1) * n), `n=${n} r=${r}`);
      for (let c = 0; c < n; c++) {
        const e = matrixEntry(key, n, r, c);
        assert.equal(M[r * n + c], e);
        assert.equal(e, ((word(key, r * n + c) >>> 0) % 17) - 8);
      }
    }
  }
});

test('a row whose words cross block 2^32 carries the block counter into its high word', () => {
  // n = 2^17 + 1: row 2^17 - 1 starts at word 2^34 - 1, so its blocks run from 2^32 - 1 to 2^32 + 2^15.
  const key = streamKey(seed, STREAM_MATMUL_B);
  const n = 2 ** 17 + 1;
  const r = 2 ** 17 - 1;
  const row = generateRow(key, n, r);
  for (const c of [0, 1, 2, 3, 4, 5, 1000, n - 1]) {
    const blk = Math.floor((r * n + c) / 4);
    const out = threefry4x32(key, [blk % 2 ** 32, Math.floor(blk / 2 ** 32), 0, 0]);
    assert.equal(row[c], ((out[(r * n + c) % 4] as number) % 17) - 8, `column ${c}, block ${blk}`);
  }
});

test('entries cover [-8, 8] roughly uniformly', () => {
  const M = generateMatrix(streamKey(seed, STREAM_MATMUL_A0), 128);
  const counts = new Array<number>(17).fill(0);
  for (const v of M) {
    assert.ok(v >= -8 && v <= 8);
    counts[v + 8] = (counts[v + 8] ?? 0) + 1;
  }
  const expected = M.length / 17;
  for (const c of counts) assert.ok(Math.abs(c - expected) < expected * 0.1, `count ${c} vs ${expected}`);
});

test('streams are separated: different names, seeds and keys give unrelated output', () => {
  const kA = streamKey(seed, STREAM_MATMUL_A0);
  const kB = streamKey(seed, STREAM_MATMUL_B);
  assert.notDeepEqual(kA, kB);
  const other = seed.slice();
  other[31] = (other[31] as number) ^ 1;
  assert.notDeepEqual(streamKey(other, STREAM_MATMUL_A0), kA);
  const A = generateMatrix(kA, 32);
  const B = generateMatrix(kB, 32);
  let same = 0;
  for (let i = 0; i < A.length; i++) if (A[i] === B[i]) same++;
  // Independent uniform entries over 17 values agree about 1/17 of the time.
  assert.ok(same < A.length / 8, `A0 and B agree in ${same} of ${A.length} entries`);
});

test('no shortcut structure: entries are not a function of i + j or i - j', () => {
  const n = 64;
  const M = generateMatrix(streamKey(seed, STREAM_MATMUL_A0), n);
  let hankel = 0;
  let toeplitz = 0;
  for (let i = 1; i < n; i++) {
    for (let j = 1; j < n; j++) {
      if (M[i * n + j - 1] === M[(i - 1) * n + j]) hankel++;
      if (M[i * n + j] === M[(i - 1) * n + j - 1]) toeplitz++;
    }
  }
  const pairs = (n - 1) * (n - 1);
  assert.ok(hankel < pairs / 8 && toeplitz < pairs / 8);
});

test('bad inputs are refused', () => {
  assert.throws(() => streamKey(new Uint8Array(31), STREAM_MATMUL_A0), RangeError);
  assert.throws(() => threefry4x32([1, 2, 3], [0, 0, 0, 0]), RangeError);
  const key = streamKey(seed, STREAM_MATMUL_A0);
  assert.throws(() => word(key, -1), RangeError);
  assert.throws(() => word(key, 2 ** 53), RangeError);
  assert.throws(() => word(key, 1.5), RangeError);
  assert.throws(() => generateRow(key, 4, 4), RangeError);
});
