// The help a user reads: every command listed by `gpuproof --help` describes every option and
// positional it takes and shows one to three examples; `--version` prints the kit's version.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, describeResult, mapLimit, runCli } from './helpers/cli.js';
import { KIT_VERSION } from '../src/version.js';

const dir = mkdtempSync(join(tmpdir(), 'gpuproof-help-'));
const home = join(dir, 'home');

before(async () => {
  await buildCli();
});

/** The lines of one `Heading:` section of yargs' help, up to the next blank line. */
function section(help: string, heading: string): string[] {
  const lines = help.split('\n');
  const start = lines.indexOf(`${heading}:`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** A section's entries: lines that start one (`  gpuproof x`, `  -n`, `      --out`, `  url`); the rest wrap the entry above. */
const entries = (lines: string[], start: RegExp): string[] => lines.filter((l) => start.test(l));
const COMMAND = /^ {2}gpuproof /;
/** `  -n` or `      --out`; a wrapped description sits deeper, even when it starts with `--`. */
const OPTION = /^ {2}-|^ {6}--/;
const POSITIONAL = /^ {2}[a-z]/;
/** An example starts with the command, maybe after environment assignments. */
const EXAMPLE = /^ {2}(?:[A-Z_]+=\S+ )*gpuproof /;

/** An entry's description: what follows its name column, less the [type] [default] notes. */
const descriptionOf = (entry: string): string => entry.trim().replace(/^\S+(?:, \S+)*(?: <\w+>)?/, '').replace(/(\s*\[[^\]]*\])+\s*$/, '').trim();

/** The command names `gpuproof --help` lists. */
export async function listedCommands(): Promise<string[]> {
  const r = await runCli(['--help'], { home, cwd: dir });
  assert.equal(r.code, 0, describeResult(r));
  return entries(section(r.stdout, 'Commands'), COMMAND).map((l) => (/^ {2}gpuproof (\S+)/.exec(l) ?? [])[1] ?? l);
}

test('every command describes every option and positional, and shows 1–3 examples', async () => {
  const commands = await listedCommands();
  assert.ok(commands.length >= 16, `commands: ${commands.join(' ')}`);
  for (const c of ['selftest', 'keygen', 'pubkey', 'challenge', 'attest', 'validate', 'serve', 'receipts', 'bench', 'weights']) assert.ok(commands.includes(c), c);
  const problems = (await mapLimit(commands, 4, async (cmd) => {
    const r = await runCli([cmd, '--help'], { home, cwd: dir });
    if (r.code !== 0) return [`${cmd}: --help exited ${r.code}`];
    const options = [...entries(section(r.stdout, 'Options'), OPTION), ...entries(section(r.stdout, 'Positionals'), POSITIONAL)];
    const found = options.filter((l) => descriptionOf(l) === '').map((l) => `${cmd}: ${l.trim().split(/\s+/)[0] ?? l} has no description`);
    if (!options.some((l) => /--json\b/.test(l)) || !options.some((l) => /--force\b/.test(l))) found.push(`${cmd}: --json/--force missing`);
    const examples = entries(section(r.stdout, 'Examples'), EXAMPLE);
    if (examples.length < 1 || examples.length > 3) found.push(`${cmd}: ${examples.length} examples`);
    for (const e of examples) if (!e.includes(`gpuproof ${cmd}`)) found.push(`${cmd}: example runs another command: ${e.trim()}`);
    return found;
  })).flat();
  assert.deepEqual(problems, []);
});

test('the parser sees through a missing description', () => {
  assert.equal(descriptionOf('  --out                                            [string] [required]'), '');
  assert.equal(descriptionOf('  --out      key file to create                  [string] [required]'), 'key file to create');
  assert.equal(descriptionOf('  url  the agent, e.g. http://10.0.0.5:8420                 [string]'), 'the agent, e.g. http://10.0.0.5:8420');
  const wrapped = ['      --report        write a report (one card: not with', '                      --all-adapters)        [string]', '  -n                  matrix size', '  --json  machine-readable'];
  assert.deepEqual(entries(wrapped, OPTION).map((l) => l.trim().split(/\s+/)[0]), ['--report', '-n', '--json']);
});

test('--version prints the kit version', async () => {
  const r = await runCli(['--version'], { home, cwd: dir });
  assert.equal(r.code, 0, describeResult(r));
  assert.equal(r.stdout.trim(), KIT_VERSION);
  assert.match(KIT_VERSION, /^\d+\.\d+\.\d+/);
});
