// `gpuproof weights`: one epoch of the ledger's receipts as one weight per executor, summing to 1,
// for a validator to set on its network. Reads the ledger read-only.
import type { Argv } from 'yargs';
import { inputError } from '../errors.js';
import { readEpochRows } from '../ledger/weights.js';
import { DEFAULT_EPOCH_MINUTES, epochWeights, lastCompleteEpoch, type EpochWeights } from '../roles/weights.js';
import { intOption, readPubKey } from './inputs.js';
import { defaultLedgerPath } from './commands-net.js';
import { makeOut, table, type SetCode } from './output.js';

type Args = Record<string, unknown> & { json: boolean };

const MINUTE_MS = 60_000;
/** The last instant an ECMAScript Date holds (±10⁸ days from 1970). */
const MAX_DATE_MS = 8.64e15;

/** `--since`: an ISO 8601 time with its zone (a local time would differ between validators), or ms since 1970. */
export function parseSince(v: unknown): number {
  const s = typeof v === 'number' ? String(v) : v;
  if (typeof s !== 'string' || s.length === 0) throw inputError('since', 'expected an ISO 8601 time (2026-12-01T18:00:00Z) or ms since 1970');
  const ms = /^\d+$/.test(s) ? Number(s) : /(Z|[+-]\d\d:?\d\d)$/.test(s) ? Date.parse(s) : NaN;
  if (!Number.isSafeInteger(ms)) throw inputError('since', `${s} is not an ISO 8601 time with a zone (Z or ±hh:mm) nor ms since 1970`);
  return ms;
}

function human(w: EpochWeights, epochMinutes: number): string {
  const head = `epoch ${new Date(w.since).toISOString()} … ${new Date(w.until).toISOString()} (${epochMinutes} min)`;
  if (w.executors.length === 0) return `${head}\nno receipts in this epoch`;
  const rows = w.executors.map((e) => [
    e.executorKey, `${e.accepted}/${e.attempted}`, e.uptime.toFixed(3), e.class ?? '-', e.score.toFixed(3), String(e.gpus), e.weight.toFixed(6),
  ]);
  const zero = w.total === 0 ? '\nno executor earned a weight: every weight is 0' : '';
  return `${head}\n${table([['executor', 'accepted', 'uptime', 'class', 'score', 'GPUs', 'weight'], ...rows])}${zero}`;
}

export function weightsCommands<T>(y: Argv<T>, setCode: SetCode): Argv<T> {
  return y.command('weights', 'per-executor weights for one epoch of receipts, summing to 1', (c) => c
    .example('$0 weights --db receipts.db --validator validator.key.pub', 'the last complete 72-minute epoch, this validator\'s receipts')
    .example('$0 weights --since 2026-12-01T18:00Z --json', 'the epoch from 18:00 UTC, as JSON')
    .option('db', { type: 'string', describe: 'ledger file, opened read-only (default $GPUPROOF_HOME/receipts.db)' })
    .option('epoch-minutes', { type: 'number', default: DEFAULT_EPOCH_MINUTES, describe: 'epoch length in minutes' })
    .option('validator', { type: 'string', describe: 'count only receipts this validator signed: .pub file, base64 public key or key file (default: every key that signed a receipt in the ledger)' })
    .option('since', { type: 'string', describe: 'epoch start: ISO 8601 with zone, or ms since 1970 (default: the last complete epoch, epochs aligned to 1970)' }), async (raw) => {
    const a = raw as unknown as Args;
    const out = makeOut(a.json, 'weights');
    const epochMinutes = intOption(a['epoch-minutes'], 'epoch-minutes', 1, 366 * 24 * 60);
    const epochMs = epochMinutes * MINUTE_MS;
    const window = a.since === undefined ? lastCompleteEpoch(epochMs) : { since: parseSince(a.since), until: parseSince(a.since) + epochMs };
    // The epoch is printed as ISO times: one ending past what a Date holds is the user's input.
    if (window.until > MAX_DATE_MS) throw inputError('since', `the epoch would end after ${new Date(MAX_DATE_MS).toISOString()}, the last time a date can name`);
    const path = typeof a.db === 'string' ? a.db : defaultLedgerPath();
    const pinned = typeof a.validator === 'string' ? await readPubKey(a.validator, 'validator') : null;
    // Receipts prove only that their own key signed them: anyone who can write the ledger can add
    // a consistent challenge and receipt of a key of its own. The pin is the trust anchor.
    const rows = readEpochRows(path, window.since, window.until).filter((r) => pinned === null || r.receipt.body.validatorKey === pinned);
    const validatorKeys = [...new Set(rows.map((r) => r.receipt.body.validatorKey))].sort();
    const w = epochWeights(rows, window);
    out.result({
      db: path,
      epochMinutes,
      since: new Date(w.since).toISOString(),
      until: new Date(w.until).toISOString(),
      sinceMs: w.since,
      untilMs: w.until,
      validator: pinned,
      validatorKeys,
      total: w.total,
      executors: w.executors,
    }, `${human(w, epochMinutes)}${pinned === null && validatorKeys.length > 0 ? `\nsigned by ${validatorKeys.join(', ')} (no --validator pin)` : ''}`);
    setCode(0);
  });
}
