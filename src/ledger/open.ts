// Opening the ledger file, for writers (attest, validate) and readers (receipts), so that a bad disk
// is met before any GPU time is spent and named by its path: a corrupt file is refused on open
// (PRAGMA quick_check), a writer finds a read-only file or a nearly full disk at start, a reader
// never creates, migrates or writes a file, and SQLite's storage failures surface as IO.
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readFileSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { GpuproofError, inputError } from '../errors.js';
import { checkVersion, migrate } from './schema.js';

export interface OpenOptions {
  /** Refuse a missing file instead of creating one. */
  mustExist?: boolean;
  /** Open for reading only: the file must exist, is never written, and may be on a read-only filesystem. */
  readonly?: boolean;
  /** The option that named the path, for a missing or foreign file (default `db`). */
  field?: string;
  /** A writer refuses a filesystem with less free space (default MIN_FREE_BYTES). */
  minFreeBytes?: number;
}

/** A writer refuses to start with less free space than this: a receipt must fit after the GPU run. */
export const MIN_FREE_BYTES = 1 << 20;

/** SQLite result codes that say the storage failed, not the query. */
const STORAGE_CODES: [RegExp, string][] = [
  [/^SQLITE_FULL/, 'the disk is full'],
  [/^SQLITE_READONLY/, 'the ledger is read-only'],
  [/^SQLITE_(CORRUPT|NOTADB)/, 'the file is corrupt or not a database'],
  [/^SQLITE_CANTOPEN/, 'cannot open it (a missing directory, permissions, or a read-only filesystem)'],
  [/^SQLITE_(BUSY|LOCKED)/, 'another process holds it locked'],
  [/^SQLITE_(IOERR|PERM|PROTOCOL|NOLFS|AUTH)/, 'the disk failed a read or write'],
];

/** SQLite's storage failures as IO naming the ledger and what was being done; anything else unchanged. */
export function storageError(err: unknown, path: string, doing: string): unknown {
  if (!(err instanceof Database.SqliteError)) return err;
  const hint = STORAGE_CODES.find(([re]) => re.test(err.code))?.[1];
  if (hint === undefined) return err;
  return new GpuproofError('IO', `ledger ${path}: cannot ${doing}: ${hint} (${err.code}: ${err.message})`, { cause: err });
}

/** Refuses a ledger whose filesystem has less than `minBytes` free; silent where statfs is not supported. */
export function checkFreeSpace(path: string, minBytes = MIN_FREE_BYTES): void {
  const dir = dirname(path);
  let free: number;
  try {
    const s = statfsSync(dir);
    free = s.bavail * s.bsize;
  } catch {
    return;
  }
  if (free < minBytes) {
    throw new GpuproofError('IO', `ledger ${path}: only ${free} bytes free in ${dir}, under the ${minBytes} a receipt needs after the GPU work; free some space first`);
  }
}

/** Opens, checks and (for a writer) migrates the ledger at `path`. */
export function openLedgerDb(path: string, opts: OpenOptions = {}): Database.Database {
  const field = opts.field ?? 'db';
  const fresh = !existsSync(path);
  if (fresh && (opts.readonly === true || opts.mustExist === true)) throw inputError(field, `no ledger at ${path}`);
  let db: Database.Database | undefined;
  try {
    if (opts.readonly === true) {
      db = openReader(path);
      quickCheck(db, path);
      checkVersion(db.pragma('user_version', { simple: true }) as number, path, field);
    } else {
      db = openWriter(path, fresh, opts);
      migrate(db, path);
    }
    return db;
  } catch (err) {
    db?.close();
    const e = storageError(err, path, 'open it');
    if (e instanceof GpuproofError) throw e;
    throw new GpuproofError('IO', `cannot open ledger ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function openWriter(path: string, fresh: boolean, opts: OpenOptions): Database.Database {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path, { fileMustExist: opts.mustExist === true });
  try {
    if (fresh) chmodSync(path, 0o600);
    // SQLite quietly opens a file it may not write read-only; a writer must know now, not after a run.
    if (!writable(path)) throw new GpuproofError('IO', `ledger ${path}: cannot write it: the ledger is read-only`);
    db.pragma('busy_timeout = 10000');
    // Before any pragma that writes: a corrupt file is left as it was found.
    quickCheck(db, path);
    db.pragma('journal_mode = WAL');
    // FULL: a receipt reported as stored survives power loss too, and receipts are few.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    checkFreeSpace(path, opts.minFreeBytes);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function openReader(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 10000');
    db.pragma('user_version');
    return db;
  } catch (err) {
    db?.close();
    if (!(err instanceof Database.SqliteError) || err.code !== 'SQLITE_CANTOPEN' || existsSync(`${path}-wal`)) throw err;
    return snapshot(path);
  }
}

/**
 * A WAL file cannot be read where its shared-memory index cannot be created (a read-only
 * filesystem). With no -wal beside it the file alone holds every row, so a copy in memory,
 * marked as a rollback-journal file (header bytes 18 and 19: 2 means WAL), reads the same rows.
 */
function snapshot(path: string): Database.Database {
  const bytes = readFileSync(path);
  if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) bytes.fill(1, 18, 20);
  return new Database(bytes, { readonly: true });
}

function quickCheck(db: Database.Database, path: string): void {
  const problems = (db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check).filter((s) => s !== 'ok');
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` and ${problems.length - 1} more` : '';
    throw new GpuproofError('IO', `ledger ${path} is corrupt (PRAGMA quick_check: ${problems[0]}${more}); restore it from a backup or move it aside`);
  }
}
