// The TypeScript generator: both ChaCha20 paths (node:crypto and the pure-TS block function)
// against RFC 8439's vectors, then the gpuproof layers (stream keys, words, entries, matrices,
// masks) against fixtures/generator.json, which the WGSL twin must reproduce too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  chacha20Block,
  EntryReader,
  generateMatrix,
  generateRow,
  keystream,
  keyWords,
  maskRow,
  streamKey,
  u16Entries,
  word,
  WordCache,
  STREAM_MATMUL_A0,
  STREAM_MATMUL_B,
} from '../src/proofs/generator.js';
import { fromHex, toHex } from '../src/util/bytes.js';

interface GeneratorFixture {
  blocks: { name: string; keyHex: string; nonceHex: string; counter: number; outHex: string }[];
  encryption: { name: string; keyHex: string; nonceHex: string; counter: number; plaintext: string; ciphertextHex: string }[];
  seedHex: string;
  streamKeys: { stream: string; keyHex: string }[];
  words: { stream: string; index: number; value: number }[];
  entries: { stream: string; index: number; u16: number; entry: number }[];
  matrix: { n: number; A0: number[]; B: number[] };
  mask: { keyHex: string; n: number; r: number; row: number[] };
}

const fx = JSON.parse(readFileSync(new URL('../fixtures/generator.json', import.meta.url), 'utf8')) as GeneratorFixture;
const seed = fromHex(fx.seedHex);
const keyOf = (stream: string): Uint8Array => streamKey(seed, stream);
const bytesOf = (words: Uint32Array): string => toHex(new Uint8Array(words.buffer, words.byteOffset, words.byteLength));

test('RFC 8439 block-function vectors: pure-TS block and node:crypto keystream', () => {
  assert.equal(fx.blocks.length, 6);
  for (const v of fx.blocks) {
    const [key, nonce] = [fromHex(v.keyHex), fromHex(v.nonceHex)];
    assert.equal(bytesOf(chacha20Block(key, v.counter, nonce)), v.outHex, `${v.name}: chacha20Block`);
    assert.equal(toHex(keystream(key, v.counter, 1, nonce)), v.outHex, `${v.name}: keystream`);
  }
});

test('RFC 8439 §2.4.2: the keystream is ciphertext XOR plaintext, across a block boundary', () => {
  for (const v of fx.encryption) {
    const pt = new TextEncoder().encode(v.plaintext);
    const ct = fromHex(v.ciphertextHex);
    const ks = keystream(fromHex(v.keyHex), v.counter, Math.ceil(pt.length / 64), fromHex(v.nonceHex));
    assert.ok(pt.length > 64);
    assert.equal(toHex(pt.map((b, i) => b ^ (ks[i] as number))), toHex(ct), v.name);
    // The pure-TS blocks give the same stream.
    const second = chacha20Block(fromHex(v.keyHex), v.counter + 1, fromHex(v.nonceHex));
    assert.equal(bytesOf(second), toHex(ks.subarray(64, 128)));
  }
});

test('stream keys match the fixture', () => {
  assert.ok(fx.streamKeys.length >= 5);
  for (const v of fx.streamKeys) assert.equal(toHex(keyOf(v.stream)), v.keyHex, v.stream);
  const k = keyOf(STREAM_MATMUL_A0);
  assert.deepEqual(Array.from(keyWords(k)), Array.from(new Uint32Array(k.slice().buffer)));
});

test('words match the fixture on every path, at block boundaries and at the end of the stream', () => {
  assert.ok(fx.words.some((w) => w.index === 2 ** 36 - 1) && fx.words.some((w) => w.index % 16 === 15));
  for (const v of fx.words) {
    const key = keyOf(v.stream);
    const what = `${v.stream}[${v.index}]`;
    assert.equal(word(key, v.index), v.value, `${what}: word`);
    assert.equal(new WordCache(key).word(v.index), v.value, `${what}: WordCache`);
    const blk = Math.floor(v.index / 16);
    assert.equal(new Uint32Array(keystream(key, blk, 1).buffer)[v.index % 16], v.value, `${what}: keystream`);
  }
});

test('entries match the fixture: u16 little-endian at byte 2e, any alignment', () => {
  assert.ok(fx.entries.some((e) => e.index === 2 ** 37 - 1));
  for (const v of fx.entries) {
    const key = keyOf(v.stream);
    assert.equal(u16Entries(key, v.index, 1)[0], v.u16, `${v.stream}[${v.index}]`);
    assert.equal(v.entry, (v.u16 % 17) - 8);
    const w = word(key, Math.floor(v.index / 2));
    assert.equal(v.index % 2 === 0 ? w & 0xffff : w >>> 16, v.u16);
    const one = new Int32Array(1);
    new EntryReader(key, v.index).read(one);
    assert.equal(one[0], v.entry);
  }
});

test('8×8 A0 and B match the fixture, and so do their rows', () => {
  const { n, A0, B } = fx.matrix;
  assert.deepEqual(Array.from(generateMatrix(keyOf(STREAM_MATMUL_A0), n)), A0);
  assert.deepEqual(Array.from(generateMatrix(keyOf(STREAM_MATMUL_B), n)), B);
  for (let r = 0; r < n; r++) assert.deepEqual(Array.from(generateRow(keyOf(STREAM_MATMUL_B), n, r)), B.slice(r * n, (r + 1) * n));
});

test('mask row matches the fixture and is the matrix row plus 8', () => {
  const { keyHex, n, r, row } = fx.mask;
  const key = fromHex(keyHex);
  assert.deepEqual(Array.from(maskRow(key, n, r)), row);
  assert.deepEqual(Array.from(maskRow(key, n, r)), Array.from(generateRow(key, n, r), (e) => e + 8));
});

test('rows, ranges and reads of any size and alignment agree with the whole matrix', () => {
  const key = keyOf(STREAM_MATMUL_B);
  for (const n of [1, 3, 5, 13, 36, 144]) {
    const M = generateMatrix(key, n);
    const raw = u16Entries(key, 0, n * n);
    assert.deepEqual(Array.from(M), Array.from(raw, (u) => (u % 17) - 8), `n=${n}`);
    for (let r = 0; r < n; r += Math.max(1, n >> 2)) assert.deepEqual(generateRow(key, n, r), M.subarray(r * n, (r + 1) * n), `n=${n} r=${r}`);
  }
  // One reader, reads of awkward sizes, against one read: the cipher keeps partly used blocks.
  const whole = new Int8Array(80_000);
  new EntryReader(key, 7).read(whole);
  const reader = new EntryReader(key, 7);
  let at = 0;
  for (const len of [1, 3, 31, 32, 33, 65, 40_000, 5, 39_830]) {
    const part = new Int8Array(len);
    reader.read(part);
    assert.deepEqual(part, whole.subarray(at, at + len), `read of ${len} at ${at}`);
    at += len;
  }
  assert.equal(at, whole.length);
  assert.deepEqual(Array.from(u16Entries(key, 33, 5)), Array.from(u16Entries(key, 30, 10).subarray(3, 8)));
});

test('the pure-TS block equals node:crypto on random keys and counters', () => {
  for (let i = 0; i < 20; i++) {
    const key = Uint8Array.from({ length: 32 }, (_, j) => (i * 37 + j * 11) & 255);
    const counter = i === 0 ? 2 ** 32 - 1 : (i * 2_654_435_761) % 2 ** 32;
    assert.equal(bytesOf(chacha20Block(key, counter)), toHex(keystream(key, counter, 1)), `counter ${counter}`);
  }
});

test('entries cover [-8, 8] uniformly, and the two halves of a word are unrelated', () => {
  const M = generateMatrix(keyOf(STREAM_MATMUL_A0), 128);
  const counts = new Array<number>(17).fill(0);
  let sameInWord = 0;
  for (let i = 0; i < M.length; i++) {
    const v = M[i] as number;
    assert.ok(v >= -8 && v <= 8);
    counts[v + 8] = (counts[v + 8] ?? 0) + 1;
    if (i % 2 === 0 && v === M[i + 1]) sameInWord++;
  }
  const expected = M.length / 17;
  for (const c of counts) assert.ok(Math.abs(c - expected) < expected * 0.1, `count ${c} vs ${expected}`);
  // Low and high halves of one word agree about 1/17 of the time, like independent entries.
  assert.ok(Math.abs(sameInWord - M.length / 2 / 17) < (M.length / 2 / 17) * 0.2, `halves agree ${sameInWord} times`);
  // The mapping itself: 65536 = 17·3855 + 1, so only −8 has one u16 more than the rest.
  const perEntry = new Array<number>(17).fill(0);
  for (let u = 0; u < 65536; u++) perEntry[u % 17] = (perEntry[u % 17] ?? 0) + 1;
  assert.deepEqual(perEntry, [3856, ...new Array<number>(16).fill(3855)]);
});

test('streams are separated: different names, seeds and keys give unrelated output', () => {
  const kA = keyOf(STREAM_MATMUL_A0);
  const kB = keyOf(STREAM_MATMUL_B);
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
  const M = generateMatrix(keyOf(STREAM_MATMUL_A0), n);
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

test('bad inputs are refused, and a stream ends at block 2^32', () => {
  const key = keyOf(STREAM_MATMUL_A0);
  assert.throws(() => streamKey(new Uint8Array(31), STREAM_MATMUL_A0), RangeError);
  assert.throws(() => keyWords(new Uint8Array(16)), RangeError);
  assert.throws(() => chacha20Block(key, 2 ** 32), RangeError);
  assert.throws(() => chacha20Block(key, -1), RangeError);
  assert.throws(() => chacha20Block(key, 0, new Uint8Array(8)), RangeError);
  assert.equal(keystream(key, 2 ** 32 - 1, 1).length, 64);
  assert.throws(() => keystream(key, 2 ** 32 - 1, 2), RangeError);
  assert.throws(() => keystream(key, 2 ** 32, 0), RangeError);
  assert.equal(u16Entries(key, 2 ** 37 - 1, 1).length, 1);
  assert.throws(() => u16Entries(key, 2 ** 37 - 1, 2), RangeError);
  assert.throws(() => new EntryReader(key, 2 ** 37 - 1).read(new Int8Array(2)), RangeError);
  for (const bad of [-1, 2 ** 36, 1.5]) {
    assert.throws(() => word(key, bad), RangeError);
    assert.throws(() => new WordCache(key).word(bad), RangeError);
  }
  assert.throws(() => new WordCache(key, 3), RangeError);
  assert.throws(() => generateRow(key, 4, 4), RangeError);
  assert.throws(() => generateMatrix(key, 0), RangeError);
  assert.throws(() => maskRow(key, 4, -1), RangeError);
});
