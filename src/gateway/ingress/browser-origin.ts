import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { GatewayConfig } from '../../infra/config-schema.js';

/** `gateway.controlUi.*` and `gateway.publicOrigin`, as the origin check needs them. */
export interface OriginPolicy {
  allowedOrigins: string[];
  /** `dangerouslyAllowHostHeaderOriginFallback`: same-origin by Host header for any host name. */
  hostHeaderFallback: boolean;
  publicOrigin?: string;
}

export function originPolicyOf(gw: GatewayConfig | undefined): OriginPolicy {
  const ui = (gw?.controlUi ?? {}) as { allowedOrigins?: unknown; dangerouslyAllowHostHeaderOriginFallback?: unknown };
  const list = Array.isArray(ui.allowedOrigins) ? ui.allowedOrigins.filter((o): o is string => typeof o === 'string') : [];
  return {
    allowedOrigins: list.map((o) => o.trim()).filter((o) => o !== ''),
    hostHeaderFallback: ui.dangerouslyAllowHostHeaderOriginFallback === true,
    ...(gw?.publicOrigin ? { publicOrigin: gw.publicOrigin } : {}),
  };
}

function originOf(text: string): URL | undefined {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

const bare = (host: string): string => host.replace(/^\[|\]$/g, '').toLowerCase();

const isLoopbackName = (name: string): boolean =>
  name === 'localhost' || name.endsWith('.localhost') || name === '::1' || (isIP(name) === 4 && name.startsWith('127.'));

/** Host name of a `Host` header value (`name:port`, `[v6]:port`). */
function hostNameOf(hostHeader: string): string | undefined {
  const u = originOf(`http://${hostHeader}`);
  return u ? bare(u.hostname) : undefined;
}

/**
 * Whether a `Host` name can be trusted as this gateway's own name. A DNS-rebinding page reaches
 * the gateway under the attacker's domain, so only names that cannot be rebound are trusted:
 * IP literals, loopback names, this machine's host name, and the hosts of configured origins.
 */
export function isTrustedHostName(name: string, policy: OriginPolicy): boolean {
  if (isIP(name) !== 0 || isLoopbackName(name)) return true;
  const own = hostname().toLowerCase();
  if (name === own || name === `${own}.local`) return true;
  const configured = [...policy.allowedOrigins, ...(policy.publicOrigin ? [policy.publicOrigin] : [])];
  return configured.some((o) => {
    const u = originOf(o);
    return u !== undefined && bare(u.hostname) === name;
  });
}

/**
 * Whether a request's `Host` header names this gateway by a name that cannot be rebound (see
 * isTrustedHostName): a DNS-rebinding page reaches loopback under its own domain.
 */
export function isTrustedHostHeader(hostHeader: string | undefined, policy: OriginPolicy): boolean {
  const name = hostHeader !== undefined ? hostNameOf(hostHeader) : undefined;
  return name !== undefined && isTrustedHostName(name, policy);
}

/**
 * The browser-origin rule of protocol.md 3.3 step 5: an origin listed in
 * `gateway.controlUi.allowedOrigins` (or `"*"`); a loopback origin when the browser itself
 * dialled a loopback host; or the same origin as the `Host` header when that host name cannot
 * be a DNS-rebinding name (see isTrustedHostName) or the dangerous fallback is on.
 */
export function isOriginAllowed(origin: string, hostHeader: string | undefined, policy: OriginPolicy): boolean {
  const o = originOf(origin);
  if (!o) return false;
  if (policy.allowedOrigins.includes('*')) return true;
  if (policy.allowedOrigins.some((a) => originOf(a)?.origin === o.origin)) return true;
  const requestHost = hostHeader !== undefined ? hostNameOf(hostHeader) : undefined;
  if (requestHost === undefined) return false;
  if (isLoopbackName(bare(o.hostname)) && isLoopbackName(requestHost)) return true;
  if (o.host.toLowerCase() !== hostHeader?.toLowerCase()) return false;
  return policy.hostHeaderFallback || isTrustedHostName(requestHost, policy);
}
