import type { IncomingHttpHeaders } from 'node:http';
import { hasScope } from '../../protocol/scopes.js';
import { isLoopbackAddress, isOwnInterfaceAddress, isTrustedProxy, type Ingress, type IngressPolicy } from '../ingress/attribution.js';

/** `gateway.auth.trustedProxy` (remote-access.md 12). */
export interface TrustedProxyConfig {
  userHeader: string;
  requiredHeaders: string[];
  allowUsers: string[];
  allowLoopback: boolean;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

/** Reads `gateway.auth.trustedProxy`; undefined when absent. */
export function trustedProxyConfigOf(raw: unknown): TrustedProxyConfig | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  return {
    userHeader: typeof r.userHeader === 'string' ? r.userHeader.trim().toLowerCase() : '',
    requiredHeaders: strings(r.requiredHeaders).map((h) => h.trim().toLowerCase()),
    allowUsers: strings(r.allowUsers),
    allowLoopback: r.allowLoopback === true,
  };
}

/** Outcome of trusted-proxy auth for one upgrade: the verified user, or why there is none. */
export type TrustedProxyOutcome = { user: string } | { reason: string };

const header = (headers: IncomingHttpHeaders, name: string): string => {
  const v = headers[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() ?? '';
};

/**
 * The trusted-proxy algorithm of remote-access.md 12, steps 1–5, for one upgrade request.
 * `proxy_attribution_required` means the proxy vouched for a user without naming a client
 * address: the upgrade is refused with 403 like any unattributable request.
 */
export function authorizeTrustedProxy(
  headers: IncomingHttpHeaders, ingress: Ingress, policy: IngressPolicy, cfg: TrustedProxyConfig,
): TrustedProxyOutcome {
  const peer = ingress.peerAddress;
  if (!isTrustedProxy(policy, peer)) return { reason: 'trusted_proxy_untrusted_source' };
  if (isLoopbackAddress(peer)) {
    if (!cfg.allowLoopback) return { reason: 'trusted_proxy_loopback_source' };
  } else if (isOwnInterfaceAddress(peer)) {
    return { reason: 'trusted_proxy_local_interface_source' };
  }
  for (const h of cfg.requiredHeaders) {
    if (header(headers, h) === '') return { reason: `trusted_proxy_missing_header_${h}` };
  }
  const user = header(headers, cfg.userHeader);
  if (user === '') return { reason: 'trusted_proxy_user_missing' };
  if (cfg.allowUsers.length > 0 && !cfg.allowUsers.includes(user)) return { reason: 'trusted_proxy_user_not_allowed' };
  if (ingress.kind !== 'proxied') return { reason: 'proxy_attribution_required' };
  return { user };
}

/**
 * Operator scopes a verified identity gets: the requested ones that `gateway.auth.identityScopes`
 * grants it (identities compared case-insensitively, as emails are).
 */
export function identityScopesFor(identityScopes: Record<string, string[]> | undefined, user: string, requested: readonly string[]): string[] {
  const key = Object.keys(identityScopes ?? {}).find((k) => k.toLowerCase() === user.toLowerCase());
  const granted = key !== undefined ? (identityScopes?.[key] ?? []) : [];
  return [...new Set(requested)].filter((s) => hasScope(granted, s));
}
