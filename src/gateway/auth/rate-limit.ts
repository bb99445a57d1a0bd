import { createHash } from 'node:crypto';
import { addressBlockOf } from '../ingress/address-block.js';

/** `gateway.auth.rateLimit` (remote-access.md 2.1, 6.3). */
export interface RateLimitConfig {
  /** Failures within `windowMs` that lock a non-loopback client out. */
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
/**
 * An address may fail this many times `maxAttempts` per window, whatever Origins its attempts
 * carry, before the whole address is locked: per-Origin keys narrow the budget (a page locks out
 * only its own Origin), they never add to it.
 */
export const ADDRESS_BUDGET_FACTOR = 2;
/** Addresses tracked at once (per credential class together); the least recently failed goes first. */
export const MAX_TRACKED_ADDRESSES = 4096;
/** Origins tracked per address; further Origins share one overflow key (so they only narrow). */
export const MAX_ORIGINS_PER_ADDRESS = 16;
/** Origins longer than this are keyed by their SHA-256 (bounded key size). */
const MAX_ORIGIN_KEY_CHARS = 128;

/**
 * Failure counters are independent per credential class (remote-access.md 6.3); setup-code
 * bootstrap tokens have their own, as in the real gateway.
 */
export type CredentialClass = 'shared-secret' | 'device-token' | 'bootstrap-token';

/** Who failed: the client address and, for a browser, the `Origin` of its upgrade. */
export interface RateLimitClient {
  address: string;
  origin?: string | undefined;
}

/** Failures in the current fixed window and the lockout they caused: O(1) memory per key. */
interface Counter {
  windowStartMs: number;
  failures: number;
  lockedUntilMs: number;
}

interface AddressEntry {
  /** Every non-exempt failure of the address, whatever its Origin. */
  total: Counter;
  /** Per Origin; `''` is "no Origin" (CLI, node hosts, backends). */
  keys: Map<string, Counter>;
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

const newCounter = (): Counter => ({ windowStartMs: 0, failures: 0, lockedUntilMs: 0 });

/**
 * Failed-authentication limiter keyed by address first (remote-access.md 6.3, issue 12.3). Per
 * credential class and address:
 * - each key (the address's attempts without an Origin, or one browser Origin) is locked for
 *   `lockoutMs` after `maxAttempts` failures inside `windowMs`, even for a right credential;
 * - the address as a whole is locked after `ADDRESS_BUDGET_FACTOR × maxAttempts` failures, so
 *   changing the Origin never escapes the address's budget;
 * - a direct-local peer without an Origin (when exempt) is never locked out, and its failures do
 *   not count toward the address: each is answered after 250 ms × 2^(n−1), capped at 5 s.
 * A success resets the key and the address. Memory is bounded: at most MAX_TRACKED_ADDRESSES
 * addresses (least recently failed dropped first, O(1) per failure) with MAX_ORIGINS_PER_ADDRESS
 * keys each, long Origins hashed.
 */
export class AuthRateLimiter {
  /** Insertion order is recency: a failing address is moved to the end. */
  private readonly entries = new Map<string, AddressEntry>();

  constructor(readonly config: RateLimitConfig = DEFAULT_RATE_LIMIT, private readonly now: () => number = Date.now) {}

  /**
   * Milliseconds until the lockout of this client ends, or 0 when it may try. A direct-local
   * peer (when exempt) is never locked out, not even by its address's browser failures.
   */
  lockedForMs(client: RateLimitClient, cls: CredentialClass, isDirectLocal = false): number {
    if ((this.config.exemptLoopback && isDirectLocal) || this.entries.size === 0) return 0;
    const entry = this.entries.get(addressKeyOf(client.address, cls));
    if (!entry) return 0;
    const now = this.now();
    const originKey = originKeyOf(client.origin);
    const key = entry.keys.get(originKey) ?? (originKey !== '' ? entry.keys.get(OVERFLOW_KEY) : undefined);
    return Math.max(0, entry.total.lockedUntilMs - now, (key?.lockedUntilMs ?? 0) - now);
  }

  /**
   * Counts a failure; returns how long to hold back the answer (loopback escalation).
   * `isDirectLocal`: a loopback peer with no forwarding header and no browser Origin; only such
   * a peer gets the loopback exemption, so clients relayed by a local proxy are still locked out.
   */
  recordFailure(client: RateLimitClient, cls: CredentialClass, isDirectLocal: boolean): number {
    const now = this.now();
    const entry = this.touch(addressKeyOf(client.address, cls));
    const key = this.keyCounter(entry, originKeyOf(client.origin));
    const { maxAttempts } = this.config;
    if (this.config.exemptLoopback && isDirectLocal) {
      const n = this.count(key, now);
      return Math.min(LOOPBACK_BASE_DELAY_MS * 2 ** (n - 1), LOOPBACK_MAX_DELAY_MS);
    }
    if (this.count(key, now) >= maxAttempts) this.lock(key, now);
    if (this.count(entry.total, now) >= maxAttempts * ADDRESS_BUDGET_FACTOR) this.lock(entry.total, now);
    return 0;
  }

  /** A successful authentication clears the client's key and its address's count. */
  reset(client: RateLimitClient, cls: CredentialClass): void {
    // The usual case on the connect path: nothing was ever counted, so no address to work out.
    if (this.entries.size === 0) return;
    const addressKey = addressKeyOf(client.address, cls);
    const entry = this.entries.get(addressKey);
    if (!entry) return;
    entry.keys.delete(originKeyOf(client.origin));
    entry.total = newCounter();
    if (entry.keys.size === 0) this.entries.delete(addressKey);
  }

  /** Addresses tracked now (tests: the bound holds). */
  get size(): number {
    return this.entries.size;
  }

  private touch(addressKey: string): AddressEntry {
    let entry = this.entries.get(addressKey);
    if (entry) this.entries.delete(addressKey);
    else {
      entry = { total: newCounter(), keys: new Map() };
      if (this.entries.size >= MAX_TRACKED_ADDRESSES) this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(addressKey, entry);
    return entry;
  }

  private keyCounter(entry: AddressEntry, originKey: string): Counter {
    let counter = entry.keys.get(originKey);
    if (counter) return counter;
    const key = originKey !== '' && entry.keys.size >= MAX_ORIGINS_PER_ADDRESS ? OVERFLOW_KEY : originKey;
    counter = entry.keys.get(key) ?? newCounter();
    entry.keys.set(key, counter);
    return counter;
  }

  /** Adds one failure to the counter's window (a new window once the old one ended); returns the count. */
  private count(counter: Counter, now: number): number {
    if (now - counter.windowStartMs >= this.config.windowMs) {
      counter.windowStartMs = now;
      counter.failures = 0;
    }
    return ++counter.failures;
  }

  private lock(counter: Counter, now: number): void {
    counter.lockedUntilMs = now + this.config.lockoutMs;
    counter.failures = 0;
  }
}

/** Origins past MAX_ORIGINS_PER_ADDRESS of one address share this key. */
const OVERFLOW_KEY = '\u0000overflow';

/** `::ffff:a.b.c.d` counts as `a.b.c.d`, an IPv6 address as its /64 (address-block.ts). */
function addressKeyOf(address: string, cls: CredentialClass): string {
  return `${cls}|${addressBlockOf(address)}`;
}

function originKeyOf(origin: string | undefined): string {
  if (origin === undefined) return '';
  return origin.length <= MAX_ORIGIN_KEY_CHARS ? origin : `sha256:${createHash('sha256').update(origin).digest('base64url')}`;
}
