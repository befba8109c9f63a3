// The one updating line a long command shows on a terminal's stderr: the phase, how far into it,
// the time since the command started and, once there is one, an estimate of the phase's time left.
// The estimate is the phase's own rate (time since it began ÷ units done × units left), so it
// exists only for phases counted in units (matmul iterations, memory passes) once the first unit
// is done; a phase of one step (warm-up, autotune, openings, verify) shows none rather than a guess
// (docs/decisions.md). Pure: the clock and the writer are given, so tests drive both.

export interface ProgressOptions {
  /** Milliseconds, monotonic. */
  now?: () => number;
  /** Fewest milliseconds between two redraws of the same phase (a phase change always redraws). */
  minIntervalMs?: number;
  /** Width to truncate the line to (the terminal's), when known. */
  columns?: () => number | undefined;
  /** Redraw this often while no event comes, so elapsed time keeps moving; 0 for never. */
  tickMs?: number;
}

export interface ProgressLine {
  update(phase: string, done: number, total: number): void;
  /** Draws the final state and ends the line; later updates start a new one. */
  end(): void;
}

export interface ProgressState {
  phase: string;
  done: number;
  total: number;
  /** When the command's first event came, and when this phase began (ms). */
  startedAt: number;
  phaseStartedAt: number;
}

/** 0.4 s, 12 s, 3 min 05 s. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

/** The phase's time left from its own rate; undefined until a unit is done, or when there is one unit. */
export function phaseEtaMs(s: ProgressState, now: number): number | undefined {
  if (s.total < 2 || s.done < 1 || s.done >= s.total) return undefined;
  return ((now - s.phaseStartedAt) / s.done) * (s.total - s.done);
}

export function progressText(s: ProgressState, now: number): string {
  const parts = [s.total > 1 ? `${s.phase} ${s.done}/${s.total}` : s.phase, `${formatDuration(now - s.startedAt)} elapsed`];
  const eta = phaseEtaMs(s, now);
  if (eta !== undefined) parts.push(`about ${formatDuration(eta)} left in ${s.phase}`);
  return parts.join(' · ');
}

export function progressLine(write: (s: string) => void, opts: ProgressOptions = {}): ProgressLine {
  const now = opts.now ?? (() => performance.now());
  const minInterval = opts.minIntervalMs ?? 100;
  let state: ProgressState | undefined;
  // Elapsed counts from when the line was made (the command's start), or from the first event after an end().
  let origin: number | undefined = now();
  let lastEventAt: number | undefined;
  let lastDrawAt = -Infinity;
  let ticker: ReturnType<typeof setInterval> | undefined;
  const draw = (t: number): void => {
    if (!state) return;
    const width = opts.columns?.();
    const text = progressText(state, t);
    // \r and erase-to-end: the line is rewritten in place, a shorter one leaves no tail.
    write(`\r${width && width > 1 ? text.slice(0, width - 1) : text}\x1b[K`);
    lastDrawAt = t;
  };
  return {
    update(phase, done, total) {
      const t = now();
      const started = state?.startedAt ?? origin ?? t;
      // A phase reported first with a unit already done began where the one before it ended.
      const newPhase = !state || state.phase !== phase || done < state.done;
      const phaseStartedAt = !newPhase ? (state?.phaseStartedAt ?? t) : done === 0 ? t : (lastEventAt ?? origin ?? t);
      state = { phase, done, total, startedAt: started, phaseStartedAt };
      lastEventAt = t;
      if (newPhase || done >= total || t - lastDrawAt >= minInterval) draw(t);
      if (!ticker && (opts.tickMs ?? 1000) > 0) {
        ticker = setInterval(() => draw(now()), opts.tickMs ?? 1000);
        ticker.unref();
      }
    },
    end() {
      if (ticker) clearInterval(ticker);
      ticker = undefined;
      if (!state) return;
      const t = now();
      write(`\r${`done · ${formatDuration(t - state.startedAt)}`}\x1b[K\n`);
      state = undefined;
      origin = undefined;
      lastEventAt = undefined;
    },
  };
}
