// The pinned validator: a transcript is judged as one this validator issued. A stranger's own,
// perfectly self-consistent transcript fails `challenge.validator` (and only it), gets no receipt,
// and `verify` without a validator says its verdict is self-consistency only. A transcript whose
// executor "signs" under a small-order key is refused. CPU only: transcripts are synthetic.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import nacl from 'tweetnacl';
import { GpuproofError } from '../src/errors.js';
import { generateKeyPair, publicKeyFileText, writeKeyFile, type KeyPair } from '../src/protocol/keys.js';
import { canonicalBytes } from '../src/protocol/canonical.js';
import { signingBytes, signMessage, verifySignature } from '../src/protocol/signing.js';
import type { MessageType, SignedMessage } from '../src/protocol/schemas.js';
import { signReceipt, verifyProof, type VerifyInput } from '../src/roles/verifier.js';
import { fromB64, toB64 } from '../src/util/bytes.js';
import { syntheticTranscript } from '../bench/transcript.js';
import { buildCli, cliError, describeResult, runCli, type JsonObject } from './helpers/cli.js';
import { assertAccepted, assertRejectedBy } from './helpers/verdicts.js';
import { notInMutationRun } from './helpers/mutation.js';

const N = 32;
const ours = generateKeyPair();
const stranger = generateKeyPair();
const executor = generateKeyPair();
const OURS = toB64(ours.publicKey);
const SMALL_ORDER_KEY = 'AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

const mine = syntheticTranscript(N, 8, ours, executor);
// The stranger ran an honest proof with the same executor, under a challenge of its own.
const theirs = syntheticTranscript(N, 8, stranger, executor);

test('verifyProof: our own transcript passes challenge.validator; a stranger\'s fails it and nothing else', () => {
  const v = verifyProof(mine, OURS);
  assertAccepted(v, 'our transcript');
  assert.ok(v.checks.some((c) => c.name === 'challenge.validator' && c.pass));
  const w = verifyProof(theirs, OURS);
  assertRejectedBy(w, ['challenge.validator'], 'the stranger\'s transcript', true);
  assert.match(w.checks.find((c) => c.name === 'challenge.validator')?.reason ?? '', new RegExp(toB64(stranger.publicKey).replace(/[+/]/g, '.')));
  // Pinned to the stranger it is fine: the check is about who issued it, nothing else.
  assertAccepted(verifyProof(theirs, toB64(stranger.publicKey)), 'pinned to its issuer');
});

test('verifyProof without a pin checks self-consistency only: no challenge.validator check at all', () => {
  const v = verifyProof(theirs, null);
  assertAccepted(v, 'unpinned');
  assert.ok(!v.checks.some((c) => c.name === 'challenge.validator'));
});

test('signReceipt refuses a challenge another key issued, whatever the verdict says', () => {
  const accepted = verifyProof(theirs, toB64(stranger.publicKey));
  assert.equal(accepted.accepted, true);
  assert.throws(() => signReceipt(ours, theirs, accepted), (e: unknown) => e instanceof GpuproofError && e.code === 'REFUSED' && e.field === 'challenge.body.validatorKey');
  const receipt = signReceipt(ours, mine, verifyProof(mine, OURS));
  assert.equal(receipt.signer, OURS);
  assert.ok(verifySignature(receipt));
});

/** Signs as `key` without any schema check, so a test can produce what an attacker would send. */
function rawSigned<K extends MessageType>(type: K, body: unknown, sign: (bytes: Uint8Array) => Uint8Array, signer: string): SignedMessage<K> {
  return { type, body, signer, signature: toB64(sign(signingBytes(type, body))) } as SignedMessage<K>;
}
/** The identity point "signs" anything: R = identity, S = 0 passes OpenSSL's equation. */
const identitySign = (): Uint8Array => {
  const sig = new Uint8Array(64);
  sig[0] = 1;
  return sig;
};

/** Our challenge addressed to the identity point, and the "executor's" messages signed under it. */
function smallOrderTranscript(): VerifyInput {
  const t = syntheticTranscript(N, 8, ours, executor);
  const challenge = rawSigned('challenge', { ...t.challenge.body, executorKey: SMALL_ORDER_KEY }, (b) => nacl.sign.detached(b, ours.secretKey), OURS);
  const commitment = rawSigned('commitment', { ...t.commitment.body, executorKey: SMALL_ORDER_KEY }, identitySign, SMALL_ORDER_KEY);
  const openings = rawSigned('openings', t.openings.body, identitySign, SMALL_ORDER_KEY);
  return { challenge, commitment, request: t.request, openings };
}

test('a transcript whose executor messages are signed under a small-order key is rejected', () => {
  const t = smallOrderTranscript();
  const spki = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), fromB64(SMALL_ORDER_KEY)]), format: 'der', type: 'spki' });
  assert.ok(nodeVerify(null, signingBytes('commitment', t.commitment.body), spki, fromB64(t.commitment.signature)), 'OpenSSL alone accepts the forged commitment');
  const v = verifyProof(t, OURS);
  assertRejectedBy(v, ['challenge.signature', 'commitment.signature', 'openings.signature'], 'small-order executor');
});

// ---- the CLI ----

let root = '';
let home = '';
const files = { ours: '', oursPub: '', strangerKey: '', smallPub: '' };
type Files = Record<'challenge' | 'commitment' | 'request' | 'openings', string>;
let mineFiles: Files;
let theirFiles: Files;
let smallFiles: Files;

function writeTranscript(name: string, t: VerifyInput): Files {
  const dir = join(root, name);
  mkdirSync(dir);
  const f = (k: keyof Files): string => {
    const path = join(dir, `${k}.json`);
    writeFileSync(path, `${new TextDecoder().decode(canonicalBytes(t[k]))}\n`);
    return path;
  };
  return { challenge: f('challenge'), commitment: f('commitment'), request: f('request'), openings: f('openings') };
}
const verifyArgs = (t: Files): string[] => ['verify', '--challenge', t.challenge, '--commitment', t.commitment, '--request', t.request, '--openings', t.openings, '--json'];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gpuproof-pinned-'));
  home = join(root, 'home');
  mkdirSync(home);
  files.ours = join(root, 'ours.key');
  files.strangerKey = join(root, 'stranger.key');
  await Promise.all([writeKeyFile(files.ours, ours), writeKeyFile(files.strangerKey, stranger)]);
  files.oursPub = join(root, 'ours.pub.json');
  writeFileSync(files.oursPub, publicKeyFileText(ours.publicKey));
  files.smallPub = join(root, 'small.pub.json');
  writeFileSync(files.smallPub, JSON.stringify({ publicKey: SMALL_ORDER_KEY }));
  mineFiles = writeTranscript('mine', mine);
  theirFiles = writeTranscript('theirs', theirs);
  smallFiles = writeTranscript('small', smallOrderTranscript());
  await buildCli();
});

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Failed checks, less those skipped after a cheaper failure (as assertRejectedBy counts them). */
const failedChecks = (j: JsonObject | undefined): string[] =>
  ((j?.checks ?? []) as { name: string; pass: boolean; reason: string }[]).filter((c) => !c.pass && !c.reason.startsWith('not checked')).map((c) => c.name);

test('verify --validator: a stranger\'s transcript exits 1 on challenge.validator alone; ours exits 0', notInMutationRun('spawns the CLI'), async () => {
  for (const pin of [OURS, files.oursPub, files.ours]) {
    const r = await runCli([...verifyArgs(theirFiles), '--validator', pin], { home });
    assert.equal(r.code, 1, describeResult(r));
    assert.deepEqual(failedChecks(r.json), ['challenge.validator']);
    assert.equal(r.json?.validatorKey, OURS);
    assert.equal(r.json?.selfConsistencyOnly, false);
  }
  const ok = await runCli([...verifyArgs(mineFiles), '--validator', OURS], { home });
  assert.equal(ok.code, 0, describeResult(ok));
});

test('verify --key (pinned to its public half): a stranger\'s transcript exits 1 and writes no receipt; ours writes one', notInMutationRun('spawns the CLI'), async () => {
  const out = join(root, 'receipt-theirs.json');
  const r = await runCli([...verifyArgs(theirFiles), '--key', files.ours, '--out', out], { home });
  assert.equal(r.code, 1, describeResult(r));
  assert.deepEqual(failedChecks(r.json), ['challenge.validator']);
  assert.equal(existsSync(out), false, 'no receipt for another validator\'s challenge');
  const mineOut = join(root, 'receipt-mine.json');
  const ok = await runCli([...verifyArgs(mineFiles), '--key', files.ours, '--out', mineOut], { home });
  assert.equal(ok.code, 0, describeResult(ok));
  assert.ok(existsSync(mineOut));
});

test('verify with neither option runs, and says the verdict is self-consistency only (JSON field and human text)', notInMutationRun('spawns the CLI'), async () => {
  const r = await runCli(verifyArgs(theirFiles), { home });
  assert.equal(r.code, 0, describeResult(r));
  assert.equal(r.json?.selfConsistencyOnly, true);
  assert.equal(r.json?.validatorKey, null);
  const human = await runCli(verifyArgs(theirFiles).filter((x) => x !== '--json'), { home });
  assert.equal(human.code, 0, describeResult(human));
  assert.match(human.stdout, /self-consistent, not that your validator issued the challenge/);
  const pinned = await runCli([...verifyArgs(mineFiles), '--validator', OURS].filter((x) => x !== '--json'), { home });
  assert.doesNotMatch(pinned.stdout, /self-consistent/);
});

test('verify: a --validator that is not --key\'s, or no usable key, is bad input naming validator', notInMutationRun('spawns the CLI'), async () => {
  const out = join(root, 'receipt-never.json');
  for (const pin of [files.strangerKey, SMALL_ORDER_KEY, files.smallPub]) {
    const r = await runCli([...verifyArgs(mineFiles), '--key', files.ours, '--out', out, '--validator', pin], { home });
    assert.equal(r.code, 2, describeResult(r));
    assert.equal(cliError(r).field, 'validator');
  }
  assert.equal(existsSync(out), false);
});

test('verify: a transcript with a small-order executor key is refused, naming the key', notInMutationRun('spawns the CLI'), async () => {
  const r = await runCli([...verifyArgs(smallFiles), '--validator', OURS], { home });
  assert.equal(r.code, 2, describeResult(r));
  assert.equal(cliError(r).field, 'challenge.body.executorKey');
});
