// What selftest prints with --json: the checks, each figure against the floors of the claimed
// class and of the detected class, the class and score. The human text is selftest-human.ts.
import type { FloorCheck } from '../roles/classes.js';
import type { SelftestResult } from '../roles/selftest.js';

/** The floors shown: the claimed class's and the detected class's. */
export function shownFloors(r: SelftestResult): FloorCheck[] {
  const c = r.judgement.classification;
  const ids = new Set([c.claim?.id, c.class].filter((x): x is string => typeof x === 'string'));
  return c.floors.filter((f) => ids.has(f.class));
}

export function selftestJson(r: SelftestResult): Record<string, unknown> {
  const c = r.judgement.classification;
  return {
    accepted: r.accepted,
    class: r.class,
    score: r.score,
    claim: c.claim ?? null,
    checks: r.checks,
    floors: shownFloors(r),
    figures: r.judgement.figures,
    adapterAgreement: c.adapterAgreement,
    adapter: r.adapter,
    kernel: r.kernel,
    memoryKernel: r.memoryKernel,
    aluKernel: r.aluKernel,
    measured: r.measured,
    timings: r.timings,
  };
}
