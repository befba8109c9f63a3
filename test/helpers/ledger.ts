// A validator, an executor and their challenges for ledger tests, and a ledger filled with receipts.
import { generateKeyPair } from '../../src/protocol/keys.js';
import type { SignedChallenge } from '../../src/protocol/schemas.js';
import { issueChallenge } from '../../src/roles/validator.js';
import { MemoryReplayStore } from '../../src/roles/stores.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { failedReceipt } from '../../src/server/attest-steps.js';
import { toB64 } from '../../src/util/bytes.js';

export const validator = generateKeyPair();
export const executor = generateKeyPair();

/** A fresh small challenge from `validator` to `executor`. */
export const challenge = (): SignedChallenge =>
  issueChallenge(validator, { executorKey: toB64(executor.publicKey), matmul: { n: 32, iterations: 2 } }, new MemoryReplayStore());

/** Writes a ledger at `path` holding `count` rejected receipts, closed (checkpointed: the file alone holds them). */
export function fillLedger(path: string, count: number): void {
  const ledger = Ledger.open(path);
  for (let i = 0; i < count; i++) {
    const ch = challenge();
    ledger.recordIssued(ch, 'http://127.0.0.1:1');
    ledger.markAnswered(ch.body.id);
    ledger.storeReceipt(failedReceipt(validator, ch, null, 'openings.delivery', 'test'), ch.body.id, { url: 'http://127.0.0.1:1' });
  }
  ledger.close();
}
