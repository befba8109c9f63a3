// The verifier: every check by name, each pass or fail with a reason; it returns a verdict and
// never throws on a bad proof. Rows are checked with exact integer arithmetic: the full product
// A_k[i]·B for small n, integer Freivalds (soundness 2^-44) above, both O(n²) per proof.
import { randomBytes } from 'node:crypto';
import { verifyAuditPath } from '../proofs/merkle.js';
import { streamKey, generateMatrix, generateRow, matrixReader, STREAM_MATMUL_A0, STREAM_MATMUL_B } from '../proofs/generator.js';
import { foldRow } from '../proofs/reference.js';
import { prepareFreivalds, checkRow, checkRowExact, type FreivaldsContext } from '../proofs/freivalds.js';
import { matmulFlops } from '../proofs/matmul-size.js';
import { checkMemory, type MemoryFigures } from './verifier-memory.js';
import { isMemoryOnly } from './validator.js';
import { fromB64, fromHex, sha256, toB64 } from '../util/bytes.js';
import type { SignedChallenge, SignedCommitment, SignedOpenRequest, SignedOpenings } from '../protocol/schemas.js';
import { verifySignature, hashHex, signMessage } from '../protocol/signing.js';
import { PROTOCOL_VERSION, type SignedVerdict, type Figure } from '../protocol/schemas.js';
import type { KeyPair } from '../protocol/keys.js';

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
  observed_ms: number;
  reported_ms: number;
  gflops_observed: number;
  gflops_reported: number;
  timing_method: string;
  rows_opened: number;
  row_check: 'exact' | 'freivalds';
  window: 'own' | 'shared';
}

export interface Verification {
  accepted: boolean;
  checks: Check[];
  measured: { matmul: MatmulFigures; memory?: MemoryFigures };
}

export interface VerifyInput {
  challenge: SignedChallenge;
  commitment: SignedCommitment;
  request: SignedOpenRequest;
  openings: SignedOpenings;
}

/** Full products up to this n; integer Freivalds above (same O(n²) order, about m/4 times cheaper). */
export const EXACT_ROW_CHECK_MAX_N = 128;

export function verifyProof(input: VerifyInput): Verification {
  const checks: Check[] = [];
  const check = (name: string, pass: boolean, reason: string): boolean => {
    checks.push({ name, pass, reason: pass ? 'ok' : reason });
    return pass;
  };
  const { challenge, commitment, request, openings } = input;
  const c = challenge.body;
  const validator = c.validatorKey;
  check('challenge.signature', verifySignature(challenge) && challenge.signer === validator, 'challenge signature does not verify against its validator key');
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
  check('matmul.shape', m.leaves === n * iterations, `commitment has ${m.leaves} leaves, expected ${n * iterations}`);
  // Matrix work costs O(n²) and the inputs may be forged: do it only once everything cheap holds.
  const cheapOk = checks.every((x) => x.pass);
  const rows = checkMatmulOpenings(input, check, cheapOk);
  // One window timed both proofs when both were asked: each figure then uses all of it (a lower
  // bound either way); selftest and attest time each proof in its own challenge.
  const shared = c.memory !== undefined && !isMemoryOnly(c.matmul);
  const memory = checkMemory(input, check, cheapOk, obs.observedMs, shared);
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
    observed_ms: obs.observedMs,
    reported_ms: chainMs,
    gflops_observed: obs.observedMs > 0 ? flops / obs.observedMs / 1e6 : 0,
    gflops_reported: chainMs > 0 ? flops / chainMs / 1e6 : 0,
    timing_method: commitment.body.timings.method,
    rows_opened: request.body.rows.length,
    row_check: rows,
    window: shared ? 'shared' : 'own',
  };
  return { accepted: checks.every((x) => x.pass), checks, measured: { matmul: measured, ...(memory ? { memory } : {}) } };
}

type CheckFn = (name: string, pass: boolean, reason: string) => boolean;

function checkMatmulOpenings(input: VerifyInput, check: CheckFn, proceed: boolean): 'exact' | 'freivalds' {
  const { challenge, commitment, request, openings } = input;
  const { n, iterations } = challenge.body.matmul;
  const mode = n <= EXACT_ROW_CHECK_MAX_N ? 'exact' : 'freivalds';
  const root = fromHex(commitment.body.matmul.root);
  const size = n * iterations;
  const asked = request.body.rows;
  const got = openings.body.rows;
  if (!proceed) {
    for (const name of ['openings.complete', 'matmul.paths', 'matmul.rows']) check(name, false, 'not checked: an earlier check failed');
    return mode;
  }
  const complete = got.length === asked.length && asked.every((r, j) => got[j]?.k === r.k && got[j]?.i === r.i && (r.k > 0) === (got[j]?.prev !== undefined));
  if (!check('openings.complete', complete, 'openings do not answer exactly the requested rows, in order, with the previous row for k > 0')) {
    check('matmul.paths', false, 'not checked: openings incomplete');
    check('matmul.rows', false, 'not checked: openings incomplete');
    return mode;
  }
  // Each opened row is decoded once: its bytes are hashed for the path and read as int32 for the check.
  const decode = (b64: string): Uint8Array | null => {
    const bytes = fromB64(b64);
    return bytes.length === n * 4 ? bytes : null;
  };
  const asInts = (bytes: Uint8Array | null): Int32Array | null => (bytes ? new Int32Array(bytes.slice().buffer) : null);
  const pathOk = (bytes: Uint8Array | null, path: string[], leaf: number): boolean =>
    bytes !== null && verifyAuditPath(sha256(bytes), leaf, size, path.map(fromHex), root);
  const rows = got.map((o) => ({ o, row: decode(o.row), prev: o.prev ? decode(o.prev.row) : null }));
  let badPath = '';
  for (const { o, row, prev } of rows) {
    if (!pathOk(row, o.path, o.k * n + o.i)) badPath ||= `row (${o.k}, ${o.i}) does not match the committed root`;
    if (o.prev && !pathOk(prev, o.prev.path, (o.k - 1) * n + o.i)) badPath ||= `row (${o.k - 1}, ${o.i}) does not match the committed root`;
  }
  check('matmul.paths', badPath === '', badPath);
  const seed = fromHex(challenge.body.seed);
  const keyA = streamKey(seed, STREAM_MATMUL_A0);
  const keyB = streamKey(seed, STREAM_MATMUL_B);
  // Freivalds needs B one row at a time (B·r), so B is never held: 64 MiB at n = 4096.
  let fr: FreivaldsContext | undefined;
  let B: Int32Array | undefined;
  if (mode === 'freivalds') fr = prepareFreivalds(matrixReader(keyB), n, (len) => new Uint8Array(randomBytes(len)));
  else B = generateMatrix(keyB, n);
  let badRow = '';
  for (const { o, row, prev: prevBytes } of rows) {
    const cRow = asInts(row);
    const prev = asInts(prevBytes);
    const aRow = o.k === 0 ? generateRow(keyA, n, o.i) : prev ? foldRow(prev) : null;
    const ok = cRow !== null && aRow !== null && (fr ? checkRow(fr, aRow, cRow) : B !== undefined && checkRowExact(aRow, B, cRow));
    if (!ok) badRow ||= `C_${o.k}[${o.i}] ≠ A_${o.k}[${o.i}]·B`;
  }
  check('matmul.rows', badRow === '', badRow);
  return mode;
}


/** The verdict as a receipt, signed by the validator. A failed check scores 0. */
export function signReceipt(keys: KeyPair, input: VerifyInput, v: Verification, extra: { class?: string | null; score?: number } = {}, now = Date.now()): SignedVerdict {
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
