// Simulated executors for the validator-scale bench and its test: HTTP agents on loopback that
// speak the agent's protocol (GET /v1/info, POST /v1/challenges, POST /v1/openings) and answer
// honestly at small n with the CPU reference arithmetic (the honest CheatingExecutor: the reference
// chain, the same layer and top trees, real audit paths), each signing with its own key. A test
// double, never an executor: no allow list, no replay memory, no GPU.
//
// `computeMs` pads each commitment to a known executor time, measured from the moment the handler
// starts; the commitment signs that time as its `matmul.chain` phase, so the validator's receipt
// carries it (`reportedMs`) and the window's stretch is observedMs − reportedMs.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateKeyPair, type KeyPair } from '../../src/protocol/keys.js';
import { parseJsonText } from '../../src/protocol/parse.js';
import { hashHex } from '../../src/protocol/signing.js';
import { PROTOCOL_VERSION, type SignedChallenge } from '../../src/protocol/schemas.js';
import { AGENT_NAME, PATHS, type AgentInfo } from '../../src/server/wire.js';
import { readBody, sendJson } from '../../src/server/http-util.js';
import { toB64 } from '../../src/util/bytes.js';
import { CheatingExecutor } from './cheater.js';

export interface SimOptions {
  /** How many executors, each on its own port (the attest client addresses an agent by URL root). */
  count: number;
  /** The executor's own time per commitment; the honest CPU work happens inside it. */
  computeMs?: number;
  /** false: commit to zero rows (a wrong answer the verifier must reject). */
  honest?: boolean;
}

export interface SimExecutor {
  url: string;
  publicKey: string;
}

export interface SimStats {
  challenges: number;
  openings: number;
  errors: number;
  /** Commitments whose honest CPU work alone overran computeMs (their window is the work's). */
  overran: number;
}

export interface SimFleet {
  executors: SimExecutor[];
  stats: SimStats;
  close(): Promise<void>;
}

const SIM_ADAPTER = {
  vendor: 'simulated',
  architecture: 'cpu-reference',
  device: 'sim-executor',
  description: 'simulated executor (CPU reference arithmetic, bench/test double)',
  backend: 'none',
  features: [],
  isFallbackAdapter: false,
};

function infoOf(keys: KeyPair, stats: SimStats): AgentInfo {
  return {
    protocol: PROTOCOL_VERSION,
    agent: `${AGENT_NAME} (simulated)`,
    executorKey: toB64(keys.publicKey),
    features: ['matmul'],
    adapters: [{ index: 0, name: null, busy: false, open: true, software: true, report: null }],
    limits: { challengeBytes: 1024 * 1024, openRequestBytes: 128 * 1024 },
    stats: { runs: stats.challenges, openings: stats.openings, refused: 0, busy: 0, malformed: 0, deviceOpens: 1, deviceLosses: 0, pending: 0 },
  };
}

function simServer(keys: KeyPair, opts: SimOptions, stats: SimStats): Server {
  const pending = new Map<string, CheatingExecutor>();
  const computeMs = opts.computeMs ?? 0;

  async function commit(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const challenge: SignedChallenge = parseJsonText('challenge', await readBody(req, 1024 * 1024));
    const ex = new CheatingExecutor(challenge, keys, opts.honest !== false);
    const workMs = performance.now() - t0;
    if (workMs > computeMs) stats.overran++;
    // A timer may fire a fraction of a millisecond early against performance.now(): wait out the rest.
    for (let left = computeMs - workMs; left > 0; left = computeMs - (performance.now() - t0)) await sleep(Math.max(1, left));
    const ownMs = performance.now() - t0;
    const commitment = ex.commit({
      timings: { method: 'queue-completion', phases: { 'matmul.chain': ownMs }, totalMs: ownMs },
      editBody: (b) => {
        b.adapter = { ...SIM_ADAPTER, features: [] };
        b.matmul.kernel = 'cpu-reference';
      },
    });
    pending.set(hashHex(challenge), ex);
    stats.challenges++;
    sendJson(res, 200, commitment, { 'x-gpuproof-adapter': '0' });
  }

  async function open(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = parseJsonText('open-request', await readBody(req, 64 * 1024));
    const ex = pending.get(request.body.challengeHash);
    if (!ex) return sendJson(res, 404, { error: { code: 'NOT_FOUND', field: 'body.challengeHash', message: 'no pending challenge' } });
    pending.delete(request.body.challengeHash);
    stats.openings++;
    sendJson(res, 200, ex.open(request));
  }

  return createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    const handle =
      path === PATHS.info ? async () => sendJson(res, 200, infoOf(keys, stats))
      : path === PATHS.challenges ? () => commit(req, res)
      : path === PATHS.openings ? () => open(req, res)
      : async () => sendJson(res, 404, { error: { code: 'NOT_FOUND', field: null, message: `no such endpoint ${path}` } });
    handle().catch((err: unknown) => {
      stats.errors++;
      sendJson(res, 400, { error: { code: 'INPUT', field: null, message: String((err as Error).message ?? err).slice(0, 1000) } });
    });
  });
}

/** Starts `opts.count` simulated executors on 127.0.0.1, each with a fresh key and its own port. */
export async function startSimExecutors(opts: SimOptions): Promise<SimFleet> {
  const stats: SimStats = { challenges: 0, openings: 0, errors: 0, overran: 0 };
  const servers: Server[] = [];
  const executors: SimExecutor[] = [];
  try {
    for (let i = 0; i < opts.count; i++) {
      const keys = generateKeyPair();
      const server = simServer(keys, opts, stats);
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      executors.push({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, publicKey: toB64(keys.publicKey) });
    }
  } catch (err) {
    await closeAll(servers);
    throw err;
  }
  return { executors, stats, close: () => closeAll(servers) };
}

async function closeAll(servers: readonly Server[]): Promise<void> {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  })));
}
