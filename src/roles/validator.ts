// The validator: issues fresh challenges, accepts a commitment only for a challenge it issued that
// is unexpired and unanswered, and draws the openings with fresh randomness only after it holds
// the commitment, stamping its own observed window into the signed open request.
import { randomBytes, randomInt } from 'node:crypto';
import { refused } from '../errors.js';
import { toB64, toHex } from '../util/bytes.js';
import { BLOCK_SEGMENTS, PROTOCOL_VERSION } from '../protocol/schemas.js';
import type { SignedChallenge, SignedCommitment, SignedOpenRequest, ChallengeBody } from '../protocol/schemas.js';
import { signMessage, verifySignature, hashHex } from '../protocol/signing.js';
import type { KeyPair } from '../protocol/keys.js';
import { checkMatmulSize, type MatmulSize } from '../proofs/matmul-size.js';
import { checkMemoryRequest } from '../proofs/memory-size.js';
import { checkAluSize, type AluSize } from '../proofs/alu-size.js';
import type { ReplayStore } from './stores.js';

/** Rows opened per matmul proof: a cheater right on 90 % of the links passes 0.9^66 < 10^-3 (docs/security.md). */
export const DEFAULT_OPEN_ROWS = 66;
/** Memory blocks opened per proof, one word each: holding 90 % of X_P passes 0.9^66 < 10^-3 (docs/memory-proof.md §1.7). */
export const DEFAULT_OPEN_BLOCKS = 66;
/** Integer lanes opened per proof, each recomputed whole: 90 % of lanes done passes 0.9^66 < 10^-3 (docs/alu-proof.md). */
export const DEFAULT_OPEN_LANES = 66;

/** The validator's own clock around the executor's work; observedMs may come from a finer clock. */
export interface ObservedWindow {
  sentAt: number;
  receivedAt: number;
  observedMs?: number;
}
export const DEFAULT_TTL_MS = 10 * 60_000;

/**
 * Every challenge carries a matmul proof; one that measures memory alone carries this smallest one
 * (8 kFLOP), so its observed window is the memory proof's own.
 */
export const MEMORY_ONLY_MATMUL: MatmulSize = { n: 16, iterations: 1 };
export const isMemoryOnly = (m: MatmulSize): boolean => m.n === MEMORY_ONLY_MATMUL.n && m.iterations === MEMORY_ONLY_MATMUL.iterations;

export interface ChallengeSpec {
  executorKey: string;
  matmul: MatmulSize;
  memory?: { mib: number; passes: number } | undefined;
  alu?: AluSize | undefined;
  ttlMs?: number;
  claim?: string;
}

export function issueChallenge(keys: KeyPair, spec: ChallengeSpec, replay: ReplayStore, now = Date.now()): SignedChallenge {
  checkMatmulSize(spec.matmul, undefined, 'matmul');
  if (spec.memory) checkMemoryRequest(spec.memory.mib, spec.memory.passes);
  if (spec.alu) checkAluSize(spec.alu);
  const body: ChallengeBody = {
    version: PROTOCOL_VERSION,
    id: toHex(randomBytes(16)),
    validatorKey: toB64(keys.publicKey),
    executorKey: spec.executorKey,
    issuedAt: now,
    expiresAt: now + (spec.ttlMs ?? DEFAULT_TTL_MS),
    seed: toHex(randomBytes(32)),
    claim: spec.claim ?? 'any',
    matmul: { n: spec.matmul.n, iterations: spec.matmul.iterations },
    ...(spec.memory ? { memory: { mib: spec.memory.mib, passes: spec.memory.passes } } : {}),
    ...(spec.alu ? { alu: { lanes: spec.alu.lanes, rounds: spec.alu.rounds } } : {}),
  };
  const challenge = signMessage('challenge', body, keys.secretKey);
  replay.recordIssued({ id: body.id, hash: hashHex(challenge), expiresAt: body.expiresAt, sentAt: now, answered: false });
  return challenge;
}

/**
 * Checks a commitment on arrival and returns the validator's observed window. Throws
 * GpuproofError('REFUSED') for a commitment no honest protocol run would produce at this point.
 */
export function receiveCommitment(keys: KeyPair, challenge: SignedChallenge, commitment: SignedCommitment, replay: ReplayStore, receivedAt = Date.now()): ObservedWindow {
  const c = challenge.body;
  if (!verifySignature(challenge) || challenge.signer !== toB64(keys.publicKey)) throw refused('challenge was not issued by this validator key', 'challenge.signer');
  const issued = replay.issued(c.id);
  if (!issued || issued.hash !== hashHex(challenge)) throw refused(`challenge ${c.id} is unknown to this validator`, 'challenge.body.id');
  if (issued.answered) throw refused(`challenge ${c.id} was already answered; a replayed commitment is refused`, 'commitment');
  if (receivedAt >= c.expiresAt) throw refused('commitment arrived after the challenge expired', 'commitment');
  if (!verifySignature(commitment) || commitment.signer !== c.executorKey || commitment.body.executorKey !== c.executorKey) {
    throw refused('commitment is not signed by the challenged executor key', 'commitment.signature');
  }
  if (commitment.body.challengeHash !== issued.hash) throw refused('commitment is for another challenge', 'commitment.body.challengeHash');
  replay.markAnswered(c.id);
  return { sentAt: issued.sentAt, receivedAt };
}

/** Draws m distinct integers in [0, total) with the CSPRNG. */
function drawDistinct(total: number, m: number): number[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(m, total)) picked.add(randomInt(total));
  return [...picked];
}

/** Draws m distinct (k, i) pairs uniformly with the CSPRNG; called only once the commitment is held. */
export function drawRows(size: MatmulSize, m: number): { k: number; i: number }[] {
  return drawDistinct(size.n * size.iterations, m).map((x) => ({ k: Math.floor(x / size.n), i: x % size.n }));
}

export function makeOpenRequest(keys: KeyPair, challenge: SignedChallenge, commitment: SignedCommitment, window: ObservedWindow, m = DEFAULT_OPEN_ROWS, blocks = DEFAULT_OPEN_BLOCKS, lanes = DEFAULT_OPEN_LANES): SignedOpenRequest {
  const mem = challenge.body.memory;
  const alu = challenge.body.alu;
  return signMessage('open-request', {
    version: PROTOCOL_VERSION,
    challengeHash: hashHex(challenge),
    commitmentHash: hashHex(commitment),
    rows: drawRows(challenge.body.matmul, m),
    blocks: mem ? drawDistinct(mem.mib * 64, Math.max(1, blocks)).map((index) => ({ index, segment: randomInt(BLOCK_SEGMENTS) })) : [],
    ...(alu ? { lanes: drawDistinct(alu.lanes, Math.max(1, lanes)) } : {}),
    observed: { sentAt: window.sentAt, receivedAt: window.receivedAt, observedMs: window.observedMs ?? window.receivedAt - window.sentAt },
  }, keys.secretKey);
}
