// Verification off the event loop: a pool of worker threads that run verifyProof, so a validator
// attesting many executors keeps timestamping commitments while a large proof is checked (a
// blocked loop would read another executor's commitment late and stretch its observed window).
// Workers start on first use, are reused, and are unref'd while idle so they never keep a process
// alive; a worker that dies fails only the job it held and is replaced on the next one.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { GpuproofError, inputError, type ErrorCode } from '../errors.js';
import { verifyProof, type Verification, type VerifyInput } from './verifier.js';

/** What the pool posts to a worker: plain data, copied by structured clone. */
export interface VerifyJob {
  id: number;
  input: VerifyInput;
  validatorKey: string | null;
}

export type VerifyReply = { id: number; verdict: Verification } | { id: number; error: { code: ErrorCode; field: string | undefined; message: string } };

export interface VerifyPoolOptions {
  /** Worker threads; 0 verifies on the calling thread. Default: available cores − 1, at least 1. */
  size?: number | undefined;
}

export interface VerifyPool {
  /** Worker threads at most (0: in-process). */
  readonly size: number;
  /** verifyProof(input, validatorKey) on a worker: the same verdict, never a throw for a bad proof. */
  verify(input: VerifyInput, validatorKey: string | null): Promise<Verification>;
  /** Stops every worker; jobs not yet done reject. */
  close(): Promise<void>;
}

export const MAX_VERIFY_WORKERS = 256;

export const defaultVerifyWorkers = (): number => Math.max(1, availableParallelism() - 1);

/** How to start a worker: the compiled .js beside this module, or its .ts source through tsx. */
export interface WorkerEntry {
  url: URL;
  /** Set when the entry is TypeScript: the URL of `tsx/esm/api`, registered in the worker first. */
  tsxApi?: string | undefined;
}

// Node 20 does not carry a --import loader into workers, so a .ts entry is imported from a small
// bootstrap that registers tsx first.
const TSX_BOOTSTRAP = `const { workerData: w } = require('node:worker_threads');
import(w.tsxApi).then((api) => { api.register(); return import(w.entry); });`;

function defaultEntry(): WorkerEntry {
  const js = new URL('./verify-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return { url: js };
  return { url: new URL('./verify-worker.ts', import.meta.url), tsxApi: import.meta.resolve('tsx/esm/api') };
}

export function createVerifyPool(opts: VerifyPoolOptions = {}): VerifyPool {
  const size = opts.size ?? defaultVerifyWorkers();
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_VERIFY_WORKERS) throw inputError('verify-workers', `expected an integer from 0 to ${MAX_VERIFY_WORKERS}, got ${String(size)}`);
  return size === 0 ? inProcessPool() : new WorkerPool(size, defaultEntry());
}

function inProcessPool(): VerifyPool {
  let closed = false;
  return {
    size: 0,
    verify: async (input, key) => {
      if (closed) throw closedError();
      return verifyProof(input, key);
    },
    close: async () => {
      closed = true;
    },
  };
}

const closedError = (): GpuproofError => new GpuproofError('INTERNAL', 'the verify pool is closed');

interface Job extends VerifyJob {
  resolve: (v: Verification) => void;
  reject: (err: unknown) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
}

/** The pool proper; exported for tests that start it on a worker entry of their own. */
export class WorkerPool implements VerifyPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly entry: WorkerEntry,
  ) {}

  verify(input: VerifyInput, validatorKey: string | null): Promise<Verification> {
    if (this.closed) return Promise.reject(closedError());
    return new Promise<Verification>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, input, validatorKey, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(closedError());
    const slots = this.slots.splice(0);
    await Promise.all(slots.map(async (s) => {
      s.job?.reject(closedError());
      s.job = null;
      await s.worker.terminate();
    }));
  }

  /** Hands queued jobs to idle workers, starting workers up to `size`. */
  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.job === null) ?? (this.slots.length < this.size ? this.start() : undefined);
      if (!slot) return;
      const job = this.queue.shift() as Job;
      slot.job = job;
      // A busy worker holds the process open (its caller awaits it); an idle one does not.
      slot.worker.ref();
      const { id, input, validatorKey } = job;
      try {
        slot.worker.postMessage({ id, input, validatorKey } satisfies VerifyJob);
      } catch (err) {
        // Not plain data (a function, a class with private state): this job fails, the worker stays.
        slot.job = null;
        slot.worker.unref();
        job.reject(inputError('input', `a transcript must be plain data to cross to a verify worker: ${err instanceof Error ? err.message : String(err)}`));
      }
    }
  }

  private start(): Slot {
    const { url, tsxApi } = this.entry;
    const worker = tsxApi ? new Worker(TSX_BOOTSTRAP, { eval: true, workerData: { tsxApi, entry: url.href } }) : new Worker(url);
    const slot: Slot = { worker, job: null };
    worker.unref();
    worker.on('message', (reply: VerifyReply) => this.settle(slot, reply));
    worker.on('error', (err) => this.lose(slot, err));
    worker.on('exit', (code) => this.lose(slot, new Error(`exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private settle(slot: Slot, reply: VerifyReply): void {
    const job = slot.job;
    if (!job || job.id !== reply.id) return;
    slot.job = null;
    slot.worker.unref();
    if ('verdict' in reply) job.resolve(reply.verdict);
    else job.reject(new GpuproofError(reply.error.code, reply.error.message, reply.error.field === undefined ? {} : { field: reply.error.field }));
    this.pump();
  }

  /** A worker that died: its job fails, it leaves the pool, and queued jobs get a fresh one. */
  private lose(slot: Slot, err: unknown): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    const job = slot.job;
    slot.job = null;
    job?.reject(new GpuproofError('INTERNAL', `a verify worker failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
    void slot.worker.terminate();
    if (!this.closed) this.pump();
  }
}
