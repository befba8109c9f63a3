// The validator over the network: round-trip time, then challenge → commitment on the validator's
// own clock, openings, verdict and a signed receipt, stored in the ledger when one is given. With
// `machine`, one challenge per card of the agent goes out at once and every card is judged over
// the one window from the first send to the last commitment: a machine that serves its cards'
// challenges one after another on fewer cards shows a window that many times longer.
import type { Check } from '../roles/verifier.js';
import { verifyProof, signReceipt, type Verification } from '../roles/verifier.js';
import { issueChallenge, makeOpenRequest, receiveCommitment, DEFAULT_OPEN_ROWS, type ObservedWindow } from '../roles/validator.js';
import { MemoryReplayStore, type ReplayStore } from '../roles/stores.js';
import type { KeyPair } from '../protocol/keys.js';
import type { Figure, SignedChallenge, SignedCommitment, SignedVerdict } from '../protocol/schemas.js';
import type { MatmulSize } from '../proofs/matmul-size.js';
import type { Ledger } from '../ledger/ledger.js';
import { AgentClient } from './client.js';
import { errorInfo, errorMessage, failedReceipt, measureRtt, untilServed, type Rtt, type Served } from './attest-steps.js';
import { grade } from './grade.js';
import type { AgentInfo } from './wire.js';

export interface AttestOptions {
  keys: KeyPair;
  url: string;
  /** The key the executor must hold; taken from /v1/info when absent (trust on first use). */
  executorKey?: string | undefined;
  claim?: string | undefined;
  size: MatmulSize;
  rows?: number | undefined;
  ttlMs?: number | undefined;
  /** The whole attestation of this executor, every card and retry included. */
  timeoutMs?: number | undefined;
  rttSamples?: number | undefined;
  /** One challenge per adapter the agent lists, all judged over one window. */
  machine?: boolean | undefined;
  ledger?: Ledger | undefined;
  replay?: ReplayStore | undefined;
  onPhase?: ((phase: string) => void) | undefined;
}

export interface CardResult {
  challengeId: string;
  accepted: boolean;
  class: string | null;
  score: number;
  reason: string | null;
  adapter: number | null;
  observedMs: number | null;
  gflopsObserved: number | null;
  checks: Check[];
  receipt: SignedVerdict;
  receiptSeq: number | null;
}

export interface AttestResult {
  url: string;
  executorKey: string | null;
  accepted: boolean;
  rtt: Rtt | null;
  /** Includes one round trip plus upload and download: see rtt. */
  windowMs: number | null;
  cards: CardResult[];
  /** Set when no challenge could be sent (no key to address it to, or bad input). */
  error?: { code: string; field: string | null; message: string };
}

export const DEFAULT_ATTEST_TIMEOUT_MS = 120_000;

export async function attest(opts: AttestOptions): Promise<AttestResult> {
  const client = new AgentClient(opts.url);
  const signal = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_ATTEST_TIMEOUT_MS);
  const replay = opts.replay ?? new MemoryReplayStore();
  const base = { url: opts.url, accepted: false, rtt: null, windowMs: null, cards: [] };
  opts.onPhase?.('rtt');
  let info: AgentInfo | undefined;
  let rtt: Rtt | null = null;
  try {
    ({ info, rtt } = await measureRtt(client, opts.rttSamples ?? 3, signal));
  } catch (err) {
    // With a known key the challenge still goes out, so the failure ends in a receipt.
    if (opts.executorKey === undefined || opts.machine) return { ...base, executorKey: opts.executorKey ?? null, error: errorInfo(err) };
  }
  const executorKey = opts.executorKey ?? (info as AgentInfo).executorKey;
  const count = opts.machine ? (info as AgentInfo).adapters.length : 1;
  let challenges: SignedChallenge[];
  try {
    challenges = Array.from({ length: count }, () => {
      const ch = issueChallenge(opts.keys, { executorKey, matmul: opts.size, ttlMs: opts.ttlMs, claim: opts.claim ?? 'any' }, replay);
      opts.ledger?.recordIssued(ch, opts.url);
      return ch;
    });
  } catch (err) {
    return { ...base, executorKey, rtt, error: errorInfo(err) };
  }
  const network: Record<string, Figure> = rtt ? { rtt_median_ms: rtt.medianMs, rtt_min_ms: rtt.minMs, rtt_samples: rtt.samples.length, observed_includes_one_rtt: true } : { rtt_median_ms: null };

  opts.onPhase?.('commit');
  const startAt = Date.now();
  const startPerf = performance.now();
  type Outcome = { ok: Served<SignedCommitment> } | { err: unknown };
  const sent: Outcome[] = await Promise.all(challenges.map((ch) => untilServed(opts.url, () => client.postChallenge(ch, signal), signal).then((ok) => ({ ok }), (err: unknown) => ({ err }))));
  const served = sent.flatMap((o) => ('ok' in o ? [o.ok] : []));
  const last = served.reduce((m, s) => (s.receivedPerf > m.receivedPerf ? s : m), served[0] ?? { receivedPerf: startPerf, receivedAt: startAt });
  const machineWindow: ObservedWindow = { sentAt: startAt, receivedAt: last.receivedAt, observedMs: last.receivedPerf - startPerf };
  const allIn = served.length === count;
  const machineFigures: Record<string, Figure> = opts.machine ? { cards: count, committed: served.length, window_ms: machineWindow.observedMs ?? null } : {};

  // Phase one per card: accept the commitment and fix the window, all before any opening is drawn.
  type Ready = { ch: SignedChallenge; s: Served<SignedCommitment>; window: ObservedWindow };
  const cards: (CardResult | Ready)[] = challenges.map((ch, i) => {
    const o = sent[i] as Outcome;
    const fail = (check: string, reason: string, commitment: SignedCommitment | null = null): CardResult =>
      finish(opts, ch, failedReceipt(opts.keys, ch, commitment, check, reason, { network, ...(opts.machine ? { machine: machineFigures } : {}) }), null, reason, null);
    if ('err' in o) return fail('challenge.delivery', errorMessage(o.err));
    const ok = o.ok;
    try {
      receiveCommitment(opts.keys, ch, ok.value, replay, ok.receivedAt);
      opts.ledger?.markAnswered(ch.body.id, ok.receivedAt);
    } catch (err) {
      return fail('commitment.accepted', errorMessage(err), ok.value);
    }
    const own: ObservedWindow = { sentAt: ok.sentAt, receivedAt: ok.receivedAt, observedMs: ok.receivedPerf - ok.sentPerf };
    return { ch, s: ok, window: opts.machine ? machineWindow : own };
  });

  opts.onPhase?.('open');
  const aggregateFlops = cards.reduce((n, c) => n + ('window' in c ? 2 * c.ch.body.matmul.n ** 3 * c.ch.body.matmul.iterations : 0), 0);
  if (opts.machine && machineWindow.observedMs) machineFigures.aggregate_gflops = aggregateFlops / machineWindow.observedMs / 1e6;
  const results = await Promise.all(cards.map(async (c): Promise<CardResult> => {
    if (!('window' in c)) return c;
    const { ch, s, window } = c;
    const extras: Record<string, Figure> = { network: { ...network, agent_adapter: s.adapter, busy_retries: s.busyRetries }, ...(opts.machine ? { machine: machineFigures } : {}) };
    const request = makeOpenRequest(opts.keys, ch, s.value, window, opts.rows ?? DEFAULT_OPEN_ROWS);
    let openings;
    try {
      openings = (await untilServed(opts.url, () => client.postOpenings(request, signal), signal)).value;
    } catch (err) {
      return finish(opts, ch, failedReceipt(opts.keys, ch, s.value, 'openings.delivery', errorMessage(err), extras), s.adapter, errorMessage(err), window.observedMs ?? null);
    }
    const input = { challenge: ch, commitment: s.value, request, openings };
    const g = grade(verifyProof(input), s.value, ch.body.claim);
    const v: Verification = g.verification;
    if (opts.machine) {
      const pass = allIn;
      v.checks.push({ name: 'machine.window', pass, reason: pass ? 'ok' : `only ${served.length} of ${count} cards committed inside the window` });
      v.accepted &&= pass;
    }
    const measured = { ...v.measured, ...extras } as unknown as Verification['measured'];
    const receipt = signReceipt(opts.keys, input, { ...v, measured }, { class: g.class, score: v.accepted ? g.score : 0 });
    const reason = v.checks.find((x) => !x.pass);
    return finish(opts, ch, receipt, s.adapter, reason ? `${reason.name}: ${reason.reason}` : null, window.observedMs ?? null, v);
  }));
  return {
    url: opts.url,
    executorKey,
    accepted: results.length > 0 && results.every((r) => r.accepted),
    rtt,
    windowMs: opts.machine ? (machineWindow.observedMs ?? null) : (results[0]?.observedMs ?? null),
    cards: results,
  };
}

/** Stores the receipt (closing its challenge in the ledger) and shapes the card's result. */
function finish(opts: AttestOptions, ch: SignedChallenge, receipt: SignedVerdict, adapter: number | null, reason: string | null, observedMs: number | null, v?: Verification): CardResult {
  const gflops = v ? v.measured.matmul.gflops_observed : null;
  const seq = opts.ledger?.storeReceipt(receipt, ch.body.id, { url: opts.url, observedMs, gflops, reason, rttMs: numberOr(receipt.body.measured.network, 'rtt_median_ms') }) ?? null;
  return {
    challengeId: ch.body.id,
    accepted: receipt.body.accepted,
    class: receipt.body.class,
    score: receipt.body.score,
    reason,
    adapter,
    observedMs,
    gflopsObserved: gflops,
    checks: receipt.body.checks,
    receipt,
    receiptSeq: seq,
  };
}

function numberOr(f: Figure | undefined, key: string): number | null {
  if (typeof f !== 'object' || f === null || Array.isArray(f)) return null;
  const v = f[key];
  return typeof v === 'number' ? v : null;
}
