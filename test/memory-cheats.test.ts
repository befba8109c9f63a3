// Every cheat on the memory proof that the threat model names, each one PERFORMED by the CPU
// memory cheater of test/helpers/memory-cheater.ts (which computes X_P with the spec's reference,
// lets the test alter it, commits to whatever blocks it holds and opens them with real audit
// paths) and shown to be rejected by the named memory check. Every test also runs the honest
// counterpart in the same setting (same sizes, same forced openings), so no test can pass because
// nothing could ever pass. One test runs the honest GPU executor end to end.
//
// Sizes are tiny (1–2 MiB, 2–4 passes): the checks do not depend on size, and lavapipe and the
// CPU reference must stay fast. Detection probabilities asserted against are stated per test; the
// verifier opens m = 16 blocks and recomputes s = WORDS_PER_BLOCK words of each.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { useGpu } from './helpers/gpu.js';
import { MemoryCheater, computeLayersWith, LAVAPIPE_LIMITS, type MemoryCheaterOptions, type MemoryCommitOptions, type OtherRow, type ReadOverride } from './helpers/memory-cheater.js';
import { signMessage, signingBytes } from '../src/protocol/signing.js';
import nacl from 'tweetnacl';
import { BLOCK_SEGMENTS, OpeningsBody, SEGMENT_BYTES, type BlockRef, type SignedChallenge, type SignedCommitment, type SignedOpenRequest, type SignedOpenings } from '../src/protocol/schemas.js';
import { runChallenge, answerOpenings } from '../src/roles/executor.js';
import { receiveCommitment, makeOpenRequest, MEMORY_ONLY_MATMUL, DEFAULT_OPEN_BLOCKS, type ObservedWindow } from '../src/roles/validator.js';
import { verifyProof, type Verification } from '../src/roles/verifier.js';
import { WORDS_PER_BLOCK } from '../src/roles/verifier-memory.js';
import { BLOCK_WORDS, BLOCK_ROWS, ROW_WORDS, computeLayersRef, h as hOf, passConstants } from '../src/proofs/memory-spec.js';
import { drawBlockWords, verifyBlockWords, WordOracle } from '../src/proofs/memory-oracle.js';
import { memoryLayout } from '../src/proofs/memory-size.js';
import type { MatmulSize } from '../src/proofs/matmul-size.js';
import { fromB64, fromHex, toB64 } from '../src/util/bytes.js';
import { assertAccepted, assertRejectedBy as rejectedBy } from './helpers/verdicts.js';
import { makeParties, type Parties as BaseParties } from './helpers/parties.js';
import { notInMutationRun, mutationRuns } from './helpers/mutation.js';
import { GPU_LIMIT } from './helpers/limits.js';

const gpu = useGpu();

// ---------------------------------------------------------------------------------------------
// Parties, transcripts and assertions (as in test/cheats.test.ts)

interface Mem {
  mib: number;
  passes: number;
}

interface Parties extends BaseParties {
  issue(memory: Mem | undefined, matmul?: MatmulSize): SignedChallenge;
}

function parties(): Parties {
  const p = makeParties();
  return { ...p, issue: (memory, matmul = MEMORY_ONLY_MATMUL) => p.challenge({ matmul, memory }) };
}

interface Committed {
  challenge: SignedChallenge;
  commitment: SignedCommitment;
  window: ObservedWindow & { observedMs: number };
}

// Each test's challenges are issued by its own honest validator: pinned to the key they name.
const verify = (c: Committed, request: SignedOpenRequest, openings: SignedOpenings): Verification =>
  verifyProof({ challenge: c.challenge, commitment: c.commitment, request, openings }, c.challenge.body.validatorKey);

const assertRejectedBy = (v: Verification, names: string[], what: string, exactly = true): void => rejectedBy(v, names, what, exactly);

const reasonOf = (v: Verification, name: string): string => v.checks.find((c) => c.name === name)?.reason ?? '';

/** The memory cheater: a fresh challenge, `cheat` applied to the held layer, a commitment the validator receives. */
function cheaterCommit(
  p: Parties,
  mem: Mem | undefined,
  opts: MemoryCheaterOptions = {},
  cheat?: (x: MemoryCheater) => void,
  commitOpts?: MemoryCommitOptions,
): Committed & { x: MemoryCheater } {
  const challenge = p.issue(mem);
  const sent = performance.now();
  const x = new MemoryCheater(challenge, p.e, opts);
  cheat?.(x);
  const commitment = x.commit(commitOpts);
  const window = { ...receiveCommitment(p.v, challenge, commitment, p.vStore), observedMs: performance.now() - sent };
  return { challenge, commitment, window, x };
}

/**
 * An open request the validator signs for `c`: drawn by makeOpenRequest, then rewritten (signed
 * with the validator's key, as the validator itself would) so that it opens `forced` first and
 * none of the random blocks for which `avoid` holds. The blocks are random, so a test that needs
 * a particular block opened has to place it there itself.
 */
function requestFor(p: Parties, c: Committed, forced: number[], avoid: (b: number) => boolean = () => false): SignedOpenRequest {
  const base = makeOpenRequest(p.v, c.challenge, c.commitment, c.window);
  const rest = base.body.blocks.filter((b) => !forced.includes(b.index) && !avoid(b.index));
  // A forced block opens a random segment, as the validator's own draw would.
  const blocks = [...forced.map((index) => ({ index, segment: randomInt(BLOCK_SEGMENTS) })), ...rest].slice(0, Math.max(DEFAULT_OPEN_BLOCKS, forced.length));
  return signMessage('open-request', { ...base.body, blocks }, p.v.secretKey);
}

/** Honest and cheating transcripts in one setting: the honest one must pass, the cheat must fail. */
function honestBaseline(p: Parties, mem: Mem, forced: number[] = [], opts: MemoryCheaterOptions = {}): void {
  const h = cheaterCommit(p, mem, opts);
  const req = requestFor(p, h, forced);
  const v = verify(h, req, h.x.open(req));
  assertAccepted(v, `honest ${JSON.stringify(mem)} ${JSON.stringify(opts)}`);
  assert.equal(v.measured.memory?.blocksOpened, req.body.blocks.length);
  assert.equal(v.measured.memory?.wordsChecked, req.body.blocks.length * WORDS_PER_BLOCK);
}

/** Flips one hex digit of a hex string (stays well-formed). */
const flipHex = (s: string, at = 0): string => s.slice(0, at) + ((parseInt(s[at] as string, 16) + 1) % 16).toString(16) + s.slice(at + 1);

/** Block data as words (copy). */
const words = (b64: string): Uint32Array => new Uint32Array(fromB64(b64).slice().buffer);

const MEMORY_CHECKS = ['memory.committed', 'memory.layout', 'memory.shape', 'memory.openings-complete', 'memory.paths', 'memory.words'];

const M1: Mem = { mib: 1, passes: 3 };
const M2: Mem = { mib: 2, passes: 2 };
const M1P4: Mem = { mib: 1, passes: 4 };
/** Blocks the validator opens of a proof: the default, or every block of a smaller one. */
const SEGMENT_WORDS = SEGMENT_BYTES / 4;
const opened = (mem: Mem): number => Math.min(DEFAULT_OPEN_BLOCKS, mem.mib * 64);

// ---------------------------------------------------------------------------------------------

describe('honest baselines', GPU_LIMIT, () => {
  test('the GPU executor (memory-only challenge, 1 MiB, P=3) passes every check; the CPU cheater, not cheating, commits to the same root', notInMutationRun('GPU'), async () => {
    const p = parties();
    const challenge = p.issue(M1);
    const sent = performance.now();
    const state = await runChallenge(gpu(), challenge, { keys: p.e, replay: p.eStore });
    const window = { ...receiveCommitment(p.v, challenge, state.commitment, p.vStore), observedMs: performance.now() - sent };
    const c = { challenge, commitment: state.commitment, window };
    const request = makeOpenRequest(p.v, challenge, state.commitment, window);
    assert.equal(request.body.blocks.length, opened(M1));
    const openings = await answerOpenings(gpu(), state, request, { keys: p.e, replay: p.eStore });
    const v = verify(c, request, openings);
    assertAccepted(v, 'GPU honest');
    for (const name of MEMORY_CHECKS) assert.ok(v.checks.some((x) => x.name === name && x.pass), `${name} present and passing`);
    assert.ok(!v.checks.some((x) => x.name === 'memory.absent'));
    assert.equal(v.measured.memory?.capacityBytes, 2 ** 20);
    assert.equal(v.measured.memory?.wordsChecked, opened(M1) * WORDS_PER_BLOCK);
    // The CPU cheater on the same challenge and the adapter's own limits: the same layout and root.
    const x = new MemoryCheater(challenge, p.e, { limits: gpu().device.limits });
    assert.deepEqual(x.params, memoryLayout(1, 3, gpu().device.limits));
    assert.deepEqual(x.commit().body.memory, state.commitment.body.memory);
    // And the segments the GPU opened are the cheater's held segments.
    for (const o of openings.body.blocks) assert.deepEqual(words(o.data), x.block(o.index).slice(o.segment * SEGMENT_WORDS, (o.segment + 1) * SEGMENT_WORDS), `segment ${o.segment} of block ${o.index}`);
  });

  test('the CPU cheater, not cheating, is accepted for 1–2 MiB, 2–4 passes, lavapipe layout and forced chunk counts', () => {
    const p = parties();
    for (const [mem, opts] of [
      [{ mib: 1, passes: 2 }, {}],
      [M1, {}],
      [M1P4, {}],
      [M2, {}],
      [{ mib: 2, passes: 3 }, { chunks: 4 }],
      [M1, { chunks: 16 }], // 64 KiB chunks: the smallest accepted for 1 MiB (a sixteenth)
      [M1, { chunks: 1 }], // the two-copy schedule's layout
    ] as [Mem, MemoryCheaterOptions][]) {
      honestBaseline(p, mem, [0, mem.mib * 64 - 1], opts);
    }
    // computeLayersWith without an override is the spec's reference (the cheats below depend on it).
    const seed = new Uint8Array(randomBytes(32));
    for (const params of [{ chunks: 2, rows: 2048, passes: 3 }, { chunks: 4, rows: 1024, passes: 2 }, { chunks: 1, rows: 64, passes: 5 }]) {
      assert.deepEqual(computeLayersWith(seed, params), computeLayersRef(seed, params));
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('wrong data under an honest commitment fails memory.words', GPU_LIMIT, () => {
  test('one wrong block (every word wrong) is caught whenever it is opened, and only then', () => {
    const p = parties();
    const bad = 37;
    honestBaseline(p, M1, [bad]);
    const c = cheaterCommit(p, M1, {}, (x) => x.corruptWords(bad, Array.from({ length: BLOCK_WORDS }, (_, i) => i)));
    const req = requestFor(p, c, [bad]);
    const v = verify(c, req, c.x.open(req));
    assertRejectedBy(v, ['memory.words'], 'wrong block opened');
    assert.match(reasonOf(v, 'memory.words'), new RegExp(`of block ${bad}: a word differs from X_3`));
    // Not opened: accepted. With m = 16 of 64 blocks a single bad block is opened with
    // probability 1/4 per proof (16 / (mib·64) in general).
    const other = requestFor(p, c, [], (b) => b === bad);
    assertAccepted(verify(c, other, c.x.open(other)), 'bad block not opened');
  });

  test('a single wrong word: caught exactly when it is among the sampled words', () => {
    const p = parties();
    const c = cheaterCommit(p, M1);
    const seed = fromHex(c.challenge.body.seed);
    const bad = 5;
    const truth = c.x.block(bad);
    const oracle = new WordOracle(seed, c.x.params);
    // Deterministic, for every position of the block: a block wrong at word w alone fails when
    // w is sampled (with any other word) and passes when it is not.
    for (let w = 0; w < BLOCK_WORDS; w++) {
      const data = truth.slice();
      data[w] = ((data[w] as number) ^ 0x80000000) >>> 0;
      const other = (w + 1 + randomInt(BLOCK_WORDS - 1)) % BLOCK_WORDS;
      const third = other === (w + 1) % BLOCK_WORDS ? (w + 2) % BLOCK_WORDS : (w + 1) % BLOCK_WORDS;
      assert.equal(verifyBlockWords(seed, c.x.params, bad, data, [other, w], oracle), false, `word ${w} sampled`);
      assert.equal(verifyBlockWords(seed, c.x.params, bad, data, [other, third], oracle), true, `word ${w} not sampled`);
    }
    // With the verifier's draw (s distinct of 4096) a single wrong word is sampled with
    // probability s/4096 per opened block: over 80,000/s draws the count of detections is
    // Binomial(80000/s, s/4096), mean 19.5; asserted within [1, 55] (each side fails with < 1e-8).
    const data = truth.slice();
    const w = randomInt(BLOCK_WORDS);
    data[w] = ((data[w] as number) + 1) >>> 0;
    let caught = 0;
    const N = Math.round(80_000 / WORDS_PER_BLOCK);
    for (let i = 0; i < N; i++) if (!verifyBlockWords(seed, c.x.params, bad, data, drawBlockWords(randomInt, WORDS_PER_BLOCK), oracle)) caught++;
    assert.ok(caught >= 1 && caught <= 55, `single wrong word detected ${caught} times in ${N} draws (expected about ${(N * WORDS_PER_BLOCK) / BLOCK_WORDS})`);
    assert.ok(verifyBlockWords(seed, c.x.params, bad, truth, drawBlockWords(randomInt, BLOCK_WORDS), oracle), 'the true block passes on every word');
  });

  test('half the words of the opened block wrong, through the verifier: caught with probability ≥ 1/2 per proof', () => {
    const p = parties();
    const bad = 12;
    honestBaseline(p, M1, [bad]);
    const c = cheaterCommit(p, M1, {}, (x) => x.corruptWords(bad, Array.from({ length: BLOCK_WORDS / 2 }, (_, i) => 2 * i + (i % 2))));
    const req = requestFor(p, c, [bad]);
    const openings = c.x.open(req);
    // 96 independent verifications (the verifier draws its words afresh each time). Each misses
    // with probability at most 1/2 (s ≥ 1 of 4096, half wrong); asserting ≥ 24 of 96 rejections
    // fails with probability < 1e-7.
    let rejected = 0;
    for (let i = 0; i < 96; i++) {
      const v = verify(c, req, openings);
      if (!v.accepted) {
        assertRejectedBy(v, ['memory.words'], 'half-wrong block');
        rejected++;
      } else assertAccepted(v, 'half-wrong block, every sampled word in the right half');
    }
    assert.ok(rejected >= 24, `half-wrong block rejected ${rejected} of 96 times`);
    // Half the words of EVERY block wrong, random openings: each proof's 16 blocks all miss with
    // at most 2^-16; two verifications (fresh words each) both miss with at most 2^-32.
    const all = cheaterCommit(p, M1, {}, (x) => {
      for (let b = 0; b < x.blockCount; b++) x.corruptWords(b, Array.from({ length: BLOCK_WORDS / 2 }, (_, i) => 2 * i));
    });
    const areq = makeOpenRequest(p.v, all.challenge, all.commitment, all.window);
    const first = verify(all, areq, all.x.open(areq));
    const v = first.accepted ? verify(all, areq, all.x.open(areq)) : first;
    assertRejectedBy(v, ['memory.words'], 'half of every block wrong');
  });

  test('X_{P−1} or X_{P+1} committed (wrong pass count): every block is wrong', () => {
    const p = parties();
    honestBaseline(p, M1P4);
    for (const passes of [M1P4.passes - 1, M1P4.passes + 1, 1]) {
      const c = cheaterCommit(p, M1P4, { passes });
      assert.equal(c.commitment.body.memory?.blocks, 64);
      const req = makeOpenRequest(p.v, c.challenge, c.commitment, c.window);
      assertRejectedBy(verify(c, req, c.x.open(req)), ['memory.words'], `X_${passes} for P=${M1P4.passes}`);
    }
    // X_0 itself (no passes at all): the cheapest layer, generated straight from the seed.
    const x0 = cheaterCommit(p, M1P4, { passes: 0 });
    const req = makeOpenRequest(p.v, x0.challenge, x0.commitment, x0.window);
    assertRejectedBy(verify(x0, req, x0.x.open(req)), ['memory.words'], 'X_0 committed');
  });

  test('blocks from another seed, or from another position of the same layer', () => {
    const p = parties();
    const bad = 40;
    honestBaseline(p, M2, [bad]);
    // The whole layer of another seed (an old answer re-committed for a new challenge).
    const old = new Uint8Array(randomBytes(32));
    const c = cheaterCommit(p, M2, { seed: old });
    const req = makeOpenRequest(p.v, c.challenge, c.commitment, c.window);
    assertRejectedBy(verify(c, req, c.x.open(req)), ['memory.words'], 'layer of another seed');
    // One block taken from another seed's X_P at the same position.
    const one = cheaterCommit(p, M2, {}, (x) => x.setBlock(bad, computeLayersRef(old, x.params).slice(bad * BLOCK_WORDS, (bad + 1) * BLOCK_WORDS)));
    const oreq = requestFor(p, one, [bad]);
    assertRejectedBy(verify(one, oreq, one.x.open(oreq)), ['memory.words'], 'one block of another seed');
    // The right layer, but block bad holds the (genuine) contents of block bad + 1.
    const moved = cheaterCommit(p, M2, {}, (x) => x.setBlock(bad, x.block(bad + 1)));
    const mreq = requestFor(p, moved, [bad]);
    assertRejectedBy(verify(moved, mreq, moved.x.open(mreq)), ['memory.words'], 'block of another position');
  });

  describe('a layer regenerated wrongly for some rows (the other-row read)', () => {
    // C = 4 (256 KiB chunks, an accepted layout) so a wrong chunk offset is neither the right
    // chunk nor necessarily the own one. `bad` is the block whose 64 rows the cheat touches.
    const mem: Mem = { mib: 1, passes: 3 };
    const opts: MemoryCheaterOptions = { chunks: 4 };
    const bad = 21; // chunk 1, rows 320..383
    const inBad = (x: { c: number; r: number }): boolean => x.c === 1 && x.r >= 320 && x.r < 384;
    /** Forces the cheat to differ from the honest read (a coincidence would make that row honest). */
    const differ = (R: number, honest: OtherRow, cheat: OtherRow): OtherRow =>
      cheat.d === honest.d && cheat.q === honest.q ? { d: cheat.d, q: (cheat.q + 1) % R } : cheat;
    const R = 1024;
    const C = 4;
    /** h_p keyed with another pass's key (a cheater that mixed up its pass constants). */
    const hq = (seed: Uint8Array, p: number, a0: number): number => hOf(passConstants(seed, p, C).hkey, a0) % R;
    const cheats: [string, (seed: Uint8Array) => ReadOverride][] = [
      ['wrong chunk offset (t_p + 1)', () => (_p, _c, _r, h) => ({ d: (h.d + 1) % C, q: h.q })],
      ['own chunk (t_p = 0: only one chunk held)', () => (_p, c, _r, h) => differ(R, h, { d: c, q: h.q })],
      ['no data-dependent read (q = r)', () => (_p, _c, r, h) => differ(R, h, { d: h.d, q: r })],
      ['fixed row (q = 0)', () => (_p, _c, _r, h) => differ(R, h, { d: h.d, q: 0 })],
      ['q from the previous pass\'s key h_{p−1}', (seed) => (p, _c, _r, h, a0) => differ(R, h, { d: h.d, q: hq(seed, p - 1, a0) })],
      ['the own row instead of the other (no read at all)', () => (_p, c, r, h) => differ(R, h, { d: c, q: r })],
    ];

    test('honest baseline at C = 4 with the same forced block', () => {
      const p = parties();
      honestBaseline(p, mem, [bad], opts);
      assert.equal(new MemoryCheater(p.issue(mem), p.e, opts).blockOf(1, 320), bad);
    });

    for (const [what, make] of cheats) {
      test(`${what}, for the rows of one block: in the last pass, and in the first`, () => {
        const p = parties();
        for (const pass of [mem.passes, 1]) {
          let touched = 0;
          const cheatOpts = (seed: Uint8Array): MemoryCheaterOptions => {
            const f = make(seed);
            const override: ReadOverride = (pp, c, r, h, a0) => {
              if (pp !== pass || !inBad({ c, r })) return undefined;
              touched++;
              return f(pp, c, r, h, a0);
            };
            return { ...opts, override };
          };
          const challenge = p.issue(mem);
          const sent = performance.now();
          const x = new MemoryCheater(challenge, p.e, cheatOpts(fromHex(challenge.body.seed)));
          assert.equal(touched, BLOCK_ROWS, 'the cheat touched the 64 rows of the block');
          // The rows of the block really differ from X_P (in every word, with overwhelming probability).
          const truth = computeLayersRef(fromHex(challenge.body.seed), x.params).slice(bad * BLOCK_WORDS, (bad + 1) * BLOCK_WORDS);
          const held = x.block(bad);
          for (let r = 0; r < BLOCK_ROWS; r++) assert.ok(held[r * ROW_WORDS] !== truth[r * ROW_WORDS], `row ${r} word 0 differs`);
          const commitment = x.commit();
          const c = { challenge, commitment, window: { ...receiveCommitment(p.v, challenge, commitment, p.vStore), observedMs: performance.now() - sent } };
          const req = requestFor(p, c, [bad]);
          assertRejectedBy(verify(c, req, x.open(req)), ['memory.words'], `${what} in pass ${pass}`);
          if (pass === mem.passes) {
            // In the last pass the wrong rows are those of block `bad` alone: the proof sees the
            // cheat only when it opens that block (probability 16/64 per proof here).
            const other = requestFor(p, c, [], (b) => b === bad);
            assertAccepted(verify(c, other, x.open(other)), `${what}: block not opened`);
          }
        }
      });
    }

    test('skipping the data-dependent read for every row of every pass: any opened block fails', () => {
      const p = parties();
      const c = cheaterCommit(p, mem, { ...opts, override: (_p, _c, r, h) => ({ d: h.d, q: r }) });
      const req = makeOpenRequest(p.v, c.challenge, c.commitment, c.window);
      assertRejectedBy(verify(c, req, c.x.open(req)), ['memory.words'], 'q = r everywhere');
    });
  });

  test('a valid layout reported, but X_P computed with another C×R (it depends on both)', () => {
    const p = parties();
    honestBaseline(p, M1);
    // Computed with C = 2, R = 2048 (lavapipe's pick); reported as C = 4, R = 1024, which the
    // layout check accepts: the recomputed words (with C = 4) differ.
    const c = cheaterCommit(p, M1, {}, undefined, { report: { chunks: 4, rowsPerChunk: 1024 } });
    assert.deepEqual(c.x.params, { chunks: 2, rows: 2048, passes: 3 });
    const req = makeOpenRequest(p.v, c.challenge, c.commitment, c.window);
    assertRejectedBy(verify(c, req, c.x.open(req)), ['memory.words'], 'computed C=2, reported C=4');
  });

  test('half the capacity held: 1 MiB computed and committed twice over as 2 MiB with the honest 2 MiB layout', () => {
    const p = parties();
    honestBaseline(p, M2);
    const c = cheaterCommit(
      p,
      M2,
      { layout: { chunks: 2, rows: 2048 } },
      (x) => {
        const half = x.layer;
        x.layer = new Uint32Array(2 * half.length);
        x.layer.set(half, 0);
        x.layer.set(half, half.length);
      },
      { report: { chunks: 2, rowsPerChunk: 4096 } },
    );
    assert.equal(c.commitment.body.memory?.blocks, 128);
    const req = makeOpenRequest(p.v, c.challenge, c.commitment, c.window);
    assertRejectedBy(verify(c, req, c.x.open(req)), ['memory.words'], 'half capacity, duplicated');
  });
});

// ---------------------------------------------------------------------------------------------

describe('openings that do not match the committed root fail memory.paths', GPU_LIMIT, () => {
  const bad = 9;

  test('data changed after committing; the true block opened over a committed wrong one', () => {
    const p = parties();
    honestBaseline(p, M1, [bad]);
    // Committed honestly, then one word changed.
    const c = cheaterCommit(p, M1);
    c.x.corruptWords(bad, [100]);
    const req = requestFor(p, c, [bad]);
    const v = verify(c, req, c.x.open(req));
    assertRejectedBy(v, ['memory.paths'], 'one word changed after commit');
    assert.match(reasonOf(v, 'memory.paths'), new RegExp(`of block ${bad} does not match the committed root`));
    // Committed garbage, then opened the true block: the words hold, the path does not.
    const g = cheaterCommit(p, M1, {}, (x) => x.setBlock(bad, new Uint32Array(new Uint8Array(randomBytes(BLOCK_WORDS * 4)).buffer)));
    g.x.setBlock(bad, computeLayersRef(fromHex(g.challenge.body.seed), g.x.params).slice(bad * BLOCK_WORDS, (bad + 1) * BLOCK_WORDS));
    const greq = requestFor(p, g, [bad]);
    assertRejectedBy(verify(g, greq, g.x.open(greq)), ['memory.paths'], 'true block over committed garbage');
  });

  test('a path element changed, dropped, added, reordered or emptied', () => {
    const p = parties();
    const c = cheaterCommit(p, M1);
    const req = requestFor(p, c, [bad]);
    assertAccepted(verify(c, req, c.x.open(req)), 'untampered');
    const opened = c.x.openBlock(req.body.blocks[0]!);
    assert.equal(opened.path.length, 6); // 64 blocks
    assert.equal(opened.segmentPath.length, 3); // 8 segments a block
    type Edit = (o: { path: string[]; segmentPath: string[]; blockRoot: string }) => void;
    const cases: [string, Edit][] = [];
    for (let j = 0; j < 6; j++) {
      cases.push([`path[${j}] first digit`, (o) => (o.path[j] = flipHex(o.path[j] as string, 0))]);
      cases.push([`path[${j}] last digit`, (o) => (o.path[j] = flipHex(o.path[j] as string, 63))]);
    }
    for (let j = 0; j < 3; j++) cases.push([`segmentPath[${j}] a digit`, (o) => (o.segmentPath[j] = flipHex(o.segmentPath[j] as string, 17))]);
    cases.push(['element dropped', (o) => void o.path.pop()]);
    cases.push(['element added', (o) => void o.path.push(o.path[0] as string)]);
    cases.push(['elements reversed', (o) => void o.path.reverse()]);
    cases.push(['path empty', (o) => void o.path.splice(0)]);
    cases.push(['segment path dropped', (o) => void o.segmentPath.pop()]);
    cases.push(['segment path empty', (o) => void o.segmentPath.splice(0)]);
    cases.push(['block root changed', (o) => (o.blockRoot = flipHex(o.blockRoot, 40))]);
    cases.push(['segment path and block path exchanged', (o) => void ([o.path, o.segmentPath] = [o.segmentPath, o.path])]);
    for (const [what, edit] of cases) {
      const openings = c.x.open(req, { tamper: (b) => edit(b.blocks[0]!) });
      assertRejectedBy(verify(c, req, openings), ['memory.paths'], what);
    }
  });

  test('a block index swapped: another block\'s data (with its own or this index\'s path) at this index', () => {
    const p = parties();
    const other = bad + 20;
    const c = cheaterCommit(p, M1);
    const req = requestFor(p, c, [bad, other]);
    assertAccepted(verify(c, req, c.x.open(req)), 'untampered');
    // The genuine opening of `other` (data and path) presented as block `bad`.
    const asked = req.body.blocks[0]!;
    const whole = c.x.open(req, { tamper: (b) => void (b.blocks[0] = { ...c.x.openBlock({ index: other, segment: asked.segment }), index: bad }) });
    assertRejectedBy(verify(c, req, whole), ['memory.paths'], 'opening of another index');
    // Another segment of the same block, with its own genuine segment path, at the asked segment.
    const otherSegment = (asked.segment + 1) % BLOCK_SEGMENTS;
    const segmentSwap = c.x.open(req, { tamper: (b) => void (b.blocks[0] = { ...c.x.openBlock({ index: bad, segment: otherSegment }), segment: asked.segment }) });
    assertRejectedBy(verify(c, req, segmentSwap), ['memory.paths'], 'opening of another segment');
    // Another block's data with this block's genuine path.
    const dataOnly = c.x.open(req, { tamper: (b) => void (b.blocks[0]!.data = c.x.openBlock({ index: other, segment: asked.segment }).data) });
    assertRejectedBy(verify(c, req, dataOnly), ['memory.paths'], 'data of another index');
    // The two openings exchange data and paths, indices kept: each genuine, at the wrong place.
    const exchanged = c.x.open(req, {
      tamper: (b) => {
        const [a, z] = [b.blocks[0]!, b.blocks[1]!];
        [a.data, z.data, a.path, z.path] = [z.data, a.data, z.path, a.path];
      },
    });
    assertRejectedBy(verify(c, req, exchanged), ['memory.paths'], 'blocks exchanged');
  });

  test('segment data of the wrong length (a word short, a word extra, the whole block)', () => {
    const p = parties();
    const c = cheaterCommit(p, M1);
    const req = requestFor(p, c, [bad]);
    assertAccepted(verify(c, req, c.x.open(req)), 'untampered');
    const full = fromB64(c.x.openBlock(req.body.blocks[0]!).data);
    assert.equal(full.length, SEGMENT_WORDS * 4);
    for (const [what, data] of [
      ['a word short', full.subarray(0, full.length - 4)],
      ['a word extra', new Uint8Array([...full, 0, 0, 0, 0])],
      ['the whole block (v1)', new Uint8Array(c.x.block(req.body.blocks[0]!.index).buffer)],
    ] as const) {
      // The schema refuses it on arrival (CLI exit 2, HTTP 400), and no signature over it verifies
      // (verification re-checks the envelope's schema), so a verifier handed the message anyway
      // rejects it at openings.signature; memory.paths' own length check is a second line.
      const body = { ...c.x.open(req).body };
      body.blocks = body.blocks.map((o, j) => (j === 0 ? { ...o, data: toB64(data) } : o));
      const parsed = OpeningsBody.safeParse(body);
      assert.equal(parsed.success, false, what);
      assert.deepEqual(parsed.error?.issues[0]?.path, ['blocks', 0, 'data'], what);
      const signature = toB64(nacl.sign.detached(signingBytes('openings', body), p.e.secretKey));
      const forged = { ...c.x.open(req), body, signature } as SignedOpenings;
      assertRejectedBy(verify(c, req, forged), ['openings.signature'], what);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('dishonest layouts fail memory.layout (or memory.shape)', GPU_LIMIT, () => {
  test('chunks below the minimum (many cache-sized chunks), though X_P is computed correctly for them', () => {
    const p = parties();
    // 1 MiB: the minimum chunk is a sixteenth (64 KiB, 4 blocks); 2 MiB: 128 KiB.
    honestBaseline(p, M1, [], { chunks: 16 });
    honestBaseline(p, M2, [], { chunks: 16 });
    for (const [mem, chunks] of [[M1, 32], [M1, 64], [M2, 32], [M2, 128]] as const) {
      const c = cheaterCommit(p, mem, { chunks });
      assert.equal(c.commitment.body.memory?.chunks, chunks);
      const req = makeOpenRequest(p.v, c.challenge, c.commitment, c.window);
      const openings = c.x.open(req);
      const v = verify(c, req, openings);
      assertRejectedBy(v, ['memory.layout'], `${mem.mib} MiB in ${chunks} chunks`);
      assert.match(reasonOf(v, 'memory.layout'), /below the \d+-byte minimum/);
      // Only the layout check stands in the way: every opened segment is right for the tiny chunks.
      const truth = computeLayersRef(fromHex(c.challenge.body.seed), c.x.params);
      for (const o of openings.body.blocks) {
        const at = o.index * BLOCK_WORDS + o.segment * SEGMENT_WORDS;
        assert.deepEqual(words(o.data), truth.slice(at, at + SEGMENT_WORDS), `segment ${o.segment} of block ${o.index}`);
      }
    }
  });

  test('a layout holding less than the requested capacity', () => {
    const p = parties();
    honestBaseline(p, M2);
    // 2 MiB asked; 1 MiB computed in lavapipe's layout (2 × 2048 rows) and committed as it is.
    const c = cheaterCommit(p, M2, { layout: { chunks: 2, rows: 2048 } });
    assert.equal(c.commitment.body.memory?.blocks, 64);
    const req = makeOpenRequest(p.v, c.challenge, c.commitment, c.window);
    const v = verify(c, req, c.x.open(req));
    assertRejectedBy(v, ['memory.layout', 'memory.shape'], '1 MiB for 2 MiB');
    assert.match(reasonOf(v, 'memory.layout'), /hold 1048576 bytes, not the 2 MiB asked/);
    // The same, claiming 128 blocks: the layout alone rejects it.
    const lie = cheaterCommit(p, M2, { layout: { chunks: 2, rows: 2048 } }, undefined, { report: { blocks: 128 } });
    const lreq = makeOpenRequest(p.v, lie.challenge, lie.commitment, lie.window);
    assertRejectedBy(verify(lie, lreq, lie.x.open(lreq)), ['memory.layout'], '1 MiB claiming 128 blocks');
    // One chunk of the two: half the capacity in the reported layout.
    const one = cheaterCommit(p, M1, { layout: { chunks: 1, rows: 2048 } }, undefined, { report: { blocks: 64 } });
    const oreq = makeOpenRequest(p.v, one.challenge, one.commitment, one.window);
    assertRejectedBy(verify(one, oreq, one.x.open(oreq)), ['memory.layout'], 'one chunk of 2048 rows for 1 MiB');
  });

  test('rowsPerChunk (or chunks) not matching the capacity, or not whole blocks', () => {
    const p = parties();
    honestBaseline(p, M1);
    for (const [what, report] of [
      ['rowsPerChunk doubled (claims 2 MiB)', { rowsPerChunk: 4096 }],
      ['rowsPerChunk one short', { rowsPerChunk: 2047 }],
      ['chunks doubled', { chunks: 4 }],
      ['exactly 1 MiB in half-block chunks (128 × 32 rows)', { chunks: 128, rowsPerChunk: 32 }],
      ['exactly 1 MiB in one-row chunks (4096 × 1)', { chunks: 4096, rowsPerChunk: 1 }],
    ] as const) {
      const c = cheaterCommit(p, M1, {}, undefined, { report });
      const req = makeOpenRequest(p.v, c.challenge, c.commitment, c.window);
      const v = verify(c, req, c.x.open(req));
      assertRejectedBy(v, ['memory.layout'], what);
      assert.equal(v.measured.memory?.wordsChecked, 0, `${what}: no words recomputed with a bad layout`);
    }
  });

  test('a tree over fewer blocks than the capacity, with the honest layout reported: memory.shape', () => {
    const p = parties();
    honestBaseline(p, M1, [0, 31, 63]);
    const c = cheaterCommit(p, M1, {}, undefined, { blocks: 32 });
    assert.equal(c.commitment.body.memory?.blocks, 32);
    const req = makeOpenRequest(p.v, c.challenge, c.commitment, c.window);
    const v = verify(c, req, c.x.open(req));
    assertRejectedBy(v, ['memory.shape'], '32 of 64 blocks committed');
    // Claiming 64 blocks over the 32-leaf tree: the shape passes, the paths (checked against a
    // 64-leaf tree) do not, for every opened block.
    const lie = cheaterCommit(p, M1, {}, undefined, { blocks: 32, report: { blocks: 64 } });
    const lreq = requestFor(p, lie, [0, 31]);
    assertRejectedBy(verify(lie, lreq, lie.x.open(lreq)), ['memory.paths'], '32-leaf tree claimed as 64');
  });
});

// ---------------------------------------------------------------------------------------------

describe('a memory part missing or unasked', GPU_LIMIT, () => {
  test('a memory challenge committed without a memory part: memory.committed', () => {
    const p = parties();
    honestBaseline(p, M1);
    const c = cheaterCommit(p, M1, {}, undefined, { omitMemory: true });
    assert.equal(c.commitment.body.memory, undefined);
    const req = makeOpenRequest(p.v, c.challenge, c.commitment, c.window);
    assert.equal(req.body.blocks.length, opened(M1));
    // Answered with the blocks, or with none.
    for (const openings of [c.x.open(req), c.x.open(req, { blocks: () => [] })]) {
      const v = verify(c, req, openings);
      assertRejectedBy(v, ['memory.committed'], 'no memory part');
      assert.equal(v.measured.memory, undefined);
    }
  });

  test('memory data for a challenge without memory: memory.absent', () => {
    const p = parties();
    const as = M1;
    // Honest: no memory part, no blocks.
    const h = cheaterCommit(p, undefined, { as }, undefined, { omitMemory: true });
    const hreq = makeOpenRequest(p.v, h.challenge, h.commitment, h.window);
    assert.deepEqual(hreq.body.blocks, []);
    const hv = verify(h, hreq, h.x.open(hreq));
    assertAccepted(hv, 'no memory asked, none given');
    assert.ok(hv.checks.some((x) => x.name === 'memory.absent' && x.pass));
    // A memory part in the commitment.
    const c = cheaterCommit(p, undefined, { as });
    assert.ok(c.commitment.body.memory);
    const req = makeOpenRequest(p.v, c.challenge, c.commitment, c.window);
    assertRejectedBy(verify(c, req, c.x.open(req)), ['memory.absent'], 'memory part unasked');
    // Blocks in the openings (commitment without a memory part).
    const o = cheaterCommit(p, undefined, { as }, undefined, { omitMemory: true });
    const oreq = makeOpenRequest(p.v, o.challenge, o.commitment, o.window);
    assertRejectedBy(verify(o, oreq, o.x.open(oreq, { blocks: () => [{ index: 0, segment: 0 }, { index: 1, segment: 5 }] })), ['memory.absent'], 'blocks unasked');
    // Both.
    const b = cheaterCommit(p, undefined, { as });
    const breq = makeOpenRequest(p.v, b.challenge, b.commitment, b.window);
    assertRejectedBy(verify(b, breq, b.x.open(breq, { blocks: () => [{ index: 3, segment: 7 }] })), ['memory.absent'], 'memory part and blocks unasked');
  });
});

// ---------------------------------------------------------------------------------------------

describe('openings that answer other blocks fail memory.openings-complete', GPU_LIMIT, () => {
  test('fewer, other, extra, reordered or duplicated blocks (each genuine, with its real path)', () => {
    const p = parties();
    // 2 MiB (128 blocks): the default 66 leave blocks unasked.
    const c = cheaterCommit(p, M2);
    const req = requestFor(p, c, [1, 2, 3]);
    const asked = req.body.blocks;
    assert.equal(asked.length, DEFAULT_OPEN_BLOCKS);
    assertAccepted(verify(c, req, c.x.open(req)), 'untampered');
    const notAsked = Array.from({ length: M2.mib * 64 }, (_, index) => ({ index, segment: 0 })).filter((r) => !asked.some((a) => a.index === r.index));
    const cases: [string, (a: readonly BlockRef[]) => BlockRef[]][] = [
      ['last block dropped', (a) => a.slice(0, -1)],
      ['first block dropped', (a) => a.slice(1)],
      ['no blocks at all', () => []],
      ['one block replaced by one not asked', (a) => [notAsked[0]!, ...a.slice(1)]],
      ['every block replaced by ones not asked', (a) => notAsked.slice(0, a.length)],
      ['an extra block appended', (a) => [...a, notAsked[0]!]],
      ['order reversed', (a) => [...a].reverse()],
      ['first two exchanged', (a) => [a[1]!, a[0]!, ...a.slice(2)]],
      ['second block a duplicate of the first', (a) => [a[0]!, a[0]!, ...a.slice(2)]],
      ['the right block, another segment', (a) => [{ ...a[0]!, segment: (a[0]!.segment + 1) % BLOCK_SEGMENTS }, ...a.slice(1)]],
    ];
    for (const [what, blocks] of cases) {
      const v = verify(c, req, c.x.open(req, { blocks }));
      assertRejectedBy(v, ['memory.openings-complete'], what);
      assert.equal(v.measured.memory?.wordsChecked, 0);
    }
    // Index fields rewritten to the asked ones over other blocks' data and paths: complete, but
    // the paths fail.
    const relabelled = c.x.open(req, { blocks: (a) => a.map((b) => ({ ...b, index: (b.index + 1) % 128 })), tamper: (b) => b.blocks.forEach((o, j) => (o.index = asked[j]!.index)) });
    assertRejectedBy(verify(c, req, relabelled), ['memory.paths'], 'neighbours relabelled as the asked blocks');
  });
});

// The cheater's default layout is the one the honest executor would pick on lavapipe.
test('the cheater\'s default layout is memoryLayout\'s pick for lavapipe\'s limits', GPU_LIMIT, () => {
  const p = parties();
  for (const mem of [M1, M2, { mib: 2, passes: 4 }]) {
    const x = new MemoryCheater(p.issue(mem), p.e);
    assert.deepEqual(x.params, memoryLayout(mem.mib, mem.passes, LAVAPIPE_LIMITS));
    assert.equal(x.blockCount, mem.mib * 64);
  }
});
