// The agent's node:http server, as exchanges: each request becomes one Exchange whose end is
// counted and logged exactly once, answered (with its status) or aborted (with why), whether the
// client left, a timeout cut it, or the agent shut down. Client errors outside any request (a
// header timeout, bad HTTP) are answered as node:http would and counted as connection aborts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { GpuproofError } from '../errors.js';
import { abortReasonOf, dropConnection } from './http-util.js';
import type { AgentMetrics } from './metrics.js';
import type { Exchange, Outcome, RequestLog } from './request-log.js';

export interface ExchangeHandlers {
  /** How long a client may take to send its headers, and its whole request (ms). */
  headersMs: number;
  requestMs: number;
  now: () => number;
  handle(req: IncomingMessage, res: ServerResponse, ex: Exchange): void;
  /** An exchange started: `done` settles once its end is counted and logged. */
  started(done: Promise<void>): void;
  /** The reason for an abort the agent caused itself (shutdown), else undefined. */
  ownAbort(): string | undefined;
  /** The path as a metric label. */
  endpointOf(path: string): string;
  metrics: AgentMetrics;
  log: RequestLog;
}

export function serveExchanges(h: ExchangeHandlers): Server {
  const live = new WeakMap<Socket, ServerResponse>();
  // node:http checks the timeouts on this interval; its 30 s default would let a 15 s limit run to 45 s.
  const checkMs = Math.max(100, Math.min(5_000, Math.floor(h.headersMs / 3)));
  const server = createServer({ requestTimeout: h.requestMs, headersTimeout: h.headersMs, keepAliveTimeout: 5_000, connectionsCheckingInterval: checkMs }, (req, res) => {
    const ex = startExchange(req, h.now());
    live.set(req.socket, res);
    const done = new Promise<void>((resolve) => {
      res.on('close', () => {
        live.delete(req.socket);
        const outcome: Outcome = res.writableFinished ? { status: res.statusCode } : { aborted: h.ownAbort() ?? abortReasonOf(req.socket) };
        if ('status' in outcome) h.metrics.answered(h.endpointOf(ex.path), outcome.status);
        else h.metrics.aborted(h.endpointOf(ex.path), outcome.aborted);
        h.log.exchange(ex, outcome);
        resolve();
      });
    });
    h.started(done);
    h.handle(req, res, ex);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const reason = clientErrorReason(err.code);
    const res = live.get(socket);
    // As node:http does: answer only where no answer has begun, so the peer never reads a torn one.
    if (socket.writable && reason !== 'client-closed' && !res?.headersSent) socket.write(statusLine(err.code));
    if (!res) {
      h.metrics.aborted('none', reason);
      h.log.connection(socket.remoteAddress ?? null, reason);
    }
    dropConnection(socket, reason);
  });
  return server;
}

/** A peer that hangs up mid-message shows as a parse error at end of stream, not as bad HTTP. */
const CLOSED_CODES = new Set(['ECONNRESET', 'EPIPE', 'HPE_INVALID_EOF_STATE']);
const clientErrorReason = (code: string | undefined): string =>
  code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'timeout' : code !== undefined && CLOSED_CODES.has(code) ? 'client-closed' : 'bad-http';

const statusLine = (code: string | undefined): string => {
  const status = code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
  return `HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`;
};

function startExchange(req: IncomingMessage, time: number): Exchange {
  let path = '/';
  try {
    path = new URL(req.url ?? '/', 'http://agent').pathname;
  } catch {
    // node:http only hands over a parsable request target; keep '/' if it ever does not
  }
  return { time, t0: performance.now(), client: req.socket.remoteAddress ?? null, method: req.method ?? '', path, signer: null };
}

/** Listens, or fails with an IO error naming the address; resolves with the URL it answers on. */
export async function listen(server: Server, host: string, port: number): Promise<{ url: string; port: number }> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new GpuproofError('IO', `cannot listen on ${host}:${port} (${code})`, { cause: err });
  }
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { url: `http://${shown}:${addr.port}`, port: addr.port };
}
