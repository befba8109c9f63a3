// fixtures/matmul-v2.json: protocol v2's mask key, mask rows, masked fold and two-level openings,
// reproduced by the kit's own code and checked the way the verifier checks them (the fixture was
// cross-checked against an independent Python transcription of docs/matmul-proof.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { maskKey, maskKeyPrefix, maskKeyTemplate, maskRow, maskedFoldRow, MASK_ROOT_OFFSET } from '../src/proofs/matmul-mask.js';
import { layerTree, rowDigest, topTree } from '../src/proofs/matmul-layers.js';
import { verifyAuditPath } from '../src/proofs/merkle.js';
import { concatBytes, fromB64, fromHex, sha256, toHex } from '../src/util/bytes.js';

interface Opened { k: number; i: number; row: string; digest: string; path: string[]; layerRoot: string; layerPath: string[] }
const fx = JSON.parse(readFileSync(new URL('../fixtures/matmul-v2.json', import.meta.url), 'utf8')) as {
  seed: string;
  maskKeys: { n: number; K: number; k: number; layerRoot: string; prefix: string; key: string }[];
  maskRows: { n: number; K: number; k: number; i: number; mask: number[] }[];
  maskedFold: { c: number[]; mask: number[]; a: number[] };
  twoLevel: { n: number; K: number; layerRoots: string[]; root: string; openings: Opened[] };
};
const seed = fromHex(fx.seed);
const root = fromHex(fx.maskKeys[0]!.layerRoot);

test('mask keys: the hashed bytes and the digest', () => {
  for (const c of fx.maskKeys) {
    assert.equal(toHex(maskKeyPrefix(seed, c.n, c.K, c.k)), c.prefix);
    assert.equal(toHex(maskKey(seed, c.n, c.K, c.k, fromHex(c.layerRoot))), c.key);
  }
  assert.throws(() => maskKey(seed, 16, 4, 1, root.subarray(1)), RangeError);
});

test('the GPU template is the padded SHA-256 message with zeros where L_k goes', () => {
  const c = fx.maskKeys[0]!;
  const words = maskKeyTemplate(seed, c.n, c.K, c.k);
  const bytes = new Uint8Array(128);
  words.forEach((w, j) => new DataView(bytes.buffer).setUint32(4 * j, w, false));
  bytes.set(root, MASK_ROOT_OFFSET);
  const len = MASK_ROOT_OFFSET + 32;
  assert.equal(toHex(bytes.subarray(0, len)), toHex(concatBytes(maskKeyPrefix(seed, c.n, c.K, c.k), root)));
  assert.equal(bytes[len], 0x80);
  assert.equal(new DataView(bytes.buffer).getUint32(124, false), len * 8);
  assert.ok(bytes.subarray(len + 1, 124).every((b) => b === 0));
  assert.equal(toHex(sha256(bytes.subarray(0, len))), c.key);
});

test('mask rows, inside one ChaCha20 block and across two', () => {
  for (const r of fx.maskRows) {
    const got = maskRow(maskKey(seed, r.n, r.K, r.k, root), r.n, r.i);
    assert.deepEqual(Array.from(got), r.mask, `n=${r.n} i=${r.i}`);
    assert.ok(got.every((x) => x < 17));
  }
});

test('masked fold', () => {
  const f = fx.maskedFold;
  assert.deepEqual(Array.from(maskedFoldRow(Int32Array.from(f.c), Uint8Array.from(f.mask))), f.a);
  assert.throws(() => maskedFoldRow(Int32Array.of(1, 2), Uint8Array.of(1)), RangeError);
});

test('two-level openings verify at the validator\'s indices and sizes, and nowhere else', () => {
  const t = fx.twoLevel;
  const top = fromHex(t.root);
  const roots = new Uint8Array(t.layerRoots.flatMap((h) => [...fromHex(h)]));
  assert.equal(toHex(topTree(roots).root()), t.root);
  for (const o of t.openings) {
    const row = new Int32Array(fromB64(o.row).buffer);
    assert.equal(toHex(rowDigest(row)), o.digest);
    const path = o.path.map(fromHex);
    const layerPath = o.layerPath.map(fromHex);
    const L = fromHex(o.layerRoot);
    assert.ok(verifyAuditPath(fromHex(o.digest), o.i, t.n, path, L), `row path (${o.k}, ${o.i})`);
    assert.ok(verifyAuditPath(L, o.k, t.K, layerPath, top), `layer path ${o.k}`);
    assert.equal(toHex(layerTree(Int32Array.from({ length: t.n * t.n }, (_, e) => o.k * 1000 + Math.floor(e / t.n) * 10 + (e % t.n) - 20), t.n).root()), o.layerRoot);
    // The same proof at another index or size, or the layer root as a row digest, fails.
    assert.equal(verifyAuditPath(fromHex(o.digest), (o.i + 1) % t.n, t.n, path, L), false);
    if (o.k === t.K - 1) assert.equal(verifyAuditPath(L, o.k, t.K + 1, layerPath, top), false, 'the last layer under another top size');
    assert.equal(verifyAuditPath(fromHex(o.digest), o.k, t.K, layerPath, top), false);
  }
});
