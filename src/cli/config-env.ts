// Option values from the environment: GPUPROOF_<COMMAND>_<OPTION>, both upper-cased with `-` as
// `_` (GPUPROOF_SERVE_PORT, GPUPROOF_OPEN_REQUEST_ROWS). The command in the name keeps one
// environment good for every command (serve's --key and attest's --key differ), and keeps the
// kit's other variables (GPUPROOF_HOME, GPUPROOF_ADAPTER, …) apart from options.
import { inputError, GpuproofError } from '../errors.js';
import type { CommandOptions, OptionKind } from './config-options.js';
import { secretProblem } from './config-values.js';

/**
 * GPUPROOF_* names that are not options: read by the kit, its container image, its systemd
 * example or its tests. No command may be named so that one of them reads as its option.
 */
export const RESERVED_ENV = new Set([
  'GPUPROOF_HOME', 'GPUPROOF_BACKEND', 'GPUPROOF_ADAPTER', 'GPUPROOF_TOGGLES', 'GPUPROOF_DISABLE_TOGGLES',
  'GPUPROOF_POLL', 'GPUPROOF_DEBUG', 'GPUPROOF_HEALTH_URL', 'GPUPROOF_CONFIG', 'GPUPROOF_PORT', 'GPUPROOF_TEST_FULL', 'GPUPROOF_SANDBOX',
]);

const upper = (name: string): string => name.toUpperCase().replace(/-/g, '_');
export const envPrefix = (command: string): string => `GPUPROOF_${upper(command)}_`;
export const envName = (command: string, option: string): string => `${envPrefix(command)}${upper(option)}`;

/** One option's value from the environment, with the variable it came from. */
export interface EnvValue {
  value: unknown;
  name: string;
}

/** Every variable name that sets an option, refusing two options under one name or a reserved one. */
function envTable(specs: ReadonlyMap<string, CommandOptions>): Map<string, { command: string; option: string; kind: OptionKind }> {
  const table = new Map<string, { command: string; option: string; kind: OptionKind }>();
  for (const [command, options] of specs) {
    for (const [option, kind] of options) {
      const name = envName(command, option);
      const clash = table.get(name);
      if (clash !== undefined || RESERVED_ENV.has(name)) {
        throw new GpuproofError('INTERNAL', `${name} would name ${command} --${option} and ${clash ? `${clash.command} --${clash.option}` : 'a reserved variable'}`);
      }
      table.set(name, { command, option, kind });
    }
  }
  return table;
}

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

/** A variable's text as the option's type; a repeatable option takes a comma-separated list. */
function parseEnvValue(name: string, text: string, kind: OptionKind): unknown {
  const fail = (why: string): never => {
    throw inputError(name, `${why}, got ${JSON.stringify(text)}`);
  };
  if (kind === 'boolean') return TRUE.test(text) ? true : FALSE.test(text) ? false : fail('must be true or false (1/0, yes/no, on/off)');
  if (kind === 'number') {
    const n = text.trim() === '' ? NaN : Number(text);
    return Number.isFinite(n) ? n : fail('must be a number');
  }
  const items = kind === 'strings' ? text.split(',').map((s) => s.trim()) : [text];
  if (items.some((s) => s === '')) fail(kind === 'strings' ? 'must be a comma-separated list of non-empty values' : 'must not be empty');
  const secret = items.map(secretProblem).find((p) => p !== null);
  if (secret) fail(secret);
  return kind === 'strings' ? items : text;
}

export interface EnvOptions {
  /** Per command, option → value and variable. */
  values: Map<string, Map<string, EnvValue>>;
  /** GPUPROOF_* variables that are neither reserved nor of the option form: said, not refused. */
  strangers: string[];
}

/**
 * The options the environment sets, for every command: a variable of a command's form that names
 * none of its options, or holds no value of the option's type, is refused (exit 2) whichever
 * command runs, so a typo shows at once rather than when the other command is next run.
 */
export function envOptions(env: NodeJS.ProcessEnv, specs: ReadonlyMap<string, CommandOptions>): EnvOptions {
  const table = envTable(specs);
  const values = new Map<string, Map<string, EnvValue>>();
  const strangers: string[] = [];
  const prefixes = [...specs.keys()].map((c) => [c, envPrefix(c)] as const).sort((a, b) => b[1].length - a[1].length);
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith('GPUPROOF_') || RESERVED_ENV.has(name) || text === undefined) continue;
    const hit = table.get(name);
    if (hit !== undefined) {
      const forCommand = values.get(hit.command) ?? new Map<string, EnvValue>();
      forCommand.set(hit.option, { value: parseEnvValue(name, text, hit.kind), name });
      values.set(hit.command, forCommand);
      continue;
    }
    const command = prefixes.find(([, p]) => name.startsWith(p))?.[0];
    if (command !== undefined) throw inputError(name, `names no option of ${command} (its options: ${[...(specs.get(command)?.keys() ?? [])].map((o) => envName(command, o)).join(', ')})`);
    strangers.push(name);
  }
  return { values, strangers };
}
