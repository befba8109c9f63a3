// The validator's receipts ledger in SQLite. A challenge row is written ('issued') before the
// challenge leaves the process and the receipt replaces it ('receipted') in one transaction, so a
// validator killed at any instant leaves rows that are each complete and a state that says how far
// it got. WAL lets `gpuproof receipts` read while validators write.
import type Database from 'better-sqlite3';
import { GpuproofError, refused } from '../errors.js';
import { parseMessage } from '../protocol/parse.js';
import type { SignedChallenge, SignedVerdict } from '../protocol/schemas.js';
import { hashHex } from '../protocol/signing.js';
import type { ChallengeStatus } from './schema.js';
import { openLedgerDb, storageError, type OpenOptions } from './open.js';
import { parseIJson } from '../protocol/ijson.js';

export interface ReceiptExtra {
  url: string;
  observedMs?: number | null;
  rttMs?: number | null;
  gflops?: number | null;
  /** The first failed check, for a rejected receipt. */
  reason?: string | null;
}

export interface ReceiptRow {
  seq: number;
  challengeId: string;
  executorKey: string;
  validatorKey: string;
  url: string;
  accepted: boolean;
  class: string | null;
  score: number;
  observedMs: number | null;
  rttMs: number | null;
  gflops: number | null;
  reason: string | null;
  issuedAt: number;
  receipt: SignedVerdict;
}

export interface ChallengeRow {
  id: string;
  hash: string;
  executorKey: string;
  url: string;
  claim: string;
  status: ChallengeStatus;
  issuedAt: number;
  expiresAt: number;
  answeredAt: number | null;
}

interface RawReceipt {
  seq: number;
  challenge_id: string;
  executor_key: string;
  validator_key: string;
  url: string;
  accepted: number;
  class: string | null;
  score: number;
  observed_ms: number | null;
  rtt_ms: number | null;
  gflops: number | null;
  reason: string | null;
  issued_at: number;
  receipt: string;
}

export class Ledger {
  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {}

  /** Opens the ledger at `path`: a writer creates (unless mustExist) and migrates; a reader (readonly) never writes. */
  static open(path: string, opts: OpenOptions = {}): Ledger {
    return new Ledger(openLedgerDb(path, opts), path);
  }

  /** Runs one statement group, SQLite's storage failures (full, read-only, corrupt) as IO naming the file. */
  private guard<T>(doing: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw storageError(err, this.path, doing);
    }
  }

  /** Call before the challenge is sent: the row is the record that it was. */
  recordIssued(challenge: SignedChallenge, url: string): void {
    const b = challenge.body;
    this.guard('record the challenge', () => this.db
      .prepare(`INSERT INTO challenges (id, hash, executor_key, validator_key, url, claim, status, issued_at, expires_at, challenge)
                VALUES (?, ?, ?, ?, ?, ?, 'issued', ?, ?, ?)`)
      .run(b.id, hashHex(challenge), b.executorKey, b.validatorKey, url, b.claim, b.issuedAt, b.expiresAt, JSON.stringify(challenge)));
  }

  /** issued → answered, once: a second commitment for the same challenge is refused. */
  markAnswered(id: string, at = Date.now()): void {
    const r = this.guard('mark the challenge answered', () => this.db.prepare(`UPDATE challenges SET status = 'answered', answered_at = ? WHERE id = ? AND status = 'issued'`).run(at, id));
    if (r.changes !== 1) throw refused(`challenge ${id} is not awaiting a commitment in ${this.path}`, 'challenge.body.id');
  }

  /** Stores the receipt and closes its challenge in one transaction; returns its sequence number. */
  storeReceipt(receipt: SignedVerdict, challengeId: string, extra: ReceiptExtra): number {
    const b = receipt.body;
    return this.guard('store the receipt', () => this.db.transaction((): number => {
      const ch = this.db.prepare('SELECT hash, status FROM challenges WHERE id = ?').get(challengeId) as { hash: string; status: ChallengeStatus } | undefined;
      if (!ch) throw refused(`challenge ${challengeId} was never issued from ${this.path}`, 'challenge.body.id');
      if (ch.hash !== b.challengeHash) throw refused(`receipt is for another challenge than ${challengeId}`, 'receipt.body.challengeHash');
      if (ch.status === 'receipted') throw refused(`challenge ${challengeId} already has a receipt`, 'challenge.body.id');
      const r = this.db
        .prepare(`INSERT INTO receipts (challenge_id, executor_key, validator_key, url, accepted, class, score, observed_ms, rtt_ms, gflops, reason, issued_at, receipt)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(challengeId, b.executorKey, b.validatorKey, extra.url, b.accepted ? 1 : 0, b.class, b.score, extra.observedMs ?? null, extra.rttMs ?? null, extra.gflops ?? null, extra.reason ?? null, b.issuedAt, JSON.stringify(receipt));
      this.db.prepare(`UPDATE challenges SET status = 'receipted' WHERE id = ?`).run(challengeId);
      return Number(r.lastInsertRowid);
    }).immediate());
  }

  receipts(filter: { executor?: string; limit?: number } = {}): ReceiptRow[] {
    const where = filter.executor === undefined ? '' : 'WHERE executor_key = @executor';
    const rows = this.guard('read receipts', () => this.db
      .prepare(`SELECT * FROM receipts ${where} ORDER BY seq DESC LIMIT @limit`)
      .all({ ...(filter.executor === undefined ? {} : { executor: filter.executor }), limit: filter.limit ?? 1000 }) as RawReceipt[]);
    return rows.map((r) => ({
      seq: r.seq,
      challengeId: r.challenge_id,
      executorKey: r.executor_key,
      validatorKey: r.validator_key,
      url: r.url,
      accepted: r.accepted === 1,
      class: r.class,
      score: r.score,
      observedMs: r.observed_ms,
      rttMs: r.rtt_ms,
      gflops: r.gflops,
      reason: r.reason,
      issuedAt: r.issued_at,
      receipt: this.decodeReceipt(r),
    }));
  }

  /** A stored receipt that no longer decodes (a row edited behind the code) is named by its row. */
  private decodeReceipt(r: RawReceipt): SignedVerdict {
    try {
      return parseMessage('verdict', parseIJson(r.receipt));
    } catch (err) {
      if (!(err instanceof GpuproofError)) throw err;
      // Both parsers name fields from the receipt's own root ('$' for the whole of it).
      const field = err.field === undefined || err.field === '$' ? 'receipt' : `receipt.${err.field}`;
      throw new GpuproofError(err.code, `${this.path}: receipt #${r.seq} (challenge ${r.challenge_id}): ${err.message}`, { field, cause: err });
    }
  }

  challenges(filter: { status?: ChallengeStatus } = {}): ChallengeRow[] {
    const where = filter.status === undefined ? '' : 'WHERE status = @status';
    const rows = this.guard('read challenges', () => this.db
      .prepare(`SELECT id, hash, executor_key, url, claim, status, issued_at, expires_at, answered_at FROM challenges ${where} ORDER BY issued_at DESC, id`)
      .all(filter.status === undefined ? {} : { status: filter.status }) as Record<string, unknown>[]);
    return rows.map((r) => ({
      id: r.id as string,
      hash: r.hash as string,
      executorKey: r.executor_key as string,
      url: r.url as string,
      claim: r.claim as string,
      status: r.status as ChallengeStatus,
      issuedAt: r.issued_at as number,
      expiresAt: r.expires_at as number,
      answeredAt: (r.answered_at as number | null) ?? null,
    }));
  }

  /** `PRAGMA integrity_check` plus the ledger's own rule: every receipt closes a receipted challenge. */
  check(): string[] {
    return this.guard('check it', () => this.checkRules());
  }

  private checkRules(): string[] {
    const problems = (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).filter((s) => s !== 'ok');
    const orphans = this.db
      .prepare(`SELECT r.challenge_id AS id FROM receipts r LEFT JOIN challenges c ON c.id = r.challenge_id WHERE c.status IS NOT 'receipted'`)
      .all() as { id: string }[];
    for (const o of orphans) problems.push(`receipt for challenge ${o.id} whose challenge is not receipted`);
    const open = this.db.prepare(`SELECT count(*) AS n FROM challenges c WHERE status = 'receipted' AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.challenge_id = c.id)`).get() as { n: number };
    if (open.n > 0) problems.push(`${open.n} receipted challenges without a receipt`);
    return problems;
  }

  close(): void {
    this.db.close();
  }
}
