// The word oracle's two strategies (row walk for large sets, memo-all for small ones) against
// the plain layer-by-layer reference: random seeds, small layouts, random (p, c, r, w). Both are
// forced on the same small layouts, where the reference is cheap; one oracle answers many words,
// as the verifier's does for a whole proof.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeLayersRef, type MemoryParams } from '../src/proofs/memory-spec.js';
import { WordOracle } from '../src/proofs/memory-oracle.js';

const layout = fc.record({
  chunks: fc.integer({ min: 1, max: 4 }),
  rows: fc.constantFrom(64, 128, 192),
  passes: fc.integer({ min: 0, max: 6 }),
});
const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });
/** (p, c, r, w) as fractions of the layout, scaled once it is known. */
const picks = fc.array(fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.nat(), fc.nat(), fc.nat({ max: 63 })), { minLength: 1, maxLength: 24 });

function layers(s: Uint8Array, params: MemoryParams): Uint32Array[] {
  return Array.from({ length: params.passes + 1 }, (_, p) => computeLayersRef(s, { ...params, passes: p }));
}

for (const memoAll of [false, true]) {
  test(`WordOracle (${memoAll ? 'memo-all' : 'row walk'}) equals computeLayersRef on random words`, () => {
    fc.assert(
      fc.property(layout, seed, picks, (params, s, asked) => {
        const ref = layers(s, params);
        const oracle = new WordOracle(s, params, 0, { memoAll });
        for (const [pf, ci, ri, w] of asked) {
          const p = Math.floor(pf * (params.passes + 1));
          const c = ci % params.chunks;
          const r = ri % params.rows;
          assert.equal(oracle.word(p, c, r, w), ref[p]?.[(c * params.rows + r) * 64 + w], `p=${p} c=${c} r=${r} w=${w}`);
        }
      }),
      { numRuns: 60 },
    );
  });
}

test('the row walk evaluates within the §3 bounds per word on a huge set', () => {
  // On a huge set rows almost never recur, so the walk's count is the tree's size: at least
  // 2^P − 1 (word 0's own tree) for any word.
  const params = { chunks: 64, rows: 2 ** 20, passes: 8 };
  const oracle = new WordOracle(new Uint8Array(32).fill(7), params);
  oracle.word(8, 5, 12345, 17);
  assert.ok(oracle.evaluations >= 2 ** 8 - 1 && oracle.evaluations <= 5 * 2 ** 9, `${oracle.evaluations}`);
});
