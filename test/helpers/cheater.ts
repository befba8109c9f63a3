// A CPU "executor" for tests that can lie. It starts from the honest rows of the reference chain
// (small n only), lets a test replace any row C_k[i], commits to SHA-256 of whatever rows it then
// holds (a Merkle tree over the digests in (k, i) order, built exactly as src/roles/executor.ts
// builds it), signs the commitment with whatever timings the test chooses, and answers an open
// request with the rows it holds and real audit paths into the tree it committed to. A test may
// change rows after committing, tamper the openings body before it is signed, or sign with a
// different key. Nothing here checks anything: it is the adversary.
import { randomBytes } from 'node:crypto';
import { MerkleTree } from '../../src/proofs/merkle.js';
import { chainInputs, chainRef, foldRow, rowTimesMatrix } from '../../src/proofs/reference.js';
import { signMessage, hashHex } from '../../src/protocol/signing.js';
import { PROTOCOL_VERSION } from '../../src/protocol/schemas.js';
import type {
  AdapterInfo,
  CommitmentBody,
  OpeningsBody,
  RowIndex,
  RowOpening,
  SignedChallenge,
  SignedCommitment,
  SignedOpenRequest,
  SignedOpenings,
  Timings,
} from '../../src/protocol/schemas.js';
import type { KeyPair } from '../../src/protocol/keys.js';
import { concatBytes, fromHex, sha256, toB64, toHex } from '../../src/util/bytes.js';

/** Largest n the cheater will hold (K·n² words on the CPU); tests only need tiny proofs. */
export const CHEATER_MAX_N = 256;

export const CHEATER_ADAPTER: AdapterInfo = {
  vendor: 'nvidia',
  architecture: 'hopper',
  device: 'H100',
  description: 'NVIDIA H100 80GB HBM3 (a lie)',
  backend: 'vulkan',
  features: [],
  isFallbackAdapter: false,
};

export interface CommitOptions {
  /** Signed timings; the default claims 0 ms (always within any observed window). */
  timings?: Partial<Timings>;
  /** Signs with this key instead of the executor's own (the body still names `executorKey`). */
  signWith?: KeyPair;
  /** Last-moment edits to the body before it is signed. */
  editBody?: (body: CommitmentBody) => void;
}

export interface OpenOptions {
  /** Edits to the openings body (rows, paths, requestHash…) before it is signed. */
  tamper?: (body: OpeningsBody) => void;
  /** Signs with this key instead of the executor's own. */
  signWith?: KeyPair;
}

const rowBytes = (row: Int32Array): Uint8Array => new Uint8Array(row.buffer, row.byteOffset, row.byteLength);

export class CheatingExecutor {
  readonly n: number;
  readonly iterations: number;
  /** rows[k][i] = what this executor holds as C_k[i]; starts honest. */
  readonly rows: Int32Array[][];
  private readonly B: Int32Array;
  private committed: { tree: MerkleTree; commitment: SignedCommitment } | undefined;

  constructor(
    readonly challenge: SignedChallenge,
    readonly keys: KeyPair,
  ) {
    const { n, iterations } = challenge.body.matmul;
    if (n > CHEATER_MAX_N) throw new RangeError(`the CPU cheater holds at most n = ${CHEATER_MAX_N}`);
    this.n = n;
    this.iterations = iterations;
    const seed = fromHex(challenge.body.seed);
    this.B = chainInputs(seed, n).B;
    this.rows = chainRef(seed, n, iterations).map((C) => Array.from({ length: n }, (_, i) => C.slice(i * n, (i + 1) * n)));
  }

  /** The row currently held as C_k[i] (a copy). */
  row(k: number, i: number): Int32Array {
    const r = this.rows[k]?.[i];
    if (!r) throw new RangeError(`no row (${k}, ${i})`);
    return r.slice();
  }

  /** Replaces C_k[i] with any data of n int32 entries. */
  setRow(k: number, i: number, row: Int32Array): void {
    if (row.length !== this.n) throw new RangeError(`a row has ${this.n} entries`);
    const ks = this.rows[k];
    if (!ks || i < 0 || i >= this.n) throw new RangeError(`no row (${k}, ${i})`);
    ks[i] = row.slice();
  }

  /** C_k[i] with one entry changed by `delta`. */
  perturbed(k: number, i: number, j = 0, delta = 1): Int32Array {
    const r = this.row(k, i);
    r[j] = (r[j] as number) + delta;
    return r;
  }

  /** n uniformly random int32 values: a row the cheater never computed. */
  randomRow(): Int32Array {
    return new Int32Array(new Uint8Array(randomBytes(this.n * 4)).buffer);
  }

  /**
   * Recomputes C_{k'}[i] for every k' > k honestly from the row now held at (k, i), so the chain
   * after a bad row is consistent with it (C_{k+1}[i] = fold(C_k[i])·B, and so on).
   */
  propagateFrom(k: number, i: number): void {
    for (let kk = k + 1; kk < this.iterations; kk++) {
      this.setRow(kk, i, rowTimesMatrix(foldRow(this.row(kk - 1, i)), this.B, this.n));
    }
  }

  /** K·n × 32 bytes: SHA-256 of each held row's int32 little-endian bytes, in (k, i) order. */
  digests(): Uint8Array {
    return concatBytes(...this.rows.flatMap((ks) => ks.map((r) => sha256(rowBytes(r)))));
  }

  /** The Merkle tree over the held rows, built as the real executor builds it. */
  tree(): MerkleTree {
    return MerkleTree.fromPackedLeafData(this.digests());
  }

  /** Commits to the rows held now; later openings use this tree's paths, whatever rows are held then. */
  commit(opts: CommitOptions = {}): SignedCommitment {
    const tree = this.tree();
    const body: CommitmentBody = {
      version: PROTOCOL_VERSION,
      challengeHash: hashHex(this.challenge),
      executorKey: toB64(this.keys.publicKey),
      matmul: { root: toHex(tree.root()), leaves: tree.size, path: 'f32', kernel: 'cpu-cheater' },
      adapter: { ...CHEATER_ADAPTER, features: [...CHEATER_ADAPTER.features] },
      timings: { method: 'timestamp-query', phases: { 'matmul.chain': 0 }, totalMs: 0, ...opts.timings },
    };
    opts.editBody?.(body);
    const commitment = signMessage('commitment', body, (opts.signWith ?? this.keys).secretKey);
    this.committed = { tree, commitment };
    return commitment;
  }

  get commitment(): SignedCommitment {
    if (!this.committed) throw new Error('nothing committed yet');
    return this.committed.commitment;
  }

  /** An opening of (k, i) (and (k-1, i) for k > 0): the rows held now, paths into the committed tree. */
  openRow({ k, i }: RowIndex): RowOpening {
    if (!this.committed) throw new Error('nothing committed yet');
    const { tree } = this.committed;
    const one = (kk: number): { row: string; path: string[] } => ({
      row: toB64(rowBytes(this.row(kk, i))),
      path: tree.auditPath(kk * this.n + i).map(toHex),
    });
    return { k, i, ...one(k), ...(k > 0 ? { prev: one(k - 1) } : {}) };
  }

  /** Answers `request` with every row it asks for, in order, signed after `tamper`. */
  open(request: SignedOpenRequest, opts: OpenOptions = {}): SignedOpenings {
    const body: OpeningsBody = {
      version: PROTOCOL_VERSION,
      requestHash: hashHex(request),
      rows: request.body.rows.map((r) => this.openRow(r)),
      blocks: [],
    };
    opts.tamper?.(body);
    return signMessage('openings', body, (opts.signWith ?? this.keys).secretKey);
  }
}
