// Wire schemas. Every object is strict and every array, string and record is bounded: a message from
// an untrusted peer must not be able to make a role allocate without limit or smuggle fields past
// the signature. Cross-message rules (a commitment's layers and rows = the challenge's K and n, an opening answers
// its request) belong to the roles; only what one message can say about itself is checked here.
import { z } from 'zod';
import { MATMUL_PATHS } from '../proofs/matmul-variants.js';
import { MAX_MIB } from '../proofs/memory-size.js';
import { BLOCK_SEGMENTS, SEGMENT_BYTES } from '../proofs/memory-block-tree.js';
import { MAX_ALU_LANES_PROOF, MAX_ALU_ROUNDS } from '../proofs/alu-size.js';
import {
  base64Bytes,
  boundedRecord,
  ClassId,
  Figure,
  FIGURE_KEY,
  Hex32,
  Id,
  Millis,
  NonNegativeMs,
  PublicKey,
  Signature,
  text,
} from './primitives.js';

export { base64Bytes, ClassId, Figure, Hex32, Id, Millis, NonNegativeMs, PublicKey, Signature, text };

/** v2: the masked matmul chain (docs/matmul-proof.md). A v1 message is refused naming `version`. */
export const PROTOCOL_VERSION = 2;
export const MESSAGE_TYPES = ['challenge', 'commitment', 'open-request', 'openings', 'verdict'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const MAX_CHALLENGE_TTL_MS = 24 * 60 * 60 * 1000;
export const MIN_N = 16;
/** n·64 < 2^24 keeps every partial sum exact in f32; this lower cap keeps a row (4n bytes) small. */
export const MAX_N = 65536;
export const MAX_ITERATIONS = 4096;
export const MAX_ROW_BYTES = 4 * MAX_N;
export const MAX_OPEN_ROWS = 1024;
export const MAX_OPEN_BLOCKS = 1024;
export const MAX_OPEN_LANES = 1024;
/** A lane's result: four u32 words, little-endian (docs/alu-proof.md §2). */
export const LANE_RESULT_BYTES = 16;
export const MAX_PATH_LENGTH = 64;
export const MAX_ADAPTER_STRING = 256;
export const MAX_FEATURES = 64;
export const MAX_PHASES = 32;
export const MAX_CHECKS = 256;
export const MAX_MEASURED_ENTRIES = 64;
const U32_MAX = 2 ** 32 - 1;

const AdapterString = text(MAX_ADAPTER_STRING);
const Version = z.literal(PROTOCOL_VERSION, { error: `must be ${PROTOCOL_VERSION}: this kit speaks protocol v${PROTOCOL_VERSION} only` });

// ---- challenge ----

export const MatmulParams = z.strictObject({
  n: z
    .int()
    .min(MIN_N)
    .max(MAX_N)
    .multipleOf(16, 'must be a multiple of 16')
    .refine((n) => n * 64 < 2 ** 24, 'n·64 must stay below 2^24 for exact f32 sums'),
  iterations: z.int().min(1).max(MAX_ITERATIONS),
});

export const MemoryParams = z.strictObject({
  mib: z.int().min(1).max(MAX_MIB),
  passes: z.int().min(1).max(64),
});

/** The integer proof (docs/alu-proof.md): W lanes of L rounds. */
export const AluParams = z.strictObject({
  lanes: z.int().min(1).max(MAX_ALU_LANES_PROOF),
  rounds: z.int().min(1).max(MAX_ALU_ROUNDS),
});

export const ChallengeBody = z
  .strictObject({
    version: Version,
    id: Id,
    validatorKey: PublicKey,
    executorKey: PublicKey,
    issuedAt: Millis,
    expiresAt: Millis,
    seed: Hex32,
    claim: ClassId,
    matmul: MatmulParams,
    memory: z.optional(MemoryParams),
    alu: z.optional(AluParams),
  })
  .superRefine((b, ctx) => {
    if (b.expiresAt <= b.issuedAt) {
      ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be after issuedAt' });
    } else if (b.expiresAt - b.issuedAt > MAX_CHALLENGE_TTL_MS) {
      ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'challenge lifetime over 24 h' });
    }
  });

// ---- commitment ----

export { MATMUL_PATHS } from '../proofs/matmul-variants.js';
export const TIMING_METHODS = ['timestamp-query', 'queue-completion'] as const;

export const AdapterInfo = z.strictObject({
  vendor: AdapterString,
  architecture: AdapterString,
  device: AdapterString,
  description: AdapterString,
  backend: AdapterString,
  features: z.array(text(64, 1)).max(MAX_FEATURES),
  isFallbackAdapter: z.boolean(),
});

export const Timings = z.strictObject({
  method: z.enum(TIMING_METHODS),
  phases: boundedRecord(/^[a-z0-9.-]{1,32}$/, NonNegativeMs, MAX_PHASES),
  totalMs: NonNegativeMs,
});

export const CommitmentBody = z.strictObject({
  version: Version,
  challengeHash: Hex32,
  executorKey: PublicKey,
  matmul: z.strictObject({
    /** RFC 6962 root over the layer roots L_0 … L_{K−1}. */
    root: Hex32,
    /** K and n as the executor ran them; the verifier requires its own figures. */
    layers: z.int().min(1).max(MAX_ITERATIONS),
    rows: z.int().min(1).max(MAX_N),
    path: z.enum(MATMUL_PATHS),
    kernel: text(64, 1),
  }),
  memory: z.optional(
    z.strictObject({
      root: Hex32,
      blocks: z.int().min(1).max(U32_MAX),
      chunks: z.int().min(1).max(U32_MAX),
      rowsPerChunk: z.int().min(1).max(U32_MAX),
    }),
  ),
  alu: z.optional(
    z.strictObject({
      /** RFC 6962 root over the W lane results (16 bytes each). */
      root: Hex32,
      lanes: AluParams.shape.lanes,
      rounds: AluParams.shape.rounds,
      kernel: text(64, 1),
    }),
  ),
  adapter: AdapterInfo,
  timings: Timings,
});

// ---- open request ----

export const RowIndex = z.strictObject({
  k: z.int().min(0).max(MAX_ITERATIONS - 1),
  i: z.int().min(0).max(MAX_N - 1),
});
const BlockIndex = z.int().min(0).max(U32_MAX);
/** A memory block is 8 segments of 8 rows (2 KiB); an opening shows one segment (v2). */
export { BLOCK_SEGMENTS, SEGMENT_BYTES };
const BlockSegment = z.int().min(0).max(BLOCK_SEGMENTS - 1);
/** A memory opening asked for: which block, and which of its segments. */
export const BlockRef = z.strictObject({ index: BlockIndex, segment: BlockSegment });

const LaneIndex = z.int().min(0).max(MAX_ALU_LANES_PROOF - 1);

export const OpenRequestBody = z.strictObject({
  version: Version,
  challengeHash: Hex32,
  commitmentHash: Hex32,
  rows: z.array(RowIndex).min(1).max(MAX_OPEN_ROWS),
  blocks: z.array(BlockRef).max(MAX_OPEN_BLOCKS),
  /** Lanes of the integer proof to open; absent when the challenge has none. */
  lanes: z.optional(z.array(LaneIndex).min(1).max(MAX_OPEN_LANES)),
  observed: z
    .strictObject({ sentAt: Millis, receivedAt: Millis, observedMs: NonNegativeMs })
    .superRefine((o, ctx) => {
      if (o.receivedAt < o.sentAt) ctx.addIssue({ code: 'custom', path: ['receivedAt'], message: 'before sentAt' });
    }),
});

// ---- openings ----

const Row = base64Bytes({ min: 4, max: MAX_ROW_BYTES, multipleOf: 4 });
const AuditPath = z.array(Hex32).max(MAX_PATH_LENGTH);

/** One opened row: C_k[i] with its path in layer k's tree, and L_k with its path in the top tree. */
const OpenedRow = {
  row: Row,
  path: AuditPath,
  layerRoot: Hex32,
  layerPath: AuditPath,
};

export const RowOpening = z
  .strictObject({
    k: RowIndex.shape.k,
    i: RowIndex.shape.i,
    ...OpenedRow,
    prev: z.optional(z.strictObject(OpenedRow)),
  })
  .superRefine((r, ctx) => {
    // A_k[i] = fold(C_{k-1}[i] + M_{k-1}[i]): without the previous row a k > 0 row cannot be checked.
    if (r.k > 0 && r.prev === undefined) ctx.addIssue({ code: 'custom', path: ['prev'], message: 'required when k > 0' });
    if (r.k === 0 && r.prev !== undefined) ctx.addIssue({ code: 'custom', path: ['prev'], message: 'must be absent when k = 0' });
  });

/** Segment `segment` of block `index`, its path in the block's tree (8 leaves), the block's root and its path in the commitment's tree. */
export const BlockOpening = z.strictObject({
  index: BlockIndex,
  segment: BlockSegment,
  data: base64Bytes({ min: SEGMENT_BYTES, max: SEGMENT_BYTES }),
  segmentPath: AuditPath,
  blockRoot: Hex32,
  path: AuditPath,
});

/** Lane `index`'s result after L rounds and its audit path in the tree of W lanes. */
export const LaneOpening = z.strictObject({
  index: LaneIndex,
  state: base64Bytes({ min: LANE_RESULT_BYTES, max: LANE_RESULT_BYTES }),
  path: AuditPath,
});

export const OpeningsBody = z.strictObject({
  version: Version,
  requestHash: Hex32,
  rows: z.array(RowOpening).min(1).max(MAX_OPEN_ROWS),
  blocks: z.array(BlockOpening).max(MAX_OPEN_BLOCKS),
  lanes: z.optional(z.array(LaneOpening).min(1).max(MAX_OPEN_LANES)),
});

// ---- verdict ----

export const Check = z.strictObject({
  name: text(64, 1),
  pass: z.boolean(),
  reason: text(1024),
});

export const VerdictBody = z.strictObject({
  version: Version,
  challengeHash: Hex32,
  commitmentHash: Hex32.nullable(),
  executorKey: PublicKey,
  validatorKey: PublicKey,
  accepted: z.boolean(),
  checks: z.array(Check).max(MAX_CHECKS),
  measured: boundedRecord(FIGURE_KEY, Figure, MAX_MEASURED_ENTRIES),
  class: ClassId.nullable(),
  score: z.number().min(0),
  issuedAt: Millis,
});

export type MatmulParams = z.infer<typeof MatmulParams>;
export type MemoryParams = z.infer<typeof MemoryParams>;
export type AluParams = z.infer<typeof AluParams>;
export type LaneOpening = z.infer<typeof LaneOpening>;
export type ChallengeBody = z.infer<typeof ChallengeBody>;
export type AdapterInfo = z.infer<typeof AdapterInfo>;
export type Timings = z.infer<typeof Timings>;
export type CommitmentBody = z.infer<typeof CommitmentBody>;
export type RowIndex = z.infer<typeof RowIndex>;
export type OpenRequestBody = z.infer<typeof OpenRequestBody>;
export type RowOpening = z.infer<typeof RowOpening>;
export type BlockOpening = z.infer<typeof BlockOpening>;
export type BlockRef = z.infer<typeof BlockRef>;
export type OpeningsBody = z.infer<typeof OpeningsBody>;
export type Check = z.infer<typeof Check>;
export type VerdictBody = z.infer<typeof VerdictBody>;

// ---- envelopes ----

export interface BodyOf {
  challenge: ChallengeBody;
  commitment: CommitmentBody;
  'open-request': OpenRequestBody;
  openings: OpeningsBody;
  verdict: VerdictBody;
}

/** A signed message: `signature` is ed25519 by `signer` over domain(type) ‖ JCS(body). */
export interface Signed<T, K extends MessageType = MessageType> {
  type: K;
  body: T;
  signer: string;
  signature: string;
}
export type SignedMessage<K extends MessageType> = Signed<BodyOf[K], K>;
export type AnySigned = { [K in MessageType]: SignedMessage<K> }[MessageType];

function envelope<K extends MessageType>(type: K, body: z.ZodType<BodyOf[K]>): z.ZodType<SignedMessage<K>> {
  return z.strictObject({ type: z.literal(type), body, signer: PublicKey, signature: Signature }) as z.ZodType<
    SignedMessage<K>
  >;
}

export const BODY_SCHEMAS: { readonly [K in MessageType]: z.ZodType<BodyOf[K]> } = {
  challenge: ChallengeBody,
  commitment: CommitmentBody,
  'open-request': OpenRequestBody,
  openings: OpeningsBody,
  verdict: VerdictBody,
};

export const SignedChallenge = envelope('challenge', ChallengeBody);
export const SignedCommitment = envelope('commitment', CommitmentBody);
export const SignedOpenRequest = envelope('open-request', OpenRequestBody);
export const SignedOpenings = envelope('openings', OpeningsBody);
export const SignedVerdict = envelope('verdict', VerdictBody);
export type SignedChallenge = SignedMessage<'challenge'>;
export type SignedCommitment = SignedMessage<'commitment'>;
export type SignedOpenRequest = SignedMessage<'open-request'>;
export type SignedOpenings = SignedMessage<'openings'>;
export type SignedVerdict = SignedMessage<'verdict'>;

export const ENVELOPE_SCHEMAS: { readonly [K in MessageType]: z.ZodType<SignedMessage<K>> } = {
  challenge: SignedChallenge,
  commitment: SignedCommitment,
  'open-request': SignedOpenRequest,
  openings: SignedOpenings,
  verdict: SignedVerdict,
};

export const isMessageType = (s: unknown): s is MessageType =>
  typeof s === 'string' && (MESSAGE_TYPES as readonly string[]).includes(s);
