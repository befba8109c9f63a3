// The score: a run earns its tier's weight (a rental-value figure) plus part of the way to the next
// tier's weight, by how far its figures stand above the class floors. Formula and worked example:
// docs/scoring.md. It is built so that no figure, raised, can lower the score (a cheater who can only
// make figures larger, or withhold the tensor figure, gains nothing by sandbagging or withholding).
import { inputError } from '../errors.js';
import type { ClassResult, Dimension, Figures } from './classes.js';

/** A figure above CAP × its floor earns nothing more: floors are conservative, and one fast path must not buy a tier. */
export const SCORE_CAP = 2;

export interface ScoreResult {
  value: number;
  class: string;
  weight: number;
  nextWeight: number;
  /** Geometric mean of min(measured / floor, SCORE_CAP) over the class's floors; 1 to SCORE_CAP. */
  headroom: number;
  /** The class the headroom was taken from: the best-scoring class reached at the run's rank. */
  headroomClass: string;
  ratios: Partial<Record<Dimension, number>>;
  zeroBecause?: 'checks-failed' | 'claim-mismatch' | 'weightless-class';
}

/**
 * score = weight + (nextWeight − weight) × (headroom − 1) / (SCORE_CAP − 1), and 0 when a check
 * failed, the claim did not hold, or the class has no weight (software, unlisted). `figures` must be
 * the ones `result` was classified from.
 */
export function score(result: ClassResult, figures: Figures, allChecksPassed: boolean, claimOk: boolean): ScoreResult {
  for (const f of result.floors) {
    if ((figures[f.dimension] ?? null) !== f.measured) throw inputError(`figures.${f.dimension}`, 'differs from the figure the class was decided on');
  }
  // Within a rank the adapter strings chose the class; the headroom must not depend on them, so it
  // is the best over every class reached at that rank (result.class first, so it wins ties).
  let best: Headroom = { headroom: 1, cls: result.class, ratios: {} };
  let found = false;
  for (const id of [result.class, ...(result.tiedWith ?? [])]) {
    if (!result.reached.includes(id)) continue;
    const h = headroomOf(id, result.floors.filter((f) => f.class === id));
    if (h !== undefined && (!found || h.headroom > best.headroom)) [best, found] = [h, true];
  }
  const base = { class: result.class, weight: result.weight, nextWeight: result.nextWeight, headroom: best.headroom, headroomClass: best.cls, ratios: best.ratios };
  if (!allChecksPassed) return { ...base, value: 0, zeroBecause: 'checks-failed' };
  if (!claimOk) return { ...base, value: 0, zeroBecause: 'claim-mismatch' };
  if (result.weight <= 0) return { ...base, value: 0, zeroBecause: 'weightless-class' };
  const raw = result.weight + (result.nextWeight - result.weight) * ((best.headroom - 1) / (SCORE_CAP - 1));
  // Clamped so rounding can never carry a run past the next tier's weight, which a run of that tier earns at least.
  return { ...base, value: Math.min(result.nextWeight, Math.max(result.weight, raw)) };
}

interface Headroom {
  headroom: number;
  cls: string;
  ratios: Partial<Record<Dimension, number>>;
}

function headroomOf(id: string, checks: ClassResult['floors']): Headroom | undefined {
  if (checks.length === 0) return undefined;
  const ratios: Partial<Record<Dimension, number>> = {};
  let logSum = 0;
  for (const f of checks) {
    // Not measured (in a reached class only the tensor figure can be) counts as at the floor, so
    // withholding it earns nothing and reporting a passing one never costs anything.
    const r = f.measured === null ? 1 : Math.min(f.measured / f.floor, SCORE_CAP);
    if (f.measured !== null) ratios[f.dimension] = r;
    logSum += Math.log(r);
  }
  return { headroom: Math.min(SCORE_CAP, Math.max(1, Math.exp(logSum / checks.length))), cls: id, ratios };
}
