// Request bodies under a byte cap and JSON answers, with every failure one error body that names
// the field. An oversized body is drained (up to a hard cap) before answering 413, so an honest
// client that sent too much reads the answer instead of a reset connection.
import type { IncomingMessage, ServerResponse } from 'node:http';
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
 * Reads the body as UTF-8 text of at most `limit` bytes. 413 (field `$`) when larger, 400 when
 * not UTF-8. A BOM is kept so that it is rejected as JSON, as the file readers do.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > DRAIN_CAP) {
      req.socket.destroy();
      reject(httpError('INPUT', `body of ${declared} bytes is over the ${limit}-byte limit`, '$'));
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    let over = declared > limit;
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > DRAIN_CAP) {
        req.socket.destroy();
        return;
      }
      if (total > limit) over = true;
      if (!over) chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('close', () => reject(httpError('INPUT', 'connection closed before the body was complete', '$')));
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
  if (res.headersSent || res.destroyed) return;
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
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
