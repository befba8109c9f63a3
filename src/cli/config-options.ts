// What each command accepts, read from the yargs definitions themselves, so a configuration file
// or GPUPROOF_<COMMAND>_<OPTION> variable is checked against the same options the command line is,
// and an option a command gains is configurable with no list to keep in step.
import yargs, { type Argv } from 'yargs';
import { Parser } from 'yargs/helpers';
import { GpuproofError } from '../errors.js';

/** How a value of the option is written: yargs' type, `strings` for a repeatable string option. */
export type OptionKind = 'string' | 'strings' | 'number' | 'boolean';

/** The options one command takes (its own and the configurable global ones), by name. */
export type CommandOptions = ReadonlyMap<string, OptionKind>;

/** Global options a configuration may set; --json, --force and --config are said on each run. */
const CONFIGURABLE_GLOBALS: ReadonlyMap<string, OptionKind> = new Map([['verbose', 'boolean']]);
/** Global options that take no value, for finding the command name before yargs runs. */
const GLOBAL_FLAGS = ['json', 'force', 'verbose', 'help', 'version'];

/** The parts of yargs' option registry read here; yargs keeps them off its typed surface. */
interface YargsOptions {
  key: Record<string, unknown>;
  boolean: string[];
  number: string[];
  string: string[];
  array: string[];
}
interface Introspectable {
  getOptions(): YargsOptions;
  getInternalMethods(): { getCommandInstance(): { getCommandHandlers(): Record<string, { original: string; builder: unknown }> } };
}

function kindsOf(o: YargsOptions, positionals: Set<string>): Map<string, OptionKind> {
  const kinds = new Map<string, OptionKind>(CONFIGURABLE_GLOBALS);
  for (const name of Object.keys(o.key)) {
    if (name === 'help' || name === 'version' || positionals.has(name)) continue;
    if (o.boolean.includes(name)) kinds.set(name, 'boolean');
    else if (o.number.includes(name)) kinds.set(name, 'number');
    else kinds.set(name, o.array.includes(name) ? 'strings' : 'string');
  }
  return kinds;
}

/** `attest <url>` → {url}: positionals come from the command line only. */
const positionalsOf = (usage: string): Set<string> => new Set([...usage.matchAll(/[<[]([\w-]+)(?:\.\.)?[\]>]/g)].map((m) => m[1] as string));

/**
 * Every command's options, by command name. Each builder runs against a fresh yargs instance:
 * the builders only declare options and examples, so this has no effect beyond the registry.
 */
export function commandOptions<T>(cli: Argv<T>): Map<string, CommandOptions> {
  const handlers = (cli as unknown as Introspectable).getInternalMethods?.().getCommandInstance().getCommandHandlers();
  if (handlers === undefined) throw new GpuproofError('INTERNAL', 'this yargs version does not expose its commands: configuration cannot be checked');
  const specs = new Map<string, CommandOptions>();
  for (const [name, h] of Object.entries(handlers)) {
    const fresh = yargs([]) as unknown as Argv<T> & Introspectable;
    const built = typeof h.builder === 'function' ? ((h.builder as (y: Argv<T>) => unknown)(fresh) ?? fresh) : fresh.options((h.builder ?? {}) as Record<string, never>);
    specs.set(name, kindsOf((built as Introspectable).getOptions(), positionalsOf(h.original)));
  }
  return specs;
}

/** The command named on the command line (the first word that is no option's value), if any. */
export function commandOf(argv: readonly string[]): string | undefined {
  const first = Parser([...argv], { boolean: GLOBAL_FLAGS, string: ['config'] })._[0];
  return first === undefined ? undefined : String(first);
}

/** The --config value given on the command line, if any. */
export function configArg(argv: readonly string[]): string | undefined {
  const v: unknown = Parser([...argv], { boolean: GLOBAL_FLAGS, string: ['config'] }).config;
  return Array.isArray(v) ? String(v[v.length - 1]) : typeof v === 'string' ? v : undefined;
}

/** The options of `spec` the command line gives itself (so they win over any configuration). */
export function givenOnCommandLine(argv: readonly string[], spec: CommandOptions): Set<string> {
  const by = (k: OptionKind): string[] => [...spec].filter(([, kind]) => kind === k).map(([n]) => n);
  const parsed = Parser([...argv], { boolean: [...GLOBAL_FLAGS, ...by('boolean')], number: by('number'), string: [...by('string'), ...by('strings')], array: by('strings') });
  return new Set([...spec.keys()].filter((name) => name in parsed));
}
