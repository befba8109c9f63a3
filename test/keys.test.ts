import { test } from 'node:test';
import assert from 'node:assert/strict';
import nacl from 'tweetnacl';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GpuproofError } from '../src/errors.js';
import {
  generateKeyPair,
  keyFileText,
  publicKeyFileText,
  readKeyFile,
  readPublicKey,
  writeKeyFile,
  writeKeyFiles,
} from '../src/protocol/keys.js';
import { signMessage, verifySignature } from '../src/protocol/signing.js';
import { bytesEqual, fromB64, toB64 } from '../src/util/bytes.js';

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuproof-keys-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const isError = (code: string, field?: string) => (e: unknown) => {
  assert.ok(e instanceof GpuproofError, String(e));
  assert.equal(e.code, code, e.message);
  if (field !== undefined) assert.equal(e.field, field, e.message);
  return true;
};

test('generated pairs are tweetnacl pairs: the public half is keyPair.fromSeed of the seed, seeds differ', () => {
  const a = generateKeyPair();
  const b = generateKeyPair();
  for (const kp of [a, b]) {
    const want = nacl.sign.keyPair.fromSeed(kp.secretKey.subarray(0, 32));
    assert.ok(bytesEqual(kp.publicKey, want.publicKey));
    assert.ok(bytesEqual(kp.secretKey, want.secretKey));
  }
  assert.ok(!bytesEqual(a.secretKey, b.secretKey));
});

test(
  'key file round trip, mode 0600, nothing else left in the directory',
  withDir(async (dir) => {
    const kp = generateKeyPair();
    const file = join(dir, 'validator.key.json');
    await writeKeyFile(file, kp);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['validator.key.json']);
    const back = await readKeyFile(file);
    assert.ok(bytesEqual(back.publicKey, kp.publicKey));
    assert.ok(bytesEqual(back.secretKey, kp.secretKey));
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(parsed).sort(), ['publicKey', 'secretKey']);
  }),
);

test(
  'refuses to overwrite and leaves the old file intact',
  withDir(async (dir) => {
    const file = join(dir, 'k.json');
    writeFileSync(file, 'precious');
    await assert.rejects(writeKeyFile(file, generateKeyPair()), isError('INPUT', 'out'));
    assert.equal(readFileSync(file, 'utf8'), 'precious');
    const first = generateKeyPair();
    const second = join(dir, 'k2.json');
    await writeKeyFile(second, first);
    await assert.rejects(writeKeyFile(second, generateKeyPair()), isError('INPUT', 'out'));
    assert.ok(bytesEqual((await readKeyFile(second)).secretKey, first.secretKey));
    assert.deepEqual(readdirSync(dir).sort(), ['k.json', 'k2.json']);
  }),
);

test(
  'a write that cannot happen is an IO error and leaves nothing behind',
  withDir(async (dir) => {
    await assert.rejects(writeKeyFile(join(dir, 'missing', 'k.json'), generateKeyPair()), isError('IO'));
    assert.deepEqual(readdirSync(dir), []);
  }),
);

test(
  'mismatched and malformed key files are INPUT errors naming the field',
  withDir(async (dir) => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    const cases: [string, string, string][] = [
      ['mismatch', JSON.stringify({ publicKey: toB64(b.publicKey), secretKey: toB64(a.secretKey) }), 'secretKey'],
      ['short-secret', JSON.stringify({ publicKey: toB64(a.publicKey), secretKey: toB64(a.secretKey.subarray(0, 32)) }), 'secretKey'],
      ['no-public', JSON.stringify({ secretKey: toB64(a.secretKey) }), 'publicKey'],
      ['extra', JSON.stringify({ publicKey: toB64(a.publicKey), secretKey: toB64(a.secretKey), note: 1 }), 'note'],
      ['not-json', 'publicKey=abc', '$'],
      ['huge', ' '.repeat(5000), '$'],
    ];
    // A secret whose stored public half disagrees with its seed.
    const tampered = new Uint8Array(a.secretKey);
    tampered[63] = (tampered[63] as number) ^ 1;
    cases.push(['bad-half', JSON.stringify({ publicKey: toB64(a.publicKey), secretKey: toB64(tampered) }), 'secretKey']);
    for (const [name, text, field] of cases) {
      const file = join(dir, `${name}.json`);
      writeFileSync(file, text);
      await assert.rejects(readKeyFile(file), isError('INPUT', field), name);
    }
    await assert.rejects(readKeyFile(join(dir, 'absent.json')), isError('IO'));
  }),
);

test(
  'readPublicKey takes base64, a key file or a public-key file',
  withDir(async (dir) => {
    const kp = generateKeyPair();
    const b64 = toB64(kp.publicKey);
    assert.equal(await readPublicKey(b64), b64);
    const keyFile = join(dir, 'k.json');
    await writeKeyFile(keyFile, kp);
    assert.equal(await readPublicKey(keyFile), b64);
    const pubFile = join(dir, 'k.pub.json');
    writeFileSync(pubFile, publicKeyFileText(kp.publicKey));
    assert.equal(await readPublicKey(pubFile), b64);
    assert.deepEqual(JSON.parse(keyFileText(kp)), { publicKey: b64, secretKey: toB64(kp.secretKey) });
    await assert.rejects(readPublicKey('not-a-key', '--executor-key'), isError('INPUT', '--executor-key'));
    await assert.rejects(readPublicKey(b64.slice(0, 40) + 'AA==', '--executor-key'), isError('INPUT', '--executor-key'));
    await assert.rejects(readPublicKey(join(dir, 'absent.json')), isError('INPUT', 'key'));
    await assert.rejects(readPublicKey(dir), isError('IO'));
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ publicKey: 'abc' }));
    await assert.rejects(readPublicKey(wrong, '--validator-key'), isError('INPUT', '--validator-key'));
  }),
);

test(
  'writeKeyFiles writes the key file (0600) and FILE.pub (0644) holding its public half',
  withDir(async (dir) => {
    const kp = generateKeyPair();
    const key = join(dir, 'v.key');
    assert.deepEqual(await writeKeyFiles(key, kp), { key, pub: `${key}.pub` });
    assert.ok(bytesEqual((await readKeyFile(key)).secretKey, kp.secretKey));
    assert.equal(readFileSync(`${key}.pub`, 'utf8'), publicKeyFileText(kp.publicKey));
    assert.equal(await readPublicKey(`${key}.pub`), toB64(kp.publicKey));
    assert.equal(statSync(key).mode & 0o777, 0o600);
    assert.equal(statSync(`${key}.pub`).mode & 0o777, 0o644);
    assert.deepEqual(readdirSync(dir).sort(), ['v.key', 'v.key.pub']);
  }),
);

test(
  'writeKeyFiles writes neither file when either exists, and leaves the existing one as it was',
  withDir(async (dir) => {
    const a = join(dir, 'a.key');
    writeFileSync(`${a}.pub`, 'theirs');
    await assert.rejects(writeKeyFiles(a, generateKeyPair()), (e: unknown) => isError('INPUT', 'out')(e) && (e as Error).message.includes(`${a}.pub exists`));
    assert.deepEqual(readdirSync(dir).sort(), ['a.key.pub']);
    assert.equal(readFileSync(`${a}.pub`, 'utf8'), 'theirs');
    const b = join(dir, 'b.key');
    writeFileSync(b, 'theirs');
    await assert.rejects(writeKeyFiles(b, generateKeyPair()), isError('INPUT', 'out'));
    assert.deepEqual(readdirSync(dir).sort(), ['a.key.pub', 'b.key']);
    await assert.rejects(writeKeyFiles(join(dir, 'missing', 'c.key'), generateKeyPair()), isError('IO'));
    assert.deepEqual(readdirSync(dir).sort(), ['a.key.pub', 'b.key']);
  }),
);

const SMALL_ORDER_KEY = 'AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='; // the identity point
const NON_CANONICAL_KEY = '7////////////////////////////////////////38='; // y = p + 2

test(
  'small-order and non-canonical keys are refused where a key is written, read or given, naming the field',
  withDir(async (dir) => {
    const kp = generateKeyPair();
    // A fresh key never is one, but writing is the path every key file takes: the check is on it.
    const out = join(dir, 'w.key');
    await assert.rejects(writeKeyFile(out, { publicKey: fromB64(SMALL_ORDER_KEY), secretKey: kp.secretKey }), (e: unknown) => isError('INPUT', 'publicKey')(e) && /small order/.test((e as Error).message));
    assert.deepEqual(readdirSync(dir), []);
    const keyFile = join(dir, 'k.json');
    writeFileSync(keyFile, JSON.stringify({ publicKey: SMALL_ORDER_KEY, secretKey: toB64(kp.secretKey) }));
    await assert.rejects(readKeyFile(keyFile), (e: unknown) => isError('INPUT', 'publicKey')(e) && /small order/.test((e as Error).message));
    const pubFile = join(dir, 'k.pub.json');
    writeFileSync(pubFile, JSON.stringify({ publicKey: SMALL_ORDER_KEY }));
    await assert.rejects(readPublicKey(pubFile, 'executor'), (e: unknown) => isError('INPUT', 'executor')(e) && /small order/.test((e as Error).message));
    await assert.rejects(readPublicKey(SMALL_ORDER_KEY, 'executor'), (e: unknown) => isError('INPUT', 'executor')(e) && /small order/.test((e as Error).message));
    await assert.rejects(readPublicKey(NON_CANONICAL_KEY, 'allow.0'), (e: unknown) => isError('INPUT', 'allow.0')(e) && /canonical point/.test((e as Error).message));
  }),
);

test(
  'a key file or public-key file with a repeated member (I-JSON) is refused, naming the member',
  withDir(async (dir) => {
    const kp = generateKeyPair();
    const other = toB64(generateKeyPair().publicKey);
    const [pub, sec] = [JSON.stringify(toB64(kp.publicKey)), JSON.stringify(toB64(kp.secretKey))];
    const cases: [string, string, string][] = [
      ['same spelling', `{"publicKey":${pub},"secretKey":${sec},"publicKey":"${other}"}`, 'publicKey'],
      ['escaped spelling', `{"publicKey":${pub},"secretKey":${sec},"\\u0073ecretKey":${sec}}`, 'secretKey'],
    ];
    for (const [name, text, field] of cases) {
      const file = join(dir, `${name}.json`);
      writeFileSync(file, text);
      await assert.rejects(readKeyFile(file), (e: unknown) => isError('INPUT', field)(e) && /duplicate member/.test((e as Error).message), name);
    }
    const pubFile = join(dir, 'dup.pub.json');
    writeFileSync(pubFile, `{"publicKey":${pub},"publicKey":"${other}"}`);
    await assert.rejects(readPublicKey(pubFile, 'executor'), isError('INPUT', 'publicKey'));
  }),
);

test('generated keys sign messages that verify', () => {
  const kp = generateKeyPair();
  const other = generateKeyPair();
  const env = signMessage(
    'challenge',
    {
      version: 2,
      id: '00'.repeat(16),
      validatorKey: toB64(kp.publicKey),
      executorKey: toB64(other.publicKey),
      issuedAt: 1,
      expiresAt: 2,
      seed: '11'.repeat(32),
      claim: 'any',
      matmul: { n: 16, iterations: 1 },
    },
    kp.secretKey,
  );
  assert.equal(env.signer, toB64(kp.publicKey));
  assert.ok(verifySignature(env));
});
