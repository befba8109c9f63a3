// The one way untrusted bytes become typed messages: size cap, JSON, then the schema, failing with
// an INPUT error that names the first bad field. Signature checks are separate (parseAndVerify)
// because a malformed message and a forged one call for different answers.
import { open } from 'node:fs/promises';
import { GpuproofError, inputError, refused } from '../errors.js';
import { concatBytes } from '../util/bytes.js';
import { firstIssue } from './issues.js';
import { parseIJson } from './ijson.js';
import { ENVELOPE_SCHEMAS, isMessageType, type MessageType, type SignedMessage } from './schemas.js';
import { verifySignature } from './signing.js';

/** Large enough for 1024 opened rows of a production-size matrix, small enough to hold in memory. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

function assertType(type: MessageType): void {
  if (!isMessageType(type)) throw inputError('type', `unknown message type ${String(type)}`);
}

/** Validates an already-parsed JSON value as a signed message of `type`. Does not verify the signature. */
export function parseMessage<K extends MessageType>(type: K, raw: unknown): SignedMessage<K> {
  assertType(type);
  const parsed = ENVELOPE_SCHEMAS[type].safeParse(raw);
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.error);
    throw inputError(field, message);
  }
  return parsed.data;
}

/** Parses JSON text of at most `maxBytes` UTF-8 bytes as a signed message of `type`. */
export function parseJsonText<K extends MessageType>(
  type: K,
  text: string,
  maxBytes: number = DEFAULT_MAX_MESSAGE_BYTES,
): SignedMessage<K> {
  assertType(type);
  // Every UTF-16 unit is at least one UTF-8 byte, so the cheap test settles most huge inputs.
  if (text.length > maxBytes || Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw inputError('$', `input larger than ${maxBytes} bytes`);
  }
  if (text.trim() === '') throw inputError('$', 'empty input');
  return parseMessage(type, parseIJson(text));
}

/**
 * Reads a message file without trusting its size: never reads more than `maxBytes` + 1 bytes.
 * IO for a file that cannot be read, INPUT for one that is too big, not UTF-8 or malformed.
 */
export async function readMessageFile<K extends MessageType>(
  type: K,
  path: string,
  maxBytes: number = DEFAULT_MAX_MESSAGE_BYTES,
): Promise<SignedMessage<K>> {
  const bytes = await readCapped(path, maxBytes);
  let text: string;
  try {
    // ignoreBOM keeps a BOM in the text so that files and strings are judged alike (rejected).
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw inputError('$', 'not valid UTF-8');
  }
  return parseJsonText(type, text, maxBytes);
}

/** Reads at most `maxBytes` bytes of a file; INPUT if there is more. */
export async function readCapped(path: string, maxBytes: number): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw ioError(path, err);
  }
  try {
    // Chunked so a small file costs little and one that grows while read is still capped.
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = new Uint8Array(Math.min(1 << 20, maxBytes + 1 - total));
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw inputError('$', `file larger than ${maxBytes} bytes`);
    }
    return concatBytes(...chunks);
  } catch (err) {
    if (err instanceof GpuproofError) throw err;
    throw ioError(path, err);
  } finally {
    await fh.close();
  }
}

function ioError(path: string, err: unknown): GpuproofError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'error';
  return new GpuproofError('IO', `cannot read ${path} (${code})`, { cause: err });
}

/**
 * parseMessage, then the signature, then (when given) who signed: REFUSED with field `signature`
 * or `signer`, since a well-formed message from the wrong party is refused rather than malformed.
 */
export function parseAndVerify<K extends MessageType>(
  type: K,
  raw: unknown,
  expectedSigner?: string,
): SignedMessage<K> {
  const msg = parseMessage(type, raw);
  if (!verifySignature(msg)) throw refused(`${type} signature does not verify`, 'signature');
  if (expectedSigner !== undefined && msg.signer !== expectedSigner) {
    throw refused(`${type} signed by an unexpected key`, 'signer');
  }
  return msg;
}
