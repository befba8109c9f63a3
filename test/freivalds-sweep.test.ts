// B·r for Freivalds' check (src/proofs/freivalds-sweep.ts) on the paths the n = 48 tests of
// freivalds.test.ts do not take: rows left over after the groups of four (n not a multiple of 4),
// odd runs, rows longer than a 32768-entry chunk (n > 32768, swept only as far as an out-of-range
// entry that names where the sweep was), entries that only the range check before the int8
// narrowing can see (264 is 8 as an int8), each edge of [-8, 8] in each row of a group of four,
// which bad entry is named, how B is read, and that nothing outside a read is looked at.
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

interface Bad {
  i: number;
  k: number;
  v: number;
}
const entryWith = (bad: readonly Bad[]) => (i: number, k: number): number => bad.find((b) => b.i === i && b.k === k)?.v ?? entryOf(i, k);

interface SourceOptions {
  /** Entries that replace entryOf's. */
  bad?: readonly Bad[];
  /** A read that would take the total past this many entries stops the sweep with an error of its own. */
  limit?: number;
  /** After each read, fill the rest of the buffer behind `out` with 9s: what a sweep must never look at. */
  scribble?: boolean;
}

/** An entry source over entryOf that refuses to be read past n² entries and records each read's length. */
function source(n: number, { bad = [], limit = n * n, scribble = false }: SourceOptions = {}): EntrySource & { count: () => number; reads: number[] } {
  const byIndex = new Map(bad.map((b) => [b.i * n + b.k, b.v]));
  const reads: number[] = [];
  let at = 0;
  return {
    read(out) {
      reads.push(out.length);
      if (at + out.length > n * n) throw new Error(`read past B: ${at + out.length} > ${n * n}`);
      if (at + out.length > limit) throw new Error('stopped');
      for (let t = 0; t < out.length; t++, at++) out[t] = byIndex.get(at) ?? entryOf(Math.floor(at / n), at % n);
      if (scribble) new Int8Array(out.buffer, out.byteOffset + out.length).fill(9);
    },
    count: () => at,
    reads,
  };
}

function reference(n: number, i: number, j: number, bad: readonly Bad[] = []): number {
  const entry = entryWith(bad);
  let s = 0;
  for (let k = 0; k < n; k++) s += entry(i, k) * rOf(j, k);
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

test('an entry of exactly ±8 is taken and ±9 refused, named, in every row of a group of four and in a leftover row, in a pair and an odd run\'s tail', () => {
  const n = 49; // 12 groups of four rows, then row 48 alone: a run of 49 is 24 pairs and a tail (column 48)
  // Column 0 of rows 5..7 is also the entry just past the row before it in the chunk.
  for (const i of [4, 5, 6, 7, 48]) {
    for (const k of [0, 1, 47, 48]) {
      for (const v of [8, -8]) {
        const bad = [{ i, k, v }];
        const ctx = prepareFreivalds(source(n, { bad }), n, known(n));
        for (let j = 0; j < 4; j++) assert.equal(ctx.Br[j]?.[i], reference(n, i, j, bad), `(${i}, ${k}) = ${v}, vector ${j}`);
      }
      for (const v of [9, -9]) {
        assert.throws(() => prepareFreivalds(source(n, { bad: [{ i, k, v }] }), n, known(n)), new RegExp(`^RangeError: B\\[${i}\\]\\[${k}\\] = ${v} `), `(${i}, ${k}) = ${v}`);
      }
    }
  }
});

test('a group of four rows is checked one run of columns at a time: of two bad entries, the one in the earlier run is named', () => {
  const n = 4096; // 8 rows a chunk (two groups of four), each row two runs of 2048 columns
  for (const [early, late] of [[{ i: 6, k: 3 }, { i: 5, k: 2050 }], [{ i: 2, k: 2047 }, { i: 1, k: 2048 }]] as const) {
    const bad = [{ ...early, v: -9 }, { ...late, v: 9 }];
    assert.throws(() => prepareFreivalds(source(n, { bad }), n, known(n)), new RegExp(`^RangeError: B\\[${early.i}\\]\\[${early.k}\\] = -9 `), `B[${early.i}][${early.k}]`);
  }
});

test('B is read in whole rows, as many as fit in 32768 entries, never in an empty read', () => {
  for (const [n, reads] of [[1, [1]], [181, [32761]], [200, [32600, 7400]], [256, [32768, 32768]]] as const) {
    const src = source(n);
    prepareFreivalds(src, n, known(n));
    assert.deepEqual(src.reads, reads, `n = ${n}`);
  }
  // A row longer than a chunk is read in chunks and the rest; the sweep is stopped when it asks for row 1.
  for (const [n, reads] of [[65536, [32768, 32768, 32768]], [34832, [32768, 2064, 32768]]] as const) {
    const src = source(n, { limit: n });
    assert.throws(() => prepareFreivalds(src, n, known(n)), /^Error: stopped$/, `n = ${n}`);
    assert.deepEqual(src.reads, reads, `n = ${n}`);
  }
});

test('the sweep looks only at the entries it asked for, not at what else the shared chunk holds', () => {
  // What lies past a read in the chunk is left from earlier reads; here the source fills it with 9s.
  for (const n of [5, 6, 7, 8, 49]) {
    const ctx = prepareFreivalds(source(n, { scribble: true }), n, known(n));
    for (let i = 0; i < n; i++) for (let j = 0; j < 4; j++) assert.equal(ctx.Br[j]?.[i], reference(n, i, j), `n = ${n}, row ${i}, vector ${j}`);
  }
  // Rows of a chunk and 2064 entries: the short read's second run is 16 entries, not 2048.
  const n = 34832;
  assert.throws(() => prepareFreivalds(source(n, { scribble: true, limit: n }), n, known(n)), /^Error: stopped$/);
});

test('rows longer than a chunk (n = 32784): the sweep reads each row in two chunks of runs and names a bad entry where it is', () => {
  const n = 32784;
  for (const [i, k] of [[0, 5], [0, 32767], [1, 32768], [2, 32770], [2, 32783], [1, 2049]]) {
    const src = source(n, { bad: [{ i: i as number, k: k as number, v: 9 }] });
    assert.throws(() => prepareFreivalds(src, n, known(n)), new RegExp(`^RangeError: B\\[${i}\\]\\[${k}\\] = 9 `), `(${i}, ${k})`);
    // Whole rows before it were read, and no more than the chunk holding it.
    const before = (i as number) * n + (k as number);
    assert.ok(src.count() > before && src.count() <= (i as number) * n + Math.min(n, (Math.floor((k as number) / 32768) + 1) * 32768), `(${i}, ${k}): read ${src.count()}`);
  }
});
