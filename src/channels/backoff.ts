/** Delay before retry number `attempt` (1-based): doubling from `minDelayMs`, capped, ±20 % jitter. */
export function backoffDelayMs(attempt: number, policy: { minDelayMs: number; maxDelayMs: number }, random = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.round(Math.min(policy.maxDelayMs, base * (0.8 + 0.4 * random())));
}

/** Waits `ms` unless `signal` aborts first; resolves false when aborted. Never rejects. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A wake-up latch: `wait()` resolves at the next `notify()` (or at once if one came since the
 * last wait), after `timeoutMs`, or when `signal` aborts.
 */
export class Wakeup {
  private pending = false;
  private waiter: (() => void) | undefined;

  notify(): void {
    this.pending = true;
    this.waiter?.();
  }

  async wait(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted) {
      this.pending = false;
      return;
    }
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.waiter = () => ac.abort();
    await sleep(timeoutMs, ac.signal);
    signal.removeEventListener('abort', onAbort);
    this.waiter = undefined;
    this.pending = false;
  }
}
