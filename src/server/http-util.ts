// Request bodies under a byte cap and JSON answers, with every failure one error body that names
// the field. An oversized body is drained (up to a hard cap) before answering 413, so an honest
// client that sent too much reads the answer instead of a reset connection. A POST must be declared
// JSON (415). A body the client never finishes is an abort, neither the client's bad input nor
// the agent's fault.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { GpuproofError } from '../errors.js';
import { STATUS_OF, type ErrorBody, type WireCode } from './wire.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: WireCode,
    message: string,
    readonly field: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const httpError = (code: WireCode, message: string, field: string | null = null, headers: Record<string, string> = {}): HttpError =>
  new HttpError(STATUS_OF[code], code, message, field, headers);

/** Past this many bytes an oversized body is not drained: the connection is dropped. */
const DRAIN_CAP = 128 * 1024 * 1024;

/**
 * The client went away (or was cut off) before its body was read: not the client's malformed
 * input and not the agent's fault, so neither a 400 nor a 500. Nobody is left to answer.
 */
export class RequestAborted extends Error {
  constructor(readonly reason: string) {
    super(`request aborted: ${reason}`);
    this.name = 'RequestAborted';
  }
}

/** Why the agent itself dropped a connection, for the abort's log line. */
const dropped = new WeakMap<Socket, string>();

export function dropConnection(socket: Socket, reason: string): void {
  dropped.set(socket, reason);
  socket.destroy();
}

/** The reason an exchange on this socket ended early: the agent's, if it dropped it, else the client's. */
export const abortReasonOf = (socket: Socket): string => dropped.get(socket) ?? 'client-closed';

/**
 * POST bodies must be declared JSON (any parameters, any case): a text/plain form post from a
 * browser, or a mislabelled client, is refused before its body is read, let alone run.
 */
export function requireJson(req: IncomingMessage): void {
  const declared = req.headers['content-type'];
  const type = declared?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') return;
  const got = declared === undefined ? 'none' : JSON.stringify(declared.slice(0, 100));
  throw new HttpError(415, 'INPUT', `content-type: expected application/json, got ${got}`, 'content-type', { connection: 'close' });
}

/**
 * Reads the body as UTF-8 text of at most `limit` bytes. 413 (field `$`) when larger, 400 when
 * not UTF-8. A BOM is kept so that it is rejected as JSON, as the file readers do.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > DRAIN_CAP) {
      dropConnection(req.socket, 'too-large');
      reject(new RequestAborted('too-large'));
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    let over = declared > limit;
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > DRAIN_CAP) {
        dropConnection(req.socket, 'too-large');
        return;
      }
      if (total > limit) over = true;
      if (!over) chunks.push(chunk);
    });
    // A reset, a timeout or the agent's own shutdown: whoever cut it, the body will never arrive.
    req.on('error', () => reject(new RequestAborted(abortReasonOf(req.socket))));
    req.on('close', () => reject(new RequestAborted(abortReasonOf(req.socket))));
    req.on('end', () => {
      if (over) {
        reject(tooLarge(limit));
        return;
      }
      try {
        resolve(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.concat(chunks)));
      } catch {
        reject(httpError('INPUT', 'body is not valid UTF-8', '$'));
      }
    });
  });
}

const tooLarge = (limit: number): HttpError => {
  const e = httpError('INPUT', `body larger than ${limit} bytes`, '$');
  return new HttpError(413, e.code, e.message, e.field, { connection: 'close' });
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendText(res, status, `${JSON.stringify(body)}\n`, { 'content-type': 'application/json; charset=utf-8', ...headers });
}

/** The whole answer with its length; nothing when the client is gone or an answer already started. */
export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** Maps any error to its status and error body; the message of an unexpected error is not leaked. */
export function errorResponse(err: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (err instanceof HttpError) return { status: err.status, body: { error: { code: err.code, field: err.field, message: err.message } }, headers: err.headers };
  if (err instanceof GpuproofError) {
    const code: WireCode = err.code === 'INPUT' ? 'INPUT' : err.code === 'REFUSED' ? 'REFUSED' : err.code === 'GPU' ? 'GPU' : 'INTERNAL';
    const message = code === 'INTERNAL' ? 'internal error' : err.message.slice(0, 4096);
    return { status: STATUS_OF[code], body: { error: { code, field: err.field ?? null, message } }, headers: {} };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', field: null, message: 'internal error' } }, headers: {} };
}
