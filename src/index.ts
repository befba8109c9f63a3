// The library API: what `import('gpuproof')` reaches. Only what a validator, an executor or a
// provider's own benchmark needs is exported, so the internals stay free to change; every task
// here is shown in a few lines in docs/api.md. Nothing is re-implemented: the CLI calls the same
// functions.

export { KIT_VERSION } from './version.js';

// Errors: bad input, refusals and faults throw; a bad proof never does (it is a verdict).
export { GpuproofError, type ErrorCode } from './errors.js';

// The GPU: one device per context; withGpu closes (destroys) it when the callback settles.
export { withGpu, openGpu, type GpuContext, type GpuOptions } from './gpu/context.js';
export { isSoftwareAdapter, type AdapterReport } from './gpu/adapter-info.js';

// Keys and messages.
export { generateKeyPair, readKeyFile, writeKeyFile, readPublicKey, type KeyPair } from './protocol/keys.js';
export {
  /** Base64 of bytes: the wire form of a public key (`toB64(keys.publicKey)`). */
  toB64,
} from './util/bytes.js';
export { parseJsonText, parseMessage, readMessageFile } from './protocol/parse.js';
export { verifySignature, hashHex } from './protocol/signing.js';
export {
  PROTOCOL_VERSION,
  type MessageType,
  type SignedChallenge,
  type SignedCommitment,
  type SignedOpenRequest,
  type SignedOpenings,
  type SignedVerdict,
  type AdapterInfo,
} from './protocol/schemas.js';

// Replay memory for both roles: in memory for one process, in a JSON file across processes.
export { MemoryReplayStore, FileReplayStore, type ReplayStore, type IssuedChallenge } from './roles/stores.js';

// The validator.
export {
  /**
   * A signed challenge for one executor (`spec.executorKey`, base64), recorded in `replay` as
   * issued. Throws INPUT for a size out of range.
   */
  issueChallenge,
  receiveCommitment,
  /**
   * The signed open request: `rows` matmul rows, `blocks` memory blocks and `lanes` integer lanes
   * drawn with fresh randomness, and the validator's observed window. Draw it only once the
   * commitment is held.
   */
  makeOpenRequest,
  DEFAULT_OPEN_ROWS,
  DEFAULT_OPEN_BLOCKS,
  DEFAULT_OPEN_LANES,
  type ChallengeSpec,
  type ObservedWindow,
} from './roles/validator.js';
export { sizeForClass, type ChallengeSizes } from './roles/sizing.js';

// The executor.
export {
  /**
   * Checks the challenge (signature, addressed to `opts.keys`, unexpired, unseen in
   * `opts.replay`), runs its proofs on the GPU and returns the state whose `commitment` goes back
   * to the validator. Throws REFUSED for a challenge it must not run.
   */
  runChallenge,
  /**
   * The signed openings for a validator's request, from the kept GPU buffers (`keepOnGpu`) or by
   * re-running the chain. Releases the state's GPU buffers, so call it once per state.
   */
  answerOpenings,
  releaseState,
  type ExecutorOptions,
  type ExecutorState,
} from './roles/executor.js';
export { readyKernels, type ReadyKernels } from './roles/autotune.js';

// The verifier: every check by name; never throws on a bad proof.
export { verifyProof, signReceipt, type Check, type MatmulFigures, type Verification, type VerifyInput } from './roles/verifier.js';
export type { MemoryFigures } from './roles/verifier-memory.js';
export type { AluFigures } from './roles/verifier-alu.js';
export {
  /**
   * verifyProof on worker threads (`size`, default cores − 1; 0 in-process), so a validator's event
   * loop stays free to timestamp other commitments. `await pool.close()` when done.
   */
  createVerifyPool,
  defaultVerifyWorkers,
  type VerifyPool,
  type VerifyPoolOptions,
} from './roles/verify-pool.js';

// Classes and scores.
export {
  /**
   * The class and score of a verification: its validator-observed figures against the class
   * table's floors, and `claim` ('any' for none) judged against them.
   */
  judge,
  figuresOf,
  type Judgement,
} from './roles/judge.js';
export {
  /**
   * The highest-ranked class whose every floor the figures reach (software adapters: the software
   * class), with each floor's status and, when `claim` is given, whether it holds.
   */
  classify,
  /** The class table: the kit's own (fixtures/gpu-classes.json) unless a path is given. Throws INPUT for a bad table. */
  loadClassTable,
  parseClassTable,
  DIMENSIONS,
  type ClassTable,
  type ClassResult,
  type Dimension,
  type Figures,
  type AdapterStrings,
} from './roles/classes.js';

// The self-test: validator, executor and verifier in one process on the adapter at hand.
export {
  /**
   * The whole protocol on `ctx`'s adapter, each proof in its own challenge, judged against the
   * class table. Sizes default from the adapter; `memoryMib: 0` skips the memory proof and
   * `aluLanes: 0` the integer proof.
   */
  selftest,
  type SelftestOptions,
  type SelftestResult,
} from './roles/selftest.js';
