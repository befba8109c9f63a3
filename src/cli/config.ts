// Option values from a configuration file (--config FILE or GPUPROOF_CONFIG) and the environment
// (GPUPROOF_<COMMAND>_<OPTION>). Precedence, per option: command line > environment > file >
// built-in default. The file is I-JSON with one section per command, each holding option names
// as written on the command line: { "serve": { "port": 8420, "allow": ["validator.pub"] } }.
// Every section and variable is checked, whichever command runs; a bad one exits 2 naming the
// file and key path or the variable. Described in docs/config.md.
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { GpuproofError, inputError } from '../errors.js';
import { firstIssue } from '../protocol/issues.js';
import { parseIJson } from '../protocol/ijson.js';
import { readCapped } from '../protocol/parse.js';
import { commandOf, configArg, givenOnCommandLine, type CommandOptions, type OptionKind } from './config-options.js';
import { envOptions } from './config-env.js';
import { resolveFrom, secretProblem } from './config-values.js';

const MAX_CONFIG_BYTES = 1024 * 1024;

/** The configured options of the command that runs, and how to say where each came from. */
export interface CommandConfig {
  /** Option → value, for yargs' config object (options the command line gives are left out). */
  values: Record<string, unknown>;
  /** Option → where its value came from: `config: FILE: serve.port` or `GPUPROOF_SERVE_PORT`. */
  sources: Map<string, Source>;
  /** GPUPROOF_* variables that are neither the kit's nor of the option form. */
  strangers: string[];
}

/** Where a configured value came from: the message's prefix, and the field with the option replaced. */
interface Source {
  message: string;
  field: (errField: string, option: string) => string;
}

const configError = (path: string, at: string, message: string): GpuproofError =>
  new GpuproofError('INPUT', `config: ${path}: ${at}: ${message}`, { field: `config.${at}` });

const Str = z.string().min(1).superRefine((s, ctx) => {
  const problem = secretProblem(s);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});
const valueSchema = (kind: OptionKind): z.ZodType =>
  kind === 'number' ? z.number() : kind === 'boolean' ? z.boolean() : kind === 'string' ? Str : z.union([Str, z.array(Str).min(1)]);

/** The file's schema: a section per command, in it the command's options, each of its type. */
function fileSchema(specs: ReadonlyMap<string, CommandOptions>): z.ZodType<Record<string, Record<string, unknown>>> {
  const section = (options: CommandOptions) => z.optional(z.strictObject(Object.fromEntries([...options].map(([o, kind]) => [o, z.optional(valueSchema(kind))]))));
  return z.strictObject(Object.fromEntries([...specs].map(([command, options]) => [command, section(options)]))) as unknown as z.ZodType<Record<string, Record<string, unknown>>>;
}

/** The file's JSON value; any problem an INPUT error naming the file (and the member, for a duplicate). */
async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await readCapped(path, MAX_CONFIG_BYTES));
  } catch (err) {
    const errno = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    const why = err instanceof TypeError ? 'not a UTF-8 JSON file' : errno !== undefined ? `cannot read it (${errno})` : (err as Error).message;
    throw new GpuproofError('INPUT', `config: ${path}: ${why}`, { field: 'config', cause: err });
  }
  try {
    return parseIJson(text);
  } catch (err) {
    const e = err as GpuproofError;
    const at = e.field ?? '$';
    const why = e.message.startsWith(`${at}: `) ? e.message.slice(at.length + 2) : e.message;
    throw at === '$' ? new GpuproofError('INPUT', `config: ${path}: ${why}`, { field: 'config' }) : configError(path, at, why);
  }
}

/** The configuration file, checked in full against every command's options, relative paths resolved. */
export async function readConfigFile(path: string, specs: ReadonlyMap<string, CommandOptions>): Promise<Record<string, Record<string, unknown>>> {
  const raw = await readJson(path);
  if (typeof raw === 'object' && raw !== null && 'secretKey' in raw) throw configError(path, 'secretKey', 'this is a key file, not a configuration file');
  const parsed = fileSchema(specs).safeParse(raw);
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.error);
    const depth = field.split('.').length;
    const why = message !== 'unknown field' ? message : depth === 1 ? `names no command (sections: ${[...specs.keys()].join(', ')})` : `names no option of ${field.split('.')[0]}`;
    throw configError(path, field, why);
  }
  const dir = dirname(resolve(path));
  const fromDir = (option: string, v: unknown): unknown =>
    typeof v === 'string' ? resolveFrom(dir, option, v) : Array.isArray(v) ? v.map((x) => fromDir(option, x)) : v;
  return Object.fromEntries(Object.entries(parsed.data).map(([command, section]) =>
    [command, Object.fromEntries(Object.entries(section).map(([o, v]) => [o, fromDir(o, v)]))]));
}

/**
 * The configuration for this command line: the file (if --config or GPUPROOF_CONFIG names one)
 * and the environment, both checked in full; the running command's values merged, environment
 * over file, leaving out what the command line gives.
 */
export async function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv, specs: ReadonlyMap<string, CommandOptions>): Promise<CommandConfig> {
  const command = commandOf(argv);
  const spec = command === undefined ? undefined : specs.get(command);
  if (command === undefined || spec === undefined) return { values: {}, sources: new Map(), strangers: [] };
  const path = configArg(argv) ?? (env.GPUPROOF_CONFIG || undefined);
  if (path === '') throw inputError('config', 'expected a file name');
  const file = path === undefined ? {} : await readConfigFile(path, specs);
  const fromEnv = envOptions(env, specs);
  const onCommandLine = givenOnCommandLine(argv, spec);
  const values: Record<string, unknown> = {};
  const sources = new Map<string, Source>();
  for (const [option, value] of Object.entries(file[command] ?? {})) {
    values[option] = value;
    sources.set(option, { message: `config: ${path}: ${command}.`, field: (f) => `config.${command}.${f}` });
  }
  for (const [option, { value, name }] of fromEnv.values.get(command) ?? []) {
    values[option] = value;
    sources.set(option, { message: `${name}: `, field: (f, o) => `${name}${f.slice(o.length)}` });
  }
  for (const option of onCommandLine) {
    delete values[option];
    sources.delete(option);
  }
  // yargs takes a repeatable option's one value as it is; the commands expect a list.
  for (const [option, v] of Object.entries(values)) if (spec.get(option) === 'strings' && !Array.isArray(v)) values[option] = [v];
  return { values, sources, strangers: fromEnv.strangers };
}

/**
 * An input error about an option the configuration set, re-worded to say where the value came
 * from: `port: must be an integer …` becomes `config: FILE: serve.port: must be an integer …`.
 */
export function attributeError(err: unknown, sources: CommandConfig['sources']): unknown {
  if (!(err instanceof GpuproofError) || err.code !== 'INPUT' || err.field === undefined) return err;
  const option = err.field.split('.')[0] ?? '';
  const source = sources.get(option);
  if (source === undefined) return err;
  return new GpuproofError('INPUT', `${source.message}${err.message}`, { field: source.field(err.field, option), cause: err });
}
