/** `gateway.auth.rateLimit` (remote-access.md 2.1, 6.3). */
export interface RateLimitConfig {
  /** Failures within `windowMs` that lock a non-loopback address out. */
  maxAttempts: number;
  windowMs: number;
  lockoutMs: number;
  /** Loopback gets growing delays instead of a lockout. */
  exemptLoopback: boolean;
}

export const DEFAULT_RATE_LIMIT: RateLimitConfig = { maxAttempts: 10, windowMs: 60_000, lockoutMs: 300_000, exemptLoopback: true };

/** First loopback failure is answered after this long; each further one doubles it. */
export const LOOPBACK_BASE_DELAY_MS = 250;
export const LOOPBACK_MAX_DELAY_MS = 5_000;
/** Above this many tracked keys, stale ones are dropped on the next failure. */
const PRUNE_THRESHOLD = 10_000;

/**
 * Failure counters are independent per credential class (remote-access.md 6.3); setup-code
 * bootstrap tokens have their own, as in the real gateway.
 */
export type CredentialClass = 'shared-secret' | 'device-token' | 'bootstrap-token';

interface Entry {
  failures: number[];
  lockedUntilMs: number;
}

/** Reads `gateway.auth.rateLimit` from the config, falling back to the defaults key by key. */
export function rateLimitConfigOf(raw: unknown): RateLimitConfig {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const int = (v: unknown, fallback: number, min: number): number => (Number.isInteger(v) && (v as number) >= min ? (v as number) : fallback);
  return {
    maxAttempts: int(r.maxAttempts, DEFAULT_RATE_LIMIT.maxAttempts, 1),
    windowMs: int(r.windowMs, DEFAULT_RATE_LIMIT.windowMs, 1),
    lockoutMs: int(r.lockoutMs, DEFAULT_RATE_LIMIT.lockoutMs, 0),
    exemptLoopback: typeof r.exemptLoopback === 'boolean' ? r.exemptLoopback : DEFAULT_RATE_LIMIT.exemptLoopback,
  };
}

/**
 * Failed-authentication limiter keyed by (credential class, client), the client being its
 * address plus, for a browser, its Origin. A client with `maxAttempts` failures inside
 * `windowMs` is locked out for `lockoutMs`, even for a right credential; a direct-local one
 * (when exempt) is never locked out but each failure is answered after 250 ms × 2^(n−1),
 * capped at 5 s. A success resets the key.
 */
export class AuthRateLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly config: RateLimitConfig = DEFAULT_RATE_LIMIT, private readonly now: () => number = Date.now) {}

  /** Milliseconds until the lockout of this key ends, or 0 when it may try. */
  lockedForMs(client: string, cls: CredentialClass): number {
    const entry = this.entries.get(keyOf(client, cls));
    return entry ? Math.max(0, entry.lockedUntilMs - this.now()) : 0;
  }

  /**
   * Counts a failure; returns how long to hold back the answer (loopback escalation).
   * `isDirectLocal`: a loopback peer with no forwarding header and no browser Origin; only such
   * a peer gets the loopback exemption, so clients relayed by a local proxy are still locked out.
   */
  recordFailure(client: string, cls: CredentialClass, isDirectLocal: boolean): number {
    const now = this.now();
    if (this.entries.size > PRUNE_THRESHOLD) this.prune(now);
    const key = keyOf(client, cls);
    const entry = this.entries.get(key) ?? { failures: [], lockedUntilMs: 0 };
    entry.failures = entry.failures.filter((t) => now - t < this.config.windowMs);
    entry.failures.push(now);
    this.entries.set(key, entry);
    if (this.config.exemptLoopback && isDirectLocal) {
      return Math.min(LOOPBACK_BASE_DELAY_MS * 2 ** (entry.failures.length - 1), LOOPBACK_MAX_DELAY_MS);
    }
    if (entry.failures.length >= this.config.maxAttempts) {
      entry.lockedUntilMs = now + this.config.lockoutMs;
      entry.failures = [];
    }
    return 0;
  }

  /** A successful authentication clears the key. */
  reset(client: string, cls: CredentialClass): void {
    this.entries.delete(keyOf(client, cls));
  }

  private prune(now: number): void {
    for (const [key, e] of this.entries) {
      if (e.lockedUntilMs <= now && e.failures.every((t) => now - t >= this.config.windowMs)) this.entries.delete(key);
    }
  }
}

/** `client` is an address, maybe with a browser's Origin after it; `::ffff:a.b.c.d` counts as `a.b.c.d`. */
function keyOf(client: string, cls: CredentialClass): string {
  const bare = client.startsWith('::ffff:') ? client.slice(7) : client;
  return `${cls}|${bare}`;
}
