// The verifier: every check by name, each pass or fail with a reason; it returns a verdict and
// never throws on a bad proof. Rows are checked with exact integer arithmetic: the full product
// A_k[i]·B for small n, integer Freivalds (soundness 2^-44) above, both O(n²) per proof.
import { matmulFlops } from '../proofs/matmul-size.js';
import { checkMatmulOpenings, EXACT_ROW_CHECK_MAX_N } from './verifier-matmul.js';
import { checkMemory, type MemoryFigures } from './verifier-memory.js';
import { checkAlu, type AluFigures } from './verifier-alu.js';
import { isMemoryOnly } from './validator.js';
import { toB64 } from '../util/bytes.js';
import type { SignedChallenge, SignedCommitment, SignedOpenRequest, SignedOpenings } from '../protocol/schemas.js';
import { verifySignature, hashHex, signMessage } from '../protocol/signing.js';
import { PROTOCOL_VERSION, type SignedVerdict, type Figure } from '../protocol/schemas.js';
import type { KeyPair } from '../protocol/keys.js';
import { refused } from '../errors.js';

export interface Check {
  name: string;
  pass: boolean;
  reason: string;
}

export interface MatmulFigures {
  n: number;
  iterations: number;
  path: string;
  kernel: string;
  flops: number;
  observedMs: number;
  reportedMs: number;
  gflopsObserved: number;
  gflopsReported: number;
  timingMethod: string;
  rowsOpened: number;
  rowCheck: 'exact' | 'freivalds';
  window: 'own' | 'shared';
}

export interface Verification {
  accepted: boolean;
  checks: Check[];
  measured: { matmul: MatmulFigures; memory?: MemoryFigures; alu?: AluFigures };
}

export interface VerifyInput {
  challenge: SignedChallenge;
  commitment: SignedCommitment;
  request: SignedOpenRequest;
  openings: SignedOpenings;
}

export { EXACT_ROW_CHECK_MAX_N };

/**
 * `validatorKey` pins whose challenge this must be (base64): a transcript another key issued is
 * self-consistent yet proves nothing to this validator, and fails `challenge.validator`. null
 * checks self-consistency only; the caller must then say so.
 */
export function verifyProof(input: VerifyInput, validatorKey: string | null): Verification {
  const checks: Check[] = [];
  const check = (name: string, pass: boolean, reason: string): boolean => {
    checks.push({ name, pass, reason: pass ? 'ok' : reason });
    return pass;
  };
  const { challenge, commitment, request, openings } = input;
  const c = challenge.body;
  const validator = c.validatorKey;
  check('challenge.signature', verifySignature(challenge) && challenge.signer === validator, 'challenge signature does not verify against its validator key');
  if (validatorKey !== null) check('challenge.validator', validator === validatorKey, `challenge issued by ${validator}, not by the expected validator ${validatorKey}`);
  check('commitment.signature', verifySignature(commitment) && commitment.signer === c.executorKey && commitment.body.executorKey === c.executorKey, 'commitment is not signed by the challenged executor key');
  check('commitment.challenge', commitment.body.challengeHash === hashHex(challenge), 'commitment names another challenge');
  check('request.signature', verifySignature(request) && request.signer === validator, 'open request is not signed by the validator');
  check('request.binding', request.body.commitmentHash === hashHex(commitment) && request.body.challengeHash === hashHex(challenge), 'open request names another commitment or challenge');
  const obs = request.body.observed;
  check('commitment.in-time', obs.receivedAt < c.expiresAt && obs.sentAt >= c.issuedAt, 'commitment arrived outside the challenge window');
  check('openings.signature', verifySignature(openings) && openings.signer === c.executorKey, 'openings are not signed by the challenged executor key');
  check('openings.binding', openings.body.requestHash === hashHex(request), 'openings answer another request');
  const m = commitment.body.matmul;
  const { n, iterations } = c.matmul;
  check('matmul.shape', m.layers === iterations && m.rows === n, `commitment has ${m.layers} layers of ${m.rows} rows, expected ${iterations} of ${n}`);
  // Matrix work costs O(n²) and the inputs may be forged: do it only once everything cheap holds.
  const cheapOk = checks.every((x) => x.pass);
  const rows = checkMatmulOpenings(input, check, cheapOk);
  // One window timed every proof asked: each figure then uses all of it (a lower bound either way);
  // selftest and attest time each proof in its own challenge, with the smallest matmul beside it.
  const shared = [!isMemoryOnly(c.matmul), c.memory !== undefined, c.alu !== undefined].filter(Boolean).length > 1;
  const memory = checkMemory(input, check, cheapOk, obs.observedMs, shared);
  const alu = checkAlu(input, check, cheapOk, obs.observedMs, shared);
  const t = commitment.body.timings;
  const phaseSum = Object.values(t.phases).reduce((s, x) => s + x, 0);
  const worst = Math.max(t.totalMs, phaseSum, ...Object.values(t.phases));
  check('timing.reported-within-observed', worst <= obs.observedMs, `executor reports ${worst.toFixed(1)} ms, more than the ${obs.observedMs.toFixed(1)} ms the validator observed`);
  const flops = matmulFlops(c.matmul);
  // Reported figures are advisory and never classify; the chain time is capped at the observed window.
  const chainMs = Math.min(obs.observedMs, Math.max(t.phases['matmul.chain'] ?? t.totalMs, 0));
  const measured: MatmulFigures = {
    n,
    iterations,
    path: m.path,
    kernel: m.kernel,
    flops,
    observedMs: obs.observedMs,
    reportedMs: chainMs,
    gflopsObserved: obs.observedMs > 0 ? flops / obs.observedMs / 1e6 : 0,
    gflopsReported: chainMs > 0 ? flops / chainMs / 1e6 : 0,
    timingMethod: commitment.body.timings.method,
    rowsOpened: request.body.rows.length,
    rowCheck: rows,
    window: shared ? 'shared' : 'own',
  };
  return { accepted: checks.every((x) => x.pass), checks, measured: { matmul: measured, ...(memory ? { memory } : {}), ...(alu ? { alu } : {}) } };
}

/** The verdict as a receipt, signed by the validator. A failed check scores 0. */
export function signReceipt(keys: KeyPair, input: VerifyInput, v: Verification, extra: { class?: string | null; score?: number } = {}, now = Date.now()): SignedVerdict {
  if (input.challenge.body.validatorKey !== toB64(keys.publicKey)) {
    throw refused('no receipt for a challenge another validator key issued', 'challenge.body.validatorKey');
  }
  return signMessage('verdict', {
    version: PROTOCOL_VERSION,
    challengeHash: hashHex(input.challenge),
    commitmentHash: hashHex(input.commitment),
    executorKey: input.challenge.body.executorKey,
    validatorKey: toB64(keys.publicKey),
    accepted: v.accepted,
    checks: v.checks,
    measured: v.measured as unknown as Record<string, Figure>,
    class: extra.class ?? null,
    score: v.accepted ? (extra.score ?? 0) : 0,
    issuedAt: now,
  }, keys.secretKey);
}
