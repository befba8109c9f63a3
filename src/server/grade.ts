// From a verification to what a receipt says: the class the validator-observed figures reach, the
// score, and the claim as one more named check, so a claim above the proven class is a rejection
// that names what fell short rather than a silent downgrade.
import { isSoftwareAdapter } from '../gpu/adapter-info.js';
import type { SignedCommitment } from '../protocol/schemas.js';
import { classify, claimHolds, loadClassTable, type ClassTable, type Figures } from '../roles/classes.js';
import { score } from '../roles/score.js';
import type { Verification } from '../roles/verifier.js';

export interface Graded {
  verification: Verification;
  class: string | null;
  score: number;
}

let table: ClassTable | undefined;

export function grade(v: Verification, commitment: SignedCommitment, claim: string): Graded {
  const m = v.measured.matmul;
  // Only the validator's own window feeds the class: reported times are advisory.
  const figures: Figures = m.path === 'f32' ? { 'matmul.f32_gflops': m.gflops_observed } : { 'matmul.tensor_gflops': m.gflops_observed };
  const a = commitment.body.adapter;
  const adapter = { vendor: a.vendor, architecture: a.architecture, device: a.device, description: a.description, isSoftware: isSoftwareAdapter(a) };
  table ??= loadClassTable();
  const result = classify(figures, adapter, table, claim);
  const claimOk = claimHolds(result);
  const c = result.claim;
  const why = c === undefined ? '' : c.status === 'unknown-class' ? `class ${claim} is not in the class table` : `${c.failed.length > 0 ? `${claim} floors not met: ${c.failed.join(', ')}; ` : ''}${c.note ?? ''}`;
  const checks = [...v.checks, { name: 'class.claim', pass: claimOk, reason: claimOk ? 'ok' : `claimed ${claim}, measured ${result.class}: ${why}`.replace(/[;: ]+$/, '') }];
  const accepted = v.accepted && claimOk;
  return {
    verification: { ...v, checks, accepted },
    class: v.accepted ? result.class : null,
    score: accepted ? score(result, figures, true, true).value : 0,
  };
}
