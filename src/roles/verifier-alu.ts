// The verifier's integer-proof checks: the commitment holds the lanes and rounds asked for, every
// opened lane sits at its own index under the committed root of W leaves, and each opened lane,
// recomputed whole from its start, ends in exactly the committed state. Nothing inside a chain is
// committed or trusted: a lane is right only if all L of its rounds were.
import { aluLaneResults } from '../proofs/alu-lanes.js';
import { ALU_OPS_TOTAL } from '../proofs/alu-round.js';
import { aluOps } from '../proofs/alu-size.js';
import { verifyAuditPath } from '../proofs/merkle.js';
import { LANE_RESULT_BYTES, type SignedChallenge } from '../protocol/schemas.js';
import { bytesEqual, fromB64, fromHex } from '../util/bytes.js';
import type { VerifyInput } from './verifier.js';
import type { CheckFn } from './verifier-matmul.js';

/** The figures are validator-observed: counted ops W·L·14 over the observed window. */
export interface AluFigures {
  lanes: number;
  rounds: number;
  opsPerRound: number;
  ops: number;
  kernel: string;
  observedMs: number;
  reportedMs: number;
  intGopsObserved: number;
  intGopsReported: number;
  /** 'shared' when the window also timed another proof: a lower bound, not the lane rate. */
  window: 'own' | 'shared';
  lanesOpened: number;
  lanesChecked: number;
}

// One transcript and the verdict's check recorder, as verifier.ts passes them to every proof's checks.
type Input = VerifyInput;

export function checkAlu(input: Input, check: CheckFn, proceed: boolean, observedMs: number, shared: boolean): AluFigures | undefined {
  const req = input.challenge.body.alu;
  const com = input.commitment.body.alu;
  const asked = input.request.body.lanes;
  const got = input.openings.body.lanes;
  if (!req) {
    check('alu.absent', com === undefined && asked === undefined && got === undefined, 'integer-proof data for a challenge that asked for none');
    return undefined;
  }
  if (!check('alu.committed', com !== undefined, 'the challenge asked for an integer proof and the commitment has none') || !com) return undefined;
  const shapeOk = check('alu.shape', com.lanes === req.lanes && com.rounds === req.rounds, `commitment has ${com.lanes} lanes of ${com.rounds} rounds, expected ${req.lanes} of ${req.rounds}`);
  // An integer proof with no lane opened checks nothing: an honest validator always opens some.
  const complete = asked !== undefined && got !== undefined && got.length === asked.length && asked.every((l, j) => got[j]?.index === l);
  const checked = checkLanes(input, check, proceed && shapeOk && complete, complete);
  const t = input.commitment.body.timings;
  const laneMs = (t.phases['alu.lanes'] ?? t.totalMs) + (t.phases['alu.tree'] ?? 0);
  const reportedMs = Math.min(observedMs, Math.max(laneMs, 0));
  const ops = aluOps(req);
  return {
    lanes: req.lanes,
    rounds: req.rounds,
    opsPerRound: ALU_OPS_TOTAL,
    ops,
    kernel: com.kernel,
    observedMs,
    reportedMs,
    intGopsObserved: observedMs > 0 ? ops / observedMs / 1e6 : 0,
    intGopsReported: reportedMs > 0 ? ops / reportedMs / 1e6 : 0,
    window: shared ? 'shared' : 'own',
    lanesOpened: got?.length ?? 0,
    lanesChecked: checked,
  };
}

/**
 * alu.openings-complete, alu.paths and alu.lanes. Exported for tests only (test/named-bugs.test.ts):
 * checkAlu reaches it only once alu.shape holds, so the path check's own use of the validator's W,
 * never the W the commitment reports, can be shown only by calling it past that gate.
 */
export function checkLanes(input: Input, check: CheckFn, proceed: boolean, complete: boolean): number {
  if (!proceed) {
    check('alu.openings-complete', complete, complete ? 'not checked: an earlier check failed' : 'no lanes were asked, or the openings do not answer exactly the requested lanes, in order');
    for (const name of ['alu.paths', 'alu.lanes']) check(name, false, 'not checked: an earlier check failed');
    return 0;
  }
  check('alu.openings-complete', true, '');
  const req = input.challenge.body.alu as NonNullable<SignedChallenge['body']['alu']>;
  const root = fromHex(input.commitment.body.alu?.root ?? '');
  const lanes = input.openings.body.lanes ?? [];
  const states = lanes.map((l) => fromB64(l.state));
  // Index and size are the validator's own: the request's lane, W from the challenge.
  const badPath = lanes.find((l, j) => {
    const state = states[j] as Uint8Array;
    return state.length !== LANE_RESULT_BYTES || !verifyAuditPath(state, l.index, req.lanes, l.path.map(fromHex), root);
  });
  check('alu.paths', badPath === undefined, badPath ? `lane ${badPath.index} does not match the committed root (length or path)` : '');
  if (badPath) {
    check('alu.lanes', false, 'not checked: an earlier check failed');
    return 0;
  }
  const want = aluLaneResults(fromHex(input.challenge.body.seed), lanes.map((l) => l.index), req.rounds);
  const wrong = lanes.find((_, j) => !bytesEqual(states[j] as Uint8Array, new Uint8Array(want.buffer, j * LANE_RESULT_BYTES, LANE_RESULT_BYTES)));
  check('alu.lanes', wrong === undefined, wrong ? `lane ${wrong.index}: its committed state differs from ${req.rounds} rounds recomputed from its start` : '');
  return lanes.length;
}
