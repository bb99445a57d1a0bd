import { parseTailscaleJson, type TailscaleCli } from './tailscale-cli.js';
import { trimmedText } from '../../infra/text.js';

/** A tailnet peer as `tailscale whois --json` names it. */
export interface WhoisIdentity {
  /** `UserProfile.LoginName` (a tagged device reports `tagged-devices`). */
  login: string;
  displayName?: string;
  /** `Node.Tags` of a tagged device. */
  tags: string[];
}

/** Cache lifetimes of assistant.md 12.3: answers 60 s, failures 5 s. */
export const WHOIS_TTL_MS = 60_000;
export const WHOIS_FAILURE_TTL_MS = 5_000;

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Reads the identity out of `whois --json` output; undefined when it names no login. */
export function parseWhois(payload: Record<string, unknown>): WhoisIdentity | undefined {
  const profile = obj(payload.UserProfile);
  const login = trimmedText(profile.LoginName);
  if (login === undefined) return undefined;
  const tags = obj(payload.Node).Tags;
  const displayName = trimmedText(profile.DisplayName);
  return {
    login,
    ...(displayName !== undefined ? { displayName } : {}),
    tags: Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [],
  };
}

/**
 * `tailscale whois --json <ip>` with a cache per IP: an answer lives 60 s, a failure (unknown
 * IP, CLI error, timeout) 5 s, so a burst of connects from one peer costs one call.
 */
export class WhoisCache {
  private readonly entries = new Map<string, { value: WhoisIdentity | undefined; expiresAtMs: number }>();
  private readonly inflight = new Map<string, Promise<WhoisIdentity | undefined>>();

  constructor(private readonly cli: Pick<TailscaleCli, 'run'>, private readonly now: () => number = Date.now) {}

  async lookup(ip: string): Promise<WhoisIdentity | undefined> {
    const hit = this.entries.get(ip);
    if (hit && hit.expiresAtMs > this.now()) return hit.value;
    const running = this.inflight.get(ip);
    if (running) return await running;
    const call = this.fetch(ip).finally(() => this.inflight.delete(ip));
    this.inflight.set(ip, call);
    return await call;
  }

  private async fetch(ip: string): Promise<WhoisIdentity | undefined> {
    let value: WhoisIdentity | undefined;
    try {
      value = parseWhois(parseTailscaleJson(await this.cli.run(['whois', '--json', ip])));
    } catch {
      value = undefined;
    }
    this.entries.set(ip, { value, expiresAtMs: this.now() + (value ? WHOIS_TTL_MS : WHOIS_FAILURE_TTL_MS) });
    return value;
  }
}
