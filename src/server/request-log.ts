// The agent's log: one record per HTTP exchange, however it ended, and lifecycle messages. `text`
// is the historical format (requests only with verbose, aborts and 5xx always); `json` is one
// object a line for log shippers, every request included. Both go to the one sink the caller
// gives (serve: stderr, so they never mix with the JSON envelope lines on stdout).
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** One exchange as it is logged; built when the request arrives, completed when its socket closes. */
export interface Exchange {
  /** When the request arrived, ms since the epoch. */
  readonly time: number;
  readonly t0: number;
  readonly client: string | null;
  readonly method: string;
  readonly path: string;
  /** The key the request's message names as its signer, once parsed; verified only on a 200. */
  signer: string | null;
  /** For a 5xx: what went wrong inside, which the client is not told. */
  error?: string;
}

/** How an exchange ended: answered with a status, or cut off before the answer was sent. */
export type Outcome = { status: number } | { aborted: string };

/** A lifecycle message as a line of the format; json lines carry the time, text lines do not (as before). */
export const messageLine = (format: LogFormat, text: string, time: number): string =>
  format === 'json' ? JSON.stringify({ time: iso(time), event: 'message', message: text }) : text;

export class RequestLog {
  constructor(
    private readonly sink: (line: string) => void,
    private readonly format: LogFormat,
    private readonly verbose: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  /** A lifecycle message (listening, device lost, …). */
  message(text: string): void {
    this.sink(messageLine(this.format, text, this.now()));
  }

  exchange(ex: Exchange, outcome: Outcome): void {
    const durationMs = Math.round((performance.now() - ex.t0) * 10) / 10;
    if (this.format === 'json') {
      const status = 'status' in outcome ? outcome.status : null;
      const end = 'aborted' in outcome ? { event: 'aborted', reason: outcome.aborted } : { event: 'request' };
      this.sink(JSON.stringify({ time: iso(ex.time), ...end, client: ex.client, method: ex.method, path: ex.path, status, durationMs, signer: ex.signer, ...(ex.error ? { error: ex.error } : {}) }));
      return;
    }
    if ('aborted' in outcome) this.sink(`${ex.method} ${ex.path}: aborted (${outcome.aborted}) after ${durationMs} ms`);
    else if (ex.error) this.sink(`${ex.method} ${ex.path}: ${outcome.status} ${ex.error}`);
    else if (this.verbose) this.sink(`${ex.method} ${ex.path} ${outcome.status} ${durationMs} ms`);
  }

  /** A connection dropped before node:http handed over a request (header timeout, bad HTTP). */
  connection(client: string | null, reason: string): void {
    if (this.format === 'json') this.sink(JSON.stringify({ time: iso(this.now()), event: 'aborted', reason, client, method: null, path: null, status: null, durationMs: null, signer: null }));
    else if (this.verbose) this.sink(`connection from ${client ?? '?'}: aborted (${reason}) before a request`);
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
