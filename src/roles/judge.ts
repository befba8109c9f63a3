// From a verification to a class and a score: the figures the validator observed, the class whose
// every floor they reach, the claim compared with it, and the score. Adapter strings come from the
// executor's commitment and are forgeable: they only break ties (src/roles/classes.ts).
import { isSoftwareAdapter } from '../gpu/adapter-info.js';
import type { AdapterInfo } from '../protocol/schemas.js';
import { classify, claimHolds, loadClassTable, type ClassResult, type ClassTable, type Figures } from './classes.js';
import { score, type ScoreResult } from './score.js';
import type { Check, Verification } from './verifier.js';

export interface Judgement {
  class: string;
  score: number;
  figures: Figures;
  classification: ClassResult;
  scoring: ScoreResult;
  /** The claim check, added to the verdict's checks when a class was claimed. */
  claimCheck: Check | undefined;
}

/** The validator-observed figures, named as the class table names them. */
export function figuresOf(v: Verification): Figures {
  const m = v.measured.matmul;
  const figures: Figures = {};
  if (m.path === 'f32') figures['matmul.f32_gflops'] = m.gflopsObserved;
  else figures['matmul.tensor_gflops'] = m.gflopsObserved;
  const mem = (v.measured as { memory?: { bandwidthGbsObserved?: number; capacityGib?: number } }).memory;
  if (mem) {
    figures['memory.bandwidth_gbs'] = mem.bandwidthGbsObserved;
    figures['memory.capacity_gib'] = mem.capacityGib;
  }
  // Typed loosely, as memory is, so judging does not depend on which proofs a Verification carries.
  const alu = (v.measured as { alu?: { intGopsObserved?: number } }).alu;
  if (alu && alu.intGopsObserved !== undefined) figures['alu.int_gops'] = alu.intGopsObserved;
  return figures;
}

let cachedTable: ClassTable | undefined;
const defaultTable = (): ClassTable => (cachedTable ??= loadClassTable());

export function judge(v: Verification, adapter: AdapterInfo, claim: string, table: ClassTable = defaultTable()): Judgement {
  const figures = figuresOf(v);
  const strings = {
    vendor: adapter.vendor,
    architecture: adapter.architecture,
    device: adapter.device,
    description: adapter.description,
    isSoftware: isSoftwareAdapter(adapter),
  };
  const classification = classify(figures, strings, table, claim === 'any' ? undefined : claim);
  const claimOk = claimHolds(classification);
  const scoring = score(classification, figures, v.checks.every((c) => c.pass), claimOk);
  const c = classification.claim;
  const claimCheck: Check | undefined = c
    ? { name: 'class.claim', pass: claimOk, reason: claimOk ? 'ok' : claimReason(c.id, c.status, c.failed, classification.class) }
    : undefined;
  return { class: classification.class, score: scoring.value, figures, classification, scoring, claimCheck };
}

function claimReason(id: string, status: string, failed: string[], measured: string): string {
  if (status === 'unknown-class') return `claimed class ${id} is not in the class table`;
  return `claimed ${id}, measured ${measured}: ${failed.join(', ')} below the ${id} floor`;
}
