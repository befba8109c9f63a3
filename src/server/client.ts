// The validator's side of the wire. The agent is untrusted: every answer is read under a byte cap
// and parsed with the same schemas as any other message, and transport failures become IO errors
// that name the URL, never a hang (every call takes an abort signal).
import { GpuproofError, inputError } from '../errors.js';
import { firstIssue } from '../protocol/issues.js';
import { parseIJson } from '../protocol/ijson.js';
import { DEFAULT_MAX_MESSAGE_BYTES, parseJsonText } from '../protocol/parse.js';
import type { SignedChallenge, SignedCommitment, SignedOpenRequest, SignedOpenings } from '../protocol/schemas.js';
import { AgentInfo, ErrorBody, MAX_COMMITMENT_BYTES, MAX_ERROR_BYTES, MAX_INFO_BYTES, PATHS, type WireCode } from './wire.js';

/** A well-formed refusal from the agent: its HTTP status, wire code and field. */
export class AgentRefusal extends GpuproofError {
  constructor(
    readonly status: number,
    readonly wireCode: WireCode | null,
    message: string,
    field?: string,
  ) {
    super('REFUSED', message, field === undefined ? {} : { field });
    this.name = 'AgentRefusal';
  }
}

export type Answer<T> = { kind: 'ok'; value: T; adapter: number | null } | { kind: 'busy'; retryAfterS: number };

export class AgentClient {
  readonly base: URL;

  constructor(url: string) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw inputError('url', `not a URL: ${url.slice(0, 200)}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw inputError('url', `expected http:// or https://, got ${u.protocol}`);
    this.base = u;
  }

  async info(signal?: AbortSignal): Promise<AgentInfo> {
    const res = await this.fetch(PATHS.info, { method: 'GET' }, signal);
    if (res.status !== 200) throw await refusal(res);
    const raw = parseIJson(await readCapped(res, MAX_INFO_BYTES, 'info'), { field: 'info', source: 'the agent\'s /v1/info' });
    const parsed = AgentInfo.safeParse(raw);
    if (!parsed.success) {
      const { field, message } = firstIssue(parsed.error, 'info');
      throw inputError(field, message);
    }
    return parsed.data;
  }

  postChallenge(challenge: SignedChallenge, signal?: AbortSignal): Promise<Answer<SignedCommitment>> {
    return this.post(PATHS.challenges, challenge, signal, async (res) => parseJsonText('commitment', await readCapped(res, MAX_COMMITMENT_BYTES, 'commitment'), MAX_COMMITMENT_BYTES));
  }

  postOpenings(request: SignedOpenRequest, signal?: AbortSignal): Promise<Answer<SignedOpenings>> {
    return this.post(PATHS.openings, request, signal, async (res) => parseJsonText('openings', await readCapped(res, DEFAULT_MAX_MESSAGE_BYTES, 'openings'), DEFAULT_MAX_MESSAGE_BYTES));
  }

  private async post<T>(path: string, body: unknown, signal: AbortSignal | undefined, parse: (res: Response) => Promise<T>): Promise<Answer<T>> {
    const res = await this.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, signal);
    if (res.status === 429) {
      await res.body?.cancel().catch(() => undefined);
      const s = Number(res.headers.get('retry-after'));
      return { kind: 'busy', retryAfterS: Number.isFinite(s) && s >= 0 ? Math.min(s, 300) : 1 };
    }
    if (res.status !== 200) throw await refusal(res);
    const adapter = Number(res.headers.get('x-gpuproof-adapter'));
    return { kind: 'ok', value: await parse(res), adapter: Number.isSafeInteger(adapter) ? adapter : null };
  }

  private async fetch(path: string, init: RequestInit, signal?: AbortSignal): Promise<Response> {
    const url = new URL(path, this.base);
    try {
      return await fetch(url, { ...init, redirect: 'error', ...(signal ? { signal } : {}) });
    } catch (err) {
      throw transportError(url.href, err);
    }
  }
}

export function transportError(url: string, err: unknown): GpuproofError {
  if (err instanceof GpuproofError) return err;
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const why = e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timed out' : (e.cause?.code ?? e.cause?.message ?? e.message ?? String(err));
  return new GpuproofError('IO', `cannot reach ${url}: ${why}`, { cause: err });
}

/** The response body as UTF-8 text, never more than max bytes read. */
async function readCapped(res: Response, max: number, what: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw inputError(what, `the agent's answer is ${declared} bytes, over the ${max}-byte limit`);
  }
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > max) {
        await reader.cancel().catch(() => undefined);
        throw inputError(what, `the agent's answer is over the ${max}-byte limit`);
      }
      chunks.push(value);
    }
  } catch (err) {
    throw transportError(res.url, err);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.concat(chunks));
  } catch {
    throw inputError(what, 'the agent\'s answer is not UTF-8');
  }
}

async function refusal(res: Response): Promise<AgentRefusal> {
  let body: ErrorBody | undefined;
  try {
    const parsed = ErrorBody.safeParse(parseIJson(await readCapped(res, MAX_ERROR_BYTES, 'error')));
    if (parsed.success) body = parsed.data;
  } catch {
    // an unreadable error body still has its status
  }
  const e = body?.error;
  const msg = e ? `agent answered ${res.status} ${e.code}${e.field ? ` (${e.field})` : ''}: ${e.message}` : `agent answered HTTP ${res.status}`;
  return new AgentRefusal(res.status, e?.code ?? null, msg, e?.field ?? undefined);
}
