// The message layer at its edges, each test named for the bug it would catch: where the size cap
// and the nesting cap start to bite (one byte, one level either side), canonical JSON of a
// null-prototype object, a BOM, a message type nobody defined, a key given as a plain array,
// parseAndVerify with no expected signer, schema bounds at their last accepted value, and the
// capped file reader on files of exactly the cap and one byte more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { GpuproofError } from '../src/errors.js';
import { canonicalString } from '../src/protocol/canonical.js';
import { parseIJson } from '../src/protocol/ijson.js';
import { parseAndVerify, parseJsonText, parseMessage, readCapped, readMessageFile } from '../src/protocol/parse.js';
import { ChallengeBody, CommitmentBody, isMessageType, MAX_CHALLENGE_TTL_MS, OpenRequestBody, type MessageType, type SignedMessage } from '../src/protocol/schemas.js';
import { signMessage } from '../src/protocol/signing.js';
import { fromHex } from '../src/util/bytes.js';
import nacl from 'tweetnacl';

const sigs = JSON.parse(readFileSync(new URL('../fixtures/signatures.json', import.meta.url), 'utf8')) as {
  keys: { validator: { seed: string; publicKey: string } };
  messages: Record<MessageType, { envelope: SignedMessage<MessageType> }>;
};
const challenge = sigs.messages.challenge.envelope as SignedMessage<'challenge'>;
const commitment = sigs.messages.commitment.envelope as SignedMessage<'commitment'>;
const request = sigs.messages['open-request'].envelope as SignedMessage<'open-request'>;
const validatorKeys = nacl.sign.keyPair.fromSeed(fromHex(sigs.keys.validator.seed));
const text = JSON.stringify(challenge);

const dir = mkdtempSync(join(tmpdir(), 'gpuproof-edges-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const file = (content: string | Uint8Array): string => {
  const path = join(dir, `f${counter++}`);
  writeFileSync(path, content);
  return path;
};

function errorAt(code: string, field: string | undefined) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof GpuproofError, String(e));
    assert.deepEqual([e.code, e.field], [code, field], e.message);
    return true;
  };
}

test('size cap: a message of exactly maxBytes is read, one byte more is refused, counted in UTF-8 bytes not characters', () => {
  const n = Buffer.byteLength(text);
  assert.deepEqual(parseJsonText('challenge', text, n), challenge);
  assert.throws(() => parseJsonText('challenge', text, n - 1), errorAt('INPUT', '$'));
  // Two-byte characters: fewer characters than maxBytes, more bytes.
  const multi = `{"type":"challenge","pad":"${'\u00e9'.repeat(50)}"}`;
  const chars = multi.length;
  const bytes = Buffer.byteLength(multi);
  assert.ok(bytes > chars);
  assert.throws(() => parseJsonText('challenge', multi, chars), errorAt('INPUT', '$'));
  // Within the byte cap it is read (and refused by the schema, naming the unknown field).
  assert.throws(() => parseJsonText('challenge', multi, bytes), (e: unknown) => e instanceof GpuproofError && e.field !== '$');
});

test('a message type nobody defined is bad input naming type, in every entry point', () => {
  const bogus = 'receipt' as MessageType;
  assert.equal(isMessageType('receipt'), false);
  assert.equal(isMessageType('challenge'), true);
  assert.equal(isMessageType(42), false);
  assert.throws(() => parseMessage(bogus, challenge), errorAt('INPUT', 'type'));
  assert.throws(() => parseJsonText(bogus, text), errorAt('INPUT', 'type'));
  assert.throws(() => signMessage(bogus, challenge.body as never, validatorKeys.secretKey), errorAt('INPUT', 'type'));
});

test('signMessage: a secret key that is not a Uint8Array is bad input naming secretKey, not a crash', () => {
  assert.throws(() => signMessage('challenge', challenge.body, Array.from(validatorKeys.secretKey) as unknown as Uint8Array), errorAt('INPUT', 'secretKey'));
  const signed = signMessage('challenge', challenge.body, validatorKeys.secretKey);
  assert.equal(signed.signer, sigs.keys.validator.publicKey);
});

test('parseAndVerify without an expected signer accepts any valid signature', () => {
  assert.deepEqual(parseAndVerify('commitment', commitment), commitment);
  assert.deepEqual(parseAndVerify('challenge', challenge), challenge);
});

test('canonical JSON: null-prototype objects are plain data; nesting is capped at 64 levels exactly', () => {
  const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: [true] });
  assert.equal(canonicalString(bare), '{"a":[true],"b":1}');
  let deep: unknown = 0;
  for (let i = 0; i < 64; i++) deep = [deep];
  assert.equal(canonicalString(deep), `${'['.repeat(64)}0${']'.repeat(64)}`);
  assert.throws(() => canonicalString([deep]), (e: unknown) => e instanceof GpuproofError && e.code === 'INPUT' && e.field === Array(65).fill(0).join('.'));
});

test('parseIJson names the source of a syntax error and nothing else before it', () => {
  assert.throws(() => parseIJson('{'), (e: unknown) => e instanceof GpuproofError && e.field === '$' && e.message.startsWith('$: not JSON'));
  assert.throws(() => parseIJson('{', { source: 'a.json' }), (e: unknown) => e instanceof GpuproofError && e.message.startsWith('$: a.json: not JSON'));
});

test('schemas: the last accepted value of each bound is accepted', () => {
  const body = challenge.body;
  // A lifetime of exactly 24 h.
  assert.equal(ChallengeBody.safeParse({ ...body, expiresAt: body.issuedAt + MAX_CHALLENGE_TTL_MS }).success, true);
  assert.equal(ChallengeBody.safeParse({ ...body, expiresAt: body.issuedAt + MAX_CHALLENGE_TTL_MS + 1 }).success, false);
  // A commitment of several memory chunks.
  const mem = { root: 'ab'.repeat(32), blocks: 128, chunks: 4, rowsPerChunk: 2048 };
  assert.equal(CommitmentBody.safeParse({ ...commitment.body, memory: mem }).success, true);
  assert.equal(CommitmentBody.safeParse({ ...commitment.body, memory: { ...mem, chunks: 0 } }).success, false);
  // An open request received in the same millisecond it was sent.
  const o = request.body.observed;
  assert.equal(OpenRequestBody.safeParse({ ...request.body, observed: { ...o, receivedAt: o.sentAt } }).success, true);
  assert.equal(OpenRequestBody.safeParse({ ...request.body, observed: { ...o, receivedAt: o.sentAt - 1 } }).success, false);
});

test('readMessageFile: a UTF-8 byte-order mark is refused like any other stray byte', async () => {
  const withBom = file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
  await assert.rejects(readMessageFile('challenge', withBom), errorAt('INPUT', '$'));
  assert.deepEqual(await readMessageFile('challenge', file(text)), challenge);
});

test('readCapped: a file of exactly the cap is read whole; one byte more is refused, however it is read', async () => {
  const bytes = Buffer.from(text);
  const exact = file(bytes);
  assert.deepEqual(Buffer.from(await readCapped(exact, bytes.length)), bytes);
  await assert.rejects(readCapped(exact, bytes.length - 1), errorAt('INPUT', '$'));
  await assert.rejects(readCapped(file(Buffer.alloc(3 << 20, 0x20)), (2 << 20) + 5), errorAt('INPUT', '$'));
  assert.equal((await readCapped(file(Buffer.alloc(3 << 20, 0x20)), 3 << 20)).length, 3 << 20);
  assert.equal((await readCapped(file(''), 0)).length, 0);
  await assert.rejects(readCapped(file('x'), 0), errorAt('INPUT', '$'));
});

test('readCapped: a path that cannot be read is IO (a directory, a missing file), with the cause', async () => {
  const sub = join(dir, 'a-directory');
  mkdirSync(sub);
  await assert.rejects(readCapped(sub, 100), (e: unknown) => e instanceof GpuproofError && e.code === 'IO' && (e.cause as NodeJS.ErrnoException).code === 'EISDIR');
  await assert.rejects(readCapped(join(dir, 'missing'), 100), (e: unknown) => e instanceof GpuproofError && e.code === 'IO' && (e.cause as NodeJS.ErrnoException).code === 'ENOENT');
});

test('readMessageFile: bytes that are not UTF-8 are refused even inside a free-text field, and no descriptor stays open', async () => {
  const good = JSON.stringify(commitment);
  const at = good.indexOf('"description":"') + '"description":"'.length;
  const bad = Buffer.concat([Buffer.from(good.slice(0, at)), Buffer.from([0xff]), Buffer.from(good.slice(at))]);
  const path = file(bad);
  await assert.rejects(readMessageFile('commitment', path), errorAt('INPUT', '$'));
  const fds = readdirSync('/proc/self/fd').length;
  for (let i = 0; i < 3; i++) {
    await readCapped(path, 1 << 20);
    await assert.rejects(readCapped(path, 10));
  }
  assert.equal(readdirSync('/proc/self/fd').length, fds);
});
