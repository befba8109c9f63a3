// What an attestation's component challenges carry into a card's final receipt. The memory and
// integer proofs each run in a challenge of their own beside the smallest matmul, so that each is
// timed over its own window (docs/decisions.md); the card's final receipt then holds each
// component's figures, its challenge id, and a check that fails when the component was rejected,
// so its class and score are judged on every proof and a rejected component rejects the card.
import type { Figure } from '../protocol/schemas.js';
import type { Check, Verification } from '../roles/verifier.js';

/** The proofs that run as components, in the order they are attested. */
export const COMPONENT_PROOFS = ['memory', 'alu'] as const;
export type ComponentProof = (typeof COMPONENT_PROOFS)[number];

/** What one component challenge proved for one card. */
export interface CarriedProof {
  challengeId: string;
  accepted: boolean;
  reason: string | null;
  /** The component's signed `measured[proof]`. */
  figures: Figure;
}

/** A card's components, by proof. */
export type Carried = Partial<Record<ComponentProof, CarriedProof>>;

const WHAT: Record<ComponentProof, string> = { memory: 'memory', alu: 'integer' };

/** Joins a card's components: their figures classify, and a rejected one fails the receipt. */
export function withCarried(v: Verification, carried: Carried | undefined): Verification {
  let out = v;
  for (const proof of COMPONENT_PROOFS) {
    const m = carried?.[proof];
    if (!m) continue;
    const check: Check = { name: `${proof}.challenge`, pass: m.accepted, reason: m.accepted ? 'ok' : `${WHAT[proof]} challenge ${m.challengeId} was rejected: ${m.reason ?? 'unknown'}` };
    const measured = { ...out.measured, [proof]: m.figures, [`${proof}Challenge`]: m.challengeId } as unknown as Verification['measured'];
    out = { ...out, measured, checks: [...out.checks, check], accepted: out.accepted && m.accepted };
  }
  return out;
}
