// fixtures/alu.json recomputed by scripts/alu_check.py, a Python transcription of
// docs/alu-proof.md written apart from the kit (hashlib SHA-256, RFC 8439 ChaCha20, the round and
// RFC 6962 by its recursive definition): the known answers are the page's, not only the code's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const python = ['python3', '/usr/bin/python3'].find((py) => spawnSync(py, ['-c', 'import hashlib'], { stdio: 'ignore' }).status === 0);
const root = new URL('..', import.meta.url).pathname;

test('the Python transcription reproduces every vector of fixtures/alu.json, and notices one changed', { skip: python === undefined ? 'no python3 here' : false }, () => {
  const ok = spawnSync(python as string, [join(root, 'scripts/alu_check.py')], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /alu fixture: OK/);
  // The same script on a copy with the commitment root changed must say so.
  const dir = mkdtempSync(join(tmpdir(), 'gpuproof-alu-'));
  try {
    const fx = JSON.parse(readFileSync(join(root, 'fixtures/alu.json'), 'utf8')) as { commitment: { rootHex: string } };
    fx.commitment.rootHex = `${fx.commitment.rootHex.slice(0, -1)}${fx.commitment.rootHex.endsWith('0') ? '1' : '0'}`;
    writeFileSync(join(dir, 'alu.json'), JSON.stringify(fx));
    copyFileSync(join(root, 'scripts/alu_check.py'), join(dir, 'alu_check.py'));
    const bad = spawnSync(python as string, [join(dir, 'alu_check.py'), join(dir, 'alu.json')], { encoding: 'utf8' });
    assert.match(bad.stdout, /MISMATCH commitment root/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
