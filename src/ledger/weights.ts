// Reads one epoch of receipts for `gpuproof weights`, read-only: a read command never creates,
// migrates or writes a ledger, and works on a read-only filesystem. Each receipt must verify and be
// bound to its challenge, and the columns the query filters on must agree with what was signed:
// weights decide payouts, so a row edited behind the validator's back stops the command, named.
import { GpuproofError, refused } from '../errors.js';
import { parseIJson } from '../protocol/ijson.js';
import { parseMessage } from '../protocol/parse.js';
import type { SignedChallenge, SignedVerdict } from '../protocol/schemas.js';
import { hashHex, verifySignature } from '../protocol/signing.js';
import { openLedgerDb, storageError } from './open.js';

export interface EpochRow {
  seq: number;
  receipt: SignedVerdict;
  challenge: SignedChallenge;
}

interface RawRow {
  seq: number;
  executor_key: string;
  accepted: number;
  score: number;
  issued_at: number;
  receipt: string;
  challenge: string;
}

function decode(path: string, r: RawRow): EpochRow {
  const where = `${path}: receipt #${r.seq}`;
  let receipt: SignedVerdict;
  let challenge: SignedChallenge;
  try {
    receipt = parseMessage('verdict', parseIJson(r.receipt, { field: 'receipt' }));
    challenge = parseMessage('challenge', parseIJson(r.challenge, { field: 'challenge' }));
  } catch (err) {
    throw new GpuproofError('IO', `${where} cannot be decoded: ${(err as Error).message}`, { field: `receipts.${r.seq}`, cause: err });
  }
  const b = receipt.body;
  if (!verifySignature(receipt)) throw refused(`${where}: its signature does not verify`, `receipts.${r.seq}.signature`);
  // verifySignature checks against the envelope's own signer: anyone can sign a body that names
  // the validator, so the signer must be the validator the receipt and its challenge name.
  if (receipt.signer !== b.validatorKey || challenge.body.validatorKey !== b.validatorKey) {
    throw refused(`${where}: signed by ${receipt.signer}, not by the validator it names (${b.validatorKey})`, `receipts.${r.seq}.signer`);
  }
  if (hashHex(challenge) !== b.challengeHash) throw refused(`${where} is not for the challenge stored with it`, `receipts.${r.seq}.body.challengeHash`);
  const agree = r.executor_key === b.executorKey && r.accepted === (b.accepted ? 1 : 0) && r.score === b.score && r.issued_at === b.issuedAt;
  if (!agree) throw refused(`${where}: the row's columns disagree with the signed receipt`, `receipts.${r.seq}`);
  return { seq: r.seq, receipt, challenge };
}

/** Every receipt signed in [since, until), oldest first, each verified and joined to its challenge. */
export function readEpochRows(path: string, since: number, until: number): EpochRow[] {
  // The readers' open: quick_check, never creates or writes, works on a read-only filesystem.
  const db = openLedgerDb(path, { readonly: true, field: 'db' });
  try {
    const rows = db
      .prepare(`SELECT r.seq, r.executor_key, r.accepted, r.score, r.issued_at, r.receipt, c.challenge
                FROM receipts r JOIN challenges c ON c.id = r.challenge_id
                WHERE r.issued_at >= ? AND r.issued_at < ? ORDER BY r.seq`)
      .all(since, until) as RawRow[];
    return rows.map((r) => decode(path, r));
  } catch (err) {
    if (err instanceof GpuproofError) throw err;
    const e = storageError(err, path, 'read receipts');
    if (e instanceof GpuproofError) throw e;
    throw new GpuproofError('IO', `cannot read ledger ${path}: ${(err as Error).message}`, { field: 'db', cause: err });
  } finally {
    db.close();
  }
}
