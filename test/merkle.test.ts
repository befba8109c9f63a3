// RFC 6962 Merkle tree: the certificate-transparency vectors, our own vectors over 32-byte leaves,
// and properties (every path verifies; any tampering fails).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { EMPTY_ROOT, leafHash, MerkleTree, nodeHash, verifyAuditPath } from '../src/proofs/merkle.js';
import { concatBytes, fromHex, sha256, toHex, utf8 } from '../src/util/bytes.js';
import { mutationRuns, notInMutationRun } from './helpers/mutation.js';

interface Inclusion {
  index: number;
  size: number;
  path: string[];
}
interface MerkleFixture {
  hasher: {
    emptyRoot: string;
    emptyLeafHash: string;
    leaf: { dataUtf8: string; hash: string };
    node: { leftUtf8: string; rightUtf8: string; hash: string };
  };
  leaves: string[];
  roots: { size: number; root: string }[];
  inclusion: Inclusion[];
  own: { leaves: string[]; roots: { size: number; root: string }[]; inclusion: Inclusion[] };
}

const fx = JSON.parse(readFileSync(new URL('../fixtures/merkle.json', import.meta.url), 'utf8')) as MerkleFixture;

test('RFC 6962 hasher vectors', () => {
  assert.equal(toHex(EMPTY_ROOT), fx.hasher.emptyRoot);
  assert.equal(toHex(MerkleTree.fromLeafData([]).root()), fx.hasher.emptyRoot);
  assert.equal(toHex(leafHash(new Uint8Array())), fx.hasher.emptyLeafHash);
  assert.equal(toHex(leafHash(utf8(fx.hasher.leaf.dataUtf8))), fx.hasher.leaf.hash);
  assert.equal(toHex(nodeHash(utf8(fx.hasher.node.leftUtf8), utf8(fx.hasher.node.rightUtf8))), fx.hasher.node.hash);
});

for (const [name, leavesHex, roots, inclusion] of [
  ['RFC 6962', fx.leaves, fx.roots, fx.inclusion],
  ['own 32-byte', fx.own.leaves, fx.own.roots, fx.own.inclusion],
] as const) {
  const leaves = leavesHex.map(fromHex);

  test(`${name} roots`, () => {
    for (const { size, root } of roots) {
      assert.equal(toHex(MerkleTree.fromLeafData(leaves.slice(0, size)).root()), root, `size ${size}`);
    }
  });

  test(`${name} audit paths are produced and verify`, () => {
    for (const v of inclusion) {
      const tree = MerkleTree.fromLeafData(leaves.slice(0, v.size));
      assert.deepEqual(tree.auditPath(v.index).map(toHex), v.path, `index ${v.index} size ${v.size}`);
      const root = fromHex(roots.find((r) => r.size === v.size)?.root ?? toHex(tree.root()));
      const leaf = leaves[v.index] as Uint8Array;
      assert.ok(verifyAuditPath(leaf, v.index, v.size, v.path.map(fromHex), root));
    }
  });
}

test('the four constructors agree', () => {
  const leaves = fx.own.leaves.map(fromHex);
  const a = MerkleTree.fromLeafData(leaves);
  const b = MerkleTree.fromPackedLeafData(concatBytes(...leaves));
  const c = MerkleTree.fromLeafHashes(leaves.map(leafHash));
  const d = MerkleTree.fromLeafHashes(concatBytes(...leaves.map(leafHash)));
  for (const t of [b, c, d]) {
    assert.equal(t.size, a.size);
    assert.deepEqual(t.root(), a.root());
    assert.deepEqual(t.auditPath(5), a.auditPath(5));
  }
});

test('corrupted RFC proofs are rejected (transparency-dev probe set)', () => {
  const leaves = fx.leaves.map(fromHex);
  for (const v of fx.inclusion) {
    const root = fromHex(fx.roots[v.size - 1]?.root ?? '');
    const path = v.path.map(fromHex);
    const leaf = leaves[v.index] as Uint8Array;
    const bad: [number, number, Uint8Array[], Uint8Array, Uint8Array][] = [
      [v.index - 1, v.size, path, root, leaf],
      [v.index + 1, v.size, path, root, leaf],
      [v.index ^ 2, v.size, path, root, leaf],
      [v.index, v.size * 2, path, root, leaf],
      [v.index, Math.floor(v.size / 2), path, root, leaf],
      [v.index, v.size, path, root, utf8('WrongLeaf')],
      [v.index, v.size, path, EMPTY_ROOT, leaf],
      [v.index, v.size, [...path, new Uint8Array()], root, leaf],
      [v.index, v.size, [...path, root], root, leaf],
      [v.index, v.size, [root, ...path], root, leaf],
      [v.index, v.size, path.slice(0, -1), root, leaf],
    ];
    for (const [i, s, p, r, l] of bad) assert.equal(verifyAuditPath(l, i, s, p, r), false, `index ${i} size ${s}`);
  }
});

test('malformed arguments give false, never a throw', () => {
  const leaf = new Uint8Array(32);
  const tree = MerkleTree.fromLeafData([leaf, leaf, leaf]);
  const root = tree.root();
  const path = tree.auditPath(1);
  assert.ok(verifyAuditPath(leaf, 1, 3, path, root));
  for (const [i, s] of [[-1, 3], [3, 3], [0, 0], [1.5, 3], [1, 3.5], [NaN, 3], [1, Infinity], [2 ** 53, 2 ** 53 + 2]]) {
    assert.equal(verifyAuditPath(leaf, i as number, s as number, path, root), false);
  }
  assert.equal(verifyAuditPath(leaf, 1, 3, path, root.subarray(0, 31)), false);
  assert.equal(verifyAuditPath(leaf, 1, 3, [path[0]?.subarray(0, 31) as Uint8Array], root), false);
  assert.equal(verifyAuditPath(leaf, 1, 3, null as unknown as Uint8Array[], root), false);
  assert.equal(verifyAuditPath(leaf, 1, 3, [42 as unknown as Uint8Array], root), false);
  assert.equal(verifyAuditPath(undefined as unknown as Uint8Array, 1, 3, path, root), false);
});

test('malformed arguments of the right bytes but the wrong type give false', () => {
  const data = fx.own.leaves.map(fromHex).slice(0, 5);
  const tree = MerkleTree.fromLeafData(data);
  const root = tree.root();
  const path = tree.auditPath(2);
  const leaf = data[2] as Uint8Array;
  // The same bytes in another typed array: node:crypto would hash them alike.
  const clamped = (b: Uint8Array): Uint8Array => new Uint8ClampedArray(b) as unknown as Uint8Array;
  assert.equal(verifyAuditPath(leaf, 2, 5, path, root), true);
  assert.equal(verifyAuditPath(Buffer.from(leaf), 2, 5, path.map((p) => Buffer.from(p)), Buffer.from(root)), true, 'Buffers are Uint8Arrays');
  assert.equal(verifyAuditPath(clamped(leaf), 2, 5, path, root), false, 'leaf');
  assert.equal(verifyAuditPath(leaf, 2, 5, path, Array.from(root) as unknown as Uint8Array), false, 'root as an array of numbers');
  assert.equal(verifyAuditPath(leaf, 2, 5, new Set(path) as unknown as Uint8Array[], root), false, 'path as a Set');
  for (let e = 0; e < path.length; e++) {
    assert.equal(verifyAuditPath(leaf, 2, 5, path.map((p, k) => (k === e ? clamped(p) : p)), root), false, `path[${e}]`);
  }
  // A path that throws when read is false too, not a throw.
  const unreadable = [...path];
  Object.defineProperty(unreadable, 1, { get: () => { throw new Error('unreadable'); } });
  assert.equal(verifyAuditPath(leaf, 2, 5, unreadable, root), false);
});

test('a path longer than the tree is high is refused, even against a root hashed over the extra node', () => {
  const data = fx.own.leaves.map(fromHex);
  const extra = sha256(utf8('one node too many'));
  for (const size of [1, 2, 5, 8]) {
    const tree = MerkleTree.fromLeafData(data.slice(0, size));
    for (let i = 0; i < size; i++) {
      const path = [...tree.auditPath(i), extra];
      for (const root of [nodeHash(extra, tree.root()), nodeHash(tree.root(), extra)]) {
        assert.equal(verifyAuditPath(data[i] as Uint8Array, i, size, path, root), false, `leaf ${i} of ${size}`);
      }
    }
  }
});

test('the path alone does not bind the size: callers must take the size from the challenge', () => {
  const leaves = fx.leaves.map(fromHex);
  const tree = MerkleTree.fromLeafData(leaves.slice(0, 5));
  const path = tree.auditPath(0);
  // Leaf 0 has siblings on the right at three levels in trees of 5 and of 6 leaves alike.
  assert.equal(sides(0, 5), sides(0, 6));
  assert.ok(verifyAuditPath(leaves[0] as Uint8Array, 0, 6, path, tree.root()));
  assert.equal(verifyAuditPath(leaves[0] as Uint8Array, 0, 4, path, tree.root()), false);
});

test('auditPath refuses out-of-range indices', () => {
  const tree = MerkleTree.fromLeafData([new Uint8Array(32)]);
  assert.deepEqual(tree.auditPath(0), []);
  assert.throws(() => tree.auditPath(1), RangeError);
  assert.throws(() => MerkleTree.fromLeafData([]).auditPath(0), RangeError);
});

function flip(b: Uint8Array, pos: number, xor: number): Uint8Array {
  const out = b.slice();
  out[pos] = (out[pos] as number) ^ xor;
  return out;
}

/** Sibling sides from the leaf up, by RFC 6962's recursive PATH definition (independent of the verifier). */
function sides(m: number, n: number): string {
  if (n === 1) return '';
  let k = 1;
  while (k * 2 < n) k *= 2;
  return m < k ? sides(m, k) + 'R' : sides(m - k, n - k) + 'L';
}

test('property: every audit path verifies, and any single change makes it fail', () => {
  const digest = (i: number, salt: number): Uint8Array => sha256(Uint8Array.of(i & 0xff, i >> 8, salt));
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 0, max: 255 }),
      fc.nat(),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      (size, salt, indexSeed, posSeed, xor) => {
        const leaves = Array.from({ length: size }, (_, i) => digest(i, salt));
        const tree = MerkleTree.fromLeafData(leaves);
        const root = tree.root();
        const index = indexSeed % size;
        const leaf = leaves[index] as Uint8Array;
        const path = tree.auditPath(index);
        for (let i = 0; i < size; i += Math.max(1, Math.floor(size / 7))) {
          if (!verifyAuditPath(leaves[i] as Uint8Array, i, size, tree.auditPath(i), root)) return false;
        }
        if (!verifyAuditPath(leaf, index, size, path, root)) return false;

        const badLeaf = flip(leaf, posSeed % 32, xor);
        if (verifyAuditPath(badLeaf, index, size, path, root)) return false;

        for (let e = 0; e < path.length; e++) {
          const badPath = path.map((p, k) => (k === e ? flip(p, posSeed % 32, xor) : p));
          if (verifyAuditPath(leaf, index, size, badPath, root)) return false;
        }

        for (const other of [index - 1, index + 1, index ^ (1 + (posSeed % 8))]) {
          if (other !== index && verifyAuditPath(leaf, other, size, path, root)) return false;
        }
        // A different size is accepted exactly when the leaf sits at the same place in both trees
        // (same sibling sides, e.g. leaf 0 of 5 and of 6): the RFC verifier binds the root, and the
        // size must come from elsewhere (here, the challenge). Every other size must fail.
        for (const s of [size - 1, size + 1, size * 2, size + 1 + (posSeed % 50)]) {
          if (s === size || s <= index) continue;
          const same = sides(index, s) === sides(index, size);
          if (verifyAuditPath(leaf, index, s, path, root) !== same) return false;
        }
        return !verifyAuditPath(leaf, index, size, path, flip(root, posSeed % 32, xor));
      },
    ),
    { numRuns: mutationRuns(200, 60) },
  );
});

test('a million leaves build and open quickly', notInMutationRun('seconds of hashing'), () => {
  const n = 1 << 20;
  const packed = new Uint8Array(32 * n);
  for (let i = 0; i < n; i++) packed[32 * i] = i & 0xff;
  const t0 = performance.now();
  const tree = MerkleTree.fromPackedLeafData(packed);
  const built = performance.now() - t0;
  const root = tree.root();
  for (const i of [0, 1, n / 2 + 3, n - 1]) {
    assert.ok(verifyAuditPath(packed.subarray(32 * i, 32 * i + 32), i, n, tree.auditPath(i), root));
  }
  assert.ok(built < 20_000, `built in ${built.toFixed(0)} ms`);
});
