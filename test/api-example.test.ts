// The library API's example (examples/api/file-flow.mjs, documented in docs/api.md) runs against
// the checkout's build: `import 'gpuproof'` resolves to dist/ through the package's own exports,
// and the whole proof it runs is accepted, every check passing, with a receipt from the validator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT, buildCli } from './helpers/cli.js';
import { run } from './helpers/package.js';
import { loadClassTable } from '../src/roles/classes.js';

test('examples/api/file-flow.mjs runs challenge → commitment → openings → verdict and is accepted', async () => {
  await buildCli();
  const r = await run(process.execPath, [join(REPO_ROOT, 'examples', 'api', 'file-flow.mjs')], { cwd: REPO_ROOT });
  assert.equal(r.code, 0, `exit ${r.code}:\n${r.stderr}\n${r.stdout}`);
  const out = JSON.parse(r.stdout) as { accepted: boolean; failed: string[]; checks: number; class: string; figures: Record<string, number>; receipt: { signer: string; accepted: boolean } };
  assert.equal(out.accepted, true);
  assert.deepEqual(out.failed, []);
  // Signatures, bindings, timing and the opened rows: no proof is accepted on fewer.
  assert.ok(out.checks >= 10, `only ${out.checks} checks`);
  assert.ok(loadClassTable().classes.some((c) => c.id === out.class), `class ${out.class} is not in the table`);
  assert.ok((out.figures['matmul.f32_gflops'] ?? 0) > 0, 'no observed matmul figure');
  assert.equal(out.receipt.accepted, true);
  assert.match(out.receipt.signer, /^[A-Za-z0-9+/]{43}=$/);
});
