// Writes schemas/<name>.schema.json (JSON Schema draft 2020-12) from the kit's own zod schemas
// with zod's converter, so validators in other languages check messages against the same rules.
// `npm run schemas` regenerates them; test/schemas.test.ts fails when a file is stale.
//
// zod refinements do not convert. What the converter cannot see is put back here where JSON
// Schema can say it (exact canonical-base64 patterns, the figure map, `prev` only when k > 0) and
// stated in a `description` where it cannot (signatures, small-order keys, cross-field times).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { FIGURE_KEY } from '../src/protocol/primitives.js';
import { ENVELOPE_SCHEMAS, LANE_RESULT_BYTES, MAX_MEASURED_ENTRIES, PROTOCOL_VERSION, PublicKey, SEGMENT_BYTES, Signature, type MessageType } from '../src/protocol/schemas.js';
import { AgentInfo, ErrorBody } from '../src/server/wire.js';

export const SCHEMA_DIR = fileURLToPath(new URL('../schemas/', import.meta.url));

const B64 = '[A-Za-z0-9+/]';
/** Base64 characters whose low 2 (one `=`) or 4 (`==`) bits are zero: canonical last characters. */
const LAST_OF_ONE_PAD = '[AEIMQUYcgkosw048]';
const LAST_OF_TWO_PADS = '[AQgw]';
/** Canonical padded base64 of any length: padding bits zero, so each value has one spelling. */
const CANONICAL_B64 = `^(?:${B64}{4})*(?:${B64}${LAST_OF_TWO_PADS}==|${B64}{2}${LAST_OF_ONE_PAD}=)?$`;

/** Canonical padded base64 of exactly `bytes` bytes. */
export function base64Pattern(bytes: number): string {
  const groups = Math.floor(bytes / 3);
  const tail = bytes % 3;
  if (tail === 0) return `^${B64}{${groups * 4}}$`;
  return tail === 1 ? `^${B64}{${groups * 4 + 1}}${LAST_OF_TWO_PADS}==$` : `^${B64}{${groups * 4 + 2}}${LAST_OF_ONE_PAD}=$`;
}

const SIGNED_DESCRIPTION = (type: MessageType): string =>
  `A signed gpuproof ${type} (protocol v${PROTOCOL_VERSION}). Not expressible here, checked by the kit: ` +
  `\`signature\` is ed25519 (libsodium's rules) by \`signer\` over the UTF-8 bytes "gpuproof/v${PROTOCOL_VERSION}/${type}", ` +
  'one 0x00 byte, then the RFC 8785 (JCS) canonical JSON of `body`; every public key must be a canonical ' +
  'ed25519 point not of small order; the JSON must be I-JSON (no member name twice in one object) and every ' +
  'string well-formed UTF-16; and the rules between messages (a commitment answers its challenge) belong to the roles.';

const last = (path: readonly (string | number)[]): string | number | undefined => path[path.length - 1];

type Json = Record<string, unknown>;

/** Puts back what zod's refinements said, where JSON Schema can say it. */
function override(ctx: { zodSchema: unknown; jsonSchema: Json; path: (string | number)[] }): void {
  const js = ctx.jsonSchema;
  const at = last(ctx.path);
  if (ctx.zodSchema === PublicKey) {
    Object.assign(js, { pattern: base64Pattern(32), description: 'ed25519 public key: canonical padded base64 of 32 bytes; also a canonical point not of small order (checked by the kit)' });
  } else if (ctx.zodSchema === Signature) {
    Object.assign(js, { pattern: base64Pattern(64), description: 'ed25519 signature: canonical padded base64 of 64 bytes' });
  } else if (at === 'state') {
    Object.assign(js, { pattern: base64Pattern(LANE_RESULT_BYTES), description: `one integer lane's result after L rounds: canonical padded base64 of ${LANE_RESULT_BYTES} bytes (a, b, c, d as u32 little-endian)` });
  } else if (at === 'data') {
    Object.assign(js, { pattern: base64Pattern(SEGMENT_BYTES), description: `one memory segment: canonical padded base64 of ${SEGMENT_BYTES} bytes` });
  } else if (at === 'row' && js.type === 'string') {
    Object.assign(js, { pattern: CANONICAL_B64, description: 'one matmul row: canonical padded base64 of 4..262144 bytes, a multiple of 4 (length checked by the kit)' });
  } else if (at === 'measured') {
    for (const k of Object.keys(js)) delete js[k];
    Object.assign(js, {
      type: 'object',
      maxProperties: MAX_MEASURED_ENTRIES,
      propertyNames: { pattern: FIGURE_KEY.source },
      additionalProperties: { description: 'a figure: null, boolean, finite number, string (≤ 1024), or an array or object of figures; nested ≤ 4 deep, ≤ 64 items each, object keys as propertyNames' },
    });
  } else if (at === 'observed') {
    js.description = 'the validator\'s observed window; receivedAt ≥ sentAt (checked by the kit)';
  } else if (js.type === 'object' && typeof js.properties === 'object' && js.properties !== null && 'prev' in js.properties) {
    // A k > 0 row is checked from the previous layer's row; a k = 0 row has none.
    Object.assign(js, { if: { properties: { k: { const: 0 } } }, then: { not: { required: ['prev'] } }, else: { required: ['prev'] } });
  } else if (typeof js.properties === 'object' && js.properties !== null && 'expiresAt' in js.properties && 'seed' in js.properties) {
    js.description = 'the challenge body; expiresAt > issuedAt and expiresAt − issuedAt ≤ 24 h (checked by the kit)';
  }
}

function convert(schema: z.ZodType, title: string, description: string): Json {
  const js = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any', override: override as never }) as Json;
  const { $schema, ...rest } = js;
  return { $schema, title, description, ...rest };
}

/** Every schema file's name and text, exactly as `npm run schemas` writes it. */
export function buildSchemas(): Map<string, string> {
  const out = new Map<string, Json>();
  for (const [type, schema] of Object.entries(ENVELOPE_SCHEMAS) as [MessageType, z.ZodType][]) {
    out.set(`${type}.schema.json`, convert(schema, `gpuproof ${type}`, SIGNED_DESCRIPTION(type)));
  }
  out.set('agent-info.schema.json', convert(AgentInfo, 'gpuproof agent info', 'GET /v1/info: the agent\'s info document. Unauthenticated and advisory: a validator trusts none of it beyond the executor key it pins.'));
  out.set('error.schema.json', convert(ErrorBody, 'gpuproof agent error', 'Every error answer of the agent: {error: {code, field, message}}, field a dotted path or null.'));
  return new Map([...out].map(([name, js]) => [name, `${JSON.stringify(js, null, 2)}\n`]));
}

function main(): void {
  mkdirSync(SCHEMA_DIR, { recursive: true });
  for (const [name, text] of buildSchemas()) writeFileSync(join(SCHEMA_DIR, name), text);
  process.stdout.write(`wrote ${buildSchemas().size} schemas to schemas/\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
