// From the per-attest CPU measured at small n to production sizes: the matmul verification is
// timed here at n = 1024 … 8192 with the rows attest opens (synthetic transcripts, the verifier's
// exact work), the memory verification is read from its own results file, and the rest of an
// attest (signatures, HTTP, JSON, the ledger's blocking writes) is what the small-n runs cost
// beyond their own verification.
import { existsSync, readFileSync } from 'node:fs';
import { generateKeyPair } from '../../src/protocol/keys.js';
import { verifyProof } from '../../src/roles/verifier.js';
import { toB64 } from '../../src/util/bytes.js';
import { syntheticTranscript } from '../transcript.js';
import { cpuMsOf, quantile, round } from './scale-measure.js';

export const EPOCH_MINUTES = 72;
const MEMORY_VERIFY_FILE = 'bench/results/memory-oracle-2026-12-01.json';

/** Median CPU ms of verifyProof on an honest transcript of size n with `rows` opened (after one warm-up). */
export function verifyCpuMs(n: number, rows: number, runs = 3): number {
  const v = generateKeyPair();
  const t = syntheticTranscript(n, rows, v);
  const key = toB64(v.publicKey);
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    let ok = false;
    const ms = cpuMsOf(() => (ok = verifyProof(t, key).accepted));
    if (!ok) throw new Error(`synthetic transcript rejected at n=${n}`);
    if (i > 0) times.push(ms);
  }
  return quantile(times, 0.5) as number;
}

/** The memory proof's verification (66 words of X_12), median CPU ms, from its results file. */
export function memoryVerifyCpuMs(): { ms: number | null; source: string } {
  if (!existsSync(MEMORY_VERIFY_FILE)) return { ms: null, source: `${MEMORY_VERIFY_FILE} (missing)` };
  const r = JSON.parse(readFileSync(MEMORY_VERIFY_FILE, 'utf8')) as { after?: { median_of_medians_ms?: number } };
  return { ms: r.after?.median_of_medians_ms ?? null, source: `${MEMORY_VERIFY_FILE}: after.median_of_medians_ms` };
}

export interface Projection {
  n: number;
  matmulVerifyCpuMs: number | null;
  perExecutorMs: number | null;
  executorsPerEpochPerCore: number | null;
}

/**
 * One executor per epoch costs the validator two attests' overhead (the memory challenge and the
 * matmul challenge each sign, send, receive and store), one matmul verification and one memory
 * verification. An epoch of one core's time divided by that is how many executors one core carries.
 */
export function project(overheadMs: number, memoryMs: number, verifyByN: Record<number, number>): Projection[] {
  const epochMs = EPOCH_MINUTES * 60_000;
  return Object.entries(verifyByN).map(([n, v]) => {
    const per = 2 * overheadMs + v + memoryMs;
    return { n: Number(n), matmulVerifyCpuMs: round(v), perExecutorMs: round(per), executorsPerEpochPerCore: Math.floor(epochMs / per) };
  });
}
