// MerkleTree's other doors (src/proofs/merkle.ts): a tree from levels computed elsewhere (the GPU's
// packed levels) must be the same tree, level sizes as the GPU lays them out, leaf hashes and
// indices checked, the empty tree's root a copy, and input arrays copied rather than aliased.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_ROOT, leafHash, merkleLevelSizes, MerkleTree, nodeHash, verifyAuditPath } from '../src/proofs/merkle.js';
import { sha256 } from '../src/util/bytes.js';

const leaves = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => sha256(Uint8Array.of(i, i >> 8, 7)));

/** The levels of an RFC 6962 tree by the definition: pair neighbours, carry a lone last node up. */
function levelsOf(data: Uint8Array[]): Uint8Array[][] {
  const levels = [data.map((d) => leafHash(d))];
  while ((levels[levels.length - 1] as Uint8Array[]).length > 1) {
    const cur = levels[levels.length - 1] as Uint8Array[];
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < cur.length; i += 2) next.push(nodeHash(cur[i] as Uint8Array, cur[i + 1] as Uint8Array));
    if (cur.length % 2 === 1) next.push(cur[cur.length - 1] as Uint8Array);
    levels.push(next);
  }
  return levels;
}
const packed = (levels: Uint8Array[][]): Uint8Array => {
  const all = levels.flat();
  const out = new Uint8Array(all.length * 32);
  all.forEach((h, i) => out.set(h, i * 32));
  return out;
};

test('merkleLevelSizes: each level halves, rounding up, down to the root', () => {
  assert.deepEqual(merkleLevelSizes(1), [1]);
  assert.deepEqual(merkleLevelSizes(2), [2, 1]);
  assert.deepEqual(merkleLevelSizes(5), [5, 3, 2, 1]);
  assert.deepEqual(merkleLevelSizes(6), [6, 3, 2, 1]);
  assert.deepEqual(merkleLevelSizes(8), [8, 4, 2, 1]);
  for (let n = 1; n <= 40; n++) assert.deepEqual(merkleLevelSizes(n), levelsOf(leaves(n)).map((l) => l.length), `n = ${n}`);
  for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 53]) assert.throws(() => merkleLevelSizes(bad), RangeError, String(bad));
});

test('fromLevelBytes: the packed levels give the same root, leaf hashes and audit paths as the tree built here', () => {
  for (const n of [1, 2, 3, 5, 8, 13]) {
    const data = leaves(n);
    const mine = MerkleTree.fromLeafData(data);
    const theirs = MerkleTree.fromLevelBytes(packed(levelsOf(data)), n);
    assert.equal(theirs.size, n);
    assert.deepEqual(theirs.root(), mine.root(), `n = ${n}`);
    for (let i = 0; i < n; i++) {
      assert.deepEqual(theirs.leafHash(i), leafHash(data[i] as Uint8Array));
      assert.deepEqual(theirs.auditPath(i), mine.auditPath(i), `n = ${n}, leaf ${i}`);
      assert.ok(verifyAuditPath(data[i] as Uint8Array, i, n, theirs.auditPath(i), theirs.root()));
    }
  }
  const bytes = packed(levelsOf(leaves(5)));
  assert.throws(() => MerkleTree.fromLevelBytes(bytes.subarray(32), 5), RangeError);
  assert.throws(() => MerkleTree.fromLevelBytes(new Uint8Array(bytes.length + 32), 5), RangeError);
});

test('leafHash(i) and auditPath(i) refuse indices outside the tree', () => {
  const t = MerkleTree.fromLeafData(leaves(4));
  for (const bad of [-1, 4, 1.5, Number.NaN]) {
    assert.throws(() => t.leafHash(bad), RangeError, String(bad));
    assert.throws(() => t.auditPath(bad), RangeError, String(bad));
  }
  assert.deepEqual(t.leafHash(3), leafHash(leaves(4)[3] as Uint8Array));
});

test('fromLeafHashes: 32-byte hashes only, and the caller\'s array is copied, not aliased', () => {
  const hashes = leaves(5);
  const one = new Uint8Array(5 * 32);
  hashes.forEach((h, i) => one.set(h, i * 32));
  const t = MerkleTree.fromLeafHashes(one);
  const root = t.root();
  const path = t.auditPath(0);
  one.fill(0);
  assert.deepEqual(t.root(), root);
  assert.deepEqual(t.auditPath(0), path);
  assert.deepEqual(t.leafHash(1), hashes[1]);
  assert.throws(() => MerkleTree.fromLeafHashes(new Uint8Array(5 * 32 + 1)), RangeError);
  assert.throws(() => MerkleTree.fromLeafHashes([...hashes.slice(0, 2), new Uint8Array(31)]), RangeError);
  assert.deepEqual(MerkleTree.fromLeafHashes(hashes).root(), root);
});

test('the empty tree\'s root is SHA-256 of nothing, and changing the copy returned changes nothing', () => {
  const empty = MerkleTree.fromLeafHashes([]);
  const r = empty.root();
  assert.deepEqual(r, sha256());
  r.fill(1);
  assert.deepEqual(empty.root(), sha256());
  assert.deepEqual(EMPTY_ROOT, sha256());
});

test('fromPackedLeafData: leaves of any whole length; a length that is not a positive integer or does not divide the data is refused', () => {
  const data = Uint8Array.from({ length: 15 }, (_, i) => i * 7);
  for (const len of [1, 3, 5, 15]) {
    const slices = Array.from({ length: 15 / len }, (_, i) => data.subarray(i * len, (i + 1) * len));
    assert.deepEqual(MerkleTree.fromPackedLeafData(data, len).root(), MerkleTree.fromLeafData(slices).root(), `leafLen ${len}`);
  }
  assert.deepEqual(MerkleTree.fromPackedLeafData(new Uint8Array(64)).root(), MerkleTree.fromLeafData([new Uint8Array(32), new Uint8Array(32)]).root());
  // 1.5 divides 15 and -1 divides 0: only the check on the length itself refuses them.
  for (const [bytes, len] of [[15, 1.5], [0, -1], [0, 0], [15, Number.NaN], [15, 2], [33, 32], [31, 32]]) {
    assert.throws(() => MerkleTree.fromPackedLeafData(new Uint8Array(bytes as number), len), /^RangeError: packed leaf data is not a whole number of leaves$/, `${bytes} bytes, leafLen ${len}`);
  }
});

test('root() of a tree of several leaves is a copy: changing it changes nothing', () => {
  const data = leaves(5);
  for (const t of [MerkleTree.fromLeafData(data), MerkleTree.fromLevelBytes(packed(levelsOf(data)), 5)]) {
    const r = t.root();
    const again = r.slice();
    r.fill(0);
    assert.deepEqual(t.root(), again);
    assert.ok(verifyAuditPath(data[2] as Uint8Array, 2, 5, t.auditPath(2), again));
  }
});
