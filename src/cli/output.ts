// How the CLI speaks: one JSON object on stdout with --json, short human lines otherwise, errors
// on stderr naming the field, and progress on a TTY only (never with --json).
import { GpuproofError, exitCodeOf } from '../errors.js';
import type { Check } from '../roles/verifier.js';
import { progressLine } from './progress.js';
import { KIT_VERSION } from '../version.js';

export type SetCode = (code: number) => void;

/** The schema id of a command's --json output; errors have their own. Documented in docs/json.md. */
export const schemaId = (command: string): string => `gpuproof.${command}/1`;
export const ERROR_SCHEMA = 'gpuproof.error/1';
const ENVELOPE_KEYS = ['ok', 'schema', 'version'] as const;

/** What every --json object starts with: `ok` is true exactly when the exit status is 0. */
export const envelope = (ok: boolean, schema: string): { ok: boolean; schema: string; version: string } => ({ ok, schema, version: KIT_VERSION });

export interface Out {
  json: boolean;
  /** Prints the result: with --json inside the envelope, `ok` defaulting to true (exit 0). */
  result(obj: Record<string, unknown>, human: string, ok?: boolean): void;
  /** Present only on a TTY without --json: each report makes the GPU work wait for it. */
  progress?: ((phase: string, done: number, total: number) => void) | undefined;
  /** Ends the progress line (before the result is printed); present with progress. */
  progressEnd?: (() => void) | undefined;
  info(line: string): void;
}

export function makeOut(json: boolean, command: string): Out {
  const tty = !json && process.stderr.isTTY === true;
  const line = tty ? progressLine((s) => process.stderr.write(s), { columns: () => process.stderr.columns }) : undefined;
  return {
    json,
    result(obj, human, ok = true) {
      const clash = ENVELOPE_KEYS.find((k) => k in obj);
      if (clash !== undefined) throw new GpuproofError('INTERNAL', `${command}'s result has its own ${clash}: nest it`);
      process.stdout.write(json ? `${JSON.stringify({ ...envelope(ok, schemaId(command)), ...obj }, null, 2)}\n` : `${human}\n`);
    },
    progress: line?.update,
    progressEnd: line?.end,
    info(line) {
      if (!json) process.stderr.write(`${line}\n`);
    },
  };
}

/** Prints an error the way the mode asks and returns its exit status. */
export function reportError(err: unknown, json: boolean): 1 | 2 {
  const code = exitCodeOf(err);
  const e = err instanceof GpuproofError ? err : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...envelope(false, ERROR_SCHEMA), error: { code: e?.code ?? 'INTERNAL', field: e?.field ?? null, message } }, null, 2)}\n`);
  }
  process.stderr.write(`gpuproof: ${message}\n`);
  if (!e && process.env.GPUPROOF_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
  return code;
}

/** A fixed-width text table. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** Failed checks first, each with its reason; the passing ones after, listed only when verbose. */
export function checksTable(checks: Check[], verbose = false): string {
  const failed = checks.filter((c) => !c.pass);
  const failures = failed.length > 0 ? [table([['failed check', 'reason'], ...failed.map((c) => [c.name, c.reason])])] : [];
  return [...failures, passedChecks(checks, verbose)].join('\n');
}

/** Passing checks: counted, or with verbose listed by name. */
export function passedChecks(checks: Check[], verbose: boolean): string {
  const passed = checks.filter((c) => c.pass);
  if (!verbose) return `${passed.length} of ${checks.length} checks passed${passed.length > 0 ? ' (--verbose lists them)' : ''}`;
  return table([['passed check', 'result'], ...passed.map((c) => [c.name, 'pass'])]);
}
