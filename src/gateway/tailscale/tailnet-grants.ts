import { hasScope } from '../../protocol/scopes.js';
import type { WhoisIdentity } from './whois-cache.js';

/** `gateway.auth.tailscale`: selector → scopes, and the members of each `group:`. */
export interface TailnetGrantConfig {
  grants?: Record<string, string[]>;
  groups?: Record<string, string[]>;
}

/** The scopes a tailnet identity may have: all it asks for (no grants configured) or these. */
export type TailnetGrant = { kind: 'unrestricted' } | { kind: 'granted'; scopes: string[]; matched: string[] };

const lower = (s: string): string => s.trim().toLowerCase();

/** Whether any grant is configured (then only matching identities get in). */
export const hasGrants = (cfg: TailnetGrantConfig | undefined): boolean => Object.keys(cfg?.grants ?? {}).length > 0;

/**
 * What `gateway.auth.tailscale.grants` gives a verified identity (issue 18, beyond OpenClaw).
 * Selectors: a login (`alice@example.com`, case-insensitive), `group:<name>` (members listed in
 * `gateway.auth.tailscale.groups`), `tag:<name>` (the device's Tailscale tags). The scopes of
 * every matching selector add up. Without grants everyone verified is unrestricted, as in
 * OpenClaw; with grants an identity no selector matches gets `undefined` (no tailnet auth).
 */
export function tailnetGrantFor(cfg: TailnetGrantConfig | undefined, who: Pick<WhoisIdentity, 'login' | 'tags'>): TailnetGrant | undefined {
  if (!hasGrants(cfg)) return { kind: 'unrestricted' };
  const login = lower(who.login);
  const tags = new Set(who.tags.map(lower));
  const groups = new Set(
    Object.entries(cfg?.groups ?? {}).filter(([, members]) => members.some((m) => lower(m) === login)).map(([name]) => lower(name)),
  );
  const matched: string[] = [];
  const scopes = new Set<string>();
  for (const [selector, granted] of Object.entries(cfg?.grants ?? {})) {
    const s = lower(selector);
    const isMatch = s.startsWith('tag:') ? tags.has(s) : s.startsWith('group:') ? groups.has(s) : s === login;
    if (!isMatch) continue;
    matched.push(selector);
    for (const scope of granted) scopes.add(scope);
  }
  return matched.length > 0 ? { kind: 'granted', scopes: [...scopes], matched } : undefined;
}

/** The requested scopes a grant allows (a granted `operator.admin` covers the others, as elsewhere). */
export function grantedScopes(grant: TailnetGrant, requested: readonly string[]): string[] {
  const unique = [...new Set(requested)];
  return grant.kind === 'unrestricted' ? unique : unique.filter((s) => hasScope(grant.scopes, s));
}
