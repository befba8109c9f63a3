// The pieces of a networked attestation that do not depend on its shape: the round-trip
// measurement, waiting out 429s within the deadline, and the signed receipt for a run that failed
// before it could be verified (so every challenge sent ends in a receipt).
import { setTimeout as sleep } from 'node:timers/promises';
import { GpuproofError } from '../errors.js';
import type { KeyPair } from '../protocol/keys.js';
import { PROTOCOL_VERSION, type Figure, type SignedChallenge, type SignedCommitment, type SignedVerdict } from '../protocol/schemas.js';
import { hashHex, signMessage } from '../protocol/signing.js';
import { toB64 } from '../util/bytes.js';
import { transportError, type AgentClient, type Answer } from './client.js';
import type { AgentInfo } from './wire.js';

export interface Rtt {
  samples: number[];
  medianMs: number;
  minMs: number;
}

/**
 * Times `count` GET /v1/info on a kept-alive connection. The figure is stated next to the observed
 * window, never subtracted from it: the agent controls how fast it answers /v1/info, so a slow
 * info would otherwise buy it a shorter window.
 */
export async function measureRtt(client: AgentClient, count: number, signal: AbortSignal): Promise<{ info: AgentInfo; rtt: Rtt }> {
  const samples: number[] = [];
  let info: AgentInfo | undefined;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    info = await client.info(signal);
    samples.push(performance.now() - t0);
  }
  if (!info) throw new GpuproofError('USAGE', 'at least one round-trip sample is needed');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const medianMs = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { info, rtt: { samples, medianMs, minMs: sorted[0] as number } };
}

export interface Served<T> {
  value: T;
  adapter: number | null;
  /** Epoch and monotonic times of the send that was served, and of its full answer. */
  sentAt: number;
  receivedAt: number;
  sentPerf: number;
  receivedPerf: number;
  busyRetries: number;
}

/** Repeats `call` while the agent answers 429, waiting as told, until the deadline aborts. */
export async function untilServed<T>(url: string, call: () => Promise<Answer<T>>, signal: AbortSignal): Promise<Served<T>> {
  for (let busyRetries = 0; ; busyRetries++) {
    const sentAt = Date.now();
    const sentPerf = performance.now();
    const a = await call();
    if (a.kind === 'ok') return { value: a.value, adapter: a.adapter, sentAt, receivedAt: Date.now(), sentPerf, receivedPerf: performance.now(), busyRetries };
    try {
      await sleep(Math.max(50, a.retryAfterS * 1000), undefined, { signal });
    } catch (err) {
      throw transportError(url, err);
    }
  }
}

/** A rejected receipt naming the step that failed: the challenge was sent, so it is accounted for. */
export function failedReceipt(keys: KeyPair, challenge: SignedChallenge, commitment: SignedCommitment | null, check: string, reason: string, measured: Record<string, Figure> = {}): SignedVerdict {
  return signMessage('verdict', {
    version: PROTOCOL_VERSION,
    challengeHash: hashHex(challenge),
    commitmentHash: commitment ? hashHex(commitment) : null,
    executorKey: challenge.body.executorKey,
    validatorKey: toB64(keys.publicKey),
    accepted: false,
    checks: [{ name: check, pass: false, reason: reason.slice(0, 1024) || 'failed' }],
    measured,
    class: null,
    score: 0,
    issuedAt: Date.now(),
  }, keys.secretKey);
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The error as the CLI prints it: code, field, message. */
export function errorInfo(err: unknown): { code: string; field: string | null; message: string } {
  const e = err instanceof GpuproofError ? err : undefined;
  return { code: e?.code ?? 'INTERNAL', field: e?.field ?? null, message: errorMessage(err) };
}
