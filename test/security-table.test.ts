// docs/security.md's bound table is computed by bench/security-table.ts from the class table and
// the validator's defaults; this fails when the two drift apart, and checks the bounds the design
// fixes (m = 66 keeps f = 0.9 and h = 0.9 at or under 10^-3; v1's collapse figure as reported).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { classBounds, securityTable } from '../bench/security-table.js';

test('docs/security.md holds the table the code computes', () => {
  const doc = readFileSync(new URL('../docs/security.md', import.meta.url), 'utf8');
  const between = /<!-- security-table:start -->\n([\s\S]*?)\n<!-- security-table:end -->/.exec(doc);
  assert.ok(between, 'markers present');
  assert.equal(between[1], securityTable());
});

test('the bounds the design fixes hold at every class', () => {
  const rows = classBounds();
  assert.ok(rows.length >= 10);
  for (const b of rows) {
    assert.ok(b.partial90 <= 1e-3, `${b.id}: 90 % of links passes ${b.partial90}`);
    assert.ok(b.memory90 <= 1e-3, `${b.id}: 90 % of X_P passes ${b.memory90}`);
    assert.ok(b.v2Collapse < 1e-10, `${b.id}: collapse ${b.v2Collapse}`);
  }
  const h100 = rows.find((b) => b.id === 'h100-sxm');
  assert.equal(h100?.K, 293);
  assert.ok(Math.abs((h100?.v1Collapse ?? 0) - 0.9) < 0.01, 'v1 collapse at H100 sizes: 90 %');
});
