// Memory of past challenges, for replay refusal. The executor remembers the ids it has run until
// they expire; the validator remembers what it issued and what it has already answered. Memory
// stores serve one process (selftest, tests); file stores serve the CLI's separate processes.
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/files.js';
import { parseIJson } from '../protocol/ijson.js';

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

export class FileReplayStore extends MemoryReplayStore {
  constructor(private readonly path: string) {
    super();
    if (existsSync(path)) {
      const parsed = parseIJson(readFileSync(path, 'utf8'), { source: path }) as Partial<Snapshot>;
      this.data = { seen: parsed.seen ?? {}, issued: parsed.issued ?? {} };
    }
  }

  protected override flush(): void {
    writeFileAtomic(this.path, JSON.stringify(this.data), { mode: 0o600 });
  }
}
