// Memory of past challenges, for replay refusal. The executor remembers the ids it has run until
// they expire; the validator remembers what it issued and what it has already answered. Memory
// stores serve one process (selftest, tests); file stores serve the CLI's separate processes.
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { GpuproofError } from '../errors.js';
import { writeFileAtomic } from '../util/files.js';
import { parseIJson } from '../protocol/ijson.js';
import { firstIssue } from '../protocol/issues.js';

export interface IssuedChallenge {
  id: string;
  hash: string;
  expiresAt: number;
  /** When the validator handed the challenge out, on its own clock. */
  sentAt: number;
  answered: boolean;
}

/** Expiring set of ids plus validator records, in one interface so both roles share the code. */
export interface ReplayStore {
  seen(id: string, now: number): boolean;
  remember(id: string, expiresAt: number): void;
  issued(id: string): IssuedChallenge | undefined;
  recordIssued(c: IssuedChallenge): void;
  markAnswered(id: string): void;
}

interface Snapshot {
  seen: Record<string, number>;
  issued: Record<string, IssuedChallenge>;
}

export class MemoryReplayStore implements ReplayStore {
  protected data: Snapshot = { seen: {}, issued: {} };

  seen(id: string, now: number): boolean {
    const exp = this.data.seen[id];
    return exp !== undefined && exp > now;
  }

  remember(id: string, expiresAt: number): void {
    this.prune(Date.now());
    this.data.seen[id] = expiresAt;
    this.flush();
  }

  issued(id: string): IssuedChallenge | undefined {
    return this.data.issued[id];
  }

  recordIssued(c: IssuedChallenge): void {
    this.prune(Date.now());
    this.data.issued[c.id] = c;
    this.flush();
  }

  markAnswered(id: string): void {
    const c = this.data.issued[id];
    if (c) {
      c.answered = true;
      this.flush();
    }
  }

  /** Forget what can no longer be replayed: an expired challenge is refused on its own. */
  private prune(now: number): void {
    for (const [id, exp] of Object.entries(this.data.seen)) if (exp <= now) delete this.data.seen[id];
    for (const [id, c] of Object.entries(this.data.issued)) if (c.expiresAt <= now) delete this.data.issued[id];
  }

  protected flush(): void {}
}

/** The file as the store writes it; keys are challenge ids, values expiry times or records. */
const SnapshotFile = z.strictObject({
  seen: z.record(z.string(), z.number()),
  issued: z.record(z.string(), z.strictObject({ id: z.string(), hash: z.string(), expiresAt: z.number(), sentAt: z.number(), answered: z.boolean() })),
}).superRefine((s, ctx) => {
  for (const [key, c] of Object.entries(s.issued)) {
    if (c.id !== key) ctx.addIssue({ code: 'custom', path: ['issued', key, 'id'], message: `is not the record's key ${key}` });
  }
});

/** A file problem as `FILE: FIELD: message`, exit 2: the operator must fix or remove the file. */
const fileError = (path: string, field: string, message: string, cause?: unknown): GpuproofError =>
  new GpuproofError('INPUT', `${path}: ${field}: ${message}`, { field, ...(cause === undefined ? {} : { cause }) });

/**
 * Reads and checks the whole file before the store serves anything, so a bad file stops the
 * process at start instead of failing each later request. An empty file is refused like garbage:
 * writes are atomic, so only a truncation makes one, and reading it as "nothing seen" would let
 * challenges already run be replayed until they expire.
 */
function readSnapshot(path: string): Snapshot {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new GpuproofError('IO', `cannot read replay memory ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (bytes.length === 0) throw fileError(path, '$', 'empty file (0 bytes): replay memory was lost; remove it once every challenge it may have held has expired');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw fileError(path, '$', 'not UTF-8 text (a binary or damaged file)', err);
  }
  let raw: unknown;
  try {
    raw = parseIJson(text);
  } catch (err) {
    const e = err as GpuproofError;
    throw fileError(path, e.field ?? '$', e.message.replace(/^[^:]*: /, ''), err);
  }
  const parsed = SnapshotFile.safeParse(raw);
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.error);
    throw fileError(path, field, message);
  }
  return parsed.data;
}

export class FileReplayStore extends MemoryReplayStore {
  constructor(private readonly path: string) {
    super();
    if (existsSync(path)) this.data = readSnapshot(path);
  }

  protected override flush(): void {
    writeFileAtomic(this.path, JSON.stringify(this.data), { mode: 0o600 });
  }
}
