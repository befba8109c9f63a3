// What a pooled validator still does on its event loop for one attest, at production sizes (n =
// 4096, K = 293, 66 rows; a 64 GiB memory proof, 66 blocks): each step is one synchronous task, so
// the longest of them bounds how late another executor's commitment can be read (docs/network.md).
// Verification itself (signatures of the openings, Merkle paths, products, memory words) runs on
// the pool's workers and is timed here only for comparison. Usage:
//   node --import tsx bench/loop-cost.ts [runs] [out.json]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../src/ledger/ledger.js';
import { generateKeyPair } from '../src/protocol/keys.js';
import { parseJsonText } from '../src/protocol/parse.js';
import { PROTOCOL_VERSION, SEGMENT_BYTES } from '../src/protocol/schemas.js';
import { hashHex, signMessage, verifySignature } from '../src/protocol/signing.js';
import { makeOpenRequest } from '../src/roles/validator.js';
import { signReceipt, verifyProof } from '../src/roles/verifier.js';
import { failedReceipt } from '../src/server/attest-steps.js';
import { toB64, toHex } from '../src/util/bytes.js';
import { syntheticTranscript } from './transcript.js';

const N = 4096;
const K = 293;
const ROWS = 66;
const BLOCKS = 66;
/** log2 of a 64 GiB set's block count (1 MiB blocks of 16 KiB segments: 2^22 blocks). */
const BLOCK_PATH = 22;

const hex32 = (): string => toHex(new Uint8Array(randomBytes(32)));
const path = (len: number): string[] => Array.from({ length: len }, hex32);
const b64 = (bytes: number): string => toB64(new Uint8Array(randomBytes(bytes)));

/** An openings message of production shape (random content: parsing does not look at it). */
function productionOpenings(key: Uint8Array): string {
  const opened = () => ({ row: b64(4 * N), path: path(Math.log2(N)), layerRoot: hex32(), layerPath: path(Math.ceil(Math.log2(K))) });
  const rows = Array.from({ length: ROWS }, (_, j) => ({ k: 1 + j, i: j, ...opened(), prev: opened() }));
  const blocks = Array.from({ length: BLOCKS }, (_, index) => ({ index, segment: 0, data: b64(SEGMENT_BYTES), segmentPath: path(3), blockRoot: hex32(), path: path(BLOCK_PATH) }));
  return JSON.stringify(signMessage('openings', { version: PROTOCOL_VERSION, requestHash: hex32(), rows, blocks }, key));
}

function median(runs: number, fn: () => unknown): number {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b)[Math.floor(runs / 2)] as number;
}

export function measureLoopCost(runs = 9): Record<string, unknown> {
  const v = generateKeyPair();
  const t = syntheticTranscript(64, 4, v);
  const openingsText = productionOpenings(generateKeyPair().secretKey);
  const openings = parseJsonText('openings', openingsText);
  const commitmentText = JSON.stringify(t.commitment);
  const dir = mkdtempSync(join(tmpdir(), 'gpuproof-loop-'));
  const ledger = Ledger.open(join(dir, 'receipts.db'));
  const verdict = verifyProof(t, toB64(v.publicKey));
  const stored = Array.from({ length: runs }, () => {
    const ch = signMessage('challenge', { ...t.challenge.body, id: toHex(new Uint8Array(randomBytes(16))) }, v.secretKey);
    return { ch, receipt: failedReceipt(v, ch, null, 'bench', 'bench') };
  });
  const loop = {
    commitmentParse: median(runs, () => parseJsonText('commitment', commitmentText)),
    commitmentSignatures: median(runs, () => verifySignature(t.challenge) && verifySignature(t.commitment)),
    openRequest: median(runs, () => makeOpenRequest(v, t.challenge, t.commitment, { sentAt: 0, receivedAt: 1 }, ROWS)),
    openingsParse: median(runs, () => parseJsonText('openings', openingsText)),
    copyToWorker: median(runs, () => structuredClone({ ...t, openings })),
    receiptSign: median(runs, () => signReceipt(v, t, verdict)),
    ledgerWrite: median(runs, () => {
      const { ch, receipt } = stored.pop() as (typeof stored)[number];
      ledger.recordIssued(ch, 'http://127.0.0.1:1');
      ledger.storeReceipt(receipt, ch.body.id, { url: 'http://127.0.0.1:1', observedMs: 1, gflops: 1, reason: null, rttMs: 1 });
    }),
  };
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
  const slow = syntheticTranscript(N, ROWS, v, generateKeyPair(), true);
  const worker = {
    openingsHash: median(runs, () => hashHex(openings)),
    matmulVerifyN4096: median(Math.min(runs, 3), () => verifyProof(slow, toB64(v.publicKey))),
  };
  return { n: N, iterations: K, rows: ROWS, blocks: BLOCKS, openingsBytes: openingsText.length, runs, loopMs: loop, longestLoopTaskMs: Math.max(...Object.values(loop)), workerMs: worker };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = measureLoopCost(Number(process.argv[2] ?? 9));
  // The load average says how far other processes inflated the figures (medians of wall time).
  const host = { cores: availableParallelism(), loadAverage1m: loadavg()[0] };
  const text = `${JSON.stringify({ date: new Date().toISOString(), node: process.version, host, ...r }, null, 2)}\n`;
  if (process.argv[3]) writeFileSync(process.argv[3], text);
  process.stdout.write(text);
}
