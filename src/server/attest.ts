// The validator over the network: round-trip time, then challenge → commitment on the validator's
// own clock, openings, verdict and a signed receipt, stored in the ledger when one is given.
// A machine (every card of one agent, or several agents declared one machine) is challenged at
// once and every card judged over the one window from the common send to the last commitment: a
// machine that serves its cards' challenges one after another on fewer cards shows a window that
// many times longer.
import { verifyProof, signReceipt, type Verification, type VerifyInput } from '../roles/verifier.js';
import type { VerifyPool } from '../roles/verify-pool.js';
import { issueChallenge, makeOpenRequest, receiveCommitment, DEFAULT_OPEN_ROWS, MEMORY_ONLY_MATMUL, type ObservedWindow } from '../roles/validator.js';
import { MemoryReplayStore, type ReplayStore } from '../roles/stores.js';
import type { KeyPair } from '../protocol/keys.js';
import type { Figure, SignedChallenge, SignedCommitment, SignedVerdict } from '../protocol/schemas.js';
import { matmulFlops, type MatmulSize } from '../proofs/matmul-size.js';
import type { Ledger } from '../ledger/ledger.js';
import { AgentClient } from './client.js';
import { errorInfo, errorMessage, failedReceipt, measureRtt, untilServed, type Rtt, type Served } from './attest-steps.js';
import { grade } from './grade.js';
import { withCarried, type Carried, type ComponentProof } from './attest-carried.js';
import type { AluSize } from '../proofs/alu-size.js';
import type { Check } from '../roles/verifier.js';
import { toB64 } from '../util/bytes.js';

/** One agent to attest. */
export interface Target {
  url: string;
  /** The key the executor must hold; taken from /v1/info when absent (trust on first use). */
  executorKey?: string | undefined;
  claim?: string | undefined;
  /** One challenge per adapter the agent lists, instead of one. */
  allAdapters?: boolean | undefined;
}

export interface GroupOptions {
  keys: KeyPair;
  size: MatmulSize;
  rows?: number | undefined;
  ttlMs?: number | undefined;
  /** The whole attestation, every agent, card and retry included. */
  timeoutMs?: number | undefined;
  rttSamples?: number | undefined;
  ledger?: Ledger | undefined;
  replay?: ReplayStore | undefined;
  onPhase?: ((phase: string) => void) | undefined;
  /** Also prove memory: in a challenge of its own, timed on its own, before the matmul one. */
  memory?: { mib: number; passes: number } | undefined;
  /** Also prove integer throughput: in a challenge of its own, after the memory one. */
  alu?: AluSize | undefined;
  /** Component results per card (`target:slot`), carried from their challenges into the receipt. */
  carried?: Map<string, Carried> | undefined;
  /** Verifies on worker threads, so other executors' commitments are timestamped meanwhile; absent: in-process. */
  pool?: VerifyPool | undefined;
}

export interface AttestOptions extends GroupOptions, Target {
  /** Every card of the agent at once, judged over one window. */
  machine?: boolean | undefined;
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
  const { results } = await attestWithMemory(opts, [{ url: opts.url, executorKey: opts.executorKey, claim: opts.claim, allAdapters: opts.machine }], opts.machine === true);
  return results[0] as AttestResult;
}

interface Card {
  target: number;
  /** Which of the target's challenges (adapter slot order) this is. */
  slot: number;
  url: string;
  client: AgentClient;
  ch: SignedChallenge;
}

/**
 * Attests the targets together: all challenges are sent at once. With `machine` (the default for
 * more than one card) every card is judged over the common window and passes `machine.window` only
 * when every planned card committed.
 */
export async function attestMachine(opts: GroupOptions, targets: readonly Target[], machine?: boolean): Promise<AttestResult[]> {
  const signal = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_ATTEST_TIMEOUT_MS);
  const replay = opts.replay ?? new MemoryReplayStore();
  const results: AttestResult[] = targets.map((t) => ({ url: t.url, executorKey: t.executorKey ?? null, accepted: false, rtt: null, windowMs: null, cards: [] }));
  opts.onPhase?.('rtt');
  const cards: Card[] = [];
  let planned = 0;
  await Promise.all(targets.map(async (t, ti) => {
    const r = results[ti] as AttestResult;
    planned += 1;
    try {
      const client = new AgentClient(t.url);
      const probe = await measureRtt(client, opts.rttSamples ?? 3, signal).catch((err: unknown) => {
        // With a known key a single challenge still goes out, so the failure ends in a receipt.
        if (t.executorKey === undefined || t.allAdapters) throw err;
        return undefined;
      });
      r.rtt = probe?.rtt ?? null;
      r.executorKey = t.executorKey ?? (probe?.info.executorKey as string);
      const count = t.allAdapters && probe ? probe.info.adapters.length : 1;
      planned += count - 1;
      for (let i = 0; i < count; i++) {
        const ch = issueChallenge(opts.keys, { executorKey: r.executorKey, matmul: opts.size, memory: opts.memory, alu: opts.alu, ttlMs: opts.ttlMs, claim: t.claim ?? 'any' }, replay);
        opts.ledger?.recordIssued(ch, t.url);
        cards.push({ target: ti, slot: i, url: t.url, client, ch });
      }
    } catch (err) {
      r.error = errorInfo(err);
    }
  }));
  const isMachine = machine ?? planned > 1;

  opts.onPhase?.('commit');
  const startAt = Date.now();
  const startPerf = performance.now();
  type Outcome = { ok: Served<SignedCommitment> } | { err: unknown };
  const sent: Outcome[] = await Promise.all(cards.map((c) => untilServed(c.url, () => c.client.postChallenge(c.ch, signal), signal).then((ok) => ({ ok }), (err: unknown) => ({ err }))));
  const served = sent.flatMap((o) => ('ok' in o ? [o.ok] : []));
  const last = served.reduce((m, s) => (s.receivedPerf > m.receivedPerf ? s : m), served[0] ?? { receivedPerf: startPerf, receivedAt: startAt });
  const machineWindow: ObservedWindow = { sentAt: startAt, receivedAt: last.receivedAt, observedMs: last.receivedPerf - startPerf };
  const allIn = served.length === planned;
  const machineFigures: Record<string, Figure> = { cards: planned, committed: served.length, windowMs: machineWindow.observedMs ?? null };
  const figuresOf = (c: Card, s?: Served<SignedCommitment>): Record<string, Figure> => {
    const rtt = results[c.target]?.rtt;
    const network: Record<string, Figure> = rtt ? { rttMedianMs: rtt.medianMs, rttMinMs: rtt.minMs, rttSamples: rtt.samples.length, observedIncludesOneRtt: true } : { rttMedianMs: null };
    if (s) Object.assign(network, { agentAdapter: s.adapter, busyRetries: s.busyRetries });
    return { network, ...(isMachine ? { machine: machineFigures } : {}) };
  };
  const fail = (c: Card, check: string, reason: string, commitment: SignedCommitment | null = null, s?: Served<SignedCommitment>): CardResult =>
    finish(opts, c, failedReceipt(opts.keys, c.ch, commitment, check, reason, figuresOf(c, s)), s?.adapter ?? null, `${check}: ${reason}`, null);

  // Every commitment is accepted and every window fixed before any opening is drawn.
  type Ready = { c: Card; s: Served<SignedCommitment>; window: ObservedWindow };
  const ready: (CardResult | Ready)[] = cards.map((c, i) => {
    const o = sent[i] as Outcome;
    if ('err' in o) return fail(c, 'challenge.delivery', errorMessage(o.err));
    const s = o.ok;
    try {
      receiveCommitment(opts.keys, c.ch, s.value, replay, s.receivedAt);
      opts.ledger?.markAnswered(c.ch.body.id, s.receivedAt);
    } catch (err) {
      return fail(c, 'commitment.accepted', errorMessage(err), s.value, s);
    }
    const own: ObservedWindow = { sentAt: s.sentAt, receivedAt: s.receivedAt, observedMs: s.receivedPerf - s.sentPerf };
    return { c, s, window: isMachine ? machineWindow : own };
  });
  const flops = ready.reduce((n, x) => n + ('window' in x ? matmulFlops(x.c.ch.body.matmul) : 0), 0);
  if (isMachine && machineWindow.observedMs) machineFigures.aggregateGflops = flops / machineWindow.observedMs / 1e6;

  opts.onPhase?.('open');
  const done = await Promise.all(ready.map(async (x): Promise<CardResult> => {
    if (!('window' in x)) return x;
    const { c, s, window } = x;
    const request = makeOpenRequest(opts.keys, c.ch, s.value, window, opts.rows ?? DEFAULT_OPEN_ROWS);
    let openings;
    try {
      openings = (await untilServed(c.url, () => c.client.postOpenings(request, signal), signal)).value;
    } catch (err) {
      return fail(c, 'openings.delivery', errorMessage(err), s.value, s);
    }
    const input = { challenge: c.ch, commitment: s.value, request, openings };
    let verdict: Verification;
    try {
      verdict = await verifyWith(opts.pool, input, toB64(opts.keys.publicKey));
    } catch (err) {
      return fail(c, 'verification.completed', `the validator could not verify: ${errorMessage(err)}`, s.value, s);
    }
    const g = grade(withCarried(verdict, opts.carried?.get(`${c.target}:${c.slot}`)), s.value, c.ch.body.claim);
    const v: Verification = g.verification;
    if (isMachine) {
      v.checks.push({ name: 'machine.window', pass: allIn, reason: allIn ? 'ok' : `only ${served.length} of ${planned} cards committed inside the window` });
      v.accepted &&= allIn;
    }
    const measured = { ...v.measured, ...figuresOf(c, s) } as unknown as Verification['measured'];
    const receipt = signReceipt(opts.keys, input, { ...v, measured }, { class: g.class, score: v.accepted ? g.score : 0 });
    const failed = v.checks.find((k) => !k.pass);
    return finish(opts, c, receipt, s.adapter, failed ? `${failed.name}: ${failed.reason}` : null, window.observedMs ?? null, v);
  }));
  done.forEach((card, i) => (results[(cards[i] as Card).target] as AttestResult).cards.push(card));
  for (const r of results) {
    r.accepted = r.error === undefined && r.cards.length > 0 && r.cards.every((c) => c.accepted);
    r.windowMs = isMachine ? (machineWindow.observedMs ?? null) : (r.cards[0]?.observedMs ?? null);
  }
  return results;
}

/**
 * Proves memory, then integer throughput, each in challenges of its own (the smallest matmul beside
 * it, judged as a component with no claim), then the matmul, and judges each card's final receipt
 * on every proof's figures. Without `memory` and `alu` it is attestMachine as it stands.
 */
export async function attestWithMemory(opts: GroupOptions, targets: readonly Target[], machine?: boolean): Promise<{ results: AttestResult[]; memory: AttestResult[]; alu: AttestResult[] }> {
  if (!opts.memory && !opts.alu) return { results: await attestMachine(opts, targets, machine), memory: [], alu: [] };
  const carried = new Map<string, Carried>();
  const component = async (proof: ComponentProof): Promise<AttestResult[]> => {
    opts.onPhase?.(proof);
    const only = { memory: proof === 'memory' ? opts.memory : undefined, alu: proof === 'alu' ? opts.alu : undefined };
    const rs = await attestMachine({ ...opts, ...only, size: MEMORY_ONLY_MATMUL, carried: undefined }, targets.map((t) => ({ ...t, claim: 'any' })), machine);
    rs.forEach((r, ti) => r.cards.forEach((c, slot) => {
      const figures = c.receipt.body.measured[proof];
      const key = `${ti}:${slot}`;
      if (figures !== undefined) carried.set(key, { ...carried.get(key), [proof]: { challengeId: c.challengeId, accepted: c.accepted, reason: c.reason, figures } });
    }));
    return rs;
  };
  const memory = opts.memory ? await component('memory') : [];
  const alu = opts.alu ? await component('alu') : [];
  const results = await attestMachine({ ...opts, memory: undefined, alu: undefined, carried }, targets, machine);
  return { results, memory, alu };
}

/** The verdict, on the pool's workers when there is a pool (a worker that dies rejects). */
const verifyWith = async (pool: VerifyPool | undefined, input: VerifyInput, validatorKey: string): Promise<Verification> =>
  (pool ? pool.verify(input, validatorKey) : verifyProof(input, validatorKey));

/** Stores the receipt (closing its challenge in the ledger) and shapes the card's result. */
function finish(opts: GroupOptions, c: Card, receipt: SignedVerdict, adapter: number | null, reason: string | null, observedMs: number | null, v?: Verification): CardResult {
  const gflops = v ? v.measured.matmul.gflopsObserved : null;
  const rtt = receipt.body.measured.network;
  const rttMs = typeof rtt === 'object' && rtt !== null && !Array.isArray(rtt) && typeof rtt.rttMedianMs === 'number' ? rtt.rttMedianMs : null;
  const seq = opts.ledger?.storeReceipt(receipt, c.ch.body.id, { url: c.url, observedMs, gflops, reason, rttMs }) ?? null;
  return {
    challengeId: c.ch.body.id,
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
