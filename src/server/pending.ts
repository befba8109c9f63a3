// What the agent keeps between a commitment and its openings, keyed by the challenge hash that the
// open request names. Each entry is freed by a timer when its challenge expires: after that no
// validator may ask for openings, and the digests would only be memory held for nobody.
import { releaseState, type ExecutorState } from '../roles/executor.js';
import type { SignedOpenings } from '../protocol/schemas.js';

export interface PendingEntry {
  state: ExecutorState;
  /** The slot that ran the challenge: openings prefer it (any card reproduces the same bits). */
  slot: number;
  expiresAt: number;
  /**
   * The one open request this commitment answers: a repeat of it gets the same openings (absent
   * while they are computed); another request is refused, so no validator draws rows twice.
   */
  answered?: { requestHash: string; openings?: SignedOpenings };
}

/** setTimeout's limit; a challenge lives at most 24 h, well inside it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class PendingStates {
  private readonly entries = new Map<string, { entry: PendingEntry; timer: NodeJS.Timeout }>();

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.entries.size;
  }

  set(challengeHash: string, entry: PendingEntry): void {
    this.delete(challengeHash);
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, entry.expiresAt - this.now()));
    const timer = setTimeout(() => this.delete(challengeHash), delay);
    timer.unref();
    this.entries.set(challengeHash, { entry, timer });
  }

  /** The live entry; an expired one is dropped here too, in case its timer has not fired yet. */
  get(challengeHash: string): PendingEntry | undefined {
    const e = this.entries.get(challengeHash);
    if (!e) return undefined;
    if (this.now() >= e.entry.expiresAt) {
      this.delete(challengeHash);
      return undefined;
    }
    return e.entry;
  }

  delete(challengeHash: string): void {
    const e = this.entries.get(challengeHash);
    if (!e) return;
    clearTimeout(e.timer);
    releaseState(e.entry.state);
    this.entries.delete(challengeHash);
  }

  clear(): void {
    for (const key of [...this.entries.keys()]) this.delete(key);
  }
}
