// File writes that never leave half a file: write a temp file beside the target, then rename.
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync, readFileSync, statSync, accessSync, constants } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { GpuproofError, inputError } from '../errors.js';

export interface WriteOptions {
  mode?: number;
  /** Refuse when the target exists (field names the flag for the error). */
  noOverwrite?: string;
}

export function writeFileAtomic(path: string, data: string | Uint8Array, opts: WriteOptions = {}): void {
  if (opts.noOverwrite && existsSync(path)) throw inputError(opts.noOverwrite, `${path} exists; refusing to overwrite it`);
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new GpuproofError('IO', `cannot create directory ${dir}: ${(e as Error).message}`, { cause: e });
  }
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, data, { mode: opts.mode ?? 0o644, flag: 'wx' });
    if (opts.noOverwrite && existsSync(path)) throw inputError(opts.noOverwrite, `${path} exists; refusing to overwrite it`);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof GpuproofError) throw e;
    throw new GpuproofError('IO', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Reads a text file of at most maxBytes; field names the flag that gave the path. */
export function readTextFile(path: string, field: string, maxBytes = 256 * 2 ** 20): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw inputError(field, `cannot read ${path}: no such file`);
  }
  if (size > maxBytes) throw inputError(field, `${path} is ${size} bytes, over the ${maxBytes}-byte limit`);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw inputError(field, `cannot read ${path}: ${(e as Error).message}`);
  }
}

/**
 * Checks, before any work or state change, that `path` can be created: its directory exists and
 * is writable, and nothing is there already (unless `force`). A command that would fail at the end
 * must fail first, or it burns a challenge id on the way.
 */
export function checkOutPath(path: string, field: string, force = false): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) throw inputError(field, `${path} is a directory`);
  if (st && !force) throw inputError(field, `${path} exists; refusing to overwrite it (pass --force to replace it)`);
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch {
    throw inputError(field, `cannot write into ${dir}: no such writable directory`);
  }
}
