#!/usr/bin/env node
// The whole protocol through the library API, both roles in one process: the validator issues a
// challenge, the executor commits on its GPU, the validator draws the openings, the executor
// answers them, and the validator verifies, classifies and signs a receipt. Every message crosses
// as JSON text, as it would over a network. Small sizes (n = 64), so it runs in seconds even on a
// software adapter. Prints one JSON object; exit 0 when the proof is accepted, 1 when not.
import {
  DEFAULT_OPEN_ROWS,
  MemoryReplayStore,
  answerOpenings,
  generateKeyPair,
  issueChallenge,
  judge,
  makeOpenRequest,
  parseJsonText,
  readyKernels,
  receiveCommitment,
  runChallenge,
  signReceipt,
  toB64,
  verifyProof,
  withGpu,
} from 'gpuproof';

const wire = (msg) => JSON.stringify(msg);

// Validator side: its key and its memory of what it issued.
const validator = { keys: generateKeyPair(), replay: new MemoryReplayStore() };
// Executor side: its key and its memory of what it ran (replays are refused).
const executor = { keys: generateKeyPair(), replay: new MemoryReplayStore() };

const challenge = issueChallenge(validator.keys, {
  executorKey: toB64(executor.keys.publicKey),
  matmul: { n: 64, iterations: 2 },
}, validator.replay);

const result = await withGpu({}, async (ctx) => {
  // The default kernel, compiled and warmed before the clock starts (tune: false skips autotuning).
  const kernels = await readyKernels(ctx, { tune: false });
  const opts = { keys: executor.keys, replay: executor.replay, ...kernels, keepOnGpu: true };

  const sent = performance.now();
  const state = await runChallenge(ctx, parseJsonText('challenge', wire(challenge)), opts);
  const commitment = parseJsonText('commitment', wire(state.commitment));
  // The validator's own window: only the time it observed counts towards the figures.
  const window = { ...receiveCommitment(validator.keys, challenge, commitment, validator.replay), observedMs: performance.now() - sent };
  const request = makeOpenRequest(validator.keys, challenge, commitment, window, DEFAULT_OPEN_ROWS);

  // Answered while the device that kept the results is still open.
  const openings = await answerOpenings(ctx, state, parseJsonText('open-request', wire(request)), opts);
  return { commitment, request, openings: parseJsonText('openings', wire(openings)) };
});

const input = { challenge, ...result };
const verdict = verifyProof(input, toB64(validator.keys.publicKey));
const judgement = judge(verdict, input.commitment.body.adapter, 'any');
const receipt = signReceipt(validator.keys, input, verdict, { class: judgement.class, score: judgement.score });

console.log(JSON.stringify({
  accepted: verdict.accepted,
  failed: verdict.checks.filter((c) => !c.pass).map((c) => c.name),
  checks: verdict.checks.length,
  class: judgement.class,
  score: judgement.score,
  figures: judgement.figures,
  receipt: { signer: receipt.signer, accepted: receipt.body.accepted },
}));
process.exitCode = verdict.accepted ? 0 : 1;
