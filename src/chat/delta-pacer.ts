/** How often live text goes out per run at most, as the real gateway paces it (assistant.md 3.5). */
export const LIVE_TEXT_PACING_MS = 75;

/**
 * Paces live text of one run: the first piece goes out at once; a piece that comes within
 * `intervalMs` of the last send is merged into one pending batch, sent when the interval is up.
 * `flush()` sends the pending batch now: a run calls it before any other event, so text never
 * arrives after the event that followed it, and at its end.
 */
export class DeltaPacer<T> {
  private pending: T | undefined;
  private lastSentAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (batch: T) => void,
    private readonly merge: (earlier: T, later: T) => T,
    private readonly intervalMs = LIVE_TEXT_PACING_MS,
    /** Monotonic, so a wall-clock step neither floods nor stalls the stream. */
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Whether a batch waits for its turn. */
  get hasPending(): boolean {
    return this.pending !== undefined;
  }

  /** Sends `piece` now if the interval since the last send is up, else merges it into the batch. */
  push(piece: T): void {
    this.pending = this.pending === undefined ? piece : this.merge(this.pending, piece);
    if (this.timer) return;
    const wait = this.lastSentAt === undefined ? 0 : this.intervalMs - (this.clock() - this.lastSentAt);
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
    // A pending batch never keeps the process alive; the run's end flushes it anyway.
    this.timer.unref();
  }

  /** Sends the pending batch, if any, now. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.pending;
    if (batch === undefined) return;
    this.pending = undefined;
    this.lastSentAt = this.clock();
    this.send(batch);
  }
}
