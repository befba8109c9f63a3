// Rules for option values that come from configuration rather than a command line: no secret key
// inline, and a relative path in a file means a path beside that file.
import { isAbsolute, resolve } from 'node:path';

/** Options whose value is a file or directory. */
const PATH_OPTIONS = new Set(['key', 'db', 'state', 'out', 'report', 'challenge', 'commitment', 'request', 'openings', 'executors']);
/** Options that take a public-key file or the base64 key itself. */
const KEY_OR_PATH_OPTIONS = new Set(['allow', 'executor', 'validator']);

/** A base64 ed25519 public key (32 bytes), as opposed to a file name. */
const PUBLIC_KEY_TEXT = /^[A-Za-z0-9+/]{43}=$/;
/** A base64 64-byte ed25519 secret key, the secretKey of a key file. */
const SECRET_KEY_TEXT = /^[A-Za-z0-9+/]{86}==$/;

/**
 * Why a configured string must not be used, or null. A secret key belongs in a key file of mode
 * 0600 that the option names: configuration is read by more people and tools than a key file,
 * and an environment is visible to every process of the same user.
 */
export function secretProblem(value: string): string | null {
  if (SECRET_KEY_TEXT.test(value.trim()) || /"secretKey"/.test(value)) return 'looks like a secret key: keep keys in key files (gpuproof keygen) and name the file';
  return null;
}

/** A file's relative path, made relative to the file's directory; base64 keys and absolute paths stay. */
export function resolveFrom(dir: string, option: string, value: string): string {
  const isPath = PATH_OPTIONS.has(option) || (KEY_OR_PATH_OPTIONS.has(option) && !PUBLIC_KEY_TEXT.test(value));
  return isPath && !isAbsolute(value) ? resolve(dir, value) : value;
}
