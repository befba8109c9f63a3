// Bad input on the command line: the ONE shared malformed-input table (fixtures/malformed.json,
// applied by test/helpers/malformed.ts) fed to every command that reads a message file, and bad
// option values for every command. Each case must exit 2, name the field (the CLI prefixes the
// option: `challenge.body.matmul.n`) in the --json error and on stderr, and write NOTHING: no
// --out file, no temporary file beside it, no change to replay memory or executor state.
//
// A CLI process costs ~0.3 s, so by default every table case runs once, spread round-robin over
// the commands that read its message type (each command/option pair gets a share of the generic,
// envelope and per-type cases); GPUPROOF_TEST_FULL=1 runs every case against every reader
// (about 900 processes, several minutes).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMessage } from '../src/protocol/parse.js';
import type { MessageType } from '../src/protocol/schemas.js';
import { buildCli, cliError, describeResult, mapLimit, runCli, snapshotDir, type CliResult, type Transcript } from './helpers/cli.js';
import { expandGeneric, loadMalformedTable, mutatedText } from './helpers/malformed.js';

const FULL = process.env.GPUPROOF_TEST_FULL === '1';
const PARALLEL = 4;

type Option = 'challenge' | 'commitment' | 'request' | 'openings';
const TYPE_OF: Record<Option, MessageType> = { challenge: 'challenge', commitment: 'commitment', request: 'open-request', openings: 'openings' };

/** A command/option pair that reads a message file. */
interface Reader {
  command: 'run' | 'open-request' | 'open' | 'verify';
  option: Option;
}
const READERS: Reader[] = [
  { command: 'run', option: 'challenge' },
  { command: 'open-request', option: 'challenge' },
  { command: 'open-request', option: 'commitment' },
  { command: 'open', option: 'challenge' },
  { command: 'open', option: 'request' },
  { command: 'verify', option: 'challenge' },
  { command: 'verify', option: 'commitment' },
  { command: 'verify', option: 'request' },
  { command: 'verify', option: 'openings' },
];
const label = (r: Reader): string => `${r.command} --${r.option}`;

/** The command line for `reader` with `file` in place of its option, every other input well-formed. */
function readerArgs(reader: Reader, t: Transcript, file: string, out: string): string[] {
  const files = { challenge: t.challenge, commitment: t.commitment, request: t.request, openings: t.openings, [reader.option]: file };
  switch (reader.command) {
    case 'run':
      return ['run', '--key', t.executorKey, '--challenge', files.challenge, '--out', out];
    case 'open-request':
      return ['open-request', '--key', t.validatorKey, '--challenge', files.challenge, '--commitment', files.commitment, '--out', out];
    case 'open':
      return ['open', '--key', t.executorKey, '--challenge', files.challenge, '--request', files.request, '--out', out];
    case 'verify':
      return ['verify', '--challenge', files.challenge, '--commitment', files.commitment, '--request', files.request, '--openings', files.openings];
  }
}

/** One malformed file and the field its table entry names (inside the file, without the option). */
interface FileCase {
  name: string;
  file: string;
  field: string;
}

let root = '';
let inputs = '';
let home = '';
/** Valid inputs for every option but the one under test: fresh keys and the fixture messages. */
let transcript: Transcript;
/** What each reader is fed. */
const plan = new Map<Reader, FileCase[]>();
let tableCases = 0;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gpuproof-cli-malformed-'));
  inputs = join(root, 'inputs');
  home = join(root, 'home');
  const work = join(root, 'transcript');
  for (const d of [inputs, home, work]) mkdirSync(d, { recursive: true });
  await buildCli();

  // The valid messages the table's mutations were written against (the schema test uses the same).
  // They also serve as the well-formed other inputs: every command parses all its message files
  // before it checks signatures, state or replay, so a malformed one is found first.
  const fixtures = JSON.parse(readFileSync(new URL('../fixtures/signatures.json', import.meta.url), 'utf8')) as {
    messages: Record<MessageType, { envelope: unknown }>;
  };
  const valid = (type: MessageType): unknown => {
    const m = fixtures.messages[type].envelope;
    parseMessage(type, m); // the base must be valid, so each case fails for its own mutation
    return m;
  };
  transcript = {
    validatorKey: join(work, 'validator.key'),
    executorKey: join(work, 'executor.key'),
    challenge: join(work, 'challenge.json'),
    commitment: join(work, 'commitment.json'),
    request: join(work, 'request.json'),
    openings: join(work, 'openings.json'),
  };
  for (const o of Object.keys(TYPE_OF) as Option[]) writeFileSync(transcript[o], `${JSON.stringify(valid(TYPE_OF[o]), null, 2)}\n`);
  const keys = await Promise.all([transcript.validatorKey, transcript.executorKey].map((k) => runCli(['keygen', '--out', k], { home, cwd: work })));
  for (const r of keys) assert.equal(r.code, 0, describeResult(r));

  const table = loadMalformedTable();
  const readersOf = (type: MessageType): Reader[] => READERS.filter((r) => TYPE_OF[r.option] === type);
  const add = (r: Reader, c: FileCase): void => {
    plan.set(r, [...(plan.get(r) ?? []), c]);
    tableCases++;
  };
  let n = 0;
  const write = (text: string): string => {
    const file = join(inputs, `case-${n++}.json`);
    writeFileSync(file, text);
    return file;
  };

  // Generic texts are the same for every type: each is written once.
  table.generic.forEach((g, j) => {
    const file = write(expandGeneric(g));
    const c = { name: `generic: ${g.name}`, file, field: g.field };
    const large = g.large === true;
    if (FULL) for (const r of READERS) add(r, c);
    else if (large) add(READERS[0] as Reader, c); // the 64 MiB case once, on run
    else add(READERS[j % READERS.length] as Reader, c);
  });
  // Envelope mutations: applied to each type's valid message, spread over all readers.
  table.envelope.forEach((m, j) => {
    const targets = FULL ? READERS : [READERS[(j + 4) % READERS.length] as Reader];
    for (const r of targets) {
      const type = TYPE_OF[r.option];
      add(r, { name: `envelope (${type}): ${m.name}`, file: write(mutatedText(valid(type), m.mutation)), field: m.field });
    }
  });
  // Per-type mutations: spread over the readers of that type.
  for (const type of [...new Set(Object.values(TYPE_OF))]) {
    const cases = table.perType[type];
    assert.ok(cases && cases.length > 0, `no ${type} cases in the table`);
    const readers = readersOf(type);
    cases.forEach((m, j) => {
      const file = write(mutatedText(valid(type), m.mutation));
      const c = { name: `${type}: ${m.name}`, file, field: m.field };
      for (const r of FULL ? readers : [readers[j % readers.length] as Reader]) add(r, c);
    });
  }
});

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** `--json` error of an exit-2 run, checked: INPUT, field as expected, stderr names it. */
function inputProblem(r: CliResult, expectField: (f: string) => boolean, want: string, code = 'INPUT'): string | null {
  if (r.code !== 2) return `expected exit 2, got ${describeResult(r)}`;
  let e;
  try {
    e = cliError(r);
  } catch (err) {
    return (err as Error).message;
  }
  if (e.code !== code) return `expected ${code}, got ${e.code}: ${e.message}`;
  if (e.field === null || !expectField(e.field)) return `expected field ${want}, got ${String(e.field)} (${e.message})`;
  if (!r.stderr.includes(e.field)) return `stderr does not name ${e.field}: ${r.stderr.slice(0, 300)}`;
  return null;
}

/** The CLI names `option.field`; a whole-file problem (`$`) may be named by the option alone. */
const tableField = (option: string, field: string) => (f: string): boolean =>
  f === `${option}.${field}` || (field === '$' && f === option);

/** Runs `cases` with an empty out directory; returns failures, including anything written. */
async function runNothingWritten<C extends { name: string }>(
  outDir: string,
  cases: readonly C[],
  run: (c: C, out: string) => Promise<string | null>,
): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const homeBefore = snapshotDir(home);
  const inputsBefore = snapshotDir(join(root, 'transcript'));
  const failures: string[] = [];
  await mapLimit(cases, PARALLEL, async (c, i) => {
    const out = join(outDir, `out-${i}.json`);
    const problem = await run(c, out);
    if (problem) failures.push(`${c.name}: ${problem}`);
    if (existsSync(out)) failures.push(`${c.name}: wrote ${out}`);
  });
  const left = readdirSync(outDir);
  if (left.length > 0) failures.push(`files left in the output directory: ${left.join(', ')}`);
  const homeAfter = snapshotDir(home);
  if (JSON.stringify(homeAfter) !== JSON.stringify(homeBefore)) failures.push(`GPUPROOF_HOME changed: ${JSON.stringify(homeBefore)} → ${JSON.stringify(homeAfter)}`);
  if (JSON.stringify(snapshotDir(join(root, 'transcript'))) !== JSON.stringify(inputsBefore)) failures.push('the valid input files changed');
  return failures;
}

test('the malformed table is spread over every reader, and every case runs', () => {
  const table = loadMalformedTable();
  const expected = table.generic.length + table.envelope.length + ['challenge', 'commitment', 'open-request', 'openings'].reduce((s, t) => s + (table.perType[t]?.length ?? 0), 0);
  // An envelope case is named with the type it was applied to; count each table entry once.
  const entries = new Set([...plan.values()].flat().map((c) => c.name.replace(/^envelope \([^)]*\)/, 'envelope')));
  assert.equal(entries.size, expected);
  assert.ok(tableCases >= expected);
  for (const r of READERS) {
    const cases = plan.get(r) ?? [];
    assert.ok(cases.some((c) => c.name.startsWith('generic')), `${label(r)} gets no generic case`);
    assert.ok(cases.some((c) => c.name.startsWith('envelope')), `${label(r)} gets no envelope case`);
    assert.ok(cases.some((c) => !c.name.startsWith('generic') && !c.name.startsWith('envelope')), `${label(r)} gets no per-type case`);
  }
});

for (const reader of READERS) {
  test(`${label(reader)}: every malformed file exits 2 naming ${reader.option}.<field> and writes nothing`, async () => {
    const cases = plan.get(reader) ?? [];
    assert.ok(cases.length > 0);
    const failures = await runNothingWritten(join(root, `out-${reader.command}-${reader.option}`), cases, async (c, out) => {
      const r = await runCli([...readerArgs(reader, transcript, c.file, out), '--json'], { home, cwd: root });
      return inputProblem(r, tableField(reader.option, c.field), `${reader.option}.${c.field}`);
    });
    assert.deepEqual(failures, []);
  });
}

// ---- bad option values ----

interface OptionCase {
  name: string;
  /** The command line; `OUT` is replaced by the case's --out path. */
  args: string[];
  /** The field the error must name: exact, or a test on it. */
  field: string | RegExp;
  /** USAGE for what yargs itself rejects (missing options); INPUT for bad values. */
  code?: 'USAGE' | 'INPUT';
}

function missing(args: string[], option: string): OptionCase {
  const i = args.indexOf(`--${option}`);
  assert.ok(i >= 0);
  return { name: `missing --${option}`, args: [...args.slice(0, i), ...args.slice(i + 2)], field: option, code: 'USAGE' };
}

function withOption(args: string[], option: string, value: string): string[] {
  const i = args.indexOf(`--${option}`);
  return i >= 0 ? [...args.slice(0, i + 1), value, ...args.slice(i + 2)] : [...args, `--${option}`, value];
}

async function checkOptionCases(command: string, cases: OptionCase[]): Promise<void> {
  const failures = await runNothingWritten(join(root, `opt-${command}`), cases, async (c, out) => {
    const args = c.args.map((a) => (a === 'OUT' ? out : a));
    const r = await runCli([...args, '--json'], { home, cwd: root });
    const code = c.code ?? 'INPUT';
    if (code === 'USAGE') {
      // yargs' own errors carry no field; the message must name the option.
      if (r.code !== 2) return `expected exit 2, got ${describeResult(r)}`;
      const e = cliError(r);
      const f = c.field as string;
      if (e.code !== 'USAGE') return `expected USAGE, got ${e.code}: ${e.message}`;
      if (!new RegExp(`\\b${f}\\b`).test(e.message) || !r.stderr.includes(f)) return `message does not name ${f}: ${e.message}`;
      if (e.field !== null && e.field !== f) return `field ${e.field}, expected ${f}`;
      return null;
    }
    const want = c.field;
    return inputProblem(r, (f) => (typeof want === 'string' ? f === want : want.test(f)), String(want));
  });
  assert.deepEqual(failures, []);
}

/** Files that are not what an option wants. */
function oddFiles(): { notKey: string; notJson: string; missingFile: string } {
  const dir = join(root, 'odd');
  mkdirSync(dir, { recursive: true });
  const notJson = join(dir, 'garbage.key');
  writeFileSync(notJson, 'this is not a key\n');
  return { notKey: transcript.challenge, notJson, missingFile: join(dir, 'does-not-exist.json') };
}

test('keygen: a missing --out is bad usage', async () => {
  await checkOptionCases('keygen', [missing(['keygen', '--out', 'OUT'], 'out')]);
});

test('challenge: missing options, bad sizes, ttl and claim, and key files that are not keys exit 2 naming the option', async () => {
  const t = transcript;
  const { notKey, notJson, missingFile } = oddFiles();
  const base = ['challenge', '--key', t.validatorKey, '--executor', t.executorKey, '--n', '64', '--iterations', '2', '--out', 'OUT'];
  await checkOptionCases('challenge', [
    missing(base, 'key'),
    missing(base, 'executor'),
    missing(base, 'out'),
    { name: '--n 100 (not a multiple of 16)', args: withOption(base, 'n', '100'), field: 'n' },
    { name: '--n 0', args: withOption(base, 'n', '0'), field: 'n' },
    { name: '--n abc', args: withOption(base, 'n', 'abc'), field: 'n' },
    { name: '--n 262144 (n·64 = 2^24)', args: withOption(base, 'n', '262144'), field: 'n' },
    { name: '--iterations 0', args: withOption(base, 'iterations', '0'), field: 'iterations' },
    { name: '--ttl -1', args: withOption(base, 'ttl', '-1'), field: 'ttl' },
    { name: '--ttl 86401 (over 24 h)', args: withOption(base, 'ttl', '86401'), field: 'ttl' },
    { name: '--claim with capitals and a space', args: withOption(base, 'claim', 'Not A Class'), field: 'claim' },
    { name: '--key a missing file', args: withOption(base, 'key', missingFile), field: 'key' },
    { name: '--key a message file, not a key', args: withOption(base, 'key', notKey), field: /^key(\.|$)/ },
    { name: '--key a text file, not JSON', args: withOption(base, 'key', notJson), field: /^key(\.|$)/ },
    { name: '--executor neither base64 nor a file', args: withOption(base, 'executor', 'not-a-key'), field: 'executor' },
    { name: '--executor a message file, not a key', args: withOption(base, 'executor', notKey), field: /^executor(\.|$)/ },
  ]);
});

const SMALL_ORDER_KEY = 'AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='; // the identity point: anything verifies under it in OpenSSL
const NON_CANONICAL_KEY = '7////////////////////////////////////////38='; // y = p + 2

test('keys nobody can hold and repeated JSON members exit 2 naming the field wherever they enter: challenge, serve, attest, validate', async () => {
  const t = transcript;
  const dir = join(root, 'strict-inputs');
  mkdirSync(dir, { recursive: true });
  const file = (name: string, text: string): string => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const smallPub = file('small.pub.json', JSON.stringify({ publicKey: SMALL_ORDER_KEY }));
  const k = JSON.parse(readFileSync(t.validatorKey, 'utf8')) as { publicKey: string; secretKey: string };
  const dupKey = file('dup.key', `{"publicKey":"${k.publicKey}","secretKey":"${k.secretKey}","publicKey":"${k.publicKey}"}`);
  const nowhere = 'http://127.0.0.1:9'; // never contacted: the input is refused first
  const state = join(dir, 'state');
  mkdirSync(state);
  const challengeId = (JSON.parse(readFileSync(t.challenge, 'utf8')) as { body: { id: string } }).body.id;
  file(join('state', `${challengeId}.json`), '{"challenge":{},"digests":"","challenge":{}}');
  const base = ['challenge', '--key', t.validatorKey, '--executor', t.executorKey, '--n', '64', '--iterations', '2', '--out', 'OUT'];
  await checkOptionCases('strict-inputs', [
    { name: 'challenge --executor the identity point', args: withOption(base, 'executor', SMALL_ORDER_KEY), field: 'executor' },
    { name: 'challenge --executor a non-canonical encoding', args: withOption(base, 'executor', NON_CANONICAL_KEY), field: 'executor' },
    { name: 'challenge --executor a public-key file holding the identity', args: withOption(base, 'executor', smallPub), field: 'executor' },
    { name: 'challenge --key a key file with a repeated member', args: withOption(base, 'key', dupKey), field: 'key.publicKey' },
    { name: 'open --state: kept state with a repeated member', args: ['open', '--key', t.executorKey, '--challenge', t.challenge, '--request', t.request, '--out', 'OUT', '--state', state], field: 'state.challenge' },
    { name: 'serve --allow the identity point', args: ['serve', '--key', t.executorKey, '--allow', t.validatorKey, SMALL_ORDER_KEY, '--port', '0'], field: 'allow.1' },
    { name: 'attest --executor the identity point', args: ['attest', nowhere, '--key', t.validatorKey, '--executor', SMALL_ORDER_KEY], field: 'executor' },
    { name: 'validate --executors an entry keyed by the identity', args: ['validate', '--executors', file('small.json', JSON.stringify([{ url: nowhere, publicKey: SMALL_ORDER_KEY }])), '--key', t.validatorKey], field: 'executors.0.publicKey' },
    { name: 'validate --executors a repeated member', args: ['validate', '--executors', file('dup.json', `[{"url":"${nowhere}"},{"url":"${nowhere}","\\u0075rl":"http://127.0.0.1:10"}]`), '--key', t.validatorKey], field: 'executors.1.url' },
  ]);
});

test('run: missing options, missing files and a key file that is not a key exit 2 naming the option', async () => {
  const t = transcript;
  const { notKey, notJson, missingFile } = oddFiles();
  const base = ['run', '--key', t.executorKey, '--challenge', t.challenge, '--out', 'OUT'];
  await checkOptionCases('run', [
    missing(base, 'key'),
    missing(base, 'challenge'),
    missing(base, 'out'),
    { name: '--key a missing file', args: withOption(base, 'key', missingFile), field: 'key' },
    { name: '--key a message file, not a key', args: withOption(base, 'key', notKey), field: /^key(\.|$)/ },
    { name: '--key a text file, not JSON', args: withOption(base, 'key', notJson), field: /^key(\.|$)/ },
    { name: '--challenge a missing file', args: withOption(base, 'challenge', missingFile), field: 'challenge' },
  ]);
});

test('open-request: missing options, bad --rows, missing files and a bad key exit 2 naming the option', async () => {
  const t = transcript;
  const { notKey, missingFile } = oddFiles();
  const base = ['open-request', '--key', t.validatorKey, '--challenge', t.challenge, '--commitment', t.commitment, '--out', 'OUT'];
  await checkOptionCases('open-request', [
    missing(base, 'key'),
    missing(base, 'challenge'),
    missing(base, 'commitment'),
    missing(base, 'out'),
    { name: '--rows 0', args: withOption(base, 'rows', '0'), field: 'rows' },
    { name: '--rows abc', args: withOption(base, 'rows', 'abc'), field: 'rows' },
    { name: '--rows 1025', args: withOption(base, 'rows', '1025'), field: 'rows' },
    { name: '--key a message file, not a key', args: withOption(base, 'key', notKey), field: /^key(\.|$)/ },
    { name: '--challenge a missing file', args: withOption(base, 'challenge', missingFile), field: 'challenge' },
    { name: '--commitment a missing file', args: withOption(base, 'commitment', missingFile), field: 'commitment' },
  ]);
});

test('open: missing options, missing files and a bad key exit 2 naming the option', async () => {
  const t = transcript;
  const { notKey, missingFile } = oddFiles();
  const base = ['open', '--key', t.executorKey, '--challenge', t.challenge, '--request', t.request, '--out', 'OUT'];
  await checkOptionCases('open', [
    missing(base, 'key'),
    missing(base, 'request'),
    missing(base, 'out'),
    { name: '--key a message file, not a key', args: withOption(base, 'key', notKey), field: /^key(\.|$)/ },
    { name: '--challenge a missing file', args: withOption(base, 'challenge', missingFile), field: 'challenge' },
    { name: '--request a missing file', args: withOption(base, 'request', missingFile), field: 'request' },
  ]);
});

test('verify: missing options and missing files exit 2 naming the option', async () => {
  const t = transcript;
  const { missingFile } = oddFiles();
  const base = ['verify', '--challenge', t.challenge, '--commitment', t.commitment, '--request', t.request, '--openings', t.openings];
  await checkOptionCases('verify', [
    missing(base, 'challenge'),
    missing(base, 'openings'),
    { name: '--commitment a missing file', args: withOption(base, 'commitment', missingFile), field: 'commitment' },
    { name: '--openings a missing file', args: withOption(base, 'openings', missingFile), field: 'openings' },
  ]);
});

test('selftest: bad --n, --iterations and --rows exit 2 naming the option', async () => {
  await checkOptionCases('selftest', [
    { name: '--n 0', args: ['selftest', '--n', '0'], field: 'n' },
    { name: '--n abc', args: ['selftest', '--n', 'abc'], field: 'n' },
    { name: '--iterations 0', args: ['selftest', '--n', '64', '--iterations', '0'], field: 'iterations' },
    { name: '--rows 0', args: ['selftest', '--n', '64', '--iterations', '1', '--rows', '0'], field: 'rows' },
    { name: '--kernel unknown', args: ['selftest', '--n', '64', '--iterations', '1', '--kernel', 'no-such-kernel'], field: 'kernel' },
    { name: '--kernel malformed tensor id', args: ['selftest', '--n', '64', '--iterations', '1', '--kernel', 'tensor-i8-8x8x8-t5x1-w8'], field: 'kernel' },
    // Well formed, but no adapter offers a 64×64×64 subgroup-matrix shape.
    { name: '--kernel that fits no adapter', args: ['selftest', '--n', '64', '--iterations', '1', '--memory-mib', '0', '--kernel', 'tensor-i8-64x64x64-t1x1-w64'], field: 'kernel' },
  ]);
});

// selftest checks every size before it opens the GPU: nothing is tuned or written for a bad n.
test('selftest --n 100 (not a multiple of 16) exits 2 naming n before touching the GPU or GPUPROOF_HOME', async () => {
  await checkOptionCases('selftest-n100', [{ name: '--n 100', args: ['selftest', '--n', '100'], field: /^(?:.*\.)?n$/ }]);
});

// bench checks its sizes before it opens the GPU, both sides of each bound.
test('bench: bad --n, --reps, --memory-mib, --passes, --runs, --alu-lanes and --alu-rounds exit 2 naming the option', async () => {
  await checkOptionCases('bench', [
    { name: '--n 0', args: ['bench', '--n', '0'], field: 'n' },
    { name: '--n 17', args: ['bench', '--n', '17'], field: 'n' },
    { name: '--n 262144 (over the exact bound)', args: ['bench', '--n', '262144'], field: 'n' },
    { name: '--reps 0', args: ['bench', '--reps', '0'], field: 'reps' },
    { name: '--reps 1001', args: ['bench', '--reps', '1001'], field: 'reps' },
    { name: '--memory-mib 0', args: ['bench', '--memory-mib', '0'], field: 'memory-mib' },
    { name: '--passes 0', args: ['bench', '--passes', '0'], field: 'passes' },
    { name: '--passes 65', args: ['bench', '--passes', '65'], field: 'passes' },
    { name: '--runs 0', args: ['bench', '--runs', '0'], field: 'runs' },
    { name: '--runs x', args: ['bench', '--runs', 'x'], field: 'runs' },
    { name: '--alu-lanes 0', args: ['bench', '--alu-lanes', '0'], field: 'alu-lanes' },
    { name: '--alu-lanes 2^28 + 1', args: ['bench', '--alu-lanes', String(2 ** 28 + 1)], field: 'alu-lanes' },
    { name: '--alu-rounds 0', args: ['bench', '--alu-rounds', '0'], field: 'alu-rounds' },
    { name: '--alu-rounds 2^20 + 1', args: ['bench', '--alu-rounds', String(2 ** 20 + 1)], field: 'alu-rounds' },
  ]);
});
