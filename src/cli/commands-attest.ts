// The networked validator: attest (one executor) and validate (a list, with bounded concurrency
// and a deadline per executor). Exit 0 when every executor is accepted, 1 otherwise, 2 for bad
// input. Receipts go to the ledger: for attest when --db is given, for validate always.
import type { Argv } from 'yargs';
import { z } from 'zod';
import { inputError } from '../errors.js';
import { firstIssue } from '../protocol/issues.js';
import { readCapped } from '../protocol/parse.js';
import { parseIJson } from '../protocol/ijson.js';
import { ClassId, MAX_OPEN_ROWS, PublicKey } from '../protocol/schemas.js';
import { DEFAULT_OPEN_ROWS } from '../roles/validator.js';
import { MAX_ITERATIONS, MAX_EXACT_N, checkMatmulSize } from '../proofs/matmul-size.js';
import { Ledger } from '../ledger/ledger.js';
import { attest, attestWithMemory, type AttestOptions, type AttestResult } from '../server/attest.js';
import { MAX_MIB, MIN_PASSES, MAX_PASSES } from '../proofs/memory-size.js';
import { sizeForClass } from '../roles/sizing.js';
import { loadClassTable } from '../roles/classes.js';
import { errorInfo } from '../server/attest-steps.js';
import { createVerifyPool, MAX_VERIFY_WORKERS, type VerifyPool } from '../roles/verify-pool.js';
import { httpUrl, httpUrlProblem, intOption, optionalInt, readKeys, warnWeakOpening, readPubKey } from './inputs.js';
import { ANY_CLASS, checkClaim } from './claims.js';
import { defaultLedgerPath } from './commands-net.js';
import { checksTable, makeOut, table, type SetCode } from './output.js';
import { reportHtml } from './report-html.js';
import { viewOfAttest } from './verdict-view.js';
import { checkOutPath, writeFileAtomic } from '../util/files.js';
import { aluOption, DEFAULT_ALU_ROUNDS } from './alu-options.js';

type Args = Record<string, unknown> & { json: boolean };

const MAX_EXECUTORS_FILE_BYTES = 1024 * 1024;
/** The attest phases as the progress line names them: one step each, so no time-left estimate. */
const ATTEST_PHASES: Record<string, string> = { memory: 'memory challenge', alu: 'integer challenge', rtt: 'round trip', commit: 'commitment (executor at work)', open: 'openings and verify' };

const HttpUrl = z.string().max(2048).superRefine((s, ctx) => {
  const problem = httpUrlProblem(s);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});
/** A claim must name a class in the table (or `any`), with suggestions, as --claim must. */
const KnownClaim = ClassId.superRefine((s, ctx) => {
  try {
    checkClaim(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^claim: /, '') });
  }
});

export const ExecutorsFile = z.array(z.strictObject({
  url: HttpUrl,
  publicKey: z.optional(PublicKey),
  claim: z.optional(KnownClaim),
  allAdapters: z.optional(z.boolean()),
  /** Entries with the same label are one machine: challenged at once, judged over one window. */
  machine: z.optional(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected a label of letters, digits, . _ -')),
})).min(1).max(10_000);
export type ExecutorsFile = z.infer<typeof ExecutorsFile>;

/** Options shared by attest and validate: the challenge's size and the validator's patience. */
function sizeOptions<T>(c: Argv<T>) {
  return c
    .option('key', { type: 'string', demandOption: true, describe: "validator's key file" })
    .option('n', { type: 'number', describe: 'matrix size, a multiple of 16 (default: sized for the claim: --claim, or validate\'s entry\'s; else 512)' })
    .option('iterations', { type: 'number', describe: 'chained multiplications K (default: sized for --claim, else 8)' })
    .option('memory-mib', { type: 'number', describe: 'memory to prove in MiB, in a challenge of its own; 0 for none (default: the claimed class\'s capacity floor, else 0)' })
    .option('passes', { type: 'number', describe: 'memory passes P (default 12)' })
    .option('alu-lanes', { type: 'number', describe: 'integer-proof lanes W, in a challenge of its own; 0 for none (default: sized for the claim, else none)' })
    .option('alu-rounds', { type: 'number', describe: `integer-proof rounds a lane L (default: sized for the claim, else ${DEFAULT_ALU_ROUNDS})` })
    .option('rows', { type: 'number', default: DEFAULT_OPEN_ROWS, describe: `matmul rows to open (m); fewer weakens the proof (docs/security.md)` })
    .option('ttl', { type: 'number', default: 600, describe: 'seconds until each challenge expires' })
    .option('timeout', { type: 'number', default: 120, describe: 'seconds for one executor, all steps and retries' })
    .option('rtt-samples', { type: 'number', default: 3, describe: 'GET /v1/info round trips timed first' })
    .option('verify-workers', { type: 'number', describe: 'threads that verify proofs off the event loop; 0 verifies in-process (default: cores − 1, at least 1)' });
}

/** --verify-workers, checked with the other options; no thread starts before the first verification. */
const verifyPoolOf = (a: Args): VerifyPool => createVerifyPool({ size: optionalInt(a, 'verify-workers', 0, MAX_VERIFY_WORKERS) });

/** The challenge's size, memory and integer proofs: the options given, else sized for the claim, else the defaults. */
function sizing(a: Args, claim: string): Pick<AttestOptions, 'size' | 'memory' | 'alu'> {
  const sized = claim !== ANY_CLASS ? sizeForClass(loadClassTable(), claim) : undefined;
  const size = { n: intOption(a.n ?? sized?.matmul.n ?? 512, 'n', 16, MAX_EXACT_N), iterations: intOption(a.iterations ?? sized?.matmul.iterations ?? 8, 'iterations', 1, MAX_ITERATIONS) };
  checkMatmulSize(size);
  const mib = intOption(a['memory-mib'] ?? sized?.memory.mib ?? 0, 'memory-mib', 0, MAX_MIB);
  const passes = intOption(a.passes ?? sized?.memory.passes ?? 12, 'passes', MIN_PASSES, MAX_PASSES);
  const memory = mib > 0 ? { mib, passes } : undefined;
  return { size, memory, alu: aluOption(a, sized) };
}

function common(a: Args, command: string): Omit<AttestOptions, 'keys' | 'url'> & { size: AttestOptions['size'] } {
  const { size, memory, alu } = sizing(a, a.claim === undefined ? ANY_CLASS : checkClaim(a.claim));
  const ttl = intOption(a.ttl, 'ttl', 1, 86_400);
  const timeout = intOption(a.timeout, 'timeout', 1, 86_400);
  const rows = intOption(a.rows, 'rows', 1, MAX_OPEN_ROWS);
  warnWeakOpening(command, 'rows', rows, DEFAULT_OPEN_ROWS);
  return { size, memory, alu, rows, ttlMs: ttl * 1000, timeoutMs: timeout * 1000, rttSamples: intOption(a['rtt-samples'], 'rtt-samples', 1, 100) };
}

/** The result without receipt bodies (they are in the ledger), for the summary. */
const brief = (r: AttestResult): Record<string, unknown> => ({
  ...r,
  cards: r.cards.map(({ receipt, ...rest }) => rest),
});

const fmt = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined ? '-' : x.toFixed(digits));

function summaryRows(results: AttestResult[]): string[][] {
  return [
    ['url', 'executor', 'card', 'result', 'class', 'score', 'GFLOPS', 'window ms', 'rtt ms', 'reason'],
    ...results.flatMap((r) => (r.cards.length === 0
      ? [[r.url, r.executorKey ? `${r.executorKey.slice(0, 12)}…` : '-', '-', 'ERROR', '-', '-', '-', '-', fmt(r.rtt?.medianMs), (r.error?.message ?? '').slice(0, 70)]]
      : r.cards.map((c, i) => [
        r.url, `${(r.executorKey ?? '').slice(0, 12)}…`, c.adapter === null ? String(i) : String(c.adapter), c.accepted ? 'accepted' : 'REJECTED', c.class ?? '-',
        c.score.toFixed(2), c.gflopsObserved === null ? '-' : c.gflopsObserved.toPrecision(4), fmt(c.observedMs), fmt(r.rtt?.medianMs), (c.reason ?? '').slice(0, 70),
      ]))),
  ];
}

export function attestCommands<T>(y: Argv<T>, setCode: SetCode): Argv<T> {
  return y
    .command('attest <url>', 'challenge one agent over HTTP and sign a receipt; exit 0 accepted, 1 rejected', (c) => sizeOptions(c)
      .example('$0 attest http://127.0.0.1:8420 --key validator.key --db receipts.db', 'attest a local agent, keep the receipt')
      .example('$0 attest http://10.0.0.5:8420 --key validator.key --executor executor.key.pub --claim h100-sxm', 'pin the executor key, size for its claimed class')
      .positional('url', { type: 'string', describe: 'the agent, e.g. http://10.0.0.5:8420' })
      .option('executor', { type: 'string', describe: "the executor's expected public key: .pub file, base64 or key file (default: trust /v1/info)" })
      .option('claim', { type: 'string', default: 'any', describe: 'class the executor claims (an id from `gpuproof classes`, or any)' })
      .option('db', { type: 'string', describe: 'store the receipt in this ledger' })
      .option('all-adapters', { type: 'boolean', default: false, describe: 'challenge every card at once; all must commit inside one window' })
      .option('report', { type: 'string', describe: 'write an HTML report embedding the signed receipt to this file (one card: not with --all-adapters)' }), async (raw) => {
      const a = raw as unknown as Args;
      const out = makeOut(a.json, 'attest');
      const url = httpUrl(a.url, 'url');
      const opts = common(a, 'attest');
      const claim = checkClaim(a.claim);
      const keys = await readKeys(String(a.key));
      const executorKey = typeof a.executor === 'string' ? await readPubKey(a.executor, 'executor') : undefined;
      const report = reportPath(a);
      const pool = verifyPoolOf(a);
      const ledger = typeof a.db === 'string' ? Ledger.open(a.db) : undefined;
      try {
        const r = await attest({ ...opts, keys, url, executorKey, claim, ledger, pool, machine: a['all-adapters'] === true, onPhase: (p) => out.progress?.(ATTEST_PHASES[p] ?? p, 0, 1) });
        out.progressEnd?.();
        const card = r.cards[0];
        const human = [
          card && r.cards.length === 1 ? checksTable(card.checks, a.verbose === true) : table(summaryRows([r])),
          '',
          table([
            ['round trip (median of GET /v1/info)', r.rtt ? `${fmt(r.rtt.medianMs)} ms` : 'not measured'],
            ['observed window (includes one round trip)', `${fmt(r.windowMs)} ms`],
            ...(card && r.cards.length === 1 ? [['GFLOPS observed', card.gflopsObserved === null ? '-' : card.gflopsObserved.toPrecision(4)], ...integerRow(card), ['class', card.class ?? '-'], ['score', card.score.toFixed(2)]] : []),
            ['receipt', ledger ? `stored in ${ledger.path}` : 'not stored (no --db)'],
          ]),
          r.error ? `error: ${r.error.message}` : '',
          r.accepted ? 'ACCEPTED' : 'REJECTED',
        ].filter((s) => s !== '').join('\n');
        if (report !== undefined && card) writeFileAtomic(report, reportHtml(viewOfAttest(card, claim, r.url, r.rtt?.medianMs ?? null)));
        out.result({ ...r, db: ledger?.path ?? null }, human, r.accepted);
        setCode(r.accepted ? 0 : 1);
      } finally {
        out.progressEnd?.();
        ledger?.close();
        await pool.close();
      }
    })
    .command('validate', 'attest every executor in a list, a few at a time; one receipt each in the ledger', (c) => sizeOptions(c)
      .example('$0 validate --executors executors.json --key validator.key', 'attest every agent in the list, receipts in the default ledger')
      .example('$0 validate --executors executors.json --key validator.key --concurrency 8 --json', 'eight at a time, machine-readable summary')
      .option('executors', { type: 'string', demandOption: true, describe: 'JSON file: [{url, publicKey?, claim?, allAdapters?, machine?}], url http(s)://host:port' })
      .option('concurrency', { type: 'number', default: 4, describe: 'executors attested at once' })
      .option('db', { type: 'string', describe: 'ledger (default $GPUPROOF_HOME/receipts.db)' })
      .option('machine', { type: 'boolean', default: false, describe: 'challenge every card of each executor at once' }), async (raw) => {
      const a = raw as unknown as Args;
      const out = makeOut(a.json, 'validate');
      const opts = common(a, 'validate');
      const concurrency = intOption(a.concurrency, 'concurrency', 1, 256);
      const keys = await readKeys(String(a.key));
      const list = await readExecutors(String(a.executors));
      const pool = verifyPoolOf(a);
      const ledger = Ledger.open(typeof a.db === 'string' ? a.db : defaultLedgerPath());
      try {
        // One job per machine label (challenged together), one per unlabelled entry.
        const groups = new Map<string, number[]>();
        list.forEach((e, i) => {
          const key = e.machine === undefined ? `#${i}` : `machine:${e.machine}`;
          groups.set(key, [...(groups.get(key) ?? []), i]);
        });
        let done = 0;
        const results = new Array<AttestResult>(list.length);
        await mapLimit([...groups.values()], concurrency, async (idx) => {
          const entries = idx.map((i) => list[i] as ExecutorsFile[number]);
          const targets = entries.map((e) => ({ url: e.url, executorKey: e.publicKey, claim: e.claim ?? 'any', allAdapters: e.allAdapters ?? a.machine === true }));
          const labelled = entries[0]?.machine !== undefined;
          // validate has no --claim: a group is sized for its first entry's claim, as attest sizes for --claim.
          const claimed = sizing(a, targets[0]?.claim ?? ANY_CLASS);
          const rs = await attestWithMemory({ ...opts, ...claimed, keys, ledger, pool }, targets, labelled ? true : targets[0]?.allAdapters)
            .then((r) => r.results)
            .catch((err: unknown): AttestResult[] => targets.map((t) => ({ url: t.url, executorKey: t.executorKey ?? null, accepted: false, rtt: null, windowMs: null, cards: [], error: errorInfo(err) })));
          rs.forEach((r, j) => (results[idx[j] as number] = r));
          done += idx.length;
          out.progress?.('validate', done, list.length);
        });
        out.progressEnd?.();
        const accepted = results.filter((r) => r.accepted).length;
        out.result(
          { db: ledger.path, accepted, total: results.length, results: results.map(brief) },
          `${table(summaryRows(results))}\n\n${accepted} of ${results.length} executors accepted; receipts in ${ledger.path}`,
          accepted === results.length,
        );
        setCode(accepted === results.length ? 0 : 1);
      } finally {
        ledger.close();
        await pool.close();
      }
    });
}

/** The integer proof's figure as the card's receipt signs it, with its own window; none when not proven. */
function integerRow(card: AttestResult['cards'][number]): string[][] {
  const alu = card.receipt.body.measured.alu as { intGopsObserved?: unknown; observedMs?: unknown; window?: unknown } | undefined;
  if (typeof alu?.intGopsObserved !== 'number') return [];
  return [['integer GOPS observed', `${alu.intGopsObserved.toPrecision(4)} (${String(alu.window)} window of ${typeof alu.observedMs === 'number' ? fmt(alu.observedMs) : '-'} ms)`]];
}

/** --report's path, checked before any work: one card per report, never over a file without --force. */
function reportPath(a: Args): string | undefined {
  if (typeof a.report !== 'string') return undefined;
  if (a['all-adapters'] === true) throw inputError('report', 'a report is of one card: drop --all-adapters, or attest each card on its own');
  checkOutPath(a.report, 'report', a.force === true);
  return a.report;
}

async function readExecutors(path: string): Promise<ExecutorsFile> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await readCapped(path, MAX_EXECUTORS_FILE_BYTES));
  } catch (err) {
    if (err instanceof TypeError) throw inputError('executors', `${path}: not a UTF-8 JSON file`);
    throw inputError('executors', `${path}: ${(err as Error).message}`);
  }
  const raw = parseIJson(text, { field: 'executors', source: path });
  const parsed = ExecutorsFile.safeParse(raw);
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.error, 'executors');
    throw inputError(field, `${path}: ${message}`);
  }
  return parsed.data;
}

/** Runs fn over items with at most `limit` in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
