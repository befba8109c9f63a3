// Configuration from a file (--config, GPUPROOF_CONFIG) and GPUPROOF_<COMMAND>_<OPTION> variables:
// command line > environment > file > default, each source checked in full, errors naming the
// file and key path or the variable (exit 2), relative paths in a file beside the file.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { buildCli, cliError, describeResult, REPO_ROOT, runCli, type CliResult } from './helpers/cli.js';
import { commandOptions } from '../src/cli/config-options.js';
import { spawnServe } from './helpers/net.js';
import { envOptions, envPrefix, RESERVED_ENV } from '../src/cli/config-env.js';
import type { CommandOptions, OptionKind } from '../src/cli/config-options.js';
import { GpuproofError } from '../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'gpuproof-config-'));
const home = join(dir, 'home');
const etc = join(dir, 'etc');
/** Where the commands run: not the config file's directory, so relative paths must resolve beside the file. */
const work = join(dir, 'work');

before(async () => {
  await buildCli();
  mkdirSync(home, { recursive: true });
  mkdirSync(etc, { recursive: true });
  mkdirSync(work, { recursive: true });
  for (const name of ['validator.key', 'executor.key']) {
    const r = await runCli(['keygen', '--out', join(etc, name)], { home });
    assert.equal(r.code, 0, describeResult(r));
  }
});

let files = 0;
/** A config file in etc/ with this content; returns its path. */
function config(content: unknown): string {
  const path = join(etc, `config-${++files}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** `gpuproof challenge … --out` in work/; returns the result and the challenge's matmul n when one was written. */
async function challenge(args: string[], env: Record<string, string> = {}): Promise<{ r: CliResult; n?: number; out: string }> {
  const out = join(work, `challenge-${++files}.json`);
  const r = await runCli(['challenge', '--out', out, '--json', ...args], { home, cwd: work, env });
  const n = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { body: { matmul: { n: number } } }).body.matmul.n : undefined;
  return { r, n, out };
}

/** The challenge section every precedence case shares: keys by paths relative to etc/. */
const SECTION = { key: 'validator.key', executor: 'executor.key.pub', iterations: 2 };

test('one option from all three sources: the command line wins, then the environment, then the file', async () => {
  const file = config({ challenge: { ...SECTION, n: 64 } });
  const fileOnly = await challenge(['--config', file]);
  assert.equal(fileOnly.r.code, 0, describeResult(fileOnly.r));
  assert.equal(fileOnly.n, 64);
  const fileAndEnv = await challenge(['--config', file], { GPUPROOF_CHALLENGE_N: '128' });
  assert.equal(fileAndEnv.n, 128, describeResult(fileAndEnv.r));
  const all = await challenge(['--config', file, '--n', '32'], { GPUPROOF_CHALLENGE_N: '128' });
  assert.equal(all.n, 32, describeResult(all.r));
});

test('GPUPROOF_CONFIG names the file when --config is not given; --config wins over it', async () => {
  const a = config({ challenge: { ...SECTION, n: 48 } });
  const b = config({ challenge: { ...SECTION, n: 80 } });
  assert.equal((await challenge([], { GPUPROOF_CONFIG: a })).n, 48);
  assert.equal((await challenge(['--config', b], { GPUPROOF_CONFIG: a })).n, 80);
});

test('relative paths in the file resolve against its directory; on the command line and in the environment, against the working directory', async () => {
  const file = config({ challenge: { ...SECTION, n: 64 } });
  const fromFile = await challenge(['--config', file]);
  assert.equal(fromFile.r.code, 0, describeResult(fromFile.r));
  // The same relative name from the environment means work/validator.key, which does not exist.
  const fromEnv = await challenge(['--config', file], { GPUPROOF_CHALLENGE_KEY: 'validator.key' });
  assert.equal(fromEnv.r.code, 2, describeResult(fromEnv.r));
  assert.equal(cliError(fromEnv.r).field, 'GPUPROOF_CHALLENGE_KEY');
  assert.match(cliError(fromEnv.r).message, /^GPUPROOF_CHALLENGE_KEY: key: validator\.key/);
});

/** Runs a challenge that must exit 2 without writing its --out; returns the error. */
async function refusedChallenge(args: string[], env: Record<string, string> = {}) {
  const { r, out } = await challenge(args, env);
  assert.equal(r.code, 2, describeResult(r));
  assert.ok(!existsSync(out), 'nothing written');
  return cliError(r);
}

test('a key naming no option, or a section naming no command, exits 2 naming the file and key path', async () => {
  const typo = config({ challenge: { ...SECTION, nn: 64 } });
  let e = await refusedChallenge(['--config', typo]);
  assert.equal(e.field, 'config.challenge.nn');
  assert.equal(e.message, `config: ${typo}: challenge.nn: names no option of challenge`);
  // Every section is checked, not only the running command's.
  const section = config({ challenge: SECTION, serv: { port: 1 } });
  e = await refusedChallenge(['--config', section]);
  assert.equal(e.field, 'config.serv');
  assert.match(e.message, /names no command/);
  const otherCommand = config({ challenge: SECTION, serve: { porrt: 1 } });
  assert.equal((await refusedChallenge(['--config', otherCommand])).field, 'config.serve.porrt');
  // --json and --force are said on each run, never configured.
  assert.equal((await refusedChallenge(['--config', config({ challenge: { ...SECTION, force: true } })])).field, 'config.challenge.force');
});

test('a value of the wrong type, or one the command refuses, names the file and key path', async () => {
  let e = await refusedChallenge(['--config', config({ challenge: { ...SECTION, n: '64' } })]);
  assert.equal(e.field, 'config.challenge.n');
  const file = config({ challenge: { ...SECTION, n: 100 } });
  e = await refusedChallenge(['--config', file]);
  assert.equal(e.field, 'config.challenge.n');
  assert.match(e.message, new RegExp(`^config: ${file}: challenge\\.n: must be a multiple of 16`));
  // The command line's own value is its own: no file named.
  e = await refusedChallenge(['--config', config({ challenge: { ...SECTION, n: 64 } }), '--n', '100']);
  assert.equal(e.field, 'n');
});

test('bad JSON, a duplicate member, a key file or a missing file given as config exit 2 naming the file', async () => {
  const broken = config('{"challenge": {');
  let e = await refusedChallenge(['--config', broken]);
  assert.equal(e.field, 'config');
  assert.match(e.message, new RegExp(`^config: ${broken}: not JSON`));
  const dup = config('{"challenge": {"n": 64, "n": 32}}');
  e = await refusedChallenge(['--config', dup]);
  assert.equal(e.field, 'config.challenge.n');
  assert.match(e.message, /duplicate member name "n"/);
  e = await refusedChallenge(['--config', join(etc, 'validator.key')]);
  assert.match(e.message, /a key file, not a configuration file/);
  e = await refusedChallenge(['--config', join(etc, 'missing.json')]);
  assert.equal(e.message, `config: ${join(etc, 'missing.json')}: cannot read it (ENOENT)`);
  e = await refusedChallenge(['--config=']);
  assert.equal(e.message, 'config: expected a file name');
});

test('a secret key inline, in the file or the environment, is refused', async () => {
  const secret = (JSON.parse(readFileSync(join(etc, 'validator.key'), 'utf8')) as { secretKey: string }).secretKey;
  let e = await refusedChallenge(['--config', config({ challenge: { ...SECTION, key: secret } })]);
  assert.equal(e.field, 'config.challenge.key');
  assert.match(e.message, /secret key/);
  e = await refusedChallenge(['--executor', join(etc, 'executor.key.pub')], { GPUPROOF_CHALLENGE_KEY: secret });
  assert.equal(e.field, 'GPUPROOF_CHALLENGE_KEY');
  assert.match(e.message, /secret key/);
});

test('a GPUPROOF_<COMMAND>_ variable naming no option exits 2 whichever command runs; the kit\'s own variables are left alone', async () => {
  const pub = join(etc, 'validator.key.pub');
  let r = await runCli(['pubkey', pub, '--json'], { home, env: { GPUPROOF_SERVE_PORRT: '1' } });
  assert.equal(r.code, 2, describeResult(r));
  assert.equal(cliError(r).field, 'GPUPROOF_SERVE_PORRT');
  r = await runCli(['pubkey', pub, '--json'], { home, env: { GPUPROOF_VALIDATE_CONCURRENCY: 'many' } });
  assert.equal(cliError(r).field, 'GPUPROOF_VALIDATE_CONCURRENCY');
  assert.match(cliError(r).message, /must be a number, got "many"/);
  // Reserved names (GPUPROOF_HOME is set by runCli) pass silently; any other name is said, not refused.
  r = await runCli(['pubkey', pub], { home, env: { GPUPROOF_PORT: '8421', GPUPROOF_DEBUG: '1', GPUPROOF_SOMETHING: 'x' } });
  assert.equal(r.code, 0, describeResult(r));
  assert.match(r.stderr, /ignoring GPUPROOF_SOMETHING/);
  assert.doesNotMatch(r.stderr, /GPUPROOF_PORT|GPUPROOF_DEBUG|GPUPROOF_HOME/);
});

test('serve takes its required options from the environment: a comma-separated --allow, paths against the working directory', async () => {
  // No adapter of this name: serve gets as far as opening the GPU (exit 1, GPU) only if --key and --allow were taken.
  const env = { GPUPROOF_SERVE_KEY: join(etc, 'executor.key'), GPUPROOF_SERVE_ALLOW: `${join(etc, 'validator.key.pub')}, ${join(etc, 'executor.key.pub')}`, GPUPROOF_SERVE_PORT: '0', GPUPROOF_ADAPTER: 'no-such-adapter-gpuproof-test' };
  let r = await runCli(['serve', '--json', '--adapter', 'no-such-adapter-gpuproof-test'], { home, env });
  assert.equal(r.code, 1, describeResult(r));
  assert.equal(cliError(r).code, 'GPU');
  r = await runCli(['serve', '--json'], { home, cwd: work, env: { ...env, GPUPROOF_SERVE_ALLOW: `${join(etc, 'validator.key.pub')},missing.pub` } });
  assert.equal(r.code, 2, describeResult(r));
  assert.equal(cliError(r).field, 'GPUPROOF_SERVE_ALLOW.1');
});

test('commandOptions reads each command\'s options and their types from yargs, positionals left to the command line', () => {
  const cli = yargs([])
    .command('attest <url>', 'x', (c) => c.positional('url', { type: 'string' }).option('rows', { type: 'number' }).option('db', { type: 'string' }).option('all', { type: 'boolean' }).option('allow', { type: 'string', array: true }));
  const spec = commandOptions(cli).get('attest');
  assert.deepEqual(Object.fromEntries(spec ?? []), { verbose: 'boolean', rows: 'number', db: 'string', all: 'boolean', allow: 'strings' });
});

test('envOptions: a variable belongs to the longest command name it starts with; two options under one name are refused', () => {
  const specs = new Map<string, CommandOptions>([['open', new Map<string, OptionKind>([['key', 'string']])], ['open-request', new Map<string, OptionKind>([['rows', 'number']])]]);
  const { values } = envOptions({ GPUPROOF_OPEN_REQUEST_ROWS: '8', GPUPROOF_OPEN_KEY: 'k' }, specs);
  assert.equal(values.get('open-request')?.get('rows')?.value, 8);
  assert.equal(values.get('open')?.get('key')?.value, 'k');
  assert.throws(() => envOptions({ GPUPROOF_OPEN_REQUEST_ROW: '8' }, specs), (e: unknown) => e instanceof GpuproofError && e.field === 'GPUPROOF_OPEN_REQUEST_ROW' && /option of open-request/.test(e.message));
  const clash = new Map([['open', new Map([['request-rows', 'number' as const]])], ['open-request', new Map([['rows', 'number' as const]])]]);
  assert.throws(() => envOptions({}, clash), (e: unknown) => e instanceof GpuproofError && e.code === 'INTERNAL');
  const reserved = new Map([['health', new Map([['url', 'string' as const]])]]);
  assert.ok(RESERVED_ENV.has('GPUPROOF_HEALTH_URL'));
  assert.throws(() => envOptions({}, reserved), (e: unknown) => e instanceof GpuproofError && e.code === 'INTERNAL');
  assert.deepEqual(envOptions({ GPUPROOF_OPEN_KEY: 'a' }, new Map([['open', new Map([['key', 'strings' as const]])]])).values.get('open')?.get('key')?.value, ['a']);
  assert.equal(envOptions({ GPUPROOF_OPEN_ON: 'no' }, new Map([['open', new Map([['on', 'boolean' as const]])]])).values.get('open')?.get('on')?.value, false);
});

test('the configuration files docs/config.md shows are accepted as they stand', async () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs/config.md'), 'utf8');
  const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  assert.ok(examples.length >= 2, 'an example for serve and one for validate');
  for (const text of examples) {
    // Every section is checked whichever command runs; pubkey reads none of their paths.
    const r = await runCli(['pubkey', join(etc, 'validator.key.pub'), '--config', config(text)], { home });
    assert.equal(r.code, 0, `${text}\n${describeResult(r)}`);
  }
});

test('serve runs from a configuration file alone: its key and allow list, paths beside the file', async () => {
  const file = config({ serve: { key: 'executor.key', allow: ['validator.key.pub', 'executor.key.pub'], grace: 0, kernel: 'naive-16x16' } });
  const agent = await spawnServe(['--config', file], home);
  // One request first: serve takes SIGTERM as a stop only once it has printed and settled.
  assert.equal((await fetch(`${agent.url}/v1/info`)).status, 200);
  const stopped = await agent.stop();
  const pub = (JSON.parse(readFileSync(join(etc, 'executor.key.pub'), 'utf8')) as { publicKey: string }).publicKey;
  assert.equal(agent.executorKey, pub);
  assert.equal(stopped.code, 0, agent.stderr());
  const listening = JSON.parse(stopped.stdout.split('\n')[0] ?? '') as { allow: number; adapters: { kernel: string }[] };
  assert.equal(listening.allow, 2);
  assert.equal(listening.adapters[0]?.kernel, 'naive-16x16');
});

test('every GPUPROOF_* name the kit, its scripts, examples and tests use is reserved or of the option form', async () => {
  const help = await runCli(['--help'], { home });
  const commands = [...help.stdout.matchAll(/^ {2}gpuproof ([a-z][a-z-]*)/gm)].map((m) => m[1] as string);
  assert.ok(commands.includes('serve') && commands.includes('open-request'), help.stdout);
  const tracked = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n')
    // docs name the option form generically (GPUPROOF_<COMMAND>_<OPTION>); this file misspells on purpose.
    .filter((f) => f !== '' && !f.startsWith('docs/') && f !== 'README.md' && f !== 'test/config.test.ts' && existsSync(join(REPO_ROOT, f)));
  const names = new Set(tracked.flatMap((f) => readFileSync(join(REPO_ROOT, f), 'utf8').match(/GPUPROOF_[A-Z0-9_]+/g) ?? []));
  assert.ok(names.has('GPUPROOF_HOME'), 'the scan reads the sources');
  const unknown = [...names].filter((n) => !RESERVED_ENV.has(n) && !commands.some((c) => n.startsWith(envPrefix(c))));
  assert.deepEqual(unknown, [], 'add a new variable the kit reads to RESERVED_ENV (src/cli/config-env.ts) and docs/config.md');
  const doc = readFileSync(join(REPO_ROOT, 'docs/config.md'), 'utf8');
  for (const name of RESERVED_ENV) assert.ok(doc.includes(`\`${name}\``), `docs/config.md lists ${name} as reserved`);
});

test('a --rows below the protocol default, however set, is said on stderr: GPUPROOF_ATTEST_ROWS=1 cannot weaken proofs unseen', async () => {
  // Port 1 refuses at once: the options are read and said before any network work.
  const args = ['attest', 'http://127.0.0.1:1', '--key', join(etc, 'validator.key'), '--json'];
  const weak = await runCli(args, { home, cwd: work, env: { GPUPROOF_ATTEST_ROWS: '1' } });
  assert.match(weak.stderr, /warning: attest opens 1 matmul rows, fewer than the 66 the security bound assumes/, describeResult(weak));
  const fromFile = await runCli([...args, '--config', config({ validate: { rows: 8 } })], { home, cwd: work });
  assert.doesNotMatch(fromFile.stderr, /warning/, describeResult(fromFile));
  const plain = await runCli(args, { home, cwd: work });
  assert.doesNotMatch(plain.stderr, /warning/, describeResult(plain));
  const validate = await runCli(['validate', '--executors', join(etc, 'none.txt'), '--key', join(etc, 'validator.key'), '--rows', '65', '--json'], { home, cwd: work });
  assert.match(validate.stderr, /warning: validate opens 65 matmul rows/, describeResult(validate));
});

test('open-request says a --rows or --blocks below the protocol default before reading any file', async () => {
  const r = await runCli(['open-request', '--key', join(etc, 'validator.key'), '--challenge', 'none.json', '--commitment', 'none.json', '--out', 'req.json', '--json'], { home, cwd: work, env: { GPUPROOF_OPEN_REQUEST_ROWS: '2', GPUPROOF_OPEN_REQUEST_BLOCKS: '1' } });
  assert.equal(r.code, 2, describeResult(r));
  assert.match(r.stderr, /warning: open-request opens 2 matmul rows, fewer than the 66 .*GPUPROOF_OPEN_REQUEST_ROWS/);
  assert.match(r.stderr, /warning: open-request opens 1 memory blocks, fewer than the \d+ .*GPUPROOF_OPEN_REQUEST_BLOCKS/);
  assert.equal(existsSync(join(work, 'req.json')), false);
});
