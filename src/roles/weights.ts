// Epoch weights: one epoch of signed receipts turned into one weight per executor, summing to 1.
// Everything is read from the signed receipt and its challenge, never from the ledger's columns,
// so an edited row cannot buy weight. The formula and the pools it mirrors: docs/scoring.md.
import type { Figure } from '../protocol/primitives.js';
import type { SignedChallenge, SignedVerdict } from '../protocol/schemas.js';
import { isMemoryOnly } from './validator.js';

/** 72 minutes: a Bittensor tempo of 360 blocks at 12 s, the period the networks pay by. */
export const DEFAULT_EPOCH_MINUTES = 72;

export interface EpochWindow {
  /** Inclusive, ms since the Unix epoch. */
  since: number;
  /** Exclusive. */
  until: number;
}

export interface WeightInput {
  seq: number;
  receipt: SignedVerdict;
  challenge: SignedChallenge;
}

export interface ExecutorWeight {
  executorKey: string;
  /** Attests attempted in the epoch: one receipt per card challenged, memory and integer components excluded. */
  attempted: number;
  accepted: number;
  /** Memory- and integer-proof component receipts seen (not counted as attests: their card's final receipt is). */
  components: number;
  /** accepted / attempted. */
  uptime: number;
  /** Mean score of the accepted receipts (0 with none). */
  score: number;
  /** The class of the latest accepted receipt: what the card proves now (null with none). */
  class: string | null;
  /** Most cards accepted in one attest: a machine attest's cards share one signed window. */
  gpus: number;
  /** score × gpus × uptime, before normalising. */
  raw: number;
  weight: number;
}

export interface EpochWeights extends EpochWindow {
  executors: ExecutorWeight[];
  /** Σ raw; 0 means nobody earned anything and every weight is 0. */
  total: number;
}

/** The last complete epoch before `now`, epochs aligned to multiples of their length since 1970. */
export function lastCompleteEpoch(epochMs: number, now = Date.now()): EpochWindow {
  const until = Math.floor(now / epochMs) * epochMs;
  return { since: until - epochMs, until };
}

/**
 * A component of an attest: the smallest matmul beside a memory or integer proof, each timed in a
 * challenge of its own. Its card's final receipt carries its figures and is the one that counts.
 */
export const isComponent = (challenge: SignedChallenge): boolean =>
  (challenge.body.memory !== undefined || challenge.body.alu !== undefined) && isMemoryOnly(challenge.body.matmul);

const objectOf = (f: Figure | undefined): Record<string, Figure> | undefined =>
  typeof f === 'object' && f !== null && !Array.isArray(f) ? f : undefined;

/**
 * Which attest a card's receipt belongs to. Every card of one machine attest is judged over the
 * same window, signed into its receipt as `measured.machine.windowMs`; a card attested alone is an
 * attest of its own.
 */
function attestKey(row: WeightInput): string {
  const machine = objectOf(row.receipt.body.measured.machine);
  const windowMs = machine?.windowMs;
  return typeof windowMs === 'number' ? `machine:${windowMs}:${String(machine?.cards)}` : `card:${row.seq}`;
}

interface Tally {
  attempted: number;
  accepted: number;
  components: number;
  scoreSum: number;
  latest: { at: number; class: string | null } | null;
  cardsPerAttest: Map<string, number>;
}

function tally(rows: readonly WeightInput[], window: EpochWindow): Map<string, Tally> {
  const byExecutor = new Map<string, Tally>();
  for (const row of rows) {
    const b = row.receipt.body;
    if (b.issuedAt < window.since || b.issuedAt >= window.until) continue;
    let t = byExecutor.get(b.executorKey);
    if (!t) byExecutor.set(b.executorKey, (t = { attempted: 0, accepted: 0, components: 0, scoreSum: 0, latest: null, cardsPerAttest: new Map() }));
    if (isComponent(row.challenge)) {
      t.components += 1;
      continue;
    }
    t.attempted += 1;
    if (!b.accepted) continue;
    t.accepted += 1;
    t.scoreSum += b.score;
    if (!t.latest || b.issuedAt >= t.latest.at) t.latest = { at: b.issuedAt, class: b.class };
    const key = attestKey(row);
    t.cardsPerAttest.set(key, (t.cardsPerAttest.get(key) ?? 0) + 1);
  }
  return byExecutor;
}

/** Weights for the receipts issued inside the window; receipts outside it are ignored. */
export function epochWeights(rows: readonly WeightInput[], window: EpochWindow): EpochWeights {
  const executors: ExecutorWeight[] = [...tally(rows, window)].map(([executorKey, t]) => {
    const uptime = t.attempted > 0 ? t.accepted / t.attempted : 0;
    const score = t.accepted > 0 ? t.scoreSum / t.accepted : 0;
    const gpus = Math.max(0, ...t.cardsPerAttest.values());
    return { executorKey, attempted: t.attempted, accepted: t.accepted, components: t.components, uptime, score, class: t.latest?.class ?? null, gpus, raw: score * gpus * uptime, weight: 0 };
  });
  const total = executors.reduce((s, e) => s + e.raw, 0);
  for (const e of executors) e.weight = total > 0 ? e.raw / total : 0;
  executors.sort((a, b) => b.weight - a.weight || (a.executorKey < b.executorKey ? -1 : 1));
  return { ...window, executors, total };
}
