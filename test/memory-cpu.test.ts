// The memory proof's CPU side: known answers that the WGSL twin must also reproduce, the
// recursive oracle against the plain layer-by-layer reference, and the in-place schedule's
// bookkeeping, all without a GPU.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes, randomInt } from 'node:crypto';
import {
  blockDigest,
  blockDigestsRef,
  BLOCK_WORDS,
  computeLayersRef,
  fmix32,
  generateX0Row,
  h,
  mix,
  passConstants,
  type MemoryParams,
} from '../src/proofs/memory-spec.js';
import { drawBlockWords, verifyBlockWords, WordOracle } from '../src/proofs/memory-oracle.js';
import { inPlaceSteps } from '../src/proofs/memory-gpu.js';
import { streamKey } from '../src/proofs/generator.js';
import { MerkleTree } from '../src/proofs/merkle.js';
import { toHex } from '../src/util/bytes.js';

interface Layer extends MemoryParams {
  words: { c: number; r: number; w: number; value: number }[];
  blockDigests: string[];
  merkleRoot: string;
}
interface MemoryFixture {
  seedHex: string;
  streamKeys: Record<string, string>;
  passConstants: { chunks: number; p: number; t: number; s: number; hkey: number; mkey: number }[];
  fmix32: { x: number; out: number }[];
  h: { hkey: number; a0: number; out: number }[];
  mix: { mkey: number; a: number; b: number; w: number; out: number }[];
  x0Rows: { chunks: number; rows: number; c: number; r: number; row: number[] }[];
  layers: Layer[];
}

const fx = JSON.parse(readFileSync(new URL('../fixtures/memory.json', import.meta.url), 'utf8')) as MemoryFixture;
const seed = Uint8Array.from({ length: 32 }, (_, i) => i);

describe('known answers (fixtures/memory.json)', () => {
  test('seed and stream keys', () => {
    assert.equal(fx.seedHex, toHex(seed));
    for (const [name, key] of Object.entries(fx.streamKeys)) assert.equal(toHex(streamKey(seed, name)), key, name);
  });

  test('pass constants', () => {
    assert.ok(fx.passConstants.length >= 20);
    for (const v of fx.passConstants) {
      assert.deepEqual(passConstants(seed, v.p, v.chunks), { t: v.t, s: v.s, hkey: v.hkey, mkey: v.mkey }, `C=${v.chunks} p=${v.p}`);
    }
  });

  test('fmix32, h and mix', () => {
    for (const v of fx.fmix32) assert.equal(fmix32(v.x), v.out, `fmix32(${v.x})`);
    for (const v of fx.h) assert.equal(h(v.hkey, v.a0), v.out, `h(${v.hkey}, ${v.a0})`);
    for (const v of fx.mix) assert.equal(mix(v.mkey, v.a, v.b, v.w), v.out, `mix(${v.mkey}, ${v.a}, ${v.b}, ${v.w})`);
  });

  test('X_0 rows, including the last row of the largest set (the last block of the stream)', () => {
    for (const v of fx.x0Rows) assert.deepEqual(Array.from(generateX0Row(seed, v.chunks, v.rows, v.c, v.r)), v.row);
    assert.ok(fx.x0Rows.some((v) => (v.c * v.rows + v.r) * 4 + 3 === 2 ** 32 - 1));
  });

  test('X_P words, block digests and the Merkle root', () => {
    for (const v of fx.layers) {
      const xp = computeLayersRef(seed, v);
      for (const w of v.words) assert.equal(xp[(w.c * v.rows + w.r) * 64 + w.w], w.value);
      const d = blockDigestsRef(xp);
      assert.deepEqual(Array.from({ length: d.length / 32 }, (_, i) => toHex(d.subarray(i * 32, i * 32 + 32))), v.blockDigests);
      assert.equal(toHex(MerkleTree.fromPackedLeafData(d).root()), v.merkleRoot);
    }
  });
});

describe('pass constants', () => {
  test('t in [1, C) for C ≥ 2 (0 for C = 1), s in [0, 64), every pass distinct keys', () => {
    for (const C of [1, 2, 3, 5, 64, 1000]) {
      const keys = new Set<number>();
      for (let p = 1; p <= 64; p++) {
        const k = passConstants(seed, p, C);
        assert.ok(C === 1 ? k.t === 0 : k.t >= 1 && k.t < C, `C=${C} p=${p} t=${k.t}`);
        assert.ok(Number.isInteger(k.s) && k.s >= 0 && k.s < 64);
        keys.add(k.mkey);
      }
      assert.equal(keys.size, 64);
    }
  });
});

describe('WordOracle', () => {
  for (const params of [
    { chunks: 3, rows: 64, passes: 3 },
    { chunks: 1, rows: 128, passes: 4 },
    { chunks: 4, rows: 64, passes: 2 },
  ]) {
    test(`equals computeLayersRef on every word of every layer (C=${params.chunks} R=${params.rows} P=${params.passes})`, () => {
      const s = new Uint8Array(randomBytes(32));
      const oracle = new WordOracle(s, params);
      for (let p = 0; p <= params.passes; p++) {
        const layer = computeLayersRef(s, { ...params, passes: p });
        for (let i = 0; i < layer.length; i++) {
          const g = Math.floor(i / 64);
          const got = oracle.word(p, Math.floor(g / params.rows), g % params.rows, i % 64);
          if (got !== layer[i]) assert.fail(`p=${p} word ${i}: ${got} != ${layer[i]}`);
        }
      }
    });
  }

  test('P = 64 without exhausting the stack (memo saturates on a one-block set)', () => {
    const params = { chunks: 1, rows: 64, passes: 64 };
    const xp = computeLayersRef(seed, params);
    const oracle = new WordOracle(seed, params);
    for (const i of [0, 1, 63, 64, 2049, 4095]) assert.equal(oracle.word(64, 0, Math.floor(i / 64), i % 64), xp[i]);
  });

  test('evaluations per word grow at least 2^P − 1 (and at most about (P/2 + 1)·2^(P+1))', () => {
    // A huge virtual set: the oracle allocates nothing for it, and memo hits across rows are rare.
    let prev = 0;
    for (let P = 2; P <= 11; P++) {
      const params = { chunks: 64, rows: 2 ** 20, passes: P };
      let total = 0;
      const words = 8;
      for (let j = 0; j < words; j++) {
        const o = new WordOracle(seed, params);
        o.word(P, (j * 13) % 64, j * 7919, (j * 11) % 64);
        total += o.evaluations;
      }
      const perWord = total / words;
      assert.ok(perWord >= 2 ** P - 1, `P=${P}: ${perWord} evaluations per word`);
      assert.ok(perWord <= (P / 2 + 1) * 2 ** (P + 1), `P=${P}: ${perWord} evaluations per word`);
      if (prev > 0) assert.ok(perWord / prev > 1.8 && perWord / prev < 2.8, `growth ${perWord / prev} at P=${P}`);
      prev = perWord;
    }
  });

  test('out-of-range words throw', () => {
    const o = new WordOracle(seed, { chunks: 2, rows: 64, passes: 2 });
    for (const [p, c, r, w] of [[3, 0, 0, 0], [0, 2, 0, 0], [0, 0, 64, 0], [0, 0, 0, 64], [-1, 0, 0, 0], [0.5, 0, 0, 0]] as const) {
      assert.throws(() => o.word(p, c, r, w), RangeError);
    }
  });
});

describe('opening checks', () => {
  const params = { chunks: 3, rows: 128, passes: 4 };
  const xp = computeLayersRef(seed, params);
  const block = (b: number): Uint32Array => xp.slice(b * BLOCK_WORDS, (b + 1) * BLOCK_WORDS);

  test('verifyBlockWords accepts the true block and rejects a changed word, block or shape', () => {
    for (let b = 0; b < 6; b++) {
      const words = drawBlockWords(randomInt, 8);
      assert.ok(verifyBlockWords(seed, params, b, block(b), words), `block ${b}`);
      const bad = block(b);
      bad[words[0] as number] = ((bad[words[0] as number] as number) ^ 1) >>> 0;
      assert.equal(verifyBlockWords(seed, params, b, bad, words), false);
    }
    const words = [0, 1, 4095];
    assert.equal(verifyBlockWords(seed, params, 1, block(2), words), false, 'another block');
    assert.equal(verifyBlockWords(seed, params, 6, block(5), words), false, 'index past the end');
    assert.equal(verifyBlockWords(seed, params, -1, block(0), words), false);
    assert.equal(verifyBlockWords(seed, params, 0, block(0).subarray(0, 4095), words), false, 'short block');
    assert.equal(verifyBlockWords(seed, params, 0, block(0), [4096]), false, 'word out of range');
    assert.equal(verifyBlockWords(seed, params, 0, block(0), []), false, 'no words');
    assert.equal(verifyBlockWords(seed, { ...params, passes: 3 }, 0, block(0), words), false, 'other pass count');
  });

  test('blockDigest is SHA-256 of the little-endian words', () => {
    assert.equal(toHex(blockDigest(block(2))), toHex(blockDigestsRef(xp).subarray(64, 96)));
  });

  test('drawBlockWords draws s distinct in-range indices', () => {
    for (const s of [1, 4, 64, 4096]) {
      const w = drawBlockWords(randomInt, s);
      assert.equal(new Set(w).size, s);
      assert.ok(w.every((i) => Number.isInteger(i) && i >= 0 && i < BLOCK_WORDS));
    }
    assert.throws(() => drawBlockWords(randomInt, 0), RangeError);
    assert.throws(() => drawBlockWords(randomInt, 4097), RangeError);
    assert.throws(() => drawBlockWords(() => 4096, 1), RangeError);
  });
});

describe('in-place schedule', () => {
  test('every step reads layer p − 1 and the final map holds all of layer p, for all C ≤ 12 and t', () => {
    for (let C = 2; C <= 12; C++) {
      for (let t = 1; t < C; t++) {
        // Slots hold "layer:chunk" tags; start from a shuffled map, as after earlier passes.
        const order = [...Array(C + 1).keys()];
        for (let i = C; i > 0; i--) {
          const j = randomInt(i + 1);
          [order[i], order[j]] = [order[j] as number, order[i] as number];
        }
        const phys = order.slice(0, C);
        const spare0 = order[C] as number;
        const slots: string[] = Array(C + 1).fill('free');
        phys.forEach((s, c) => (slots[s] = `0:${c}`));
        const { steps, phys: after, spare } = inPlaceSteps(phys, spare0, t);
        assert.equal(steps.length, C);
        for (const st of steps) {
          assert.equal(slots[st.src], `0:${st.chunk}`, `C=${C} t=${t} self of ${st.chunk}`);
          assert.equal(slots[st.other], `0:${(st.chunk + t) % C}`, `C=${C} t=${t} other of ${st.chunk}`);
          slots[st.dst] = `1:${st.chunk}`;
        }
        after.forEach((s, c) => assert.equal(slots[s], `1:${c}`));
        assert.ok(!after.includes(spare) && spare >= 0 && spare <= C);
      }
    }
  });
});
