// The file flow with an integer section, each step a separate `node bin/gpuproof.js` process:
// challenge --alu-lanes, run, open-request (66 lanes by default, --lanes otherwise, never more
// than the proof has), open, verify accepted with the integer figures; and openings whose lane
// state was changed by one byte, or whose lanes were dropped, re-signed with the executor's own
// key so that only the integer checks can catch them, rejected (exit 1) by the named check.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKeyFile } from '../src/protocol/keys.js';
import { signMessage } from '../src/protocol/signing.js';
import type { SignedOpenings } from '../src/protocol/schemas.js';
import { DEFAULT_OPEN_LANES } from '../src/roles/validator.js';
import { fromB64, toB64 } from '../src/util/bytes.js';
import { buildCli, describeResult, runCli, verifyArgs, type CliResult, type JsonObject, type Transcript } from './helpers/cli.js';

let root = '';
let counter = 0;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gpuproof-alu-flow-'));
  await buildCli();
});

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

async function must(args: string[], home: string, dir: string): Promise<CliResult> {
  const r = await runCli([...args, '--json'], { home, cwd: dir });
  assert.equal(r.code, 0, `gpuproof ${args.join(' ')}: ${describeResult(r)}`);
  return r;
}

/** The file flow in a fresh directory: `alu` on the challenge, `open` on the open request. */
async function flow(alu: string[], open: string[] = []): Promise<{ t: Transcript; dir: string; home: string; steps: Record<string, JsonObject | undefined> }> {
  const dir = join(root, `t${counter++}`);
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const t: Transcript = {
    validatorKey: join(dir, 'validator.key'), executorKey: join(dir, 'executor.key'), challenge: join(dir, 'challenge.json'),
    commitment: join(dir, 'commitment.json'), request: join(dir, 'request.json'), openings: join(dir, 'openings.json'),
  };
  await must(['keygen', '--out', t.validatorKey], home, dir);
  await must(['keygen', '--out', t.executorKey], home, dir);
  // The smallest matmul beside the integer proof, so the integer figure has its own window.
  await must(['challenge', '--key', t.validatorKey, '--executor', `${t.executorKey}.pub`, '--n', '16', '--iterations', '1', ...alu, '--out', t.challenge], home, dir);
  const run = await must(['run', '--key', t.executorKey, '--challenge', t.challenge, '--out', t.commitment], home, dir);
  const req = await must(['open-request', '--key', t.validatorKey, '--challenge', t.challenge, '--commitment', t.commitment, ...open, '--out', t.request], home, dir);
  const opened = await must(['open', '--key', t.executorKey, '--challenge', t.challenge, '--request', t.request, '--out', t.openings], home, dir);
  return { t, dir, home, steps: { run: run.json, request: req.json, open: opened.json } };
}

interface CheckJson {
  name: string;
  pass: boolean;
  reason: string;
}
const ALU_CHECKS = ['alu.committed', 'alu.shape', 'alu.openings-complete', 'alu.paths', 'alu.lanes'];

test('the file flow with an integer proof is accepted, with its figures in verify\'s output', async () => {
  const { t, dir, home, steps } = await flow(['--alu-lanes', '1000', '--alu-rounds', '256']);
  const commitment = JSON.parse(readFileSync(t.commitment, 'utf8')) as { body: { alu?: { root: string; lanes: number; rounds: number; kernel: string } } };
  assert.deepEqual([commitment.body.alu?.lanes, commitment.body.alu?.rounds], [1000, 256]);
  assert.equal(steps.run?.aluRoot, commitment.body.alu?.root);
  assert.deepEqual([steps.request?.lanes, steps.open?.lanes], [DEFAULT_OPEN_LANES, DEFAULT_OPEN_LANES]);

  const v = await runCli([...verifyArgs(t), '--validator', `${t.validatorKey}.pub`, '--json'], { home, cwd: dir });
  assert.equal(v.code, 0, describeResult(v));
  const checks = v.json?.checks as CheckJson[];
  for (const name of ALU_CHECKS) assert.ok(checks.some((c) => c.name === name && c.pass), `${name} passes`);
  assert.ok(!checks.some((c) => c.name === 'alu.absent'));
  const alu = (v.json?.measured as { alu?: Record<string, unknown> }).alu;
  assert.deepEqual([alu?.lanes, alu?.rounds, alu?.opsPerRound, alu?.lanesOpened, alu?.lanesChecked, alu?.window, alu?.kernel], [1000, 256, 14, 66, 66, 'own', commitment.body.alu?.kernel]);
  assert.ok(typeof alu?.intGopsObserved === 'number' && alu.intGopsObserved > 0);

  const human = await runCli([...verifyArgs(t), '--validator', `${t.validatorKey}.pub`], { home, cwd: dir });
  assert.equal(human.code, 0, describeResult(human));
  assert.match(human.stdout, /^integer GOPS observed +[\d.]+ \(own window; 1000 lanes × 256 rounds, 66 lanes recomputed\)$/m);
  assert.match(human.stdout, /^integer GOPS reported +[\d.]+$/m);
});

/** The openings changed by `edit` and signed again by the executor, as a lying executor would send them. */
async function resigned(t: Transcript, dir: string, name: string, edit: (body: SignedOpenings['body']) => void): Promise<string> {
  const o = JSON.parse(readFileSync(t.openings, 'utf8')) as SignedOpenings;
  edit(o.body);
  const path = join(dir, name);
  writeFileSync(path, `${JSON.stringify(signMessage('openings', o.body, (await readKeyFile(t.executorKey)).secretKey), null, 2)}\n`);
  return path;
}

test('a lane state changed by one byte and re-signed by the executor is rejected by the integer checks', async () => {
  const { t, dir, home } = await flow(['--alu-lanes', '300', '--alu-rounds', '64']);
  const verdict = async (openings: string): Promise<CheckJson[]> => {
    const r = await runCli([...verifyArgs(t, { openings }), '--validator', `${t.validatorKey}.pub`, '--json'], { home, cwd: dir });
    assert.equal(r.code, 1, describeResult(r));
    assert.equal(r.json?.accepted, false);
    const checks = r.json?.checks as CheckJson[];
    assert.ok(checks.find((c) => c.name === 'openings.signature')?.pass, 'the executor\'s signature still holds');
    return checks.filter((c) => !c.pass);
  };
  const flipped = await resigned(t, dir, 'flipped.json', (b) => {
    const lane = b.lanes?.[3];
    assert.ok(lane, 'lane openings present');
    const state = fromB64(lane.state);
    state[5] = (state[5] as number) ^ 0x01;
    lane.state = toB64(state);
  });
  const failed = await verdict(flipped);
  assert.ok(failed.some((c) => c.name === 'alu.paths' && /does not match the committed root/.test(c.reason)), JSON.stringify(failed));
  assert.ok(failed.every((c) => c.name.startsWith('alu.')), `only integer checks fail: ${JSON.stringify(failed)}`);

  const dropped = await resigned(t, dir, 'dropped.json', (b) => {
    delete b.lanes;
  });
  assert.ok((await verdict(dropped)).some((c) => c.name === 'alu.openings-complete'));
});

test('open-request --lanes sets how many lanes are opened, never more than the proof has', async () => {
  const few = await flow(['--alu-lanes', '256', '--alu-rounds', '16'], ['--lanes', '5']);
  assert.equal(few.steps.request?.lanes, 5);
  const v = await runCli([...verifyArgs(few.t), '--json'], { home: few.home, cwd: few.dir });
  assert.equal(v.code, 0, describeResult(v));
  assert.equal((v.json?.measured as { alu: { lanesOpened: number } }).alu.lanesOpened, 5);
  const all = await flow(['--alu-lanes', '8', '--alu-rounds', '16'], ['--lanes', '100']);
  assert.deepEqual([...((JSON.parse(readFileSync(all.t.request, 'utf8')) as { body: { lanes: number[] } }).body.lanes)].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
  const none = await flow([]);
  assert.equal((JSON.parse(readFileSync(none.t.request, 'utf8')) as { body: { lanes?: unknown } }).body.lanes, undefined, 'no integer proof, no lanes asked');
  assert.equal(none.steps.request?.lanes, 0);
});
