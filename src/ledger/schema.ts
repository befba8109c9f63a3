// The ledger's schema as numbered migrations: PRAGMA user_version counts those applied, each runs in
// its own transaction, and a file newer than this code is refused rather than guessed at.
import type Database from 'better-sqlite3';
import { GpuproofError, inputError } from '../errors.js';

/** Challenge states: written 'issued' before sending, so a killed validator leaves a record. */
export const CHALLENGE_STATUSES = ['issued', 'answered', 'receipted'] as const;
export type ChallengeStatus = (typeof CHALLENGE_STATUSES)[number];

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE challenges (
    id            TEXT PRIMARY KEY CHECK (length(id) = 32),
    hash          TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
    executor_key  TEXT NOT NULL,
    validator_key TEXT NOT NULL,
    url           TEXT NOT NULL,
    claim         TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('issued', 'answered', 'receipted')),
    issued_at     INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    answered_at   INTEGER,
    challenge     TEXT NOT NULL
  ) STRICT;
  CREATE INDEX challenges_executor ON challenges (executor_key, issued_at);
  CREATE INDEX challenges_status ON challenges (status, expires_at);

  CREATE TABLE receipts (
    seq           INTEGER PRIMARY KEY,
    challenge_id  TEXT NOT NULL UNIQUE REFERENCES challenges (id),
    executor_key  TEXT NOT NULL,
    validator_key TEXT NOT NULL,
    url           TEXT NOT NULL,
    accepted      INTEGER NOT NULL CHECK (accepted IN (0, 1)),
    class         TEXT,
    score         REAL NOT NULL CHECK (score >= 0),
    observed_ms   REAL,
    rtt_ms        REAL,
    gflops        REAL,
    reason        TEXT,
    issued_at     INTEGER NOT NULL,
    receipt       TEXT NOT NULL
  ) STRICT;
  CREATE INDEX receipts_executor ON receipts (executor_key, issued_at);
  CREATE INDEX receipts_time ON receipts (issued_at);
  `,
];

const newer = (version: number, path: string): GpuproofError =>
  new GpuproofError('IO', `${path}: ledger schema version ${version} is newer than this gpuproof (${MIGRATIONS.length}); upgrade gpuproof`);

/** A reader migrates nothing: it reads only a ledger at this code's version. */
export function checkVersion(version: number, path: string, field: string): void {
  if (version === 0) throw inputError(field, `${path} is not a gpuproof ledger (an empty file or another database)`);
  if (version > MIGRATIONS.length) throw newer(version, path);
  if (version < MIGRATIONS.length) {
    throw new GpuproofError('IO', `${path}: ledger schema version ${version} is older than this gpuproof's (${MIGRATIONS.length}); a writer (attest --db, validate) migrates it`);
  }
}

export function migrate(db: Database.Database, path: string): void {
  // The version is read inside each write transaction: two processes opening a new file at once
  // must not both apply the same step.
  const step = db.transaction((): boolean => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) throw newer(version, path);
    const sql = MIGRATIONS[version];
    if (sql === undefined) return false;
    db.exec(sql);
    db.pragma(`user_version = ${version + 1}`);
    return true;
  });
  while (step.immediate()) {
    // one migration a transaction
  }
}
