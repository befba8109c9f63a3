// From a verification to what a receipt says, through the roles' judge: the class the
// validator-observed figures reach and the score, with the claim as one more named check, so a
// claim above the proven class is a rejection that names what fell short.
import type { SignedCommitment } from '../protocol/schemas.js';
import { judge } from '../roles/judge.js';
import type { Verification } from '../roles/verifier.js';

export interface Graded {
  verification: Verification;
  class: string | null;
  score: number;
}

export function grade(v: Verification, commitment: SignedCommitment, claim: string): Graded {
  const j = judge(v, commitment.body.adapter, claim);
  const checks = j.claimCheck ? [...v.checks, j.claimCheck] : v.checks;
  const accepted = v.accepted && (j.claimCheck?.pass ?? true);
  return {
    verification: { ...v, checks, accepted },
    // Figures from a proof that failed its checks say nothing about the hardware.
    class: v.accepted ? j.class : null,
    score: accepted ? j.score : 0,
  };
}
