// gpuproof's command line. Exit status: 0 accepted or ok, 1 rejected or failed, 2 bad usage or
// bad input (the message names the field).
import yargs from 'yargs';
import { GpuproofError } from '../errors.js';
import { fileCommands } from './commands-files.js';
import { gpuCommands } from './commands-gpu.js';
import { classCommands } from './commands-classes.js';
import { netCommands } from './commands-net.js';
import { attestCommands } from './commands-attest.js';
import { benchCommands } from './commands-bench.js';
import { weightsCommands } from './commands-weights.js';
import { reportError } from './output.js';
import { attributeError, loadConfig, type CommandConfig } from './config.js';
import { commandOptions } from './config-options.js';
import { KIT_VERSION } from '../version.js';

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const setCode = (c: number): void => {
    code = c;
  };
  const json = argv.includes('--json');
  let config: CommandConfig | undefined;
  let cli = yargs(argv)
    .scriptName('gpuproof')
    .usage('$0 <command> [options]\n\nGPU proof of work: exact matmul and validator-observed timing over WebGPU.')
    .option('json', { type: 'boolean', default: false, global: true, describe: 'machine-readable output on stdout' })
    .option('force', { type: 'boolean', default: false, global: true, describe: 'replace an existing --out file' })
    .option('verbose', { type: 'boolean', default: false, global: true, describe: 'human output: also list the checks that passed (failures are always shown, first)' })
    .option('config', { type: 'string', global: true, describe: 'JSON file of option values, a section per command (default $GPUPROOF_CONFIG); the command line and GPUPROOF_<COMMAND>_<OPTION> win over it (docs/config.md)' })
    .version('version', 'print the kit version', KIT_VERSION)
    .help('help', 'show this help (for a command: gpuproof <command> --help)')
    .strict()
    .demandCommand(1, 'name a command')
    .recommendCommands()
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      throw err ?? usageError(msg);
    });
  cli = gpuCommands(cli, setCode);
  cli = fileCommands(cli, setCode);
  cli = classCommands(cli, setCode);
  cli = netCommands(cli, setCode);
  cli = attestCommands(cli, setCode);
  cli = benchCommands(cli, setCode);
  cli = weightsCommands(cli, setCode);
  try {
    config = await loadConfig(argv, process.env, commandOptions(cli));
    for (const name of config.strangers) process.stderr.write(`gpuproof: ignoring ${name}: not a variable of the kit, nor GPUPROOF_<COMMAND>_<OPTION> (docs/config.md)\n`);
    await cli.config(config.values).parseAsync();
  } catch (err) {
    return reportError(config ? attributeError(err, config.sources) : err, json);
  }
  return code;
}

/** yargs' own messages name the option in prose; carry it as the error's field too. */
function usageError(msg: string): GpuproofError {
  const m = /(?:Missing required arguments?|Unknown arguments?|Not enough arguments following): ([\w-]+)/.exec(msg);
  return new GpuproofError('USAGE', msg, m?.[1] ? { field: m[1] } : {});
}
