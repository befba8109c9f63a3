// The agent's Prometheus metrics (prom-client). Each agent has its own registry, so two agents in
// one process (tests, a machine's several cards) never share or collide on a counter; the
// process's own figures (CPU, memory, event-loop lag) live in one registry per process and are
// merged in at scrape time, because they describe the process, not an agent.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the agent knows at scrape time; read, never pushed, so the figures cannot drift. */
export interface MetricSources {
  adapters(): readonly { index: number; busy: boolean; opens: number; losses: number }[];
  pending(): number;
  inFlight(): number;
}

/** The GPU jobs the agent times: a challenge run, or the re-run that answers openings. */
export type JobKind = 'challenge' | 'openings';

/** A GPU run at the smallest n takes ~0.1 s on a fast card; a memory proof at 80 GiB on lavapipe, minutes. */
export const JOB_BUCKETS_S = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

let processRegistry: Registry | undefined;
const processMetrics = (): Registry => {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
};

export class AgentMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'endpoint' | 'status'>;
  private readonly aborts: Counter<'endpoint' | 'reason'>;
  private readonly refusals: Counter<'status' | 'reason'>;
  private readonly runs: Counter;
  private readonly openings: Counter;
  private readonly jobs: Histogram<'job'>;

  constructor(src: MetricSources) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'gpuproof_http_requests_total', help: 'Requests answered, by endpoint and HTTP status', labelNames: ['endpoint', 'status'], registers });
    this.aborts = new Counter({ name: 'gpuproof_http_aborted_total', help: 'Exchanges that ended before the answer was sent: client-closed, timeout, shutdown, too-large, bad-http', labelNames: ['endpoint', 'reason'], registers });
    this.refusals = new Counter({ name: 'gpuproof_refusals_total', help: '4xx answers and 503 while draining, by status and reason (the refused field, or the wire code)', labelNames: ['status', 'reason'], registers });
    this.runs = new Counter({ name: 'gpuproof_runs_total', help: 'Challenges that reached a GPU', registers });
    this.openings = new Counter({ name: 'gpuproof_openings_total', help: 'Open requests that reached a GPU', registers });
    this.jobs = new Histogram({ name: 'gpuproof_gpu_job_duration_seconds', help: 'GPU time of each job, slot held to slot released', labelNames: ['job'], buckets: JOB_BUCKETS_S, registers });
    // Present from the first scrape, so rate() and the job's absence read as 0, not as no data.
    for (const job of ['challenge', 'openings'] as const) this.jobs.zero({ job });
    perAdapter(registers, 'gpuproof_device_opens_total', 'Devices opened, the first included', src, (a) => a.opens);
    perAdapter(registers, 'gpuproof_device_losses_total', 'Devices lost (or dropped after a GPU error) and reopened on next use', src, (a) => a.losses);
    new Gauge({ name: 'gpuproof_gpu_busy', help: '1 while a job holds the adapter\'s slot', labelNames: ['adapter'], registers, collect() {
      for (const a of src.adapters()) this.set({ adapter: String(a.index) }, a.busy ? 1 : 0);
    } });
    new Gauge({ name: 'gpuproof_pending_openings', help: 'Commitments whose openings state is held', registers, collect() {
      this.set(src.pending());
    } });
    new Gauge({ name: 'gpuproof_http_requests_in_flight', help: 'Requests being read, run or answered', registers, collect() {
      this.set(src.inFlight());
    } });
  }

  answered(endpoint: string, status: number): void {
    this.requests.inc({ endpoint, status: String(status) });
  }

  aborted(endpoint: string, reason: string): void {
    this.aborts.inc({ endpoint, reason });
  }

  refused(status: number, reason: string): void {
    this.refusals.inc({ status: String(status), reason });
  }

  job(kind: JobKind, seconds: number): void {
    (kind === 'challenge' ? this.runs : this.openings).inc();
    this.jobs.observe({ job: kind }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text: this agent's metrics, then the process's. */
  text(): Promise<string> {
    return Registry.merge([this.registry, processMetrics()]).metrics();
  }
}

/** A counter per adapter whose value is read from the slot at scrape time. */
function perAdapter(registers: Registry[], name: string, help: string, src: MetricSources, value: (a: ReturnType<MetricSources['adapters']>[number]) => number): void {
  new Counter({ name, help, labelNames: ['adapter'], registers, collect() {
    this.reset();
    for (const a of src.adapters()) this.inc({ adapter: String(a.index) }, value(a));
  } });
}

/**
 * The refusal's reason label: for 403, 404, 409 and 415 the field the error names (a small fixed
 * set: signer, signature, body.executorKey, …), otherwise the wire code, lower case. A 400's field
 * can be any path in a message, too many values for a label.
 */
export function refusalReason(status: number, code: string, field: string | null): string {
  if (status === 403 || status === 404 || status === 409 || status === 415) return field ?? 'none';
  return code.toLowerCase();
}
