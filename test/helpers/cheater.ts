// A CPU "executor" for tests that can lie (protocol v2). It starts from the honest rows of the
// reference chain (small n only), lets a test replace any row C_k[i] or whole layers, commits to
// whatever rows it then holds exactly as src/roles/executor.ts commits (a tree per layer over the
// row digests, a top tree over the layer roots), signs the commitment with whatever timings the
// test chooses, and answers an open request with the rows it holds and real audit paths into the
// trees it committed to. A test may change rows after committing, tamper the openings body before
// it is signed, or sign with a different key. Nothing here checks anything: it is the adversary.
import { randomBytes } from 'node:crypto';
import { MerkleTree } from '../../src/proofs/merkle.js';
import { chainInputs, chainRef, matmulRef, nextLayerInput, rowTimesMatrix } from '../../src/proofs/reference.js';
import { layerTree, topTree } from '../../src/proofs/matmul-layers.js';
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
import { fromHex, toB64, toHex } from '../../src/util/bytes.js';

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

interface CommittedTrees {
  layers: MerkleTree[];
  top: MerkleTree;
  commitment: SignedCommitment;
}

export class CheatingExecutor {
  readonly n: number;
  readonly iterations: number;
  readonly seed: Uint8Array;
  /** rows[k][i] = what this executor holds as C_k[i]; starts honest unless `honest` is false. */
  readonly rows: Int32Array[][];
  readonly B: Int32Array;
  private committed: CommittedTrees | undefined;

  /** `honest: false` starts from zero rows: for cheats that never compute the honest chain. */
  constructor(
    readonly challenge: SignedChallenge,
    readonly keys: KeyPair,
    honest = true,
  ) {
    const { n, iterations } = challenge.body.matmul;
    if (n > CHEATER_MAX_N) throw new RangeError(`the CPU cheater holds at most n = ${CHEATER_MAX_N}`);
    this.n = n;
    this.iterations = iterations;
    this.seed = fromHex(challenge.body.seed);
    this.B = chainInputs(this.seed, n).B;
    const layers = honest ? chainRef(this.seed, n, iterations) : Array.from({ length: iterations }, () => new Int32Array(n * n));
    this.rows = layers.map((C) => Array.from({ length: n }, (_, i) => C.slice(i * n, (i + 1) * n)));
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

  /** The held layer C_k as one row-major matrix. */
  layer(k: number): Int32Array {
    const out = new Int32Array(this.n * this.n);
    this.rows[k]?.forEach((r, i) => out.set(r, i * this.n));
    return out;
  }

  /**
   * A_{k+1} as an honest executor would derive it from the layer held now at k: the mask is keyed
   * by that layer's root, so any change to any row of layer k changes every row of A_{k+1}.
   */
  nextInput(k: number): Int32Array {
    return nextLayerInput(this.seed, this.n, this.iterations, k, this.layer(k));
  }

  /** The honest C_k[i] given the held layer k − 1 (or A_0 for k = 0): one vector–matrix product. */
  honestRow(k: number, i: number, nextInputOfPrev?: Int32Array): Int32Array {
    const n = this.n;
    const A = k === 0 ? chainInputs(this.seed, n).A0 : (nextInputOfPrev ?? this.nextInput(k - 1));
    return rowTimesMatrix(A.subarray(i * n, (i + 1) * n), this.B, n);
  }

  /** Recomputes every layer after k honestly from the layers held now (all of each: the masks move). */
  recomputeAfter(k: number): void {
    for (let kk = k + 1; kk < this.iterations; kk++) {
      const C = matmulRef(this.nextInput(kk - 1), this.B, this.n);
      for (let i = 0; i < this.n; i++) this.setRow(kk, i, C.subarray(i * this.n, (i + 1) * this.n));
    }
  }

  /** L_0 … L_{K−1} of the rows held now, K × 32 bytes. */
  layerRoots(): Uint8Array {
    const out = new Uint8Array(this.iterations * 32);
    for (let k = 0; k < this.iterations; k++) out.set(layerTree(this.layer(k), this.n).root(), k * 32);
    return out;
  }

  /** Commits to the rows held now; later openings use these trees' paths, whatever rows are held then. */
  commit(opts: CommitOptions = {}): SignedCommitment {
    const layers = Array.from({ length: this.iterations }, (_, k) => layerTree(this.layer(k), this.n));
    const roots = new Uint8Array(this.iterations * 32);
    layers.forEach((t, k) => roots.set(t.root(), k * 32));
    const top = topTree(roots);
    const body: CommitmentBody = {
      version: PROTOCOL_VERSION,
      challengeHash: hashHex(this.challenge),
      executorKey: toB64(this.keys.publicKey),
      matmul: { root: toHex(top.root()), layers: this.iterations, rows: this.n, path: 'f32', kernel: 'cpu-cheater' },
      adapter: { ...CHEATER_ADAPTER, features: [...CHEATER_ADAPTER.features] },
      timings: { method: 'timestamp-query', phases: { 'matmul.chain': 0 }, totalMs: 0, ...opts.timings },
    };
    opts.editBody?.(body);
    const commitment = signMessage('commitment', body, (opts.signWith ?? this.keys).secretKey);
    this.committed = { layers, top, commitment };
    return commitment;
  }

  get commitment(): SignedCommitment {
    if (!this.committed) throw new Error('nothing committed yet');
    return this.committed.commitment;
  }

  /** An opening of (k, i) (and (k-1, i) for k > 0): the rows held now, paths into the committed trees. */
  openRow({ k, i }: RowIndex): RowOpening {
    const c = this.committed;
    if (!c) throw new Error('nothing committed yet');
    const one = (kk: number): Omit<RowOpening, 'k' | 'i' | 'prev'> => {
      const layer = c.layers[kk] as MerkleTree;
      return {
        row: toB64(rowBytes(this.row(kk, i))),
        path: layer.auditPath(i).map(toHex),
        layerRoot: toHex(layer.root()),
        layerPath: c.top.auditPath(kk).map(toHex),
      };
    };
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
