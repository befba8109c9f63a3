// The integer proof's options on every command that takes them, checked before any GPU or network
// work: each side of each limit (a bad value exits 2 naming the option, from the command line, a
// variable or the configuration file; a good one goes on, and with GPUPROOF_ADAPTER naming no
// adapter fails at the GPU, exit 1), what `challenge` writes with and without them, `open-request
// --lanes`, and the help text.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_ALU_LANES_PROOF, MAX_ALU_ROUNDS } from '../src/proofs/alu-size.js';
import { MAX_OPEN_LANES } from '../src/protocol/schemas.js';
import { claimedAlu, DEFAULT_ALU_ROUNDS } from '../src/cli/alu-options.js';
import { loadClassTable } from '../src/roles/classes.js';
import { sizeForClass } from '../src/roles/sizing.js';
import { buildCli, cliError, describeResult, runCli, type CliResult } from './helpers/cli.js';

let root = '';
let home = '';
let vkey = '';
let ekey = '';
let hits = 0;
let server: Server;
let port = 0;
const NO_GPU = { GPUPROOF_ADAPTER: 'no-such-adapter-gpuproof-test' };

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gpuproof-alu-options-'));
  home = join(root, 'home');
  await buildCli();
  vkey = join(root, 'validator.key');
  ekey = join(root, 'executor.key');
  for (const k of [vkey, ekey]) assert.equal((await runCli(['keygen', '--out', k], { home, cwd: root })).code, 0);
  server = createServer((_req, res) => {
    hits += 1;
    res.writeHead(503).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  if (root) rmSync(root, { recursive: true, force: true });
});

const run = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli([...args, '--json'], { home, cwd: root, env: { ...NO_GPU, ...env } });

function assertInput(r: CliResult, field: string, words: string[] = []): void {
  assert.equal(r.code, 2, describeResult(r));
  const e = cliError(r);
  assert.deepEqual([e.code, e.field], ['INPUT', field], describeResult(r));
  for (const w of words) assert.ok(e.message.includes(w), `${w} not in ${e.message}`);
}

/** Went past the option checks: the GPU was opened, and (no such adapter) failed. */
function assertReachedGpu(r: CliResult): void {
  assert.equal(r.code, 1, describeResult(r));
  assert.equal(cliError(r).code, 'GPU', describeResult(r));
}

test('selftest --alu-lanes and --alu-rounds: each side of each limit', async () => {
  const base = ['selftest', '--n', '64', '--iterations', '1', '--memory-mib', '0'];
  assertInput(await run([...base, '--alu-lanes', '-1']), 'alu-lanes', [`0..${MAX_ALU_LANES_PROOF}`]);
  assertInput(await run([...base, '--alu-lanes', String(MAX_ALU_LANES_PROOF + 1)]), 'alu-lanes', [`0..${MAX_ALU_LANES_PROOF}`]);
  assertInput(await run([...base, '--alu-lanes', '2.5']), 'alu-lanes');
  assertInput(await run([...base, '--alu-lanes', 'many']), 'alu-lanes');
  assertInput(await run([...base, '--alu-rounds', '0']), 'alu-rounds', [`1..${MAX_ALU_ROUNDS}`]);
  assertInput(await run([...base, '--alu-rounds', String(MAX_ALU_ROUNDS + 1)]), 'alu-rounds', [`1..${MAX_ALU_ROUNDS}`]);
  for (const ok of [['--alu-lanes', '0'], ['--alu-lanes', String(MAX_ALU_LANES_PROOF)], ['--alu-rounds', '1'], ['--alu-rounds', String(MAX_ALU_ROUNDS)]]) {
    assertReachedGpu(await run([...base, ...ok]));
  }
});

test('selftest: the integer options from a variable or the configuration file, named as such when bad', async () => {
  const base = ['selftest', '--n', '64', '--iterations', '1'];
  assertInput(await run(base, { GPUPROOF_SELFTEST_ALU_LANES: '-1' }), 'GPUPROOF_SELFTEST_ALU_LANES', ['GPUPROOF_SELFTEST_ALU_LANES: alu-lanes: must be an integer']);
  assertInput(await run(base, { GPUPROOF_SELFTEST_ALU_ROUNDS: 'x' }), 'GPUPROOF_SELFTEST_ALU_ROUNDS', ['must be a number']);
  assertReachedGpu(await run(base, { GPUPROOF_SELFTEST_ALU_LANES: '0', GPUPROOF_SELFTEST_ALU_ROUNDS: '16' }));
  const config = join(root, 'config.json');
  writeFileSync(config, JSON.stringify({ selftest: { 'alu-rounds': MAX_ALU_ROUNDS + 1 } }));
  assertInput(await run([...base, '--config', config]), 'config.selftest.alu-rounds', [`config: ${config}: selftest.alu-rounds: must be an integer`]);
  // The command line wins over the file.
  assertReachedGpu(await run([...base, '--config', config, '--alu-rounds', '64']));
});

const challenge = async (name: string, args: string[]): Promise<{ r: CliResult; body?: { alu?: { lanes: number; rounds: number }; memory?: unknown } }> => {
  const out = join(root, name);
  const r = await run(['challenge', '--key', vkey, '--executor', `${ekey}.pub`, '--n', '64', '--iterations', '1', ...args, '--out', out]);
  return r.code === 0 ? { r, body: (JSON.parse(readFileSync(out, 'utf8')) as { body: { alu?: { lanes: number; rounds: number } } }).body } : { r };
};

test('challenge: no integer proof unless asked or claimed; the options size it, 0 lanes drops it', async () => {
  assert.equal((await challenge('c-none.json', [])).body?.alu, undefined, 'absent without options or claim');
  assert.deepEqual((await challenge('c-set.json', ['--alu-lanes', '256', '--alu-rounds', '64'])).body?.alu, { lanes: 256, rounds: 64 });
  assert.deepEqual((await challenge('c-lanes.json', ['--alu-lanes', '256'])).body?.alu, { lanes: 256, rounds: DEFAULT_ALU_ROUNDS });
  assert.equal((await challenge('c-rounds.json', ['--alu-rounds', '64'])).body?.alu, undefined, 'rounds alone ask for nothing');
  const claimed = claimedAlu(sizeForClass(loadClassTable(), 'h100-sxm'));
  assert.deepEqual((await challenge('c-claim.json', ['--claim', 'h100-sxm'])).body?.alu, claimed, 'a claimed class sizes it');
  assert.equal((await challenge('c-claim-0.json', ['--claim', 'h100-sxm', '--alu-lanes', '0'])).body?.alu, undefined);
  const before = readdirSync(root).sort();
  assertInput((await challenge('c-bad1.json', ['--alu-lanes', String(MAX_ALU_LANES_PROOF + 1)])).r, 'alu-lanes');
  assertInput((await challenge('c-bad2.json', ['--alu-lanes', '-1'])).r, 'alu-lanes');
  assertInput((await challenge('c-bad3.json', ['--alu-lanes', '8', '--alu-rounds', '0'])).r, 'alu-rounds');
  assertInput((await challenge('c-bad4.json', ['--alu-lanes', '0', '--alu-rounds', String(MAX_ALU_ROUNDS + 1)])).r, 'alu-rounds');
  assert.deepEqual(readdirSync(root).sort(), before, 'nothing written for bad options');
  assert.deepEqual((await challenge('c-max.json', ['--alu-lanes', String(MAX_ALU_LANES_PROOF), '--alu-rounds', String(MAX_ALU_ROUNDS)])).body?.alu, { lanes: MAX_ALU_LANES_PROOF, rounds: MAX_ALU_ROUNDS });
});

test('open-request --lanes: 1..1024, checked before the commitment is read; fewer than 66 is warned', async () => {
  const args = ['open-request', '--key', vkey, '--challenge', join(root, 'none.json'), '--commitment', join(root, 'none.json'), '--out', join(root, 'r.json')];
  assertInput(await run([...args, '--lanes', '0']), 'lanes', [`1..${MAX_OPEN_LANES}`]);
  assertInput(await run([...args, '--lanes', String(MAX_OPEN_LANES + 1)]), 'lanes', [`1..${MAX_OPEN_LANES}`]);
  // In range, it goes on to read the files (and fails there, on the missing challenge).
  for (const ok of ['1', String(MAX_OPEN_LANES)]) assertInput(await run([...args, '--lanes', ok]), 'challenge');
  const weak = await run([...args, '--lanes', '8']);
  assert.match(weak.stderr, /warning: open-request opens 8 integer lanes, fewer than the 66 .*GPUPROOF_OPEN_REQUEST_LANES/);
});

test('attest and validate: bad integer options exit 2 before any request', async () => {
  hits = 0;
  const url = `http://127.0.0.1:${port}`;
  assertInput(await run(['attest', url, '--key', vkey, '--alu-lanes', '-1']), 'alu-lanes');
  assertInput(await run(['attest', url, '--key', vkey, '--alu-lanes', '64', '--alu-rounds', String(MAX_ALU_ROUNDS + 1)]), 'alu-rounds');
  const list = join(root, 'executors.json');
  writeFileSync(list, JSON.stringify([{ url }]));
  assertInput(await run(['validate', '--executors', list, '--key', vkey, '--db', join(root, 'v.db'), '--alu-lanes', String(MAX_ALU_LANES_PROOF + 1)]), 'alu-lanes');
  assert.equal(hits, 0, 'no request reached the server');
});

test('--help names the integer options and an example', async () => {
  const help = async (cmd: string): Promise<string> => (await runCli([cmd, '--help'], { home, cwd: root })).stdout;
  const selftest = await help('selftest');
  for (const s of ['--alu-lanes', '--alu-rounds', '0 to skip it']) assert.ok(selftest.includes(s), `selftest --help: ${s}`);
  assert.match(selftest.slice(selftest.indexOf('Examples:')), /--alu-lanes/, 'an example sets the integer proof');
  for (const cmd of ['challenge', 'attest', 'validate']) for (const s of ['--alu-lanes', '--alu-rounds']) assert.ok((await help(cmd)).includes(s), `${cmd} --help: ${s}`);
  assert.ok((await help('open-request')).includes('--lanes'));
});
