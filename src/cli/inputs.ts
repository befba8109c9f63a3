// Command-line inputs: files are read with a size cap and validated, and any problem becomes an
// INPUT error naming the option (and the field inside the file), so the CLI exits 2.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GpuproofError, inputError } from '../errors.js';
import { readMessageFile } from '../protocol/parse.js';
import type { MessageType, SignedMessage } from '../protocol/schemas.js';
import { readKeyFile, readPublicKey, type KeyPair } from '../protocol/keys.js';
import { envName } from './config-env.js';
import { MATMUL_VARIANTS, lookupVariant } from '../proofs/matmul-variants.js';

/** Where the CLI keeps replay memory and executor state unless told otherwise. */
export const gpuproofHome = (): string => process.env.GPUPROOF_HOME ?? join(homedir(), '.gpuproof');

function asInput(option: string, path: string, err: unknown): GpuproofError {
  if (err instanceof GpuproofError && (err.code === 'INPUT' || err.code === 'IO')) {
    const inner = err.field && err.field !== option ? `.${err.field}` : '';
    const msg = err.message.startsWith(`${err.field}: `) ? err.message.slice((err.field ?? '').length + 2) : err.message;
    return inputError(`${option}${inner}`, `${path}: ${msg}`);
  }
  return err as GpuproofError;
}

export async function readMessage<K extends MessageType>(type: K, path: string, option: string): Promise<SignedMessage<K>> {
  try {
    return await readMessageFile(type, path);
  } catch (e) {
    throw asInput(option, path, e);
  }
}

export async function readKeys(path: string, option = 'key'): Promise<KeyPair> {
  try {
    return await readKeyFile(path);
  } catch (e) {
    throw asInput(option, path, e);
  }
}

export async function readPubKey(arg: string, option: string): Promise<string> {
  try {
    return await readPublicKey(arg, option);
  } catch (e) {
    throw asInput(option, arg, e);
  }
}

/** A required positive integer option: yargs gives NaN for junk, which must name the option. */
export function intOption(value: unknown, option: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw inputError(option, `must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

/** An optional integer option: absent stays undefined, anything else is held to {@link intOption}. */
export const optionalInt = (args: Record<string, unknown>, option: string, min: number, max: number): number | undefined =>
  args[option] === undefined ? undefined : intOption(args[option], option, min, max);

/** --kernel: a known matmul variant id (listed, or a tensor-… id), or absent. Whether it fits the adapter is the run's question. */
export function kernelOption(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > 64 || !lookupVariant(value)) {
    throw inputError('kernel', `unknown kernel ${String(value)}; one of ${MATMUL_VARIANTS.map((v) => v.id).join(', ')}, or tensor-<i8|f16>-<M>x<N>x<K>-t<TM>x<TN>-w<WG> (see \`gpuproof adapters\`)`);
  }
  return value;
}

/** Why `s` is not an agent URL (http or https with a host), with the likely intended one; null when it is. */
export function httpUrlProblem(s: string): string | null {
  let u: URL | undefined;
  try {
    u = new URL(s);
  } catch {
    u = undefined;
  }
  // WHATWG parsing forgives `http:host`; an agent list should say what it means.
  if (u && /^https?:\/\//i.test(s) && u.hostname !== '') return null;
  // `host:port` parses as a URL whose scheme is the host, or not at all: either way, no http://.
  const bare = !/^[a-z][a-z0-9+.-]*:\/\//i.test(s) && /^[\w.-]+(?::\d+)?(?:\/.*)?$|^\[[0-9a-f:.]+\](?::\d+)?(?:\/.*)?$/i.test(s);
  return `expected an http:// or https:// URL with a host, got ${JSON.stringify(s)}${bare ? `; did you mean http://${s}?` : ''}`;
}

/** An agent URL argument, checked before any network work: INPUT naming `field` otherwise. */
export function httpUrl(value: unknown, field: string): string {
  const s = typeof value === 'string' ? value : String(value);
  const problem = s.length > 2048 ? 'longer than 2048 characters' : httpUrlProblem(s);
  if (problem !== null) throw inputError(field, problem);
  return s;
}

/**
 * Fewer rows, blocks or lanes than the protocol's defaults weaken every proof (docs/security.md),
 * and --config or a GPUPROOF_<COMMAND>_<OPTION> variable can set that out of sight: said on stderr.
 */
export function warnWeakOpening(command: string, option: 'rows' | 'blocks' | 'lanes', value: number, protocolDefault: number): void {
  if (value >= protocolDefault) return;
  const what = { rows: 'matmul rows', blocks: 'memory blocks', lanes: 'integer lanes' }[option];
  process.stderr.write(`gpuproof: warning: ${command} opens ${value} ${what}, fewer than the ${protocolDefault} the security bound assumes (docs/security.md); set by --${option}, --config or ${envName(command, option)}\n`);
}
