// The executor as a network agent on node:http. Every request is judged in cost order: size cap,
// JSON and schema (400/413), signature and allow list (403), the challenge's own rules (403, 409
// for a replay), then a free GPU slot (429) — so nothing that fails a cheap check reaches a GPU.
// Beside the protocol: /healthz and /metrics for the operator, and one log record per exchange.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GpuproofError } from '../errors.js';
import { parseJsonText } from '../protocol/parse.js';
import type { SignedMessage, MessageType } from '../protocol/schemas.js';
import { hashHex, verifySignature } from '../protocol/signing.js';
import type { KeyPair } from '../protocol/keys.js';
import { toB64 } from '../util/bytes.js';
import { answerOpenings, checkChallenge, runChallenge, releaseState } from '../roles/executor.js';
import type { GpuContext } from '../gpu/context.js';
import { readyKernels } from '../roles/autotune.js';
import type { PrepareGpu } from './slots.js';
import { MemoryReplayStore, type ReplayStore } from '../roles/stores.js';
import { errorResponse, httpError, readBody, requireJson, sendJson, sendText } from './http-util.js';
import { AgentMetrics, refusalReason, type JobKind } from './metrics.js';
import { RequestLog, type Exchange, type LogFormat } from './request-log.js';
import { listen, serveExchanges } from './exchanges.js';
import { PendingStates } from './pending.js';
import { acquireAny, GpuSlot, type OpenGpu } from './slots.js';
import { AGENT_FEATURES, AGENT_NAME, MAX_CHALLENGE_BYTES, MAX_OPEN_REQUEST_BYTES, PATHS, type AgentInfo } from './wire.js';
import { PROTOCOL_VERSION } from '../protocol/schemas.js';

export interface AgentOptions {
  keys: KeyPair;
  /** Validator public keys (base64) whose challenges get GPU time. */
  allow: readonly string[];
  host?: string;
  port?: number;
  /** One slot per entry: an adapter name substring, or undefined for the default adapter. */
  adapters?: readonly (string | undefined)[];
  replay?: ReplayStore;
  /** Challenges whose openings may be outstanding at once. */
  maxPending?: number;
  limits?: { challengeBytes?: number; openRequestBytes?: number };
  now?: () => number;
  log?: (line: string) => void;
  /** text (default): requests only when verbose; json: one object a line, every request. */
  logFormat?: LogFormat;
  /** Log every request, not only lifecycle events. */
  verbose?: boolean;
  /** How long a client may take to send its headers, and its whole request (ms). */
  timeouts?: { headersMs?: number; requestMs?: number };
  /** Force a matmul variant on every slot; otherwise the autotuner's pick when tuneCache is set. */
  kernel?: string | undefined;
  /** Autotune cache file; without it (and without kernel) the default kernel is used untuned. */
  tuneCache?: string | undefined;
  openGpu?: OpenGpu;
  /**
   * The executor's work on a slot's device; each part absent is the GPU executor's own. A seam for
   * tests: with `openGpu` it lets a CPU double stand in for the GPU, so the agent's own checks (and
   * the order they run in against slot use) are tested without a device. Never set in production.
   */
  work?: Partial<AgentWork>;
}

/** What the agent runs on a slot: readying a fresh device, a challenge, an open request. */
export interface AgentWork {
  prepare: PrepareGpu;
  run: typeof runChallenge;
  answer: typeof answerOpenings;
}

export interface Agent {
  readonly url: string;
  readonly port: number;
  readonly slots: readonly GpuSlot[];
  info(): AgentInfo;
  health(): Health;
  /** Stops accepting, lets in-flight requests finish for up to graceMs, then closes every device. */
  close(graceMs?: number): Promise<void>;
}

export const DEFAULT_MAX_PENDING = 1024;

/** The operator's endpoints, beside the protocol's PATHS. */
export const OPS_PATHS = { healthz: '/healthz', metrics: '/metrics' } as const;

/** /healthz's answer: 200 when ready; 503 while draining, or while a device is lost and not yet reopened. */
export type Health = { status: 'ready' } | { status: 'draining' } | { status: 'device-lost'; adapters: number[] };

export async function startAgent(opts: AgentOptions): Promise<Agent> {
  const now = opts.now ?? Date.now;
  const logger = new RequestLog(opts.log ?? (() => undefined), opts.logFormat ?? 'text', opts.verbose === true, now);
  const log = (line: string): void => logger.message(line);
  const allow = new Set(opts.allow);
  const replay = opts.replay ?? new MemoryReplayStore();
  const limits = { challengeBytes: opts.limits?.challengeBytes ?? MAX_CHALLENGE_BYTES, openRequestBytes: opts.limits?.openRequestBytes ?? MAX_OPEN_REQUEST_BYTES };
  const maxPending = opts.maxPending ?? DEFAULT_MAX_PENDING;
  // Without a tune cache the agent runs the defaults rather than tuning on every device open.
  const prepare: PrepareGpu = opts.work?.prepare ?? ((ctx: GpuContext) => readyKernels(ctx, { kernel: opts.kernel, tuneCache: opts.tuneCache, tune: opts.tuneCache !== undefined }));
  const run = opts.work?.run ?? runChallenge;
  const answer = opts.work?.answer ?? answerOpenings;
  const slots = (opts.adapters ?? [undefined]).map((a, i) => new GpuSlot(i, a, opts.openGpu, log, prepare));
  const pending = new PendingStates(now);
  const stats = { runs: 0, openings: 0, refused: 0, busy: 0, malformed: 0 };
  const inflight = new Set<Promise<void>>();
  const metrics = new AgentMetrics({ adapters: () => slots.map((s) => ({ index: s.index, busy: s.isBusy, opens: s.opens, losses: s.losses })), pending: () => pending.size, inFlight: () => inflight.size });
  let stopping = false;
  const executorKey = toB64(opts.keys.publicKey);
  const execOpts = (slot: GpuSlot) => ({ keys: opts.keys, replay, now, ...slot.kernels });

  // Fail at start, not on the first challenge, when an adapter cannot be opened; an open device
  // keeps the process alive, so a failed start closes what it opened.
  const closeSlots = (): Promise<unknown> => Promise.all(slots.map((s) => s.close().catch(() => undefined)));
  try {
    for (const s of slots) await s.context();
  } catch (err) {
    await closeSlots();
    throw err;
  }

  const info = (): AgentInfo => ({
    protocol: PROTOCOL_VERSION,
    agent: AGENT_NAME,
    executorKey,
    features: AGENT_FEATURES,
    adapters: slots.map((s) => s.describe()),
    limits,
    stats: {
      ...stats,
      deviceOpens: slots.reduce((n, s) => n + s.opens, 0),
      deviceLosses: slots.reduce((n, s) => n + s.losses, 0),
      pending: pending.size,
    },
  });

  /**
   * The allow list on the claimed signer, then the signature: both before any state is consulted,
   * and an unknown key costs a set lookup, not an ed25519 verification.
   */
  const allowed = <K extends MessageType>(msg: SignedMessage<K>): void => {
    if (!allow.has(msg.signer)) throw httpError('REFUSED', 'this validator key is not on the agent\'s allow list', 'signer');
  };
  const authorize = <K extends MessageType>(msg: SignedMessage<K>): void => {
    allowed(msg);
    if (!verifySignature(msg)) throw httpError('REFUSED', `${msg.type} signature does not verify`, 'signature');
  };

  const busy = (): never => {
    // The soonest any slot is expected to be free.
    const wait = Math.min(...slots.map((s) => s.retryAfterS()));
    throw httpError('BUSY', `every GPU is busy; retry after ${wait} s`, null, { 'retry-after': String(wait) });
  };

  /** Runs fn on the slot's device, releasing the slot and noting GPU faults whatever happens. */
  const onSlot = async <T>(slot: GpuSlot, job: JobKind, fn: (ctx: Awaited<ReturnType<GpuSlot['context']>>) => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn(await slot.context());
    } catch (err) {
      slot.markSuspect(err);
      throw err;
    } finally {
      const ms = performance.now() - t0;
      slot.release(ms);
      metrics.job(job, ms / 1000);
    }
  };

  /**
   * Cheap by design: no GPU work in the answer. A lost device is only reopened by the next job, so
   * an idle slot found lost starts its reopen in the background: an agent taken out of rotation
   * for being unhealthy would otherwise never see the job that heals it.
   */
  const health = (): Health => {
    if (stopping) return { status: 'draining' };
    const lost = slots.filter((s) => !s.describe().open);
    for (const s of lost) if (!s.isBusy) void s.context().catch(() => undefined);
    return lost.length === 0 ? { status: 'ready' } : { status: 'device-lost', adapters: lost.map((s) => s.index) };
  };

  async function postChallenge(req: IncomingMessage, res: ServerResponse, ex: Exchange): Promise<void> {
    const challenge = parseJsonText('challenge', await readBody(req, limits.challengeBytes), limits.challengeBytes);
    ex.signer = challenge.signer;
    allowed(challenge);
    try {
      // Verifies the signature (by body.validatorKey, the signer just allowed) before anything else.
      checkChallenge(challenge, opts.keys, replay, now());
    } catch (err) {
      throw asReplay(err);
    }
    if (pending.size >= maxPending) busy();
    const slot = acquireAny(slots) ?? busy();
    stats.runs++;
    const state = await onSlot(slot, 'challenge', (ctx) => run(ctx, challenge, execOpts(slot))).catch((err: unknown) => {
      throw asReplay(err);
    });
    pending.set(hashHex(challenge), { state, slot: slot.index, expiresAt: challenge.body.expiresAt });
    reply(res, 200, state.commitment, { 'x-gpuproof-adapter': String(slot.index) });
  }

  async function postOpenings(req: IncomingMessage, res: ServerResponse, ex: Exchange): Promise<void> {
    const request = parseJsonText('open-request', await readBody(req, limits.openRequestBytes), limits.openRequestBytes);
    ex.signer = request.signer;
    authorize(request);
    const entry = pending.get(request.body.challengeHash);
    if (!entry) throw httpError('NOT_FOUND', 'no pending challenge with this hash: unknown, expired, or already freed', 'body.challengeHash');
    if (request.signer !== entry.state.challenge.body.validatorKey) throw httpError('REFUSED', 'open request is not signed by the challenge\'s validator', 'signer');
    const requestHash = hashHex(request);
    if (entry.answered) {
      if (entry.answered.requestHash !== requestHash) throw httpError('REPLAY', 'the rows of this commitment were already drawn by another open request', 'body');
      if (entry.answered.openings) return reply(res, 200, entry.answered.openings);
      busy();
    }
    const slot = acquireAny(slots, entry.slot) ?? busy();
    const answered: NonNullable<typeof entry.answered> = { requestHash };
    entry.answered = answered;
    stats.openings++;
    try {
      const openings = await onSlot(slot, 'openings', (ctx) => answer(ctx, entry.state, request, execOpts(slot)));
      answered.openings = openings;
      // The cached openings answer any repeat; what computed them is no longer needed.
      releaseState(entry.state);
      entry.state = { challenge: entry.state.challenge, commitment: entry.state.commitment, layerRoots: '' };
      reply(res, 200, openings, { 'x-gpuproof-adapter': String(slot.index) });
    } catch (err) {
      delete entry.answered;
      throw err;
    }
  }

  function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    sendJson(res, status, body, stopping ? { ...headers, connection: 'close' } : headers);
  }

  type Handler = (q: IncomingMessage, s: ServerResponse, ex: Exchange) => Promise<void>;
  const routes: Record<string, [string, Handler]> = {
    [PATHS.info]: ['GET', async (_q, s) => reply(s, 200, info())],
    [PATHS.challenges]: ['POST', postChallenge],
    [PATHS.openings]: ['POST', postOpenings],
    [OPS_PATHS.healthz]: ['GET', async (_q, s) => {
      const h = health();
      reply(s, h.status === 'ready' ? 200 : 503, h);
    }],
    [OPS_PATHS.metrics]: ['GET', async (_q, s) => sendText(s, 200, await metrics.text(), { 'content-type': metrics.contentType })],
  };

  async function route(req: IncomingMessage, res: ServerResponse, ex: Exchange): Promise<void> {
    // While draining, health and metrics still answer: a probe must see the drain, a scrape its end.
    const operator = ex.path === OPS_PATHS.healthz || ex.path === OPS_PATHS.metrics;
    if (stopping && !operator) throw httpError('UNAVAILABLE', 'the agent is shutting down', null, { connection: 'close' });
    const r = routes[ex.path];
    if (!r) throw httpError('NOT_FOUND', `no such endpoint ${ex.path}`);
    if (req.method !== r[0]) throw httpError('METHOD', `${ex.path} takes ${r[0]}`, null, { allow: r[0] });
    if (r[0] === 'POST') requireJson(req);
    await r[1](req, res, ex);
  }

  /** Counts a refusal or fault and answers it; a client already gone is logged on close instead. */
  function fail(req: IncomingMessage, res: ServerResponse, ex: Exchange, err: unknown): void {
    if (req.socket.destroyed) return;
    const e = errorResponse(err);
    if (e.status === 400 || e.status === 413 || e.status === 415) stats.malformed++;
    else if (e.status === 403 || e.status === 409) stats.refused++;
    else if (e.status === 429) stats.busy++;
    // A drain's 503 is a refusal like a 429; a GPU fault or a bug is the agent's, for the log.
    if (e.status < 500 || e.body.error.code === 'UNAVAILABLE') metrics.refused(e.status, refusalReason(e.status, e.body.error.code, e.body.error.field));
    else ex.error = `${e.body.error.message}${e.body.error.code === 'INTERNAL' ? ` (${String(err).slice(0, 300)})` : ''}`;
    reply(res, e.status, e.body, e.headers);
  }

  let cutting = false;
  const server = serveExchanges({
    headersMs: opts.timeouts?.headersMs ?? 15_000,
    requestMs: opts.timeouts?.requestMs ?? 60_000,
    now,
    handle: (req, res, ex) => void route(req, res, ex).catch((err: unknown) => fail(req, res, ex, err)),
    started(done) {
      inflight.add(done);
      void done.then(() => inflight.delete(done));
    },
    ownAbort: () => (cutting ? 'shutdown' : undefined),
    // Unknown paths are one label value, so a scanner cannot grow the series.
    endpointOf: (path) => (path in routes ? path : 'other'),
    metrics,
    log: logger,
  });
  server.maxConnections = 1024;

  const where = await listen(server, opts.host ?? '127.0.0.1', opts.port ?? 0).catch(async (err: unknown) => {
    await closeSlots();
    throw err;
  });
  let closing: Promise<void> | undefined;

  return {
    ...where,
    slots,
    info,
    health,
    close(graceMs = 30_000) {
      closing ??= (async () => {
        stopping = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([Promise.allSettled([...inflight]), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
        clearTimeout(timer);
        cutting = true;
        server.closeAllConnections();
        // Each cut exchange logs its abort on its socket's close, which may come after the server's.
        await Promise.all([closed, Promise.allSettled([...inflight])]);
        pending.clear();
        await closeSlots();
      })();
      return closing;
    },
  };
}

/** A replayed id is a conflict, not a bad key: 409 tells the validator to issue a fresh challenge. */
function asReplay(err: unknown): unknown {
  if (err instanceof GpuproofError && err.code === 'REFUSED' && err.field === 'body.id') return httpError('REPLAY', err.message, 'body.id');
  return err;
}
