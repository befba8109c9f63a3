// The integer proof's size on the validator's side (challenge, attest, validate): --alu-lanes and
// --alu-rounds when given; otherwise a claimed class sizes it (sizing.ts), as it sizes the memory
// proof; with no claim there is none. 0 lanes means no integer proof whatever the claim.
import { MAX_ALU_LANES_PROOF, MAX_ALU_ROUNDS, type AluSize } from '../proofs/alu-size.js';
import { ALU_PRODUCTION_ROUNDS, type ChallengeSizes } from '../roles/sizing.js';
import { intOption } from './inputs.js';

/** L when lanes are given and rounds are not: the production chain length a class is sized with. */
export const DEFAULT_ALU_ROUNDS = ALU_PRODUCTION_ROUNDS;

/** The integer proof a claimed class's sizes call for (none without a claim). */
export const claimedAlu = (sizes: ChallengeSizes | undefined): AluSize | undefined => sizes?.alu;

/**
 * The integer proof to ask for, or undefined for none. Each option is checked whenever it is
 * given (INPUT naming it), even when 0 lanes leave nothing for the rounds to size.
 */
export function aluOption(a: Record<string, unknown>, sized: ChallengeSizes | undefined): AluSize | undefined {
  const claimed = claimedAlu(sized);
  const lanes = intOption(a['alu-lanes'] ?? claimed?.lanes ?? 0, 'alu-lanes', 0, MAX_ALU_LANES_PROOF);
  const rounds = intOption(a['alu-rounds'] ?? claimed?.rounds ?? DEFAULT_ALU_ROUNDS, 'alu-rounds', 1, MAX_ALU_ROUNDS);
  return lanes > 0 ? { lanes, rounds } : undefined;
}
