// The executor's side of the integer proof: run every lane, commit to the tree of their results,
// and later open lanes from the results kept on the GPU, or from a re-run that must reproduce the
// committed root.
import type { GpuContext } from '../gpu/context.js';
import { refused } from '../errors.js';
import { runAluProof, type AluRun } from '../proofs/alu-proof.js';
import type { AluParams, CommitmentBody, LaneOpening } from '../protocol/schemas.js';
import { toB64, toHex } from '../util/bytes.js';

export interface AluCommit {
  body: NonNullable<CommitmentBody['alu']>;
  phases: Record<string, number>;
  /** The run, holding the results on the GPU when kept. */
  run: AluRun;
}

export interface AluRunOpts {
  kernel?: string | undefined;
  keep?: boolean | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
}

export async function commitAlu(ctx: GpuContext, seed: Uint8Array, req: AluParams, opts: AluRunOpts = {}): Promise<AluCommit> {
  const run = await runAluProof(ctx, seed, req, opts);
  return { body: { root: toHex(run.root), lanes: req.lanes, rounds: req.rounds, kernel: run.kernel }, phases: run.phases, run };
}

/** The lanes asked for, in the order asked, from `kept` when this process still holds the run. */
export async function openAlu(ctx: GpuContext, seed: Uint8Array, req: AluParams, committedRoot: string, lanes: readonly number[], kept: AluRun | undefined, kernel: string | undefined): Promise<LaneOpening[]> {
  let run = kept?.kept ? kept : undefined;
  let rerun: AluRun | undefined;
  if (!run) {
    rerun = await runAluProof(ctx, seed, req, { kernel, keep: true });
    if (toHex(rerun.root) !== committedRoot) {
      rerun.kept?.destroy();
      throw refused('re-running the integer lanes did not reproduce the committed root (faulty GPU?)');
    }
    run = rerun;
  }
  try {
    const opened = await (run.kept as NonNullable<AluRun['kept']>).open([...new Set(lanes)], run.top);
    return lanes.map((index) => {
      const o = opened.get(index);
      if (!o) throw new Error(`lane ${index} was not captured`);
      return { index, state: toB64(o.state), path: o.path.map(toHex) };
    });
  } finally {
    rerun?.kept?.destroy();
  }
}
