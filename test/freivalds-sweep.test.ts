// B·r for Freivalds' check (src/proofs/freivalds-sweep.ts) on the paths the n = 48 tests of
// freivalds.test.ts do not take: rows left over after the groups of four (n not a multiple of 4),
// odd runs, rows longer than a 32768-entry chunk (n > 32768, swept only as far as an out-of-range
// entry that names where the sweep was), entries that only the range check before the int8
// narrowing can see (264 is 8 as an int8), and a bad entry in each row of a group of four.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareFreivalds, type EntrySource } from '../src/proofs/freivalds.js';

/** r_j[k] = 1 + (7j + 3k) mod 2000: distinct per vector, known to the test. */
const known = (n: number): ((len: number) => Uint8Array) => {
  let j = 0;
  return (len) => {
    const out = new Uint8Array(len);
    for (let k = 0; k < n; k++) {
      const v = 1 + ((7 * j + 3 * k) % 2000);
      out[2 * k] = v & 0xff;
      out[2 * k + 1] = v >> 8;
    }
    j++;
    return out;
  };
};
const rOf = (j: number, k: number): number => 1 + ((7 * j + 3 * k) % 2000);
/** A deterministic B in [-8, 8]. */
const entryOf = (i: number, k: number): number => ((i * 31 + k * 17 + ((i * k) % 7)) % 17) - 8;

/** An entry source over entryOf that refuses to be read past n² entries. */
function source(n: number, bad?: { i: number; k: number; v: number }): EntrySource & { read: (out: Int8Array) => void; count: () => number } {
  let at = 0;
  return {
    read(out) {
      if (at + out.length > n * n) throw new Error(`read past B: ${at + out.length} > ${n * n}`);
      for (let t = 0; t < out.length; t++, at++) {
        const i = Math.floor(at / n);
        const k = at % n;
        out[t] = bad && bad.i === i && bad.k === k ? bad.v : entryOf(i, k);
      }
    },
    count: () => at,
  };
}

function reference(n: number, i: number, j: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += entryOf(i, k) * rOf(j, k);
  return s;
}

test('rows left after the groups of four, odd and even runs: every B·r_j exact, and B read exactly once', () => {
  for (const n of [1, 2, 3, 5, 49, 50, 51, 183, 2053]) {
    const src = source(n);
    const ctx = prepareFreivalds(src, n, known(n));
    assert.equal(src.count(), n * n, `n = ${n}: entries read`);
    const rows = n <= 60 ? Array.from({ length: n }, (_, i) => i) : [0, 1, 2, 3, 4, 5, 6, 7, n - 6, n - 5, n - 4, n - 3, n - 2, n - 1];
    for (const i of rows) for (let j = 0; j < 4; j++) assert.equal(ctx.Br[j]?.[i], reference(n, i, j), `n = ${n}, row ${i}, vector ${j}`);
  }
});

test('a row provider of the wrong length is refused, even a longer one whose first n entries are fine', () => {
  const n = 20;
  const row = (len: number) => (i: number): Int32Array => Int32Array.from({ length: len }, (_, k) => entryOf(i, k));
  assert.ok(prepareFreivalds(row(n), n, known(n)));
  assert.throws(() => prepareFreivalds(row(n + 1), n, known(n)), RangeError);
  assert.throws(() => prepareFreivalds(row(n - 1), n, known(n)), RangeError);
});

test('entries that wrap into [-8, 8] as int8 (±264, 261) are refused before the narrowing, from a matrix or a row provider', () => {
  const n = 16;
  for (const v of [264, -264, 261, 9, -9]) {
    const B = Int32Array.from({ length: n * n }, (_, e) => entryOf(Math.floor(e / n), e % n));
    B[5 * n + 3] = v;
    assert.throws(() => prepareFreivalds(B, n, known(n)), /B\[5\]\[3\]/, `v = ${v}`);
    assert.throws(() => prepareFreivalds((i) => B.subarray(i * n, (i + 1) * n), n, known(n)), /B\[5\]\[3\]/, `rows, v = ${v}`);
  }
});

test('an out-of-range entry is named in every row of a group of four, in a leftover row, and at odd and even columns', () => {
  const n = 49; // 12 groups of four rows, then row 48 alone (odd run of 49)
  for (const [i, k] of [[4, 7], [5, 8], [6, 9], [7, 10], [48, 0], [48, 1], [48, 48], [0, 48]]) {
    for (const v of [9, -9]) {
      assert.throws(() => prepareFreivalds(source(n, { i: i as number, k: k as number, v }), n, known(n)), new RegExp(`^RangeError: B\\[${i}\\]\\[${k}\\] = ${v} `), `(${i}, ${k}) = ${v}`);
    }
  }
});

test('rows longer than a chunk (n = 32784): the sweep reads each row in two chunks of runs and names a bad entry where it is', () => {
  const n = 32784;
  for (const [i, k] of [[0, 5], [0, 32767], [1, 32768], [2, 32770], [2, 32783], [1, 2049]]) {
    const src = source(n, { i: i as number, k: k as number, v: 9 });
    assert.throws(() => prepareFreivalds(src, n, known(n)), new RegExp(`^RangeError: B\\[${i}\\]\\[${k}\\] = 9 `), `(${i}, ${k})`);
    // Whole rows before it were read, and no more than the chunk holding it.
    const before = (i as number) * n + (k as number);
    assert.ok(src.count() > before && src.count() <= (i as number) * n + Math.min(n, (Math.floor((k as number) / 32768) + 1) * 32768), `(${i}, ${k}): read ${src.count()}`);
  }
});
