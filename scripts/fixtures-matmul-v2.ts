// Writes fixtures/matmul-v2.json: known answers for protocol v2's chain pieces that do not depend on
// the matrix generator: the mask key (bytes hashed and digest), mask rows (one inside a ChaCha20
// block, one crossing two), a masked fold, and a two-level opening (row path in its layer, layer
// root path in the top tree) over synthetic rows with n = 5, K = 3 (odd sizes: lone nodes carried up).
// Run: node --import tsx scripts/fixtures-matmul-v2.ts. Cross-checked by an independent Python
// transcription of docs/matmul-proof.md (hashlib and the `cryptography` package's ChaCha20).
import { writeFileSync } from 'node:fs';
import { maskKey, maskKeyPrefix, maskRow, maskedFoldRow } from '../src/proofs/matmul-mask.js';
import { layerTree, rowDigest, topTree } from '../src/proofs/matmul-layers.js';
import { sha256, toB64, toHex, utf8 } from '../src/util/bytes.js';

const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
const layerRoot = sha256(utf8('fixture layer root'));
const key = (n: number, K: number, k: number) => ({ n, K, k, layerRoot: toHex(layerRoot), prefix: toHex(maskKeyPrefix(seed, n, K, k)), key: toHex(maskKey(seed, n, K, k, layerRoot)) });
const keys = [key(16, 4, 1), key(48, 293, 292), key(4096, 293, 0)];
const rowCase = (n: number, K: number, k: number, i: number) => ({ n, K, k, i, mask: Array.from(maskRow(maskKey(seed, n, K, k, layerRoot), n, i)) });
const maskRows = [rowCase(16, 4, 1, 3), rowCase(48, 293, 292, 5)];
const cRow = Int32Array.of(-17, 0, 25, -1, 16, -16, 1024, -1025, 8, -8, 9, -9, 3071, -3072, 123456, -654321);
const maskOf = Uint8Array.of(0, 16, 9, 2, 1, 1, 5, 0, 0, 16, 8, 8, 13, 4, 11, 7);
const fold = { c: Array.from(cRow), mask: Array.from(maskOf), a: Array.from(maskedFoldRow(cRow, maskOf)) };

// Synthetic layers: row i of layer k is n int32 values k·1000 + i·10 + j − 20.
const n = 5;
const K = 3;
const layers = Array.from({ length: K }, (_, k) => Int32Array.from({ length: n * n }, (_, e) => k * 1000 + Math.floor(e / n) * 10 + (e % n) - 20));
const trees = layers.map((C) => layerTree(C, n));
const roots = new Uint8Array(K * 32);
trees.forEach((t, k) => roots.set(t.root(), k * 32));
const top = topTree(roots);
const opened = (k: number, i: number) => {
  const row = (layers[k] as Int32Array).slice(i * n, (i + 1) * n);
  const t = trees[k]!;
  return { k, i, row: toB64(new Uint8Array(row.buffer)), digest: toHex(rowDigest(row)), path: t.auditPath(i).map(toHex), layerRoot: toHex(t.root()), layerPath: top.auditPath(k).map(toHex) };
};
const out = {
  description: 'Protocol v2 matmul known answers (docs/matmul-proof.md). seed = bytes 0x00..0x1f; layerRoot = SHA-256("fixture layer root"). Mask entries are u16 mod 17 of the ChaCha20 (RFC 8439, nonce 0) keystream of the mask key. Produced by scripts/fixtures-matmul-v2.ts, cross-checked by an independent Python transcription.',
  seed: toHex(seed),
  maskKeys: keys,
  maskRows,
  maskedFold: fold,
  twoLevel: { n, K, layerRoots: trees.map((t) => toHex(t.root())), root: toHex(top.root()), openings: [opened(2, 3), opened(0, 4), opened(1, 0)] },
};
writeFileSync(new URL('../fixtures/matmul-v2.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
console.log('fixtures/matmul-v2.json written');
