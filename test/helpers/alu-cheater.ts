// A CPU "executor" of the integer proof for tests that can lie (small W and L only: every lane is
// recomputed here). It computes the lane results with the verifier's own reference for the rounds
// and seed it is told (the challenge's by default), lets a test change any held state, commits to
// an RFC 6962 tree over whatever it holds (as the GPU executor's tree is built), and answers an
// open request with the states held then and real audit paths into the committed tree, or with
// other lanes' openings where a test says so. The matmul part is the honest CPU chain of
// cheater.ts. Nothing here checks anything: it is the adversary.
import { aluLaneResults } from '../../src/proofs/alu-lanes.js';
import { MerkleTree } from '../../src/proofs/merkle.js';
import type { AluParams, CommitmentBody, LaneOpening, SignedChallenge, SignedCommitment, SignedOpenRequest, SignedOpenings } from '../../src/protocol/schemas.js';
import type { KeyPair } from '../../src/protocol/keys.js';
import { fromHex, toB64, toHex } from '../../src/util/bytes.js';
import { CheatingExecutor, type CommitOptions, type OpenOptions } from './cheater.js';

/** Largest W·L the CPU cheater computes (a few hundred milliseconds here). */
export const ALU_CHEATER_MAX_WORK = 2 ** 24;

export interface AluCheaterOptions {
  /** What to compute when the challenge has no integer part (alu.absent tests). */
  as?: AluParams;
  /** Rounds a lane to compute instead of the challenge's (short lanes). */
  rounds?: number;
  /** Compute from this seed instead of the challenge's (another challenge's lanes). */
  seed?: Uint8Array;
}

export interface AluCommitOptions extends CommitOptions {
  /** Leave the integer part out of the commitment. */
  omitAlu?: boolean;
  /** Overrides of the reported integer part (root, lanes, rounds, kernel). */
  report?: Partial<NonNullable<CommitmentBody['alu']>>;
  /** Commit to the first `lanes` held lanes only (a smaller tree). */
  lanes?: number;
}

export interface AluOpenOptions extends OpenOptions {
  /** Answer asked lane `index` with the opening of this lane instead (its own state and path). */
  substitute?: (index: number) => number;
  /** Answer with these lanes instead of the asked ones. */
  lanes?: (asked: readonly number[]) => number[];
}

export class AluCheater {
  readonly matmul: CheatingExecutor;
  readonly request: AluParams;
  /** Held lane results: 4 words a lane, lane order; tests may change them at any time. */
  states: Uint32Array;
  private tree: MerkleTree | undefined;

  constructor(
    readonly challenge: SignedChallenge,
    readonly keys: KeyPair,
    opts: AluCheaterOptions = {},
  ) {
    const req = challenge.body.alu ?? opts.as;
    if (!req) throw new Error('the challenge has no integer part; say what to compute with `as`');
    if (req.lanes * req.rounds > ALU_CHEATER_MAX_WORK) throw new RangeError('too much work for the CPU integer cheater');
    this.request = req;
    this.matmul = new CheatingExecutor(challenge, keys);
    const seed = opts.seed ?? fromHex(challenge.body.seed);
    this.states = aluLaneResults(seed, Array.from({ length: req.lanes }, (_, i) => i), opts.rounds ?? req.rounds);
  }

  get lanes(): number {
    return this.states.length / 4;
  }

  /** Lane i as held (a copy). */
  state(i: number): Uint32Array {
    return this.states.slice(4 * i, 4 * i + 4);
  }

  setState(i: number, x: ArrayLike<number>): void {
    this.states.set(x, 4 * i);
  }

  private bytes(i: number): Uint8Array {
    return new Uint8Array(this.states.buffer, this.states.byteOffset + 16 * i, 16).slice();
  }

  /** Commits to the lanes held now (the matmul part honestly); later openings use this tree's paths. */
  commit(opts: AluCommitOptions = {}): SignedCommitment {
    const n = opts.lanes ?? this.lanes;
    const tree = MerkleTree.fromPackedLeafData(new Uint8Array(this.states.buffer, this.states.byteOffset, n * 16).slice(), 16);
    this.tree = tree;
    return this.matmul.commit({
      ...opts,
      timings: { method: 'timestamp-query', phases: { 'matmul.chain': 0, 'alu.lanes': 0, 'alu.tree': 0 }, totalMs: 0, ...opts.timings },
      editBody: (body) => {
        if (!opts.omitAlu) body.alu = { root: toHex(tree.root()), lanes: this.request.lanes, rounds: this.request.rounds, kernel: 'cpu-cheater', ...opts.report };
        opts.editBody?.(body);
      },
    });
  }

  get commitment(): SignedCommitment {
    return this.matmul.commitment;
  }

  /** Lane `index` as held now with its path in the committed tree (none where the tree has no such leaf). */
  openLane(index: number): LaneOpening {
    if (!this.tree) throw new Error('nothing committed yet');
    const path = index < this.tree.size ? this.tree.auditPath(index).map(toHex) : [];
    const state = index < this.lanes ? this.bytes(index) : new Uint8Array(16);
    return { index, state: toB64(state), path };
  }

  /** Answers the matmul rows honestly and every asked lane (or `lanes(asked)`) as held now. */
  open(request: SignedOpenRequest, opts: AluOpenOptions = {}): SignedOpenings {
    const asked = request.body.lanes ?? [];
    const lanes = (opts.lanes ? opts.lanes(asked) : [...asked]).map((i) => {
      const j = opts.substitute?.(i) ?? i;
      return { ...this.openLane(j), index: i };
    });
    return this.matmul.open(request, {
      ...opts,
      tamper: (body) => {
        if (lanes.length > 0) body.lanes = lanes;
        opts.tamper?.(body);
      },
    });
  }
}
