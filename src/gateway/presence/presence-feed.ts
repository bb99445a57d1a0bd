/**
 * Shortest gap between two `presence` broadcasts. The wire event carries the whole list
 * (protocol.md 8; OpenClaw clients replace their list with it, so a delta would corrupt
 * theirs): a burst of N connects therefore costs one list per window per operator, not N.
 */
export const PRESENCE_COALESCE_MS = 250;

/**
 * Turns presence changes into `presence` broadcasts: the first change of a quiet period goes
 * out at once; changes during the following window are folded into one broadcast at its end.
 */
export class PresenceFeed {
  private timer: NodeJS.Timeout | undefined;
  private isDirty = false;
  private isStopped = false;

  constructor(private readonly publish: () => void, private readonly windowMs = PRESENCE_COALESCE_MS) {}

  /** Call after every change of the presence list. */
  changed(): void {
    if (this.isStopped) return;
    if (this.timer) {
      this.isDirty = true;
      return;
    }
    this.publish();
    this.openWindow();
  }

  private openWindow(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.isDirty || this.isStopped) return;
      this.isDirty = false;
      this.publish();
      this.openWindow();
    }, this.windowMs);
    this.timer.unref();
  }

  stop(): void {
    this.isStopped = true;
    clearTimeout(this.timer);
  }
}
