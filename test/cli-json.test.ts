// One JSON envelope on every command: each command `gpuproof --help` lists is run with --json
// (the cheap ones fully, the GPU ones at n = 64, the network ones against a real agent on
// loopback), and every object it prints must carry {ok, schema, version}, have `ok` agree with
// the exit status, use camelCase member names outside the exceptions docs/json.md names, and
// have its schema id listed in docs/json.md. An error is one object of the error schema.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { buildCli, describeResult, REPO_ROOT, runCli, type CliResult, type JsonObject } from './helpers/cli.js';
import { spawnServe, type ServeProcess } from './helpers/net.js';
import { KIT_VERSION } from '../src/version.js';
import { DEFAULT_OPEN_ROWS } from '../src/roles/validator.js';

const Envelope = z.looseObject({
  ok: z.boolean(),
  schema: z.string().regex(/^gpuproof\.[a-z-]+\/1$/),
  version: z.literal(KIT_VERSION),
});
const ErrorEnvelope = z.strictObject({
  ok: z.literal(false),
  schema: z.literal('gpuproof.error/1'),
  version: z.literal(KIT_VERSION),
  error: z.strictObject({ code: z.enum(['USAGE', 'INPUT', 'REFUSED', 'GPU', 'IO', 'INTERNAL']), field: z.string().nullable(), message: z.string().min(1) }),
});

/**
 * Member names that break the camelCase rule, as paths. Exempt (docs/json.md): the keys of
 * id-keyed maps (`figures`, `timings.phases`: dimension and phase ids), and the class table's own
 * format (`table` of classes, `entry` of calibrate).
 */
export function snakeKeys(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => snakeKeys(v, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const at = `${path}.${k}`;
    if (/^\$\.(table|entry)$/.test(at)) return [];
    const idKeyed = /\.(figures|phases)$/.test(path);
    const own = !idKeyed && !/^[a-z][a-zA-Z0-9]*$/.test(k) ? [at] : [];
    return [...own, ...snakeKeys(v, at)];
  });
}

let root = '';
let home = '';
let serve: ServeProcess | undefined;
/** The objects each command printed, by command name. */
const printed = new Map<string, JsonObject[]>();
const TINY = ['--n', '64', '--iterations', '1'];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gpuproof-json-'));
  home = join(root, 'home');
  mkdirSync(home);
  await buildCli();
});

after(async () => {
  if (serve && serve.child.exitCode === null) await serve.stop('SIGKILL');
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Checks one printed object for `command` and records it. */
function holds(command: string, obj: unknown, exitCode: number): JsonObject {
  const env = Envelope.parse(obj);
  assert.equal(env.schema, `gpuproof.${command}/1`);
  assert.equal(env.ok, exitCode === 0, `${command}: ok must say whether the exit status is 0`);
  assert.deepEqual(snakeKeys(obj), [], `${command}: snake_case member names`);
  printed.set(command, [...(printed.get(command) ?? []), obj as JsonObject]);
  return obj as JsonObject;
}

async function json(command: string, args: string[], expectCode = 0): Promise<JsonObject> {
  const r: CliResult = await runCli([command, ...args, '--json'], { home, cwd: root });
  assert.equal(r.code, expectCode, describeResult(r));
  assert.ok(r.json, `${command}: stdout is one JSON object: ${describeResult(r)}`);
  return holds(command, r.json, r.code);
}

test('the casing check finds snake_case and passes the exceptions', () => {
  assert.deepEqual(snakeKeys({ a: { gflops_observed: 1, ok: [{ rtt_ms: 2 }] } }), ['$.a.gflops_observed', '$.a.ok[0].rtt_ms']);
  assert.deepEqual(snakeKeys({ figures: { 'matmul.f32_gflops': 1 }, table: { adapter_patterns: [] }, timings: { phases: { 'memory.block_tree': 1 } } }), []);
  assert.deepEqual(snakeKeys({ figures: { 'matmul.f32_gflops': { inner_key: 1 } } }), ['$.figures.matmul.f32_gflops.inner_key']);
});

test('every command prints one envelope, camelCase, ok matching the exit status', async () => {
  const vkey = join(root, 'validator.key');
  const ekey = join(root, 'executor.key');
  const kg = await json('keygen', ['--out', vkey]);
  await json('keygen', ['--out', ekey]);
  assert.equal((await json('pubkey', [`${vkey}.pub`])).publicKey, kg.publicKey);
  assert.ok(((await json('classes', [])).table as { classes: unknown[] }).classes.length > 2);
  await json('adapters', []);
  const st = await json('selftest', [...TINY, '--memory-mib', '1', '--passes', '1', '--alu-lanes', '256', '--alu-rounds', '64', '--no-warmup']);
  // The integer proof's figures as AluFigures names them, and the kernel that ran it.
  const alu = (st.measured as { alu?: Record<string, unknown> }).alu;
  assert.deepEqual([alu?.lanes, alu?.rounds, alu?.window, typeof alu?.intGopsObserved, typeof alu?.intGopsReported], [256, 64, 'own', 'number', 'number']);
  assert.equal(typeof st.aluKernel, 'string');
  assert.equal(alu?.kernel, st.aluKernel);
  await json('selftest', [...TINY, '--memory-mib', '1', '--passes', '1', '--claim', 'h100-sxm'], 1);
  await json('bench', [...TINY.slice(0, 2), '--reps', '1', '--memory-mib', '1', '--passes', '1', '--runs', '1']);
  await json('calibrate', ['--runs', '1', ...TINY, '--memory-mib', '1', '--passes', '1']);
  const f = (name: string): string => join(root, name);
  await json('challenge', ['--key', vkey, '--executor', `${ekey}.pub`, ...TINY, '--alu-lanes', '64', '--alu-rounds', '8', '--out', f('c.json')]);
  assert.match(String((await json('run', ['--key', ekey, '--challenge', f('c.json'), '--out', f('m.json')])).aluRoot), /^[0-9a-f]{64}$/);
  assert.equal((await json('open-request', ['--key', vkey, '--challenge', f('c.json'), '--commitment', f('m.json'), '--rows', '4', '--lanes', '3', '--out', f('r.json')])).lanes, 3);
  assert.equal((await json('open', ['--key', ekey, '--challenge', f('c.json'), '--request', f('r.json'), '--out', f('o.json')])).lanes, 3);
  const files = ['--challenge', f('c.json'), '--commitment', f('m.json'), '--request', f('r.json'), '--openings', f('o.json')];
  const verified = await json('verify', [...files, '--validator', `${vkey}.pub`]);
  assert.equal(verified.accepted, true);
  assert.equal((verified.measured as { alu?: { lanesChecked: number } }).alu?.lanesChecked, 3);
  await json('verify', [...files, '--validator', `${ekey}.pub`], 1);

  serve = await spawnServe(['--key', ekey, '--allow', `${vkey}.pub`], home);
  const db = f('receipts.db');
  // No --rows: attest must open the protocol's default, not fewer (the bound in docs/security.md).
  const att = await json('attest', [serve.url, '--key', vkey, '--db', db, '--n', '64', '--iterations', '2']);
  assert.equal(att.accepted, true);
  const card = (att.cards as { receipt: { body: { measured: { matmul: { rowsOpened: number } } } } }[])[0];
  assert.equal(card?.receipt.body.measured.matmul.rowsOpened, DEFAULT_OPEN_ROWS);
  writeFileSync(f('executors.json'), JSON.stringify([{ url: serve.url, publicKey: serve.executorKey }]));
  await json('validate', ['--executors', f('executors.json'), '--key', vkey, '--db', db, ...TINY, '--rows', '4']);
  const rec = await json('receipts', ['--db', db]);
  assert.equal((rec.receipts as unknown[]).length, 2);
  // Both receipts fall in the hour from ten minutes ago: one executor, all the weight there is.
  const w = await json('weights', ['--db', db, '--since', new Date(Date.now() - 600_000).toISOString(), '--epoch-minutes', '60']);
  const earned = (w.total as number) > 0 ? 1 : 0;
  assert.deepEqual((w.executors as { executorKey: string; attempted: number; weight: number }[]).map((e) => [e.executorKey, e.attempted, e.weight]), [[serve.executorKey, 2, earned]]);
  const stopped = await serve.stop('SIGTERM');
  assert.equal(stopped.code, 0);
  const lines = stopped.stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonObject);
  assert.deepEqual(lines.map((l) => l.event), ['listening', 'stopped']);
  for (const l of lines) holds('serve', l, 0);
});

test('an error is one object of the error schema, on every path', async () => {
  const cases: [string[], number, string | null][] = [
    [['selftest', '--claim', 'h100'], 2, 'claim'],
    [['attest', '127.0.0.1:8420', '--key', join(root, 'none.key')], 2, 'url'],
    [['verify', '--challenge', join(root, 'none.json'), '--commitment', 'x', '--request', 'x', '--openings', 'x'], 2, 'challenge'],
    [['receipts', '--db', join(root, 'none.db')], 2, 'db'],
    [['weights', '--db', join(root, 'none.db')], 2, 'db'],
    [['no-such-command'], 2, null],
  ];
  for (const [args, code, field] of cases) {
    const r = await runCli([...args, '--json'], { home, cwd: root });
    assert.equal(r.code, code, describeResult(r));
    const e = ErrorEnvelope.parse(r.json);
    if (field !== null) assert.equal(e.error.field, field, describeResult(r));
    assert.equal(r.stdout.trim().split('\n').length, JSON.stringify(r.json, null, 2).split('\n').length, 'nothing else on stdout');
  }
});

test('docs/json.md lists every command\'s schema id, and the error schema', async () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'json.md'), 'utf8');
  const help = await runCli(['--help'], { home, cwd: root });
  const commands = [...help.stdout.matchAll(/^ {2}gpuproof ([a-z-]+)/gm)].map((m) => m[1] as string);
  assert.ok(commands.length >= 16);
  for (const c of commands) assert.ok(doc.includes(`\`gpuproof.${c}/1\``), `docs/json.md lacks gpuproof.${c}/1`);
  assert.ok(doc.includes('`gpuproof.error/1`'));
  // Every command the envelope test ran is one the help lists (and so one the doc must list).
  for (const c of printed.keys()) assert.ok(commands.includes(c), c);
  if (printed.size > 0) assert.deepEqual([...printed.keys()].sort(), [...commands].sort(), 'the envelope test covers every command');
});
