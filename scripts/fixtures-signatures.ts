// Regenerates the signed messages of fixtures/signatures.json for the current protocol version from
// the fixture's own keys: bodies are migrated field by field, then signed with tweetnacl, and each
// hash field is re-chained to the previous message. Run: node --import tsx scripts/fixtures-signatures.ts
// The fixture is a known answer: rerun only when the wire format changes, and say so in the commit.
import { readFileSync, writeFileSync } from 'node:fs';
import nacl from 'tweetnacl';
import { canonicalBytes } from '../src/protocol/canonical.js';
import { MESSAGE_TYPES, PROTOCOL_VERSION, type MessageType } from '../src/protocol/schemas.js';
import { domainBytes } from '../src/protocol/signing.js';
import { concatBytes, fromHex, sha256, toB64, toHex, utf8 } from '../src/util/bytes.js';

type Json = Record<string, unknown>;
const path = new URL('../fixtures/signatures.json', import.meta.url);
const fx = JSON.parse(readFileSync(path, 'utf8')) as {
  keys: Record<'validator' | 'executor', { seed: string }>;
  domains: Record<string, string>;
  messages: Record<MessageType, { signedBy: 'validator' | 'executor'; signedBytesSha256: string; hash: string; envelope: { body: Json } }>;
};
// Placeholder digests, as the rest of the fixture's roots and paths are: stable and recognisable.
const placeholder = (label: string): string => toHex(sha256(utf8(`fixture ${label}`)));

function migrate(type: MessageType, body: Json): Json {
  const b: Json = { ...body, version: PROTOCOL_VERSION };
  if (type === 'commitment' && 'leaves' in (b.matmul as Json)) {
    const { leaves: _leaves, ...m } = b.matmul as Json;
    b.matmul = { ...m, layers: 4, rows: 16 };
  }
  if (type === 'open-request') {
    b.blocks = (b.blocks as (number | Json)[]).map((x, j) => ({ index: typeof x === 'number' ? x : x.index, segment: [5, 7][j % 2] }));
  }
  if (type === 'openings') {
    b.blocks = (b.blocks as Json[]).map((o, j) => ({
      index: o.index,
      segment: [5, 7][j % 2],
      data: toB64(new Uint8Array(2048).fill(j + 1)),
      segmentPath: [0, 1, 2].map((l) => placeholder(`block ${j} level ${l}`)),
      blockRoot: placeholder(`block ${j}`),
      path: o.path,
    }));
    b.rows = (b.rows as Json[]).map((r) => {
      if ('layerRoot' in r) return r;
      const k = r.k as number;
      const opened = (kk: number): Json => ({ layerRoot: placeholder(`layer ${kk}`), layerPath: [placeholder(`top ${kk}`), placeholder(`top ${kk} up`)] });
      return { ...r, ...opened(k), ...(r.prev ? { prev: { ...(r.prev as Json), ...opened(k - 1) } } : {}) };
    });
  }
  return b;
}

let prev: Record<string, string> = {};
for (const type of MESSAGE_TYPES) {
  const m = fx.messages[type];
  const body = migrate(type, m.envelope.body);
  if ('challengeHash' in body) body.challengeHash = prev.challenge;
  if ('commitmentHash' in body) body.commitmentHash = prev.commitment;
  if ('requestHash' in body) body.requestHash = prev['open-request'];
  const kp = nacl.sign.keyPair.fromSeed(fromHex(fx.keys[m.signedBy].seed));
  const signed = concatBytes(domainBytes(type), canonicalBytes(body));
  const envelope = { type, body, signer: toB64(kp.publicKey), signature: toB64(nacl.sign.detached(signed, kp.secretKey)) };
  const hash = toHex(sha256(canonicalBytes(envelope)));
  fx.domains[type] = toHex(domainBytes(type));
  fx.messages[type] = { signedBy: m.signedBy, signedBytesSha256: toHex(sha256(signed)), hash, envelope };
  prev = { ...prev, [type]: hash };
}
writeFileSync(path, `${JSON.stringify(fx, null, 2)}\n`);
console.log(`fixtures/signatures.json: ${MESSAGE_TYPES.length} messages signed for protocol v${PROTOCOL_VERSION}`);
