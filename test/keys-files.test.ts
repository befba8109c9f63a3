// Writing and reading key files when the filesystem does not cooperate: no hard links (EPERM,
// ENOTSUP, ENOSYS, EOPNOTSUPP: the checked rename), a writer that wins the race to the name
// (EEXIST, before or after the fallback's check), any other link failure (IO, with its cause), a
// missing directory, a path under a regular file, a public-key file that cannot be written after
// its key file was (the key file is removed), no file descriptor left open; and reading a key
// from files that are not key files. Link failures are injected through module hooks
// (test/helpers/fs-faults*.mjs); every other failure here is real.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GpuproofError } from '../src/errors.js';

register('./helpers/fs-faults-hooks.mjs', import.meta.url);
const { generateKeyPair, keyFileText, readKeyFile, readPublicKey, writeKeyFile, writeKeyFiles, writeNewFileAtomic } = await import('../src/protocol/keys.js');
// @ts-expect-error: a plain JS test helper, without types
const { fsFaults } = (await import('./helpers/fs-faults.mjs')) as { fsFaults: { link?: string; before?: (existing: string, target: string) => void } };

const root = mkdtempSync(join(tmpdir(), 'gpuproof-keyfiles-'));
after(() => rmSync(root, { recursive: true, force: true }));
const freshDir = (): string => mkdtempSync(join(root, 'd'));
const kp = generateKeyPair();

function errorAt(code: string, field: string | undefined) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof GpuproofError, String(e));
    assert.deepEqual([e.code, e.field], [code, field], e.message);
    return true;
  };
}
const openFds = (): number => readdirSync('/proc/self/fd').length;
const noTemporaries = (dir: string): void => assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], `temporary files left in ${dir}`);

async function withLinkFault<T>(code: string, fn: () => Promise<T>, before?: (existing: string, target: string) => void): Promise<T> {
  fsFaults.link = code;
  fsFaults.before = before;
  try {
    return await fn();
  } finally {
    fsFaults.link = undefined;
    fsFaults.before = undefined;
  }
}

test('a filesystem without hard links: the key file is written by a checked rename, mode 0600, nothing else left', async () => {
  for (const code of ['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP']) {
    const dir = freshDir();
    const path = join(dir, 'k.key');
    await withLinkFault(code, () => writeKeyFile(path, kp));
    assert.equal(readFileSync(path, 'utf8'), keyFileText(kp), code);
    assert.equal(statSync(path).mode & 0o777, 0o600, code);
    assert.deepEqual(readdirSync(dir), ['k.key'], code);
  }
});

test('a writer that takes the name first: refused on the field, its file untouched, whether link or the fallback finds it', async () => {
  for (const code of ['EEXIST', 'EPERM']) {
    const dir = freshDir();
    const path = join(dir, 'k.key');
    const racer = (): void => writeFileSync(path, 'theirs');
    await assert.rejects(withLinkFault(code, () => writeNewFileAtomic(path, 'ours', 'key-out'), racer), errorAt('INPUT', 'key-out'));
    assert.equal(readFileSync(path, 'utf8'), 'theirs', code);
    noTemporaries(dir);
  }
});

test('any other link failure is IO naming the cause, and nothing is left behind', async () => {
  const dir = freshDir();
  const path = join(dir, 'k.key');
  await assert.rejects(withLinkFault('EIO', () => writeKeyFile(path, kp)), (e: unknown) => {
    assert.ok(e instanceof GpuproofError && e.code === 'IO', String(e));
    assert.equal((e.cause as NodeJS.ErrnoException).code, 'EIO');
    return true;
  });
  assert.deepEqual(readdirSync(dir), []);
});

test('a missing directory is IO with its cause (ENOENT); a path under a regular file counts as taken (INPUT on out)', async () => {
  const dir = freshDir();
  await assert.rejects(writeKeyFile(join(dir, 'no-such-dir', 'k.key'), kp), (e: unknown) => {
    assert.ok(e instanceof GpuproofError && e.code === 'IO', String(e));
    assert.equal((e.cause as NodeJS.ErrnoException).code, 'ENOENT');
    return true;
  });
  const plain = join(dir, 'plain');
  writeFileSync(plain, 'x');
  await assert.rejects(writeKeyFile(join(plain, 'k.key'), kp), errorAt('INPUT', 'out'));
  assert.equal(readFileSync(plain, 'utf8'), 'x');
});

test('writing key files leaves no file descriptor open', async () => {
  const dir = freshDir();
  const before = openFds();
  await writeKeyFiles(join(dir, 'k0.key'), kp);
  await assert.rejects(writeKeyFile(join(dir, 'k0.key'), kp));
  assert.equal(openFds(), before);
});

test('the public-key file cannot be written after the key file was: the key file is removed, the error passed on', async () => {
  const dir = freshDir();
  // 235 characters: the key file's temporary name fits in 255 bytes, the .pub file's does not.
  const path = join(dir, 'k'.repeat(235));
  await assert.rejects(writeKeyFiles(path, kp), (e: unknown) => e instanceof GpuproofError && e.code === 'IO' && (e.cause as NodeJS.ErrnoException).code === 'ENAMETOOLONG');
  assert.equal(existsSync(path), false, 'the key file was left behind');
  assert.deepEqual(readdirSync(dir), []);
});

test('a key pair whose public half is not 32 bytes is refused on publicKey', async () => {
  const dir = freshDir();
  await assert.rejects(writeKeyFile(join(dir, 'k.key'), { publicKey: kp.publicKey.subarray(1), secretKey: kp.secretKey }), errorAt('INPUT', 'publicKey'));
  await assert.rejects(writeKeyFile(join(dir, 'k.key'), { publicKey: kp.publicKey, secretKey: kp.secretKey.subarray(1) }), errorAt('INPUT', 'secretKey'));
  assert.deepEqual(readdirSync(dir), []);
});

test('reading: invalid UTF-8 inside a JSON string is not a key file ($), not a bad field', async () => {
  const dir = freshDir();
  const path = join(dir, 'k.key');
  const good = keyFileText(kp);
  const at = good.indexOf('"publicKey": "') + '"publicKey": "'.length;
  writeFileSync(path, Buffer.concat([Buffer.from(good.slice(0, at)), Buffer.from([0xff]), Buffer.from(good.slice(at + 1))]));
  await assert.rejects(readKeyFile(path), errorAt('INPUT', '$'));
  await assert.rejects(readPublicKey(path, 'validator'), errorAt('INPUT', '$'));
});

test('readPublicKey: a file that is not a JSON key file, or JSON that is no object, is bad input, never a crash', async () => {
  const dir = freshDir();
  for (const [name, content, field] of [
    ['garbage', 'not json at all', '$'],
    ['number', '5', 'validator'],
    ['null', 'null', 'validator'],
    ['string', '"abc"', 'validator'],
  ] as const) {
    const path = join(dir, name);
    writeFileSync(path, content);
    await assert.rejects(readPublicKey(path, 'validator'), errorAt('INPUT', field), name);
  }
  // A missing file may have been meant as a key: bad input on the option.
  await assert.rejects(readPublicKey(join(dir, 'missing'), 'validator'), errorAt('INPUT', 'validator'));
  // A repeated member names the member and the file.
  const dup = join(dir, 'dup');
  writeFileSync(dup, `{"publicKey": "${Buffer.from(kp.publicKey).toString('base64')}", "publicKey": "x"}`);
  await assert.rejects(readPublicKey(dup, 'validator'), (e: unknown) => e instanceof GpuproofError && e.field === 'publicKey' && e.message.includes(dup));
});
