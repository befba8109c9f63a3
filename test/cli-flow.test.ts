// The command-line file flow end to end, each step a separate `node bin/gpuproof.js` process:
// the honest transcript is accepted; every tampered file is rejected (exit 1, a named check
// fails) or, when the tamper breaks the schema, refused as bad input (exit 2 naming the field);
// keygen protects keys; replays are refused across processes; selftest and adapters report.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OPEN_ROWS } from '../src/roles/validator.js';
import {
  buildCli,
  cliError,
  describeResult,
  honestTranscript,
  mapLimit,
  runCli,
  snapshotDir,
  verifyArgs,
  type JsonObject,
  type Transcript,
} from './helpers/cli.js';

let root = '';
let counter = 0;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gpuproof-cli-flow-'));
  await buildCli();
});

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A fresh work directory and GPUPROOF_HOME for one test. */
function fresh(): { dir: string; home: string } {
  const base = join(root, `t${counter++}`);
  const dir = join(base, 'work');
  const home = join(base, 'home');
  mkdirSync(dir, { recursive: true });
  mkdirSync(home, { recursive: true });
  return { dir, home };
}

interface CheckJson {
  name: string;
  pass: boolean;
  reason: string;
}

function checksOf(json: JsonObject | undefined): CheckJson[] {
  const checks = json?.checks;
  assert.ok(Array.isArray(checks), `no checks[] in ${JSON.stringify(json)}`);
  for (const c of checks as unknown[]) {
    const x = c as Partial<CheckJson>;
    assert.ok(typeof x.name === 'string' && typeof x.pass === 'boolean' && typeof x.reason === 'string', `bad check ${JSON.stringify(c)}`);
  }
  return checks as CheckJson[];
}

const obj = (v: unknown, what: string): JsonObject => {
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `${what} is not an object: ${JSON.stringify(v)}`);
  return v as JsonObject;
};

// ---- honest flow ----

test('the honest file flow is accepted: verify exits 0 and every check passes', async () => {
  const { dir, home } = fresh();
  const t = await honestTranscript(dir, home);
  for (const f of Object.values(t)) assert.ok(existsSync(f), `${f} was not written`);
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'temporary files left behind');

  const [human, machine] = await Promise.all([runCli(verifyArgs(t), { home, cwd: dir }), runCli([...verifyArgs(t), '--json'], { home, cwd: dir })]);
  assert.equal(human.code, 0, describeResult(human));
  assert.match(human.stdout, /ACCEPTED/);
  assert.equal(machine.code, 0, describeResult(machine));
  assert.equal(machine.json?.accepted, true);
  const checks = checksOf(machine.json);
  assert.ok(checks.length >= 10, `only ${checks.length} checks`);
  for (const c of checks) assert.ok(c.pass, `${c.name} failed: ${c.reason}`);
  for (const name of ['challenge.signature', 'commitment.signature', 'request.signature', 'openings.signature', 'matmul.paths', 'matmul.rows', 'timing.reported-within-observed']) {
    assert.ok(checks.some((c) => c.name === name), `no ${name} check`);
  }
  const m = obj(obj(machine.json?.measured, 'measured').matmul, 'measured.matmul');
  assert.equal(m.n, 64);
  assert.equal(m.iterations, 2);
  assert.equal(m.rowsOpened, DEFAULT_OPEN_ROWS);
  assert.equal(typeof m.gflopsObserved, 'number');
  assert.equal(typeof m.gflopsReported, 'number');
  // The message files are what docs/design.md says they are.
  const commitment = JSON.parse(readFileSync(t.commitment, 'utf8')) as { type: string; body: { version: number; matmul: { layers: number; rows: number } } };
  assert.equal(commitment.type, 'commitment');
  assert.equal(commitment.body.version, 2);
  assert.deepEqual([commitment.body.matmul.layers, commitment.body.matmul.rows], [2, 64]);
});

// ---- tampering ----

type Step = string | number;
type FileKey = 'challenge' | 'commitment' | 'request' | 'openings';

function getAt(rootValue: unknown, path: readonly Step[]): unknown {
  let node = rootValue;
  for (const step of path) {
    assert.ok(typeof node === 'object' && node !== null, `no ${path.join('.')}`);
    node = (node as Record<Step, unknown>)[step];
  }
  return node;
}

function setAt(rootValue: unknown, path: readonly Step[], value: unknown): void {
  const parent = getAt(rootValue, path.slice(0, -1));
  const last = path[path.length - 1];
  assert.ok(typeof parent === 'object' && parent !== null && last !== undefined);
  (parent as Record<Step, unknown>)[last] = value;
}

const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Replaces the character at `at` (negative: from the end) by the next one of `alphabet`. */
function changeChar(s: string, at: number, alphabet: string): string {
  const i = at < 0 ? s.length + at : at;
  const c = s[i];
  assert.ok(c !== undefined && alphabet.includes(c), `character ${i} of ${s} is not in the alphabet`);
  const next = alphabet[(alphabet.indexOf(c) + 1) % alphabet.length] as string;
  return s.slice(0, i) + next + s.slice(i + 1);
}

/** One digit of a number's decimal spelling changed (`at` counts digits, negative from the end). */
function changeDigit(x: number, at: number): number {
  const s = String(x);
  const digits = [...s].map((c, i) => (c >= '0' && c <= '9' ? i : -1)).filter((i) => i >= 0);
  const i = digits[at < 0 ? digits.length + at : at];
  assert.ok(i !== undefined, `no digit ${at} in ${s}`);
  const c = s[i] as string;
  const next = c === '1' ? '2' : '1'; // never a leading zero
  const y = Number(s.slice(0, i) + next + s.slice(i + 1));
  assert.notEqual(y, x);
  return y;
}

type Change =
  | { kind: 'hex'; at: number }
  | { kind: 'b64'; at: number }
  | { kind: 'digit'; at: number }
  | { kind: 'set'; value: unknown }
  | { kind: 'text'; at: number; char: string };

interface Tamper {
  file: FileKey;
  name: string;
  /** Resolved against the parsed file (openings rows are found by shape). */
  path: (msg: unknown) => Step[];
  change: Change;
}

function applyTamper(msg: unknown, tm: Tamper): void {
  const path = tm.path(msg);
  const old = getAt(msg, path);
  const c = tm.change;
  let value: unknown;
  if (c.kind === 'hex' || c.kind === 'b64') {
    assert.equal(typeof old, 'string', `${path.join('.')} is not a string`);
    value = changeChar(old as string, c.at, c.kind === 'hex' ? HEX : B64);
  } else if (c.kind === 'digit') {
    assert.equal(typeof old, 'number', `${path.join('.')} is not a number`);
    value = changeDigit(old as number, c.at);
  } else if (c.kind === 'text') {
    const s = old as string;
    const i = c.at < 0 ? s.length + c.at : c.at;
    value = s.slice(0, i) + c.char + s.slice(i + 1);
  } else {
    value = c.value;
  }
  setAt(msg, path, value);
}

const at = (...p: Step[]) => (): Step[] => p;
/** The first opened row with k > 0 (it carries `prev`). */
const rowWithPrev = (msg: unknown): number => {
  const rows = getAt(msg, ['body', 'rows']) as { k: number }[];
  const j = rows.findIndex((r) => r.k > 0);
  assert.ok(j >= 0, 'no opened row with k > 0');
  return j;
};

interface RejectCase extends Tamper {
  /** Checks that must fail (others may fail too). */
  fails: string[];
}

/** Tampers that keep every file schema-valid: verify must run every check and reject. */
const REJECTED: RejectCase[] = [
  { file: 'challenge', name: 'seed: one hex digit', path: at('body', 'seed'), change: { kind: 'hex', at: 5 }, fails: ['challenge.signature', 'commitment.challenge', 'request.binding', 'matmul.rows'] },
  { file: 'challenge', name: 'id: one hex digit', path: at('body', 'id'), change: { kind: 'hex', at: 0 }, fails: ['challenge.signature', 'commitment.challenge'] },
  { file: 'challenge', name: 'executorKey: one base64 character', path: at('body', 'executorKey'), change: { kind: 'b64', at: 3 }, fails: ['challenge.signature', 'commitment.signature', 'openings.signature'] },
  { file: 'challenge', name: 'iterations 2 → 1', path: at('body', 'matmul', 'iterations'), change: { kind: 'set', value: 1 }, fails: ['challenge.signature', 'matmul.shape'] },
  { file: 'challenge', name: 'iterations 2 → 3', path: at('body', 'matmul', 'iterations'), change: { kind: 'set', value: 3 }, fails: ['challenge.signature', 'matmul.shape'] },
  { file: 'challenge', name: 'expiresAt: last digit', path: at('body', 'expiresAt'), change: { kind: 'digit', at: -1 }, fails: ['challenge.signature'] },
  { file: 'challenge', name: 'signature: one base64 character', path: at('signature'), change: { kind: 'b64', at: 10 }, fails: ['challenge.signature'] },
  { file: 'commitment', name: 'matmul root: one hex digit', path: at('body', 'matmul', 'root'), change: { kind: 'hex', at: 7 }, fails: ['commitment.signature', 'request.binding', 'matmul.paths'] },
  { file: 'commitment', name: 'layers: last digit', path: at('body', 'matmul', 'layers'), change: { kind: 'digit', at: -1 }, fails: ['commitment.signature', 'matmul.shape'] },
  { file: 'commitment', name: 'rows: last digit', path: at('body', 'matmul', 'rows'), change: { kind: 'digit', at: -1 }, fails: ['commitment.signature', 'matmul.shape'] },
  { file: 'commitment', name: 'challengeHash: one hex digit', path: at('body', 'challengeHash'), change: { kind: 'hex', at: 0 }, fails: ['commitment.signature', 'commitment.challenge'] },
  { file: 'commitment', name: 'timings.totalMs: first digit', path: at('body', 'timings', 'totalMs'), change: { kind: 'digit', at: 0 }, fails: ['commitment.signature'] },
  { file: 'commitment', name: 'timings.phases[matmul.chain]: first digit', path: at('body', 'timings', 'phases', 'matmul.chain'), change: { kind: 'digit', at: 0 }, fails: ['commitment.signature'] },
  { file: 'commitment', name: 'adapter.vendor: one character', path: at('body', 'adapter', 'vendor'), change: { kind: 'text', at: 0, char: 'x' }, fails: ['commitment.signature'] },
  { file: 'commitment', name: 'signature: one base64 character', path: at('signature'), change: { kind: 'b64', at: 10 }, fails: ['commitment.signature'] },
  { file: 'request', name: 'observedMs: first digit', path: at('body', 'observed', 'observedMs'), change: { kind: 'digit', at: 0 }, fails: ['request.signature', 'openings.binding'] },
  { file: 'request', name: 'observed.sentAt: last digit', path: at('body', 'observed', 'sentAt'), change: { kind: 'digit', at: -1 }, fails: ['request.signature', 'openings.binding'] },
  { file: 'request', name: 'rows[0].i: first digit', path: at('body', 'rows', 0, 'i'), change: { kind: 'digit', at: 0 }, fails: ['request.signature', 'openings.binding', 'openings.complete'] },
  { file: 'request', name: 'commitmentHash: one hex digit', path: at('body', 'commitmentHash'), change: { kind: 'hex', at: 63 }, fails: ['request.signature', 'request.binding'] },
  { file: 'request', name: 'signature: one base64 character', path: at('signature'), change: { kind: 'b64', at: 10 }, fails: ['request.signature'] },
  { file: 'openings', name: "rows[0].row: one base64 character", path: at('body', 'rows', 0, 'row'), change: { kind: 'b64', at: 10 }, fails: ['openings.signature', 'matmul.paths', 'matmul.rows'] },
  { file: 'openings', name: 'rows[0].path[0]: one hex digit', path: at('body', 'rows', 0, 'path', 0), change: { kind: 'hex', at: 0 }, fails: ['openings.signature', 'matmul.paths'] },
  { file: 'openings', name: 'rows[0].path[last]: one hex digit', path: (m) => ['body', 'rows', 0, 'path', (getAt(m, ['body', 'rows', 0, 'path']) as unknown[]).length - 1], change: { kind: 'hex', at: 31 }, fails: ['openings.signature', 'matmul.paths'] },
  { file: 'openings', name: 'prev.row of a k > 0 row: one base64 character', path: (m) => ['body', 'rows', rowWithPrev(m), 'prev', 'row'], change: { kind: 'b64', at: 40 }, fails: ['openings.signature', 'matmul.paths', 'matmul.rows'] },
  { file: 'openings', name: 'rows[0].layerRoot: one hex digit', path: at('body', 'rows', 0, 'layerRoot'), change: { kind: 'hex', at: 3 }, fails: ['openings.signature', 'matmul.paths'] },
  { file: 'openings', name: 'rows[0].layerPath[0]: one hex digit', path: at('body', 'rows', 0, 'layerPath', 0), change: { kind: 'hex', at: 9 }, fails: ['openings.signature', 'matmul.paths'] },
  { file: 'openings', name: 'prev.layerRoot of a k > 0 row: one hex digit', path: (m) => ['body', 'rows', rowWithPrev(m), 'prev', 'layerRoot'], change: { kind: 'hex', at: 60 }, fails: ['openings.signature', 'matmul.paths'] },
  { file: 'openings', name: 'requestHash: one hex digit', path: at('body', 'requestHash'), change: { kind: 'hex', at: 1 }, fails: ['openings.signature', 'openings.binding'] },
  { file: 'openings', name: 'signature: one base64 character', path: at('signature'), change: { kind: 'b64', at: 10 }, fails: ['openings.signature'] },
];

interface BadInputCase extends Tamper {
  /** The field the CLI must name: the option, then the path inside the file. */
  field: string;
}

/** Tampers that break the schema: verify must refuse the input (exit 2) naming the field. */
const BAD_INPUT: BadInputCase[] = [
  { file: 'challenge', name: 'seed: a non-hex character', path: at('body', 'seed'), change: { kind: 'text', at: 5, char: 'g' }, field: 'challenge.body.seed' },
  { file: 'challenge', name: 'n 64 → 65', path: at('body', 'matmul', 'n'), change: { kind: 'set', value: 65 }, field: 'challenge.body.matmul.n' },
  { file: 'challenge', name: 'unknown body field', path: at('body', 'extra'), change: { kind: 'set', value: 1 }, field: 'challenge.body.extra' },
  { file: 'commitment', name: 'root: an uppercase hex digit', path: at('body', 'matmul', 'root'), change: { kind: 'text', at: 0, char: 'A' }, field: 'commitment.body.matmul.root' },
  { file: 'commitment', name: 'signature: a non-base64 character', path: at('signature'), change: { kind: 'text', at: 10, char: '!' }, field: 'commitment.signature' },
  { file: 'commitment', name: 'totalMs negative', path: at('body', 'timings', 'totalMs'), change: { kind: 'set', value: -1 }, field: 'commitment.body.timings.totalMs' },
  { file: 'request', name: 'observedMs negative', path: at('body', 'observed', 'observedMs'), change: { kind: 'set', value: -1 }, field: 'request.body.observed.observedMs' },
  { file: 'request', name: 'rows[0].k a string', path: at('body', 'rows', 0, 'k'), change: { kind: 'set', value: '0' }, field: 'request.body.rows.0.k' },
  { file: 'openings', name: 'rows[0].path[0] one hex digit short', path: at('body', 'rows', 0, 'path', 0), change: { kind: 'text', at: 63, char: '' }, field: 'openings.body.rows.0.path.0' },
  { file: 'openings', name: 'rows[0].row: a non-base64 character', path: at('body', 'rows', 0, 'row'), change: { kind: 'text', at: 10, char: '-' }, field: 'openings.body.rows.0.row' },
  { file: 'openings', name: 'signer: one byte short', path: at('signer'), change: { kind: 'set', value: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==' }, field: 'openings.signer' },
];

async function tamperedFile(t: Transcript, dir: string, tm: Tamper, index: number): Promise<string> {
  const msg: unknown = JSON.parse(readFileSync(t[tm.file], 'utf8'));
  applyTamper(msg, tm);
  const path = join(dir, `tampered-${index}-${tm.file}.json`);
  writeFileSync(path, `${JSON.stringify(msg, null, 2)}\n`);
  return path;
}

test('every schema-valid tamper of any of the four files is rejected: exit 1, accepted false, the named checks fail', async () => {
  const { dir, home } = fresh();
  const t = await honestTranscript(dir, home);
  const failures: string[] = [];
  await mapLimit(REJECTED, 4, async (tm, i) => {
    const file = await tamperedFile(t, dir, tm, i);
    const r = await runCli([...verifyArgs(t, { [tm.file]: file }), '--json'], { home, cwd: dir });
    const label = `${tm.file} / ${tm.name}`;
    if (r.code !== 1 || r.json?.accepted !== false) {
      failures.push(`${label}: expected exit 1 with accepted:false, got ${describeResult(r)}`);
      return;
    }
    const checks = checksOf(r.json);
    const failed = new Set(checks.filter((c) => !c.pass).map((c) => c.name));
    const missing = tm.fails.filter((n) => !failed.has(n));
    if (missing.length > 0) failures.push(`${label}: ${missing.join(', ')} passed; failed: ${[...failed].join(', ')}`);
    for (const c of checks) if (!c.pass && c.reason === '') failures.push(`${label}: ${c.name} fails without a reason`);
  });
  assert.deepEqual(failures, []);
});

test('every schema-breaking tamper of any of the four files is bad input: exit 2 naming the field', async () => {
  const { dir, home } = fresh();
  const t = await honestTranscript(dir, home);
  const failures: string[] = [];
  await mapLimit(BAD_INPUT, 4, async (tm, i) => {
    const file = await tamperedFile(t, dir, tm, 100 + i);
    const label = `${tm.file} / ${tm.name}`;
    const r = await runCli([...verifyArgs(t, { [tm.file]: file }), '--json'], { home, cwd: dir });
    if (r.code !== 2) {
      failures.push(`${label}: expected exit 2, got ${describeResult(r)}`);
      return;
    }
    const e = cliError(r);
    if (e.code !== 'INPUT' || e.field !== tm.field) failures.push(`${label}: expected INPUT on ${tm.field}, got ${e.code} on ${String(e.field)} (${e.message})`);
    if (!r.stderr.includes(tm.field)) failures.push(`${label}: stderr does not name ${tm.field}: ${r.stderr}`);
  });
  assert.deepEqual(failures, []);
});

// ---- keygen ----

test('keygen writes a 0600 key file and its .pub, and refuses to overwrite one (exit 2, field out, file unchanged)', async () => {
  const { dir, home } = fresh();
  const key = join(dir, 'a.key');
  const r = await runCli(['keygen', '--out', key, '--json'], { home, cwd: dir });
  assert.equal(r.code, 0, describeResult(r));
  assert.equal(r.json?.ok, true);
  assert.equal(statSync(key).mode & 0o777, 0o600);
  const written = readFileSync(key, 'utf8');
  const parsed = JSON.parse(written) as { publicKey: string; secretKey: string };
  assert.equal(parsed.publicKey, r.json?.publicKey);
  assert.match(parsed.secretKey, /^[A-Za-z0-9+/]{86}==$/);

  const again = await runCli(['keygen', '--out', key, '--json'], { home, cwd: dir });
  assert.equal(again.code, 2, describeResult(again));
  const e = cliError(again);
  assert.equal(e.field, 'out');
  assert.match(e.message, /exists/);
  assert.equal(readFileSync(key, 'utf8'), written, 'the old key file was changed');
  assert.equal(statSync(key).mode & 0o777, 0o600);

  const human = await runCli(['keygen', '--out', key], { home, cwd: dir });
  assert.equal(human.code, 2, describeResult(human));
  assert.match(human.stderr, /out/);
  assert.equal(human.stdout, '');
  assert.equal(readFileSync(key, 'utf8'), written);
  assert.deepEqual(readdirSync(dir).sort(), ['a.key', 'a.key.pub'], 'temporary files left behind');

  // Two fresh keys differ, and relative paths resolve against the working directory.
  const b = await runCli(['keygen', '--out', 'b.key', '--json'], { home, cwd: dir });
  assert.equal(b.code, 0, describeResult(b));
  assert.notEqual(b.json?.publicKey, r.json?.publicKey);
  assert.equal(statSync(join(dir, 'b.key')).mode & 0o777, 0o600);
});

// ---- replay refusals across processes ----

async function keysAndChallenge(dir: string, home: string, executorKeyFor = 'executor.key'): Promise<{ v: string; e: string; challenge: string }> {
  const v = join(dir, 'validator.key');
  const e = join(dir, 'executor.key');
  for (const k of [v, e]) {
    const r = await runCli(['keygen', '--out', k], { home, cwd: dir });
    assert.equal(r.code, 0, describeResult(r));
  }
  const challenge = join(dir, 'challenge.json');
  const r = await runCli(['challenge', '--key', v, '--executor', join(dir, executorKeyFor), '--n', '64', '--iterations', '2', '--out', challenge], { home, cwd: dir });
  assert.equal(r.code, 0, describeResult(r));
  return { v, e, challenge };
}

test('run refuses a challenge it already ran, in a new process (exit 1, replay)', async () => {
  const { dir, home } = fresh();
  const { e, challenge } = await keysAndChallenge(dir, home);
  const first = await runCli(['run', '--key', e, '--challenge', challenge, '--out', join(dir, 'c1.json')], { home, cwd: dir });
  assert.equal(first.code, 0, describeResult(first));
  const homeBefore = snapshotDir(home);

  const second = await runCli(['run', '--key', e, '--challenge', challenge, '--out', join(dir, 'c2.json'), '--json'], { home, cwd: dir });
  assert.equal(second.code, 1, describeResult(second));
  const err = cliError(second);
  assert.equal(err.code, 'REFUSED');
  assert.match(err.message, /replay/i);
  assert.match(second.stderr, /replay/i);
  assert.equal(existsSync(join(dir, 'c2.json')), false, 'a refused run wrote a commitment');
  assert.deepEqual(snapshotDir(home), homeBefore, 'a refused run changed the executor state');

  const human = await runCli(['run', '--key', e, '--challenge', challenge, '--out', join(dir, 'c3.json')], { home, cwd: dir });
  assert.equal(human.code, 1, describeResult(human));
  assert.match(human.stderr, /replay/i);
  assert.equal(existsSync(join(dir, 'c3.json')), false);
});

test('open-request refuses a commitment for a challenge already answered, in a new process (exit 1)', async () => {
  const { dir, home } = fresh();
  const t = await honestTranscript(dir, home);
  const ledgerBefore = snapshotDir(join(home, 'validator'));
  const again = await runCli(['open-request', '--key', t.validatorKey, '--challenge', t.challenge, '--commitment', t.commitment, '--out', join(dir, 'request2.json'), '--json'], { home, cwd: dir });
  assert.equal(again.code, 1, describeResult(again));
  const err = cliError(again);
  assert.equal(err.code, 'REFUSED');
  assert.match(err.message, /already answered|replay/i);
  assert.equal(existsSync(join(dir, 'request2.json')), false, 'a refused open-request wrote a request');
  assert.deepEqual(snapshotDir(join(home, 'validator')), ledgerBefore);

  // The first request still verifies: the refusal did not disturb the transcript.
  const v = await runCli(verifyArgs(t), { home, cwd: dir });
  assert.equal(v.code, 0, describeResult(v));
});

test('run refuses a challenge addressed to another executor key (exit 1), and the right executor can still run it', async () => {
  const { dir, home } = fresh();
  const other = join(dir, 'other.key');
  const k = await runCli(['keygen', '--out', other], { home, cwd: dir });
  assert.equal(k.code, 0, describeResult(k));
  const { e, challenge } = await keysAndChallenge(dir, home, 'other.key');

  const r = await runCli(['run', '--key', e, '--challenge', challenge, '--out', join(dir, 'c.json'), '--json'], { home, cwd: dir });
  assert.equal(r.code, 1, describeResult(r));
  const err = cliError(r);
  assert.equal(err.code, 'REFUSED');
  assert.equal(err.field, 'body.executorKey');
  assert.match(err.message, /another executor/);
  assert.equal(existsSync(join(dir, 'c.json')), false);
  assert.equal(existsSync(join(home, 'executor')), false, 'a refused run left executor state');

  const ok = await runCli(['run', '--key', other, '--challenge', challenge, '--out', join(dir, 'c.json')], { home, cwd: dir });
  assert.equal(ok.code, 0, describeResult(ok));
  assert.ok(existsSync(join(dir, 'c.json')));
});

// ---- an --out that cannot be written ----
// `run` and `open-request` change role state (replay memory, kept state, the validator's
// "answered" mark); an --out that cannot be written must be refused (exit 2 naming `out`) before
// that, or a retry would be refused as a replay.

test('run with an --out that is a directory refuses as bad input and does not burn the challenge', async () => {
  const { dir, home } = fresh();
  const { e, challenge } = await keysAndChallenge(dir, home);
  mkdirSync(join(dir, 'outdir'));
  const bad = await runCli(['run', '--key', e, '--challenge', challenge, '--out', join(dir, 'outdir'), '--json'], { home, cwd: dir });
  const retry = await runCli(['run', '--key', e, '--challenge', challenge, '--out', join(dir, 'commitment.json')], { home, cwd: dir });
  assert.equal(retry.code, 0, `the retry with a good --out was refused: ${describeResult(retry)}`);
  assert.equal(bad.code, 2, describeResult(bad));
  assert.equal(cliError(bad).field, 'out');
});

test('open-request with an --out that is a directory refuses as bad input and does not burn the commitment', async () => {
  const { dir, home } = fresh();
  const { v, e, challenge } = await keysAndChallenge(dir, home);
  const commitment = join(dir, 'commitment.json');
  const run = await runCli(['run', '--key', e, '--challenge', challenge, '--out', commitment], { home, cwd: dir });
  assert.equal(run.code, 0, describeResult(run));
  mkdirSync(join(dir, 'outdir'));
  const args = ['open-request', '--key', v, '--challenge', challenge, '--commitment', commitment, '--out'];
  const bad = await runCli([...args, join(dir, 'outdir'), '--json'], { home, cwd: dir });
  const retry = await runCli([...args, join(dir, 'request.json')], { home, cwd: dir });
  assert.equal(retry.code, 0, `the retry with a good --out was refused: ${describeResult(retry)}`);
  assert.equal(bad.code, 2, describeResult(bad));
  assert.equal(cliError(bad).field, 'out');
});

// ---- adapter-only commands ----

test('selftest --json --n 64 --iterations 2 accepts and reports adapter, figures and timings', async () => {
  const { dir, home } = fresh();
  const r = await runCli(['selftest', '--json', '--n', '64', '--iterations', '2'], { home, cwd: dir });
  assert.equal(r.code, 0, describeResult(r));
  const j = r.json;
  assert.equal(j?.accepted, true);
  const checks = checksOf(j);
  assert.ok(checks.length > 0);
  for (const c of checks) assert.ok(c.pass, `${c.name}: ${c.reason}`);
  const adapter = obj(j?.adapter, 'adapter');
  assert.equal(typeof adapter.vendor, 'string');
  assert.equal(typeof adapter.backend, 'string');
  const m = obj(obj(j?.measured, 'measured').matmul, 'measured.matmul');
  assert.equal(m.n, 64);
  assert.equal(m.iterations, 2);
  assert.ok(['f32', 'f16-subgroup-matrix', 'i8-subgroup-matrix'].includes(m.path as string), `path ${String(m.path)}`);
  for (const k of ['gflopsObserved', 'gflopsReported'] as const) {
    assert.ok(typeof m[k] === 'number' && Number.isFinite(m[k]) && m[k] > 0, `${k} = ${String(m[k])}`);
  }
  const timings = obj(j?.timings, 'timings');
  for (const k of ['commitMs', 'openMs', 'verifyMs', 'totalMs']) assert.equal(typeof timings[k], 'number', `timings.${k}`);
  assert.equal(r.stderr.includes('\r'), false, 'progress printed under --json');
  assert.deepEqual(readdirSync(dir), [], 'selftest wrote files');
  // The autotuner measured both kernels once and cached its picks for this adapter: what ran.
  assert.ok(j?.memoryKernel === 'lanes' || j?.memoryKernel === 'rows', `memoryKernel ${String(j?.memoryKernel)}`);
  const cache = JSON.parse(readFileSync(join(home, 'autotune.json'), 'utf8')) as Record<string, { kernel?: unknown; memoryKernel?: unknown }>;
  const entries = Object.values(cache);
  assert.equal(entries.length, 1);
  assert.deepEqual({ kernel: entries[0]?.kernel, memoryKernel: entries[0]?.memoryKernel }, { kernel: j?.kernel, memoryKernel: j?.memoryKernel });
});

test('selftest --no-warmup times a cold round and still accepts', async () => {
  const { dir, home } = fresh();
  const r = await runCli(['selftest', '--json', '--n', '64', '--iterations', '1', '--memory-mib', '0', '--no-warmup'], { home, cwd: dir });
  assert.equal(r.code, 0, describeResult(r));
  assert.equal(r.json?.accepted, true);
  assert.equal(obj(obj(r.json?.measured, 'measured').matmul, 'measured.matmul').n, 64);
});

test('bench --json times every variant the tuner can pick, the naive baseline, both memory kernels and every integer kernel', async () => {
  const { dir, home } = fresh();
  const r = await runCli(['bench', '--json', '--n', '64', '--reps', '1', '--memory-mib', '2', '--passes', '1', '--runs', '1', '--alu-lanes', '1024', '--alu-rounds', '256'], { home, cwd: dir });
  assert.equal(r.code, 0, describeResult(r));
  assert.equal(r.json?.ok, true);
  const mm = obj(r.json?.matmul, 'matmul');
  assert.equal(mm.n, 64);
  const variants = mm.variants as { id: string; gflops: number }[];
  const ids = variants.map((v) => v.id);
  assert.ok(ids.includes('naive-16x16'), 'baseline missing');
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(variants.length >= 10, `only ${variants.length} variants`);
  for (const v of variants) assert.ok(Number.isFinite(v.gflops) && v.gflops > 0, `${v.id}: ${v.gflops}`);
  for (let i = 1; i < variants.length; i++) assert.ok((variants[i - 1]?.gflops ?? 0) >= (variants[i]?.gflops ?? 0), 'not fastest first');
  const mem = obj(r.json?.memory, 'memory');
  assert.deepEqual([mem.mib, mem.passes], [2, 1]);
  const runs = mem.runs as { kernel: string; gbs: number }[];
  assert.deepEqual(runs.map((x) => x.kernel).sort(), ['lanes', 'rows']);
  for (const x of runs) assert.ok(Number.isFinite(x.gbs) && x.gbs > 0, `${x.kernel}: ${x.gbs}`);
  const alu = obj(r.json?.alu, 'alu');
  assert.deepEqual([alu.lanes, alu.rounds], [1024, 256]);
  const kernels = alu.kernels as { kernel: string; intGops: number }[];
  assert.equal(new Set(kernels.map((k) => k.kernel)).size, 9, 'every integer kernel timed once');
  for (const k of kernels) assert.ok(Number.isFinite(k.intGops) && k.intGops > 0, `${k.kernel}: ${k.intGops}`);
  for (let i = 1; i < kernels.length; i++) assert.ok((kernels[i - 1]?.intGops ?? 0) >= (kernels[i]?.intGops ?? 0), 'integer kernels not fastest first');
  assert.deepEqual(readdirSync(dir), [], 'bench wrote files');
});

test('adapters --json lists the adapter with its vendor', async () => {
  const { dir, home } = fresh();
  const r = await runCli(['adapters', '--json'], { home, cwd: dir });
  assert.equal(r.code, 0, describeResult(r));
  assert.equal(r.json?.ok, true);
  const adapters = r.json?.adapters;
  assert.ok(Array.isArray(adapters) && adapters.length > 0, 'no adapters[]');
  const a = obj(adapters[0], 'adapters[0]');
  assert.equal(typeof a.vendor, 'string');
  assert.equal(typeof a.software, 'boolean');
  assert.ok(Array.isArray(a.features));
});
