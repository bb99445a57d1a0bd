/** How long a noted last-seen or last-used time may wait in memory before it is written. */
export const ACTIVITY_FLUSH_MS = 5_000;

/** When a paired device was last seen, and why. */
export interface Seen {
  atMs: number;
  reason: string;
}

/** A device token's last use. */
export interface Used {
  deviceId: string;
  role: string;
  atMs: number;
}

/** Writes one batch of activity (one transaction). */
export type ActivityWriter = (seen: ReadonlyMap<string, Seen>, used: readonly Used[]) => void;

const usedKey = (deviceId: string, role: string): string => `${deviceId}\n${role}`;

/**
 * Last-seen (device) and last-used (device token) times noted on connect, written in one
 * transaction at most ACTIVITY_FLUSH_MS later instead of by the connect itself: a device's
 * connect then writes nothing to SQLite before hello-ok (issue 13: handshake margin), and the
 * read caches of the device records are not emptied by every device's first connect of a minute.
 * Readers overlay what waits (`seenOf`, `usedOf`), so a listing shows it at once. `flush()` at
 * shutdown makes it durable; only a crash can lose the last ACTIVITY_FLUSH_MS of it.
 */
export class DeviceActivity {
  private seen = new Map<string, Seen>();
  private used = new Map<string, Used>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  /** `onError` hears of a timed flush that failed (its batch is kept for the next one). */
  constructor(
    private readonly write: ActivityWriter,
    private readonly onError: (err: unknown) => void = () => undefined,
    private readonly flushMs = ACTIVITY_FLUSH_MS,
  ) {}

  /** Notes that `deviceId` connected (or was otherwise seen) at `atMs`. */
  noteSeen(deviceId: string, atMs: number, reason: string): void {
    this.seen.set(deviceId, { atMs, reason });
    this.schedule();
  }

  /** Notes that the (device, role) token was used at `atMs`. */
  noteUsed(deviceId: string, role: string, atMs: number): void {
    this.used.set(usedKey(deviceId, role), { deviceId, role, atMs });
    this.schedule();
  }

  /** A last-seen time not written yet. */
  seenOf(deviceId: string): Seen | undefined {
    return this.seen.size === 0 ? undefined : this.seen.get(deviceId);
  }

  /** A last-used time not written yet. */
  usedOf(deviceId: string, role: string): number | undefined {
    return this.used.size === 0 ? undefined : this.used.get(usedKey(deviceId, role))?.atMs;
  }

  /**
   * Writes everything noted so far. A failed write (database busy or closed) keeps the batch,
   * merged under anything noted since, for the next flush; the error goes to the caller.
   */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.seen.size === 0 && this.used.size === 0) return;
    const seen = this.seen;
    const used = this.used;
    this.seen = new Map();
    this.used = new Map();
    try {
      this.write(seen, [...used.values()]);
    } catch (err) {
      for (const [k, v] of seen) if (!this.seen.has(k)) this.seen.set(k, v);
      for (const [k, v] of used) if (!this.used.has(k)) this.used.set(k, v);
      this.schedule();
      throw err;
    }
  }

  /** Writes what waits; later notes are only kept in memory (the database is about to close). */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private schedule(): void {
    if (!this.closed) this.timer ??= setTimeout(DeviceActivity.onTimer, this.flushMs, this).unref();
  }

  private static onTimer(activity: DeviceActivity): void {
    activity.timer = undefined;
    try {
      activity.flush();
    } catch (err) {
      activity.onError(err);
    }
  }
}
