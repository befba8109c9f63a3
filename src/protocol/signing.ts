// Signatures and message hashes. The domain string binds a signature to one message type and
// protocol version, so a signed body can never be replayed as another kind of message.
import nacl from 'tweetnacl';
import { createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { inputError } from '../errors.js';
import { bytesEqual, concatBytes, fromB64, sha256, toB64, toHex, utf8 } from '../util/bytes.js';
import { canonicalBytes } from './canonical.js';
import {
  BODY_SCHEMAS,
  ENVELOPE_SCHEMAS,
  isMessageType,
  type BodyOf,
  PROTOCOL_VERSION,
  type MessageType,
  type SignedMessage,
} from './schemas.js';
import { firstIssue } from './issues.js';
import { strictRejection } from './ed25519-strict.js';

/** `gpuproof/v2/<type>` then one 0x00 byte: no type name is a prefix of another after the NUL. */
export function domainBytes(type: MessageType): Uint8Array {
  return concatBytes(utf8(`gpuproof/v${PROTOCOL_VERSION}/${type}`), new Uint8Array([0]));
}

/** The exact bytes an ed25519 signature covers: domain(type) ‖ JCS(body). */
export function signingBytes(type: MessageType, body: unknown): Uint8Array {
  return concatBytes(domainBytes(type), canonicalBytes(body));
}

/**
 * Validates `body` against the schema for `type` and signs it. `secretKey` is tweetnacl's 64-byte
 * form (seed ‖ public key); its public half must match the seed, or the envelope would name a
 * signer whose key cannot verify it.
 */
export function signMessage<K extends MessageType>(type: K, body: BodyOf[K], secretKey: Uint8Array): SignedMessage<K> {
  if (!isMessageType(type)) throw inputError('type', `unknown message type ${String(type)}`);
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== nacl.sign.secretKeyLength) {
    throw inputError('secretKey', `expected ${nacl.sign.secretKeyLength} bytes`);
  }
  const { key, publicKey } = ed25519PrivateKey(secretKey.subarray(0, 32));
  if (!bytesEqual(publicKey, secretKey.subarray(32))) throw inputError('secretKey', 'public half does not match the seed');
  const parsed = BODY_SCHEMAS[type].safeParse(body);
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.error, 'body');
    throw inputError(field, message);
  }
  const signature = new Uint8Array(cryptoSign(null, signingBytes(type, parsed.data), key));
  return { type, body: parsed.data, signer: toB64(publicKey), signature: toB64(signature) };
}

// SubjectPublicKeyInfo and PKCS #8 prefixes of raw 32-byte Ed25519 keys (RFC 8410), for node:crypto.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The signing key of a 32-byte seed and its public key, through node:crypto. Ed25519 signatures
 * are deterministic (RFC 8032), so these are byte for byte tweetnacl's (fixtures/signatures.json
 * holds both to the same vectors); OpenSSL is about fifty times faster, and every message is signed.
 */
function ed25519PrivateKey(seed: Uint8Array): { key: KeyObject; publicKey: Uint8Array } {
  const id = toB64(seed);
  let hit = privateKeys.get(id);
  if (!hit) {
    const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
    hit = { key, publicKey: new Uint8Array(spki.subarray(spki.length - 32)) };
    remember(privateKeys, id, hit, 16);
  }
  return hit;
}

/** The public key of a 32-byte ed25519 seed (RFC 8032), as tweetnacl's keyPair.fromSeed gives it. */
export const publicKeyOfSeed = (seed: Uint8Array): Uint8Array => ed25519PrivateKey(seed).publicKey;

// A process signs with a key or two and verifies a few peers' many times; building a KeyObject
// costs ~0.3 ms, about as much as the check. Small bounded caches, oldest out first.
const privateKeys = new Map<string, { key: KeyObject; publicKey: Uint8Array }>();
const publicKeys = new Map<string, KeyObject>();

function remember<V>(cache: Map<string, V>, id: string, value: V, max: number): void {
  if (cache.size >= max) cache.delete(cache.keys().next().value as string);
  cache.set(id, value);
}

/**
 * Ed25519 verification with libsodium's acceptance rules (crypto_sign_verify_detached, as PyNaCl
 * has it): the byte checks of ed25519-strict.ts first (S < L, A canonical, neither A nor R of
 * small order), then the equation through node:crypto (OpenSSL: cofactorless, R compared as
 * bytes), about fifty times faster than tweetnacl, which matters to a validator checking four
 * signatures a proof for many executors. Never throws. fixtures/ed25519-speccheck.json holds the
 * combination to libsodium's verdicts.
 */
export function ed25519Verify(message: Uint8Array, sig: Uint8Array, pub: Uint8Array): boolean {
  if (strictRejection(sig, pub) !== null) return false;
  const id = toB64(pub);
  let key = publicKeys.get(id);
  try {
    if (!key) {
      key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, pub]), format: 'der', type: 'spki' });
      remember(publicKeys, id, key, 256);
    }
    return cryptoVerify(null, message, key, sig);
  } catch {
    return false;
  }
}

/**
 * True only for a well-formed envelope of a known type whose signature verifies under its own
 * `signer`. Never throws. Who the signer should be is the caller's question.
 */
export function verifySignature(envelope: unknown): boolean {
  try {
    if (typeof envelope !== 'object' || envelope === null) return false;
    const type = (envelope as { type?: unknown }).type;
    if (!isMessageType(type)) return false;
    const parsed = ENVELOPE_SCHEMAS[type].safeParse(envelope);
    if (!parsed.success) return false;
    return ed25519Verify(signingBytes(type, parsed.data.body), fromB64(parsed.data.signature), fromB64(parsed.data.signer));
  } catch {
    return false;
  }
}

/**
 * SHA-256 of JCS(whole envelope), signature included: what challengeHash, commitmentHash and
 * requestHash refer to. Hashing the envelope rather than the body pins the exact signed message.
 */
export function messageHash(envelope: SignedMessage<MessageType>): Uint8Array {
  return sha256(canonicalBytes(envelope));
}

/** {@link messageHash} as 64 lowercase hex characters, the wire form of Hex32. */
export function hashHex(envelope: SignedMessage<MessageType>): string {
  return toHex(messageHash(envelope));
}
