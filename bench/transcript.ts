// An honest transcript at sizes lavapipe cannot run (n up to 8192): K = 1, and only the opened rows
// of C_0 = A0·B are computed, on the CPU; unopened row digests are random, which the verifier
// never sees. Verification cost is what is measured, so this is exactly the validator's work.
import { randomBytes } from 'node:crypto';
import { MerkleTree } from '../src/proofs/merkle.js';
import { generateMatrix, generateRow, streamKey, STREAM_MATMUL_A0, STREAM_MATMUL_B } from '../src/proofs/generator.js';
import { rowTimesMatrix } from '../src/proofs/reference.js';
import { topTree } from '../src/proofs/matmul-layers.js';
import { generateKeyPair, type KeyPair } from '../src/protocol/keys.js';
import { signMessage, hashHex } from '../src/protocol/signing.js';
import { PROTOCOL_VERSION } from '../src/protocol/schemas.js';
import { issueChallenge, makeOpenRequest } from '../src/roles/validator.js';
import { MemoryReplayStore } from '../src/roles/stores.js';
import type { VerifyInput } from '../src/roles/verifier.js';
import { fromHex, sha256, toB64, toHex } from '../src/util/bytes.js';

/**
 * `v` issues the challenge and `e` answers it; fresh keys unless given. `wrongRows`: the opened rows
 * are random (under valid paths), so the verifier still streams B, then rejects: a slow transcript
 * that costs nothing to make at any n.
 */
export function syntheticTranscript(n: number, m = 32, v: KeyPair = generateKeyPair(), e: KeyPair = generateKeyPair(), wrongRows = false): VerifyInput {
  const challenge = issueChallenge(v, { executorKey: toB64(e.publicKey), matmul: { n, iterations: 1 } }, new MemoryReplayStore());
  const seed = fromHex(challenge.body.seed);
  const B = wrongRows ? undefined : generateMatrix(streamKey(seed, STREAM_MATMUL_B), n);
  const keyA = streamKey(seed, STREAM_MATMUL_A0);
  const digests: Uint8Array[] = Array.from({ length: n }, () => new Uint8Array(randomBytes(32)));
  const picked = [...new Set(Array.from({ length: m }, () => Math.floor(Math.random() * n)))];
  const rows = new Map<number, Int32Array>();
  for (const i of picked) {
    const row = B ? rowTimesMatrix(generateRow(keyA, n, i), B, n) : new Int32Array(new Uint8Array(randomBytes(4 * n)).buffer);
    rows.set(i, row);
    digests[i] = sha256(new Uint8Array(row.buffer));
  }
  const tree = MerkleTree.fromLeafData(digests);
  const top = topTree(tree.root());
  const commitment = signMessage('commitment', {
    version: PROTOCOL_VERSION,
    challengeHash: hashHex(challenge),
    executorKey: toB64(e.publicKey),
    matmul: { root: toHex(top.root()), layers: 1, rows: n, path: 'f32', kernel: 'synthetic' },
    adapter: { vendor: 'bench', architecture: '', device: '', description: 'synthetic transcript', backend: 'none', features: [], isFallbackAdapter: false },
    timings: { method: 'queue-completion', phases: {}, totalMs: 1 },
  }, e.secretKey);
  const now = Date.now();
  const request = signMessage('open-request', {
    ...makeOpenRequest(v, challenge, commitment, { sentAt: now, receivedAt: now + 1000 }, m).body,
    rows: picked.map((i) => ({ k: 0, i })),
  }, v.secretKey);
  const openings = signMessage('openings', {
    version: PROTOCOL_VERSION,
    requestHash: hashHex(request),
    rows: picked.map((i) => {
      const row = rows.get(i) as Int32Array;
      return { k: 0, i, row: toB64(new Uint8Array(row.buffer)), path: tree.auditPath(i).map(toHex), layerRoot: toHex(tree.root()), layerPath: [] };
    }),
    blocks: [],
  }, e.secretKey);
  return { challenge, commitment, request, openings };
}
