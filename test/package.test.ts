// The kit as a user gets it: `npm pack` of a checkout where the README's flow left keys, a ledger
// and a stale build behind ships the runtime and nothing else; the tarball installs into an empty
// project without a registry; `npx gpuproof selftest` is accepted there and `import('gpuproof')`
// reaches the API docs/api.md documents. And bin/gpuproof.js's advice when dist/ is missing fits
// a checkout and an install.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/cli.js';
import { copyWorkingTree, installOffline, pack, run, type Packed } from './helpers/package.js';

const kit = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
/** What the README's flow leaves in a checkout: secrets, a ledger, transcripts. */
const LEFTOVERS = ['validator.key', 'executor.key', 'validator.key.pub', 'receipts.db', 'challenge.json', 'commitment.json'];

describe('the packed kit', () => {
  let root = '';
  let packed: Packed;
  let app = '';

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'gpuproof-package-'));
    const tree = join(root, 'tree');
    await copyWorkingTree(tree);
    for (const f of LEFTOVERS) writeFileSync(join(tree, f), 'not for shipping\n');
    // A build output whose source is gone: prepack must build afresh, not ship what lies in dist/.
    mkdirSync(join(tree, 'dist'), { recursive: true });
    writeFileSync(join(tree, 'dist', 'stale.js'), 'export {};\n');
    mkdirSync(join(root, 'out'));
    packed = await pack(tree, join(root, 'out'));
    app = join(root, 'app');
    const installed = await installOffline(packed.tarball, app, join(root, 'prebuilds'));
    assert.equal(installed.code, 0, `npm ci --offline of the tarball failed:\n${installed.stderr}`);
  });

  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('the tarball holds the built API, the CLI and its runtime files, the licence and the docs', () => {
    const files = new Set(packed.files);
    const shaders = readdirSync(join(REPO_ROOT, 'shaders')).filter((f) => f.endsWith('.wgsl'));
    assert.ok(shaders.length > 0);
    const wanted = ['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'bin/gpuproof.js', 'fixtures/gpu-classes.json', 'LICENSE', 'README.md', 'package.json', 'docs/api.md', 'docs/openapi.yaml', 'schemas/challenge.schema.json', 'examples/api/file-flow.mjs', ...shaders.map((s) => `shaders/${s}`)];
    for (const f of wanted) assert.ok(files.has(f), `${f} missing from the tarball`);
    assert.match(readFileSync(join(app, 'node_modules', 'gpuproof', 'LICENSE'), 'utf8'), /^\s*Apache License\s+Version 2\.0, January 2004/);
  });

  test('the tarball holds no keys, ledgers, transcripts, sources, tests, source maps or stale build', () => {
    const banned = /\.(key|pub|db|map|tsbuildinfo)$|^(src|test|bench|node_modules|scripts)\/|^dist\/stale\.js$|^(challenge|commitment)\.json$/;
    assert.deepEqual(packed.files.filter((f) => banned.test(f)), []);
    // The only fixture a run needs is the class table; the test vectors stay in the repository.
    assert.deepEqual(packed.files.filter((f) => f.startsWith('fixtures/')), ['fixtures/gpu-classes.json']);
  });

  test('npx gpuproof selftest is accepted where the tarball was installed', async () => {
    const home = join(root, 'home');
    const r = await run('npx', ['--no-install', 'gpuproof', 'selftest', '--n', '64', '--iterations', '2', '--memory-mib', '0', '--json'], { cwd: app, env: { GPUPROOF_HOME: home } });
    assert.equal(r.code, 0, `selftest exit ${r.code}:\n${r.stderr}\n${r.stdout.slice(0, 2000)}`);
    // Only the verdict here: the rest of the JSON envelope is the CLI tests' to pin.
    assert.equal((JSON.parse(r.stdout) as { accepted: unknown }).accepted, true);
  });

  test("the ledger's native SQLite module loads where the tarball was installed", async () => {
    const probe = "const D = require('better-sqlite3'); console.log(new D(':memory:').prepare('select 6 * 7 as x').get().x)";
    const r = await run(process.execPath, ['-e', probe], { cwd: app });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '42');
  });

  test("import('gpuproof') reaches the documented API, and the documented example runs against the install", async () => {
    const probe = "const g = await import('gpuproof'); console.log(JSON.stringify({ version: g.KIT_VERSION, names: Object.keys(g) }))";
    const r = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: app });
    assert.equal(r.code, 0, r.stderr);
    const { version, names } = JSON.parse(r.stdout) as { version: string; names: string[] };
    assert.equal(version, kit.version);
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'api.md'), 'utf8');
    for (const fn of ['withGpu', 'issueChallenge', 'runChallenge', 'answerOpenings', 'verifyProof', 'selftest', 'classify', 'judge', 'generateKeyPair', 'readKeyFile', 'GpuproofError']) {
      assert.ok(names.includes(fn), `${fn} is not exported`);
    }
    for (const name of names) assert.ok(doc.includes(`\`${name}\``) || doc.includes(`${name}(`), `export ${name} is not documented in docs/api.md`);
    // The example, copied out of the package, imports gpuproof as any dependent project would.
    copyFileSync(join(app, 'node_modules', 'gpuproof', 'examples', 'api', 'file-flow.mjs'), join(app, 'file-flow.mjs'));
    const ex = await run(process.execPath, ['file-flow.mjs'], { cwd: app });
    assert.equal(ex.code, 0, `example exit ${ex.code}:\n${ex.stderr}\n${ex.stdout}`);
    assert.equal((JSON.parse(ex.stdout) as { accepted: boolean }).accepted, true);
  });

  test('the installed type declarations resolve for a TypeScript consumer', async () => {
    writeFileSync(join(app, 'use.mts'), [
      "import { generateKeyPair, toB64, verifyProof, type Verification } from 'gpuproof';",
      'const key: string = toB64(generateKeyPair().publicKey);',
      "const verdictOf = (v: Verification): boolean => v.accepted;",
      'export { key, verdictOf, verifyProof };',
      '',
    ].join('\n'));
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node', '--typeRoots', join(REPO_ROOT, 'node_modules', '@types'), 'use.mts'];
    const ok = await run(process.execPath, [tsc, ...args], { cwd: app });
    assert.equal(ok.code, 0, `tsc:\n${ok.stdout}${ok.stderr}`);
    // The declarations carry real types: a misuse is caught.
    writeFileSync(join(app, 'use.mts'), "import { toB64 } from 'gpuproof';\nexport const bad: number = toB64(new Uint8Array(1));\n");
    const bad = await run(process.execPath, [tsc, ...args], { cwd: app });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout, /TS2322/);
  });

});

/** bin/gpuproof.js in a package root of its own (under `root`), with no dist/. */
function binWithoutDist(root: string, kind: 'checkout' | 'install'): string {
  const dir = join(root, kind);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(join(REPO_ROOT, 'bin', 'gpuproof.js'), join(dir, 'bin', 'gpuproof.js'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  if (kind === 'checkout') {
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'tsconfig.json'), '{}\n');
  }
  return join(dir, 'bin', 'gpuproof.js');
}

test('without dist/, a checkout is told to run setup (exit 2) and an install that it is broken (exit 1)', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'gpuproof-bin-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const checkout = await run(process.execPath, [binWithoutDist(root, 'checkout'), 'selftest'], { cwd: root });
  assert.equal(checkout.code, 2);
  assert.match(checkout.stderr, /not built yet; run `npm run setup`/);
  const install = await run(process.execPath, [binWithoutDist(root, 'install'), 'selftest'], { cwd: root });
  assert.equal(install.code, 1);
  assert.match(install.stderr, /installed package is incomplete .*dist\/cli\/main\.js is missing.*reinstall gpuproof/);
  assert.doesNotMatch(install.stderr, /npm run setup/);
});
