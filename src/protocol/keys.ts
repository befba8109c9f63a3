// ed25519 key files: JSON { publicKey: base64(32), secretKey: base64(64) }, the secret in
// tweetnacl's form (seed ‖ public key). A public-key file is the same object without secretKey.
import { constants } from 'node:fs';
import { link, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { z } from 'zod';
import { GpuproofError, inputError } from '../errors.js';
import { bytesEqual, fromB64, toB64 } from '../util/bytes.js';
import { firstIssue } from './issues.js';
import { parseIJson } from './ijson.js';
import { publicKeyProblem } from './ed25519-strict.js';
import { publicKeyOfSeed } from './signing.js';
import { readCapped } from './parse.js';
import { PublicKey, base64Bytes } from './schemas.js';

const Key32 = base64Bytes({ min: 32, max: 32 });

export interface KeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** A key file is tiny; anything larger is not one. */
const MAX_KEY_FILE_BYTES = 4096;

export const KeyFile = z.strictObject({ publicKey: PublicKey, secretKey: base64Bytes({ min: 64, max: 64 }) });
export const PublicKeyFile = z.strictObject({ publicKey: PublicKey });
export type KeyFile = z.infer<typeof KeyFile>;

/**
 * A fresh key pair in tweetnacl's form. The public key is derived through node:crypto (~50× faster
 * than tweetnacl's scalar multiplication, which was ~3 ms of every selftest); tweetnacl still
 * checks every key file read or written, and the tests hold the two to the same vectors.
 */
export function generateKeyPair(): KeyPair {
  const seed = new Uint8Array(randomBytes(32));
  const publicKey = publicKeyOfSeed(seed);
  const secretKey = new Uint8Array(64);
  secretKey.set(seed);
  secretKey.set(publicKey, 32);
  return { publicKey, secretKey };
}

/** The key file's JSON text (with a trailing newline). */
export function keyFileText(kp: KeyPair): string {
  return `${JSON.stringify({ publicKey: toB64(kp.publicKey), secretKey: toB64(kp.secretKey) }, null, 2)}\n`;
}

/** The public-key file's JSON text: what a validator or executor hands to the other side. */
export function publicKeyFileText(publicKey: Uint8Array): string {
  return `${JSON.stringify({ publicKey: toB64(publicKey) }, null, 2)}\n`;
}

const exists = async (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    (err: NodeJS.ErrnoException) => err.code !== 'ENOENT',
  );

/**
 * Writes `text` to a new file with mode 0600, atomically and never over an existing file: a
 * secret is written to a temporary file beside the target, then hard-linked into place (link
 * fails if the target exists, closing the check-then-rename race). Filesystems without hard
 * links fall back to a checked rename. The temporary file is always removed.
 */
export async function writeNewFileAtomic(path: string, text: string, field = 'out', mode = 0o600): Promise<void> {
  if (await exists(path)) throw inputError(field, `${path} exists; refusing to overwrite it`);
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fh;
  try {
    fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  } catch (err) {
    throw ioError('write', tmp, err);
  }
  try {
    try {
      await fh.chmod(mode); // the umask may only have removed bits, but be explicit
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await link(tmp, path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw inputError(field, `${path} exists; refusing to overwrite it`);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw err;
      if (await exists(path)) throw inputError(field, `${path} exists; refusing to overwrite it`);
      await rename(tmp, path);
    }
  } catch (err) {
    if (err instanceof GpuproofError) throw err;
    throw ioError('write', path, err);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Writes a key file (mode 0600); refuses, with field `out`, to replace an existing file. */
export async function writeKeyFile(path: string, kp: KeyPair): Promise<void> {
  checkPair(kp.publicKey, kp.secretKey);
  await writeNewFileAtomic(path, keyFileText(kp));
}

/** The public-key file written beside a key file: what is handed to the other side. */
export const publicKeyPath = (keyPath: string): string => `${keyPath}.pub`;

/**
 * Writes the key file (0600) and its public-key file `path.pub` (0644), each atomically and
 * neither over an existing file. Both are checked absent first; should the .pub appear in the
 * moment between, the key file just written is removed, so a failure leaves neither behind.
 */
export async function writeKeyFiles(path: string, kp: KeyPair, field = 'out'): Promise<{ key: string; pub: string }> {
  const pub = publicKeyPath(path);
  for (const p of [path, pub]) if (await exists(p)) throw inputError(field, `${p} exists; refusing to overwrite it`);
  checkPair(kp.publicKey, kp.secretKey);
  await writeNewFileAtomic(path, keyFileText(kp), field);
  try {
    await writeNewFileAtomic(pub, publicKeyFileText(kp.publicKey), field, 0o644);
  } catch (err) {
    await unlink(path).catch(() => undefined);
    throw err;
  }
  return { key: path, pub };
}

function checkPair(publicKey: Uint8Array, secretKey: Uint8Array): void {
  if (publicKey.length !== 32) throw inputError('publicKey', 'expected 32 bytes');
  // Cannot happen for a key derived from a seed, but this is the one path every key file takes.
  const problem = publicKeyProblem(publicKey);
  if (problem !== null) throw inputError('publicKey', `not a usable ed25519 public key: ${problem}`);
  if (secretKey.length !== 64) throw inputError('secretKey', 'expected 64 bytes');
  const derived = nacl.sign.keyPair.fromSeed(secretKey.subarray(0, 32));
  if (!bytesEqual(derived.secretKey, secretKey) || !bytesEqual(derived.publicKey, publicKey)) {
    throw inputError('secretKey', 'does not match publicKey');
  }
}

async function readJsonFile(path: string): Promise<unknown> {
  const bytes = await readCapped(path, MAX_KEY_FILE_BYTES);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw inputError('$', `${path} is not a JSON key file`);
  }
  try {
    return parseIJson(text, { source: path });
  } catch (err) {
    // A repeated member is named by its path; anything else is simply not a key file.
    if (err instanceof GpuproofError && err.field !== '$') throw err;
    throw inputError('$', `${path} is not a JSON key file`);
  }
}

/** Reads and checks a key file: both halves well-formed and the public key derived from the secret. */
export async function readKeyFile(path: string): Promise<KeyPair> {
  const parsed = KeyFile.safeParse(await readJsonFile(path));
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.error);
    throw inputError(field, `${path}: ${message}`);
  }
  const kp = { publicKey: fromB64(parsed.data.publicKey), secretKey: fromB64(parsed.data.secretKey) };
  checkPair(kp.publicKey, kp.secretKey);
  return kp;
}

/**
 * A public key given on the command line: base64 itself, or the path of a key file or public-key
 * file. Returns the canonical base64 string (the wire form). `field` names the option in errors.
 */
export async function readPublicKey(arg: string, field = 'key'): Promise<string> {
  const asKey = PublicKey.safeParse(arg);
  if (asKey.success) return arg;
  // 32 bytes of base64 that are no usable key (small order, non-canonical) are a bad key, not a file name.
  if (Key32.safeParse(arg).success) throw inputError(field, firstIssue(asKey.error).message);
  let raw: unknown;
  try {
    raw = await readJsonFile(arg);
  } catch (err) {
    // The argument may have been meant as a key: a missing file is a bad argument, not a fault.
    if (err instanceof GpuproofError && err.code === 'IO' && (err.cause as NodeJS.ErrnoException)?.code === 'ENOENT') {
      throw inputError(field, 'neither a base64 ed25519 public key (32 bytes) nor an existing key file');
    }
    throw err;
  }
  if (typeof raw === 'object' && raw !== null && 'secretKey' in raw) return toB64((await readKeyFile(arg)).publicKey);
  const parsed = PublicKeyFile.safeParse(raw);
  if (!parsed.success) {
    const { field: f, message } = firstIssue(parsed.error);
    throw inputError(field, `${arg}: ${f}: ${message}`);
  }
  return parsed.data.publicKey;
}

function ioError(verb: string, path: string, err: unknown): GpuproofError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'error';
  return new GpuproofError('IO', `cannot ${verb} ${path} (${code})`, { cause: err });
}
