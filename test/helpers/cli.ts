// Runs the compiled CLI (`node bin/gpuproof.js`) as a child process, the way a user or a script
// would, and builds an honest file-flow transcript with it. Every call gets its own
// GPUPROOF_HOME so replay memory and executor state never leak between tests.
import { spawn, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTATION_RUN } from './mutation.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO_ROOT, 'bin', 'gpuproof.js');
const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** A JSON object as printed by `--json`; tests narrow it further where they read it. */
export type JsonObject = Record<string, unknown>;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as one JSON object, when it is one (always with --json). */
  json?: JsonObject;
}

export interface CliOptions {
  /** GPUPROOF_HOME for this run: replay memory and executor state live here. */
  home: string;
  cwd?: string;
  /** Kill the child after this long (default 120 s) and fail. */
  timeoutMs?: number;
  /** Extra environment, e.g. GPUPROOF_ADAPTER naming no adapter, so any GPU use fails (exit 1). */
  env?: Record<string, string>;
}

/** The error object of a failed `--json` run: {ok:false, error:{code, field, message}}. */
export interface CliError {
  code: string;
  field: string | null;
  message: string;
}

let built: Promise<void> | undefined;

/**
 * Compiles src/ into dist/ once per test process (incremental: about a second when nothing
 * changed), so bin/gpuproof.js runs the current sources. Type errors alone do not stop it: tsc
 * still emits (exit 2) and the type check is `npm test`'s own first step; a failure to emit does.
 */
export function buildCli(): Promise<void> {
  // The mutation run leaves every CLI test out (notInMutationRun): no build per test file and mutant.
  if (MUTATION_RUN) return Promise.resolve();
  built ??= new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: REPO_ROOT, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const emitted = existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'));
      if (err && !(err.code === 2 && emitted)) reject(new Error(`tsc -p tsconfig.json failed (${String(err.code)}):\n${stdout}${stderr}`));
      else if (!emitted) reject(new Error('tsc produced no dist/cli/main.js'));
      else {
        if (err) process.stderr.write(`# tsc reported type errors but emitted dist/:\n${stdout.split('\n').slice(0, 5).join('\n')}\n`);
        resolve();
      }
    });
  });
  return built;
}

export function runCli(args: string[], opts: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? opts.home,
      env: { ...process.env, XDG_RUNTIME_DIR: '/tmp', GPUPROOF_HOME: opts.home, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gpuproof ${args.join(' ')} did not finish in ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const result: CliResult = { code: code ?? (signal ? 128 : -1), stdout, stderr };
      try {
        const parsed: unknown = JSON.parse(stdout);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) result.json = parsed as JsonObject;
      } catch {
        // not JSON: human output
      }
      resolve(result);
    });
  });
}

/** One line describing a result, for assertion messages. */
export function describeResult(r: CliResult): string {
  return `exit ${r.code}; stdout: ${r.stdout.slice(0, 600)}; stderr: ${r.stderr.slice(-600)}`;
}

/** The `error` object of a failed `--json` run; throws when the output is not one. */
export function cliError(r: CliResult): CliError {
  const e = r.json?.error as Partial<CliError> | undefined;
  if (r.json?.ok !== false || typeof e !== 'object' || e === null || typeof e.code !== 'string' || typeof e.message !== 'string') {
    throw new Error(`expected {ok:false,error:{code,field,message}} on stdout, got ${describeResult(r)}`);
  }
  return { code: e.code, field: typeof e.field === 'string' ? e.field : null, message: e.message };
}

/** Runs tasks with at most `limit` in flight, results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Every file under `dir` (recursively) with the SHA-256 of its bytes: compare before/after to prove nothing was written. */
export function snapshotDir(dir: string): Record<string, string> {
  const snap: Record<string, string> = {};
  if (!existsSync(dir)) return snap;
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else snap[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return snap;
}

export interface Transcript {
  validatorKey: string;
  executorKey: string;
  challenge: string;
  commitment: string;
  request: string;
  openings: string;
}

async function must(args: string[], home: string, cwd: string): Promise<CliResult> {
  const r = await runCli(args, { home, cwd });
  if (r.code !== 0) throw new Error(`gpuproof ${args.join(' ')} failed: ${describeResult(r)}`);
  return r;
}

/**
 * The honest file flow in `dir` with replay memory and executor state in `home`: two keys, a
 * challenge (n = 64, K = 2), run, open-request, open. Returns the absolute paths of the files.
 */
export async function honestTranscript(dir: string, home: string): Promise<Transcript> {
  const t: Transcript = {
    validatorKey: join(dir, 'validator.key'),
    executorKey: join(dir, 'executor.key'),
    challenge: join(dir, 'challenge.json'),
    commitment: join(dir, 'commitment.json'),
    request: join(dir, 'request.json'),
    openings: join(dir, 'openings.json'),
  };
  await Promise.all([must(['keygen', '--out', t.validatorKey], home, dir), must(['keygen', '--out', t.executorKey], home, dir)]);
  await must(['challenge', '--key', t.validatorKey, '--executor', t.executorKey, '--n', '64', '--iterations', '2', '--out', t.challenge], home, dir);
  await must(['run', '--key', t.executorKey, '--challenge', t.challenge, '--out', t.commitment], home, dir);
  await must(['open-request', '--key', t.validatorKey, '--challenge', t.challenge, '--commitment', t.commitment, '--out', t.request], home, dir);
  await must(['open', '--key', t.executorKey, '--challenge', t.challenge, '--request', t.request, '--out', t.openings], home, dir);
  return t;
}

/** `verify` on a transcript, with any of its four files replaced. */
export function verifyArgs(t: Transcript, replace: Partial<Pick<Transcript, 'challenge' | 'commitment' | 'request' | 'openings'>> = {}): string[] {
  const f = { ...t, ...replace };
  return ['verify', '--challenge', f.challenge, '--commitment', f.commitment, '--request', f.request, '--openings', f.openings];
}
