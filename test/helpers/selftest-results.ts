// Constructed verdicts for the output and report tests: a selftest result judged by the real
// class table (so floors and classes are the kit's own), and an attested card with a signed receipt.
import { judge } from '../../src/roles/judge.js';
import type { SelftestResult } from '../../src/roles/selftest.js';
import type { Check, Verification } from '../../src/roles/verifier.js';
import type { CardResult } from '../../src/server/attest.js';
import type { FloorCheck } from '../../src/roles/classes.js';
import type { VerdictView } from '../../src/cli/verdict-view.js';
import { generateKeyPair, type KeyPair } from '../../src/protocol/keys.js';
import { signMessage } from '../../src/protocol/signing.js';
import { PROTOCOL_VERSION, type Figure } from '../../src/protocol/schemas.js';
import { toB64 } from '../../src/util/bytes.js';

/** 34 named passing checks, as a full selftest has about that many. */
export const passingChecks = (): Check[] => Array.from({ length: 34 }, (_, i) => ({ name: `fixture.pass-${i}`, pass: true, reason: 'ok' }));

export function measured(gflops: number): Verification['measured'] {
  return {
    matmul: { n: 256, iterations: 4, path: 'f32', kernel: 'tile-16', flops: 2 * 256 ** 3 * 4, observedMs: 12, reportedMs: 10, gflopsObserved: gflops, gflopsReported: gflops * 1.2, timingMethod: 'timestamp-query', rowsOpened: 32, rowCheck: 'exact', window: 'own' },
    memory: { mib: 16, passes: 4, chunks: 2, rowsPerChunk: 8, capacityBytes: 16 * 2 ** 20, capacityGib: 16 / 1024, bytesPerRowPerPass: 4096, trafficBytes: 1e8, observedMs: 40, reportedMs: 35, bandwidthGbsObserved: 2.5, bandwidthGbsReported: 2.9, window: 'own', blocksOpened: 64, wordsChecked: 4096 },
  };
}

const H100 = { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H100 80GB HBM3', description: 'NVIDIA H100 80GB HBM3 <b>&"x\'</b>', backend: 'vulkan', features: [], isFallbackAdapter: false };

/** A selftest on an "H100" (strings only) that measured `gflops`, with `extra` checks after the passes. */
export function selftestResult(opts: { gflops?: number; claim?: string; extra?: Check[] } = {}): SelftestResult {
  const checks = [...passingChecks(), ...(opts.extra ?? [])];
  const m = measured(opts.gflops ?? 2.8);
  const judgement = judge({ accepted: checks.every((c) => c.pass), checks, measured: m }, H100, opts.claim ?? 'any');
  if (judgement.claimCheck) checks.push(judgement.claimCheck);
  const accepted = checks.every((c) => c.pass);
  return {
    accepted, checks, measured: m, class: judgement.class, score: accepted ? judgement.score : 0, judgement,
    adapter: { ...H100, subgroupMinSize: null, subgroupMaxSize: null, subgroupMatrixConfigs: [], limits: {} },
    kernel: 'tile-16', memoryKernel: 'rows', aluKernel: 'x2-wg64', transcripts: [],
    timings: { commitMs: 52, openMs: 8, verifyMs: 30, totalMs: 95, phases: {}, method: 'timestamp-query' },
  } as SelftestResult;
}

/** An attested card whose receipt `validator` signed. */
export function attestedCard(validator: KeyPair, opts: { gflops?: number; checks?: Check[] } = {}): CardResult {
  const executor = generateKeyPair();
  const checks = opts.checks ?? passingChecks();
  const accepted = checks.every((c) => c.pass);
  const receipt = signMessage('verdict', {
    version: PROTOCOL_VERSION, challengeHash: 'a'.repeat(64), commitmentHash: 'b'.repeat(64),
    executorKey: toB64(executor.publicKey), validatorKey: toB64(validator.publicKey), accepted, checks,
    measured: measured(opts.gflops ?? 2.8) as unknown as Record<string, Figure>, class: accepted ? 'software' : null, score: 0, issuedAt: 1_790_000_000_000,
  }, validator.secretKey);
  return { challengeId: 'c'.repeat(32), accepted, class: receipt.body.class, score: 0, reason: null, adapter: null, observedMs: 14, gflopsObserved: opts.gflops ?? 2.8, checks, receipt, receiptSeq: null };
}

/** A bare view with one floor, for the chart's arithmetic. */
export function viewWithFloor(measuredValue: number, floor: number): VerdictView {
  const f: FloorCheck = { class: 'h100-sxm', dimension: 'matmul.f32_gflops', floor, measured: measuredValue, status: measuredValue >= floor ? 'pass' : 'fail', blocking: measuredValue < floor };
  return { source: 'selftest', accepted: false, class: 'software', score: 0, claim: { id: 'h100-sxm', holds: false }, adapter: 'test', checks: passingChecks(), floors: [f], figures: { 'matmul.f32_gflops': measuredValue }, sizes: [], timings: [] };
}
