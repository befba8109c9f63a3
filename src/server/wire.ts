// The agent's HTTP surface as both sides see it: paths, body limits, the /v1/info document and the
// error body. The validator parses every answer with these schemas because the agent is untrusted.
import { z } from 'zod';
import { PROTOCOL_VERSION, PublicKey, text } from '../protocol/schemas.js';

export const PATHS = { info: '/v1/info', challenges: '/v1/challenges', openings: '/v1/openings' } as const;

/** A challenge is a few hundred bytes; the cap leaves room for a future memory section. */
export const MAX_CHALLENGE_BYTES = 1024 * 1024;
/** The largest open request (1024 rows, 1024 blocks and 1024 lanes at their highest indices) is ~65 KiB as compact JSON. */
export const MAX_OPEN_REQUEST_BYTES = 128 * 1024;
/** What the validator reads back: a commitment is a few KiB, info well under this. */
export const MAX_COMMITMENT_BYTES = 1024 * 1024;
export const MAX_INFO_BYTES = 1024 * 1024;
export const MAX_ERROR_BYTES = 64 * 1024;

/** Codes in the error body: the CLI's codes plus the HTTP-only conditions. */
export const WIRE_CODES = ['INPUT', 'REFUSED', 'REPLAY', 'NOT_FOUND', 'METHOD', 'BUSY', 'UNAVAILABLE', 'GPU', 'INTERNAL'] as const;
export type WireCode = (typeof WIRE_CODES)[number];

export const ErrorBody = z.strictObject({
  error: z.strictObject({ code: z.enum(WIRE_CODES), field: text(256).nullable(), message: text(4096) }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

const count = z.int().min(0);

export const AdapterSlotInfo = z.strictObject({
  index: z.int().min(0).max(63),
  /** The --adapter name this slot was opened with; null for the default adapter. */
  name: text(256).nullable(),
  busy: z.boolean(),
  open: z.boolean(),
  software: z.boolean(),
  // The full adapter report (limits included) is advisory and forgeable: accepted loosely, bounded.
  report: z.record(z.string().max(64), z.unknown()).nullable(),
});

export const AgentInfo = z.strictObject({
  protocol: z.literal(PROTOCOL_VERSION),
  agent: text(64),
  executorKey: PublicKey,
  /** Proofs this agent answers. */
  features: z.array(text(64)).max(16),
  adapters: z.array(AdapterSlotInfo).min(1).max(64),
  limits: z.strictObject({ challengeBytes: count, openRequestBytes: count }),
  stats: z.strictObject({
    runs: count,
    openings: count,
    refused: count,
    busy: count,
    malformed: count,
    deviceOpens: count,
    deviceLosses: count,
    pending: count,
  }),
});
export type AgentInfo = z.infer<typeof AgentInfo>;
export type AgentStats = AgentInfo['stats'];
export type AdapterSlotInfo = z.infer<typeof AdapterSlotInfo>;

export const AGENT_NAME = 'gpuproof-agent/0.1';
/** Proofs the agent answers: the matmul chain, the memory proof and the integer proof (`alu`). */
export const AGENT_FEATURES = ['matmul', 'memory', 'alu'];

/** HTTP status for each wire code. */
export const STATUS_OF: Record<WireCode, number> = {
  INPUT: 400,
  REFUSED: 403,
  REPLAY: 409,
  NOT_FOUND: 404,
  METHOD: 405,
  BUSY: 429,
  UNAVAILABLE: 503,
  GPU: 503,
  INTERNAL: 500,
};
