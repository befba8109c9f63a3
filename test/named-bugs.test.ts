// Named bugs (issue 16): each test here fails for one bug that was once planted by hand in a
// security check and got through the suite, or was caught only by accident. Each title names the
// bug; docs/testing.md ("Named bugs") lists bug, file and test. Where the check is a security check
// the test performs the cheat and re-signs every message it changed with the right key, so that
// only the check under test can stop it, and asserts which check did. Every test is CPU only (no
// GPU, no lavapipe) and well under a second, so the mutation run can use the file; sampling tests
// never ask for as many distinct draws as there are items, so a draw that can never reach the last
// item makes them fail, not hang.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CheatingExecutor } from './helpers/cheater.js';
import { AluCheater } from './helpers/alu-cheater.js';
import { MemoryCheater } from './helpers/memory-cheater.js';
import { makeParties, type Parties } from './helpers/parties.js';
import { assertAccepted, assertRejectedBy } from './helpers/verdicts.js';
import { challenge as ledgerChallenge, validator as ledgerValidator } from './helpers/ledger.js';
import { errorOf, postJson } from './helpers/net.js';
import { refused } from '../src/errors.js';
import { checkRow, checkRowExact, prepareFreivalds, FREIVALDS_R_BITS, FREIVALDS_SOUNDNESS_LOG2, FREIVALDS_VECTORS, type FreivaldsContext, type RandomBytes } from '../src/proofs/freivalds.js';
import { accumulateRow, chainInputs, maxCEntry, rowTimesMatrix } from '../src/proofs/reference.js';
import { MerkleTree } from '../src/proofs/merkle.js';
import { rowDigest, topTree } from '../src/proofs/matmul-layers.js';
import { ED25519_L, scalarIsCanonical, strictRejection } from '../src/protocol/ed25519-strict.js';
import { ed25519Verify, hashHex, signMessage, signingBytes, verifySignature } from '../src/protocol/signing.js';
import { BLOCK_SEGMENTS, type AluParams, type SignedChallenge, type SignedCommitment, type SignedOpenRequest, type SignedOpenings } from '../src/protocol/schemas.js';
import { makeOpenRequest, receiveCommitment, MEMORY_ONLY_MATMUL, DEFAULT_OPEN_BLOCKS, DEFAULT_OPEN_LANES, DEFAULT_OPEN_ROWS, type ObservedWindow } from '../src/roles/validator.js';
import { signReceipt, verifyProof, type Check, type Verification, type VerifyInput } from '../src/roles/verifier.js';
import { checkMatmulOpenings } from '../src/roles/verifier-matmul.js';
import { checkLanes } from '../src/roles/verifier-alu.js';
import { checkBlocks } from '../src/roles/verifier-memory.js';
import { checkChallenge, type ExecutorState } from '../src/roles/executor.js';
import { Ledger } from '../src/ledger/ledger.js';
import { failedReceipt } from '../src/server/attest-steps.js';
import { startAgent } from '../src/server/agent.js';
import type { OpenGpu } from '../src/server/slots.js';
import type { GpuContext } from '../src/gpu/context.js';
import { fromB64, toB64, toHex } from '../src/util/bytes.js';

// ---------------------------------------------------------------------------------------------
// Shared set-up: a CPU cheater's commitment the validator has received, and verification of it.

interface Round {
  p: Parties;
  challenge: SignedChallenge;
  commitment: SignedCommitment;
  window: ObservedWindow;
}

function received(p: Parties, challenge: SignedChallenge, commitment: SignedCommitment): Round {
  return { p, challenge, commitment, window: { ...receiveCommitment(p.v, challenge, commitment, p.vStore), observedMs: 1000 } };
}

const verify = (r: Round, request: SignedOpenRequest, openings: SignedOpenings): Verification =>
  verifyProof({ challenge: r.challenge, commitment: r.commitment, request, openings }, r.challenge.body.validatorKey);

/** A check function that records every verdict, as verifyProof's does. */
function recorder(): { checks: Check[]; check: (name: string, pass: boolean, reason: string) => boolean } {
  const checks: Check[] = [];
  return { checks, check: (name, pass, reason) => (checks.push({ name, pass, reason: pass ? 'ok' : reason }), pass) };
}

const passOf = (checks: Check[], name: string): boolean | undefined => checks.find((c) => c.name === name)?.pass;

/** Pearson's statistic of counts against a uniform expectation. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((s, x) => s + x, 0);
  const e = total / counts.length;
  return counts.reduce((s, x) => s + (x - e) ** 2 / e, 0);
}

/**
 * The χ² value with d degrees of freedom that a fair draw exceeds with probability about 10^-15
 * (Wilson–Hilferty, z = 8); draws without replacement only make χ² smaller.
 */
const chiBound = (d: number): number => d * (1 - 2 / (9 * d) + 8 * Math.sqrt(2 / (9 * d))) ** 3;

// ---------------------------------------------------------------------------------------------

describe('sampling: every item can be opened, and a request opens exactly as many as asked', () => {
  // Every request asks fewer distinct items than there are (8 of 32 rows or lanes, 16 of 64
  // blocks), so a draw that cannot reach the last item still ends; 250 requests make a fair draw
  // miss a given item with chance < 10^-31.
  const REQUESTS = 250;
  const PER_REQUEST = 8;

  test('rows: the last row of the last layer can be drawn (randomInt(total − 1) would never draw it), with every other row', () => {
    const p = makeParties();
    const size = { n: 16, iterations: 2 };
    const ch = p.challenge({ matmul: size });
    const r = received(p, ch, new CheatingExecutor(ch, p.e).commit());
    const total = size.n * size.iterations;
    const counts = new Array<number>(total).fill(0);
    // 8 of the 32 rows a request: (24/32)^250 < 10^-31 is the chance a fair draw misses any given row.
    for (let d = 0; d < REQUESTS; d++) {
      const rows = makeOpenRequest(p.v, ch, r.commitment, r.window, PER_REQUEST).body.rows;
      assert.equal(new Set(rows.map(({ k, i }) => k * size.n + i)).size, PER_REQUEST, 'distinct rows');
      for (const { k, i } of rows) {
        assert.ok(Number.isInteger(k) && k >= 0 && k < size.iterations && Number.isInteger(i) && i >= 0 && i < size.n, `row (${k}, ${i}) outside the proof`);
        counts[k * size.n + i] = (counts[k * size.n + i] ?? 0) + 1;
      }
    }
    assert.ok((counts[total - 1] as number) > 0, `row (${size.iterations - 1}, ${size.n - 1}), the last of the last layer, never drawn in ${REQUESTS} requests`);
    assert.deepEqual(counts.flatMap((c, x) => (c === 0 ? [`(${Math.floor(x / size.n)}, ${x % size.n})`] : [])), [], 'rows never drawn');
    assert.ok(chiSquare(counts) < chiBound(total - 1), `row draws far from uniform: χ² = ${chiSquare(counts).toFixed(1)}`);
  });

  test('blocks: the last block and the last segment can be drawn, with every other block and segment', () => {
    const p = makeParties();
    const ch = p.challenge({ matmul: MEMORY_ONLY_MATMUL, memory: { mib: 1, passes: 1 } });
    const r = received(p, ch, new CheatingExecutor(ch, p.e).commit());
    const total = 64;
    const blocks = new Array<number>(total).fill(0);
    const segments = new Array<number>(BLOCK_SEGMENTS).fill(0);
    // 16 of the 64 blocks a request: (48/64)^250 < 10^-31 for any given block; 4000 segments
    // drawn, (7/8)^4000 ≈ 0 for any given segment.
    for (let d = 0; d < REQUESTS; d++) {
      const drawn = makeOpenRequest(p.v, ch, r.commitment, r.window, 1, 16).body.blocks;
      assert.equal(drawn.length, 16, 'blocks drawn ≠ asked');
      assert.equal(new Set(drawn.map((b) => b.index)).size, 16, 'blocks of one request are distinct');
      for (const { index, segment } of drawn) {
        assert.ok(Number.isInteger(index) && index >= 0 && index < total && Number.isInteger(segment) && segment >= 0 && segment < BLOCK_SEGMENTS, `block ${index} segment ${segment} outside the proof`);
        blocks[index] = (blocks[index] ?? 0) + 1;
        segments[segment] = (segments[segment] ?? 0) + 1;
      }
    }
    assert.ok((blocks[total - 1] as number) > 0, 'the last block never drawn');
    assert.ok((segments[BLOCK_SEGMENTS - 1] as number) > 0, 'the last segment never drawn');
    assert.deepEqual(blocks.flatMap((c, x) => (c === 0 ? [x] : [])), [], 'blocks never drawn');
    assert.deepEqual(segments.flatMap((c, x) => (c === 0 ? [x] : [])), [], 'segments never drawn');
    assert.ok(chiSquare(blocks) < chiBound(total - 1), `block draws far from uniform: χ² = ${chiSquare(blocks).toFixed(1)}`);
    assert.ok(chiSquare(segments) < chiBound(BLOCK_SEGMENTS - 1), `segment draws far from uniform: χ² = ${chiSquare(segments).toFixed(1)}`);
  });

  test('lanes: the last lane can be drawn (drawDistinct(alu.lanes − 1, …) would never draw it), with every other lane', () => {
    const p = makeParties();
    const W = 32;
    const ch = p.challenge({ matmul: MEMORY_ONLY_MATMUL, alu: { lanes: W, rounds: 1 } });
    const r = received(p, ch, new CheatingExecutor(ch, p.e).commit());
    const counts = new Array<number>(W).fill(0);
    for (let d = 0; d < REQUESTS; d++) {
      const lanes = makeOpenRequest(p.v, ch, r.commitment, r.window, 1, 0, PER_REQUEST).body.lanes ?? [];
      assert.equal(new Set(lanes).size, PER_REQUEST, 'distinct lanes');
      for (const l of lanes) {
        assert.ok(Number.isInteger(l) && l >= 0 && l < W, `lane ${l} outside the proof`);
        counts[l] = (counts[l] ?? 0) + 1;
      }
    }
    assert.ok((counts[W - 1] as number) > 0, `lane ${W - 1}, the last, never drawn in ${REQUESTS} requests`);
    assert.deepEqual(counts.flatMap((c, x) => (c === 0 ? [x] : [])), [], 'lanes never drawn');
    assert.ok(chiSquare(counts) < chiBound(W - 1), `lane draws far from uniform: χ² = ${chiSquare(counts).toFixed(1)}`);
  });

  test('blocks: a request draws exactly the blocks asked, not every block (and exactly the rows and lanes asked)', { timeout: 5_000 }, () => {
    const p = makeParties();
    // 128 rows, 4 MiB = 256 blocks, 1024 lanes: more of each than any count asked below.
    const ch = p.challenge({ matmul: { n: 16, iterations: 8 }, memory: { mib: 4, passes: 1 }, alu: { lanes: 1024, rounds: 1 } });
    const r = received(p, ch, new CheatingExecutor(ch, p.e).commit());
    const counts = (q: SignedOpenRequest): number[] => [q.body.rows.length, q.body.blocks.length, q.body.lanes?.length ?? -1];
    assert.deepEqual(counts(makeOpenRequest(p.v, ch, r.commitment, r.window, 5, 7, 9)), [5, 7, 9], 'rows, blocks, lanes drawn ≠ asked');
    assert.deepEqual(counts(makeOpenRequest(p.v, ch, r.commitment, r.window, 1, 1, 1)), [1, 1, 1], 'rows, blocks, lanes drawn ≠ asked');
    const byDefault = makeOpenRequest(p.v, ch, r.commitment, r.window);
    assert.deepEqual(counts(byDefault), [DEFAULT_OPEN_ROWS, DEFAULT_OPEN_BLOCKS, DEFAULT_OPEN_LANES], 'rows, blocks, lanes drawn by default ≠ the defaults');
    assert.equal(new Set(byDefault.body.blocks.map((b) => b.index)).size, DEFAULT_OPEN_BLOCKS, 'distinct blocks');
    assert.equal(new Set(byDefault.body.rows.map((x) => `${x.k}:${x.i}`)).size, DEFAULT_OPEN_ROWS, 'distinct rows');
    assert.equal(new Set(byDefault.body.lanes).size, DEFAULT_OPEN_LANES, 'distinct lanes');
  });
});

// ---------------------------------------------------------------------------------------------

describe('Freivalds: all four vectors are used, and the entry bound holds on its own', () => {
  const n = 16;
  const seed = Uint8Array.from({ length: 32 }, (_, i) => 0x5a ^ i);
  const { A0, B } = chainInputs(seed, n);
  const aRow = A0.slice(0, n);
  const cRow = rowTimesMatrix(aRow, B, n);

  /** r_j = e_j: vector j is 1 at index j and 0 elsewhere (2 bytes an entry, little-endian). */
  function unitVectors(): { random: RandomBytes; calls: () => number } {
    let call = 0;
    return {
      random: (len) => {
        const out = new Uint8Array(len);
        out[2 * call] = 1;
        call++;
        return out;
      },
      calls: () => call,
    };
  }

  test('four vectors: a wrong row that only vector k sees (error e_k against r_j = e_j) is rejected, for each k = 0..3', () => {
    assert.equal(FREIVALDS_VECTORS, 4);
    assert.equal(FREIVALDS_SOUNDNESS_LOG2, -4 * FREIVALDS_R_BITS, 'soundness 2^-44 is four vectors of 11 bits');
    const src = unitVectors();
    const ctx = prepareFreivalds(B, n, src.random);
    assert.equal(src.calls(), FREIVALDS_VECTORS, 'one draw of the random source a vector');
    assert.equal(ctx.r.length, FREIVALDS_VECTORS);
    assert.equal(checkRow(ctx, aRow, cRow), true, 'the honest row');
    for (let k = 0; k < FREIVALDS_VECTORS; k++) {
      const wrong = cRow.slice();
      wrong[k] = (wrong[k] as number) + ((wrong[k] as number) > 0 ? -1 : 1); // d = c − a·B = ±e_k
      // The construction: of the four vectors alone, exactly vector k rejects the row.
      const alone = ctx.r.map((r, j) => checkRow({ n, r: [r], Br: [ctx.Br[j] as Float64Array] }, aRow, wrong));
      assert.deepEqual(alone, [0, 1, 2, 3].map((j) => j !== k), `d = e_${k} is orthogonal to every r_j but r_${k}`);
      assert.equal(checkRow(ctx, aRow, wrong), false, `a row wrong only along vector ${k} passed: not every vector is used`);
    }
  });

  test('four vectors: the CSPRNG draws four different vectors', () => {
    const ctx = prepareFreivalds(B, n, (len) => new Uint8Array(globalThis.crypto.getRandomValues(new Uint8Array(len))));
    const distinct = new Set(ctx.r.map((r) => Array.from(r).join(',')));
    assert.equal(distinct.size, FREIVALDS_VECTORS, 'two vectors equal (a chance of 2^-176 for fair draws)');
  });

  /** The context checkRow would use for this B with r_j = e_j, built without prepareFreivalds' own range check on B. */
  function contextFor(b: Int32Array): FreivaldsContext {
    const ctx = prepareFreivalds(B, n, unitVectors().random);
    const Br = ctx.r.map((r) => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) out[i] = (out[i] as number) + (b[i * n + k] as number) * (r[k] as number);
      return out;
    });
    return { n, r: ctx.r, Br };
  }

  test('entry bound: arithmetically right rows with an entry out of range are rejected by the bound alone (|a| > 8, |c| > 64n)', () => {
    // 1. a_0 = 100 multiplies a zero row of B: c = a·B exactly, every c in range, only |a| > 8 is wrong.
    const B0 = B.slice();
    B0.fill(0, 0, n);
    const a1 = aRow.slice();
    const c1 = rowTimesMatrix(a1, B0, n);
    assert.equal(checkRowExact(a1, B0, c1), true, 'control: in range');
    assert.equal(checkRow(prepareFreivalds(B0, n, unitVectors().random), a1, c1), true, 'control: in range (Freivalds)');
    a1[0] = 100;
    assert.deepEqual(rowTimesMatrix(a1, B0, n), c1, 'the product is unchanged: the row is arithmetically right');
    assert.equal(checkRowExact(a1, B0, c1), false, 'exact check: |a| > 8 accepted');
    assert.equal(checkRow(prepareFreivalds(B0, n, unitVectors().random), a1, c1), false, 'Freivalds: |a| > 8 accepted');
    // 2. a_0 = 2^20: c = a·B is exact and far above 64n; both a and c are out of range.
    const a2 = aRow.slice();
    a2[0] = 2 ** 20;
    const c2 = Int32Array.from(accumulateRow(a2, B, n));
    assert.ok(c2.some((x) => Math.abs(x) > maxCEntry(n)));
    assert.equal(checkRowExact(a2, B, c2), false, 'exact check: a huge a and c accepted');
    assert.equal(checkRow(prepareFreivalds(B, n, unitVectors().random), a2, c2), false, 'Freivalds: a huge a and c accepted');
    // 3. a in range, B with a huge entry (the exact check takes any B): only |c| > 64n is wrong.
    const Bbig = B.slice();
    Bbig[0] = 2 ** 20;
    const a3 = aRow.slice();
    a3[0] = 1;
    const c3 = Int32Array.from(accumulateRow(a3, Bbig, n));
    assert.ok(Math.abs(c3[0] as number) > maxCEntry(n));
    assert.equal(checkRowExact(a3, Bbig, c3), false, 'exact check: |c| > 64n accepted');
    assert.equal(checkRow(contextFor(Bbig), a3, c3), false, 'Freivalds: |c| > 64n accepted');
  });
});

// ---------------------------------------------------------------------------------------------

describe('an open request: signed by the challenge\'s validator and bound to the commitment', () => {
  /** A CPU stand-in for the GPU and the executor's work on it, so the agent runs with no device. */
  function cpuAgentParts(): { openGpu: OpenGpu; work: Parameters<typeof startAgent>[0]['work']; answered: () => number } {
    const cheaters = new Map<string, CheatingExecutor>();
    let answered = 0;
    const report = { vendor: 'none', architecture: 'cpu-double', device: 'none', description: 'CPU test double (no GPU)', backend: 'null', features: [], isFallbackAdapter: true, subgroupMinSize: null, subgroupMaxSize: null, subgroupMatrixConfigs: [], limits: {} };
    const openGpu: OpenGpu = async () => ({ report, lost: new Promise(() => undefined), close: async () => undefined }) as unknown as GpuContext;
    return {
      openGpu,
      answered: () => answered,
      work: {
        prepare: async () => ({}),
        run: async (_ctx, challenge, o) => {
          const now = (o.now ?? Date.now)();
          checkChallenge(challenge, o.keys, o.replay, now);
          o.replay.remember(challenge.body.id, challenge.body.expiresAt);
          const x = new CheatingExecutor(challenge, o.keys);
          const commitment = x.commit();
          cheaters.set(hashHex(challenge), x);
          return { challenge, commitment, layerRoots: toB64(x.layerRoots()) } satisfies ExecutorState;
        },
        answer: async (_ctx, state, request) => {
          answered++;
          // As answerOpenings does: the executor refuses another signer too, on the field 'signature'.
          if (!verifySignature(request) || request.signer !== state.challenge.body.validatorKey) throw refused('open request is not signed by the challenge validator', 'signature');
          const x = cheaters.get(hashHex(state.challenge));
          if (!x) throw new Error('no such challenge');
          return x.open(request);
        },
      },
    };
  }

  test('agent: an open request signed by another allowed validator is refused on its signer (403, field signer) before any GPU slot is used', { timeout: 10_000 }, async () => {
    const p = makeParties();
    const other = p.mallory; // a second validator, on the allow list too
    const parts = cpuAgentParts();
    const agent = await startAgent({ keys: p.e, allow: [toB64(p.v.publicKey), toB64(other.publicKey)], openGpu: parts.openGpu, work: parts.work, log: () => undefined });
    try {
      const ch = p.challenge({ matmul: { n: 16, iterations: 1 } });
      const c = await postJson(`${agent.url}/v1/challenges`, ch);
      assert.equal(c.status, 200, c.text);
      const commitment = c.json as SignedCommitment;
      const window = { sentAt: ch.body.issuedAt, receivedAt: Date.now(), observedMs: 1 };
      // Validly signed by an allowed key, naming this challenge and commitment: only the signer is wrong.
      const theirs = makeOpenRequest(other, ch, commitment, window, 4);
      assert.equal(verifySignature(theirs), true);
      const before = agent.info().stats;
      const o = await postJson(`${agent.url}/v1/openings`, theirs);
      assert.equal(o.status, 403, o.text);
      assert.deepEqual([errorOf(o).code, errorOf(o).field], ['REFUSED', 'signer'], `refused by another check: ${o.text}`);
      assert.match(errorOf(o).message, /not signed by the challenge's validator/);
      assert.equal(parts.answered(), 0, 'the executor was asked to open: a GPU slot was taken for it');
      assert.equal(agent.info().stats.openings, before.openings, 'an opening was started');
      assert.ok(agent.slots.every((s) => !s.isBusy));
      // The commitment is still open to its own validator's request.
      const ours = await postJson(`${agent.url}/v1/openings`, makeOpenRequest(p.v, ch, commitment, window, 4));
      assert.equal(ours.status, 200, ours.text);
      assert.equal(parts.answered(), 1);
    } finally {
      await agent.close(1_000);
    }
  });

  test('request binding: a request naming another commitment (commitmentHash), re-signed by the validator, fails request.binding alone', () => {
    const p = makeParties();
    const ch = p.challenge({ matmul: { n: 16, iterations: 2 } });
    const x = new CheatingExecutor(ch, p.e);
    const r = received(p, ch, x.commit());
    // A second commitment of the same executor to the same rows, differing only in its timings.
    const second = x.commit({ timings: { totalMs: 0.5 } });
    assert.notEqual(hashHex(second), hashHex(r.commitment));
    const honest = makeOpenRequest(p.v, ch, r.commitment, r.window, 8);
    assertAccepted(verify(r, honest, x.open(honest)), 'honest request');
    // The validator's own key signs the request that names the other commitment; the executor
    // answers that very request (openings.binding holds) with honest rows under the same root.
    const named = signMessage('open-request', { ...honest.body, commitmentHash: hashHex(second) }, p.v.secretKey);
    assert.equal(named.body.challengeHash, hashHex(ch));
    assertRejectedBy(verify(r, named, x.open(named)), ['request.binding'], 'request for another commitment', true);
  });
});

// ---------------------------------------------------------------------------------------------

describe('Merkle paths are checked against the validator\'s own sizes, never the executor\'s', () => {
  test('rows: a path that verifies only in the tree size the commitment reports (n + 1 rows, or K + 1 layers) fails matmul.paths, even past matmul.shape', () => {
    const n = 16;
    const extra = (b: number): Uint8Array => new Uint8Array(32).fill(b);
    const cases: { what: string; tree: (digests: Uint8Array) => { layer: MerkleTree; top: MerkleTree }; report: { rows?: number; layers?: number } }[] = [
      {
        what: `a layer tree of ${n + 1} rows reported as rows = ${n + 1}`,
        tree: (d) => {
          const layer = MerkleTree.fromPackedLeafData(Uint8Array.from([...d, ...extra(7)]));
          return { layer, top: topTree(layer.root()) };
        },
        report: { rows: n + 1 },
      },
      {
        what: 'a top tree of 2 layers reported as layers = 2',
        tree: (d) => {
          const layer = MerkleTree.fromPackedLeafData(d);
          return { layer, top: topTree(Uint8Array.from([...layer.root(), ...extra(9)])) };
        },
        report: { layers: 2 },
      },
    ];
    for (const c of cases) {
      const p = makeParties();
      const ch = p.challenge({ matmul: { n, iterations: 1 } });
      const x = new CheatingExecutor(ch, p.e);
      const digests = new Uint8Array(n * 32);
      for (let i = 0; i < n; i++) digests.set(rowDigest(x.row(0, i)), i * 32);
      const { layer, top } = c.tree(digests);
      const commitment = x.commit({ editBody: (b) => Object.assign(b.matmul, { root: toHex(top.root()) }, c.report) });
      const r = received(p, ch, commitment);
      const request = makeOpenRequest(p.v, ch, commitment, r.window, 4);
      // Honest rows, with their paths in the trees the executor reports, signed by the executor.
      const openings = x.open(request, {
        tamper: (b) => b.rows.forEach((o) => Object.assign(o, { path: layer.auditPath(o.i).map(toHex), layerRoot: toHex(layer.root()), layerPath: top.auditPath(0).map(toHex) })),
      });
      // Through verifyProof the reported size fails matmul.shape first, and no path is checked ...
      assertRejectedBy(verify(r, request, openings), ['matmul.shape'], c.what, true);
      // ... so the path check is called past that gate: it must use n and K, not the report.
      const rec = recorder();
      checkMatmulOpenings({ challenge: ch, commitment, request, openings }, rec.check, true);
      assert.equal(passOf(rec.checks, 'openings.complete'), true, c.what);
      assert.equal(passOf(rec.checks, 'matmul.paths'), false, `${c.what}: the paths verified in the executor's tree size`);
    }
  });

  test('lanes: a path that verifies only in the tree size the commitment reports (W + 1 lanes) fails alu.paths, even past alu.shape', () => {
    const p = makeParties();
    const W = 16;
    const ch = p.challenge({ matmul: MEMORY_ONLY_MATMUL, alu: { lanes: W, rounds: 4 } });
    const x = new AluCheater(ch, p.e);
    const extended = new Uint32Array((W + 1) * 4);
    extended.set(x.states);
    x.states = extended; // W honest lanes and one more, all committed
    const commitment = x.commit({ report: { lanes: W + 1 } });
    const r = received(p, ch, commitment);
    const request = makeOpenRequest(p.v, ch, commitment, r.window, 1, 0, 6);
    const openings = x.open(request);
    assertRejectedBy(verify(r, request, openings), ['alu.shape'], 'W + 1 lanes reported', true);
    const rec = recorder();
    checkLanes({ challenge: ch, commitment, request, openings }, rec.check, true, true);
    assert.equal(passOf(rec.checks, 'alu.paths'), false, "the lane paths verified in the executor's tree size");
  });

  test('blocks: a path that verifies only in the tree size the commitment reports (32 of 64 blocks) fails memory.paths, even past memory.shape', () => {
    const p = makeParties();
    const mem = { mib: 1, passes: 1 };
    const ch = p.challenge({ matmul: MEMORY_ONLY_MATMUL, memory: mem });
    const x = new MemoryCheater(ch, p.e);
    const commitment = x.commit({ blocks: 32 }); // reports blocks = 32
    assert.equal(commitment.body.memory?.blocks, 32);
    const r = received(p, ch, commitment);
    const drawn = makeOpenRequest(p.v, ch, commitment, r.window, 1, 4);
    // Re-signed by the validator to open only blocks the smaller tree holds.
    const request = signMessage('open-request', { ...drawn.body, blocks: [{ index: 0, segment: 0 }, { index: 5, segment: 3 }, { index: 31, segment: 7 }] }, p.v.secretKey);
    const openings = x.open(request);
    assertRejectedBy(verify(r, request, openings), ['memory.shape'], '32 blocks reported', true);
    const rec = recorder();
    const com = commitment.body.memory as NonNullable<SignedCommitment['body']['memory']>;
    checkBlocks({ challenge: ch, commitment, request, openings }, rec.check, true, true, { chunks: com.chunks, rows: com.rowsPerChunk, passes: mem.passes }, mem.mib * 64);
    assert.equal(passOf(rec.checks, 'memory.paths'), false, "the block paths verified in the executor's tree size");
  });

  test('lanes: honest lanes opened over a commitment to wrong ones, re-signed by the executor, fail alu.paths alone', () => {
    const p = makeParties();
    const alu: AluParams = { lanes: 64, rounds: 8 };
    const ch = p.challenge({ matmul: MEMORY_ONLY_MATMUL, alu });
    const x = new AluCheater(ch, p.e);
    const honest = x.states.slice();
    x.states.fill(0); // commits to lanes it never computed ...
    const r = received(p, ch, x.commit());
    x.states = honest; // ... and opens the honest ones, computed after the commitment
    const request = makeOpenRequest(p.v, ch, r.commitment, r.window, 1, 0, 8);
    assertRejectedBy(verify(r, request, x.open(request)), ['alu.paths'], 'honest lanes over a committed garbage tree', true);
  });
});

// ---------------------------------------------------------------------------------------------

describe('receipts and the ledger', () => {
  test('signReceipt: a rejected verdict\'s receipt carries score 0 whatever score it is given', () => {
    const p = makeParties();
    const ch = p.challenge({ matmul: { n: 16, iterations: 1 } });
    const x = new CheatingExecutor(ch, p.e);
    for (let i = 0; i < 16; i++) x.setRow(0, i, x.perturbed(0, i)); // every row wrong, committed as held
    const r = received(p, ch, x.commit());
    const request = makeOpenRequest(p.v, ch, r.commitment, r.window, 4);
    const input: VerifyInput = { challenge: ch, commitment: r.commitment, request, openings: x.open(request) };
    const v = verifyProof(input, toB64(p.v.publicKey));
    assertRejectedBy(v, ['matmul.rows'], 'a wrong row', true);
    const receipt = signReceipt(p.v, input, v, { class: null, score: 37 });
    assert.equal(receipt.body.accepted, false);
    assert.equal(receipt.body.score, 0, 'a rejected verdict scored');
    assert.equal(verifySignature(receipt), true);
    // The control: an accepted verdict keeps the score it is given.
    const honest = { ...v, accepted: true, checks: v.checks.map((c) => ({ ...c, pass: true, reason: 'ok' })) };
    assert.equal(signReceipt(p.v, input, honest, { score: 37 }).body.score, 37);
  });

  test('ledger: a receipt whose second statement (closing its challenge) fails leaves no receipt row: one transaction', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuproof-named-'));
    try {
      const path = join(dir, 'receipts.db');
      const ledger = Ledger.open(path);
      const ch = ledgerChallenge();
      ledger.recordIssued(ch, 'http://127.0.0.1:1');
      ledger.markAnswered(ch.body.id);
      const raw = new Database(path);
      raw.exec(`CREATE TRIGGER planted_failure BEFORE UPDATE OF status ON challenges WHEN NEW.status = 'receipted'
                BEGIN SELECT RAISE(ABORT, 'planted failure of the second statement'); END`);
      const receipt = failedReceipt(ledgerValidator, ch, null, 'openings.delivery', 'test');
      assert.throws(() => ledger.storeReceipt(receipt, ch.body.id, { url: 'http://127.0.0.1:1' }), /planted failure/);
      assert.equal((raw.prepare('SELECT count(*) AS n FROM receipts').get() as { n: number }).n, 0, 'the receipt row outlived its failed transaction');
      assert.deepEqual(ledger.receipts(), []);
      assert.deepEqual(ledger.challenges().map((c) => c.status), ['answered']);
      assert.deepEqual(ledger.check(), []);
      // Without the failure the same receipt is stored: the trigger alone made it fail.
      raw.exec('DROP TRIGGER planted_failure');
      raw.close();
      ledger.storeReceipt(receipt, ch.body.id, { url: 'http://127.0.0.1:1' });
      assert.equal(ledger.receipts().length, 1);
      assert.deepEqual(ledger.challenges().map((c) => c.status), ['receipted']);
      ledger.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('signatures', () => {
  test('S < L: a signature with S replaced by S + L (the same scalar, non-canonical) is refused by the strict pre-check itself, not left to OpenSSL', () => {
    const p = makeParties();
    const ch = p.challenge({ matmul: { n: 16, iterations: 1 } });
    const sig = fromB64(ch.signature);
    const pub = fromB64(ch.signer);
    const msg = signingBytes('challenge', ch.body);
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i] as number);
    const big = s + ED25519_L; // < 2^254: still 32 bytes
    const forged = sig.slice();
    for (let i = 0, v = big; i < 32; i++, v >>= 8n) forged[32 + i] = Number(v & 0xffn);
    assert.equal(strictRejection(sig, pub), null, 'control: the real signature passes every pre-check');
    assert.equal(ed25519Verify(msg, sig, pub), true);
    assert.equal(scalarIsCanonical(forged.subarray(32)), false);
    assert.equal(strictRejection(forged, pub), 'S ≥ L', 'the pre-check let S ≥ L through (only OpenSSL would refuse it)');
    assert.equal(ed25519Verify(msg, forged, pub), false);
    assert.equal(verifySignature({ ...ch, signature: toB64(forged) }), false);
  });
});
