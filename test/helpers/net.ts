// HTTP on loopback for the agent tests: raw requests (so a test controls the exact bytes, the
// length header and chunking), and `gpuproof serve` as a child process whose first stdout line
// says where it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** The error object of an error answer: {error:{code, field, message}}. */
export function errorOf(r: RawResponse): { code: string; field: string | null; message: string } {
  const e = (r.json as { error?: { code: string; field: string | null; message: string } } | null)?.error;
  if (!e) throw new Error(`expected an error body, got ${r.status} ${r.text.slice(0, 300)}`);
  return e;
}

/**
 * One request with node:http. `chunked` sends the body in pieces without a content-length, the
 * way a streaming client would. Resolves with whatever the agent answered; a reset rejects.
 */
export function rawRequest(url: string, method: string, body?: string | Buffer, opts: { chunked?: boolean; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const bytes = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
    if (bytes && !opts.chunked) headers['content-length'] = String(bytes.length);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (bytes && opts.chunked) {
      const step = 64 * 1024;
      for (let o = 0; o < bytes.length; o += step) req.write(bytes.subarray(o, o + step));
      req.end();
    } else {
      req.end(bytes);
    }
  });
}

export const postJson = (url: string, body: unknown): Promise<RawResponse> => rawRequest(url, 'POST', JSON.stringify(body));

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  executorKey: string;
  stderr(): string;
  /** Sends `signal` and resolves with the exit code and the lines printed on stdout. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>;
}

/** `gpuproof serve --port 0 --json …args` with GPUPROOF_HOME=home; resolves once it listens. */
export function spawnServe(args: string[], home: string, timeoutMs = 60_000): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'gpuproof.js'), 'serve', '--port', '0', '--json', ...args], {
      cwd: home,
      env: { ...process.env, XDG_RUNTIME_DIR: '/tmp', GPUPROOF_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let started = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start in ${timeoutMs} ms: ${err.slice(0, 1000)}`));
    }, timeoutMs);
    child.stderr?.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl < 0 || started) return;
      started = true;
      clearTimeout(timer);
      const first = JSON.parse(out.slice(0, nl)) as { url: string; executorKey: string };
      resolve({
        child,
        url: first.url,
        executorKey: first.executorKey,
        stderr: () => err,
        async stop(signal = 'SIGTERM', stopMs = 30_000) {
          child.kill(signal);
          const guard = setTimeout(() => child.kill('SIGKILL'), stopMs);
          const r = await exited;
          clearTimeout(guard);
          return { ...r, stdout: out };
        },
      });
    });
    void exited.then((r) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`serve exited (${r.code ?? r.signal}) before listening: ${err.slice(0, 1000)}`));
    });
  });
}
