import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/**
 * Who a request comes from (remote-access.md 6.4), decided once per request from the socket
 * peer, `gateway.trustedProxies` and the forwarding headers:
 * - `direct`: no proxy-shaped header; the peer is the client. `isLocal` when it is loopback.
 * - `proxied`: the peer is a trusted proxy and named a non-loopback client. Never local.
 * - `unattributable`: proxy-shaped headers we cannot trust; answered 403 before the upgrade.
 */
export type Ingress =
  | { kind: 'direct'; clientAddress: string; peerAddress: string; isLocal: boolean }
  | { kind: 'proxied'; clientAddress: string; peerAddress: string; isLocal: false }
  | { kind: 'unattributable'; peerAddress: string };

/** The compiled `gateway.trustedProxies` / `allowRealIpFallback`. */
export interface IngressPolicy {
  trustedProxies: BlockList;
  hasTrustedProxies: boolean;
  allowRealIpFallback: boolean;
}

/** Body of the 403 (6.4). */
export const PROXY_ATTRIBUTION_REQUIRED = JSON.stringify({
  error: {
    message: 'Proxy client attribution is required. Configure gateway.trustedProxies narrowly and make the proxy overwrite or safely rebuild forwarded client headers.',
    type: 'proxy_attribution_required',
  },
});

const TAILSCALE_HEADERS = ['tailscale-user-login', 'tailscale-user-name', 'tailscale-user-profile-pic', 'tailscale-headers-info', 'tailscale-funnel-request'];

/** `::ffff:1.2.3.4` → `1.2.3.4`; other addresses unchanged. */
export const normalizeAddress = (addr: string): string => (addr.toLowerCase().startsWith('::ffff:') && isIP(addr.slice(7)) === 4 ? addr.slice(7) : addr);

export function isLoopbackAddress(addr: string | undefined): boolean {
  if (!addr) return false;
  const a = normalizeAddress(addr);
  return a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));
}

/** Whether the request carries any header a proxy (or Tailscale Serve) would add. */
export function hasProxyHeaders(headers: IncomingHttpHeaders): boolean {
  return Object.keys(headers).some((h) => h === 'forwarded' || h === 'x-real-ip' || h.startsWith('x-forwarded-') || TAILSCALE_HEADERS.includes(h));
}

/** An invalid `gateway.trustedProxies` entry; the message names it. */
export class TrustedProxiesError extends Error {}

/**
 * Compiles `gateway.trustedProxies` (IPv4/IPv6 addresses and CIDRs).
 * @throws TrustedProxiesError naming the first entry that is neither
 */
export function ingressPolicyOf(trustedProxies: readonly string[] | undefined, allowRealIpFallback: boolean | undefined): IngressPolicy {
  const list = new BlockList();
  for (const entry of trustedProxies ?? []) {
    const [addr = '', bits, extra] = entry.trim().split('/');
    const family = isIP(addr);
    const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
    const max = family === 4 ? 32 : 128;
    if (family === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) {
      throw new TrustedProxiesError(`Invalid gateway.trustedProxies entry "${entry}": expected an IP address or CIDR (e.g. 10.0.0.5 or 10.0.0.0/8).`);
    }
    list.addSubnet(addr, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return { trustedProxies: list, hasTrustedProxies: (trustedProxies ?? []).length > 0, allowRealIpFallback: allowRealIpFallback === true };
}

export function isTrustedProxy(policy: IngressPolicy, addr: string): boolean {
  // Most gateways trust no proxy: skip the BlockList lookup (it builds a SocketAddress) per socket.
  if (!policy.hasTrustedProxies) return false;
  const a = normalizeAddress(addr);
  const family = isIP(a);
  return family !== 0 && policy.trustedProxies.check(a, family === 4 ? 'ipv4' : 'ipv6');
}

/** One forwarded hop as an address: strips `[…]` and a port; undefined when it is not an IP. */
function hopAddress(hop: string): string | undefined {
  let h = hop.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(h);
  if (bracketed?.[1]) h = bracketed[1];
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(h)) h = h.slice(0, h.lastIndexOf(':'));
  return isIP(h) ? normalizeAddress(h) : undefined;
}

const headerText = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(',') : v);

/** The client a trusted proxy names: right-most X-Forwarded-For hop that is neither loopback nor a trusted proxy. */
function forwardedClient(headers: IncomingHttpHeaders, policy: IngressPolicy): string | undefined {
  const xff = headerText(headers['x-forwarded-for']);
  if (xff !== undefined && xff.trim() !== '') {
    const hops = xff.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const addr = hopAddress(hops[i] ?? '');
      if (addr === undefined) return undefined;
      if (isLoopbackAddress(addr) || isTrustedProxy(policy, addr)) continue;
      return addr;
    }
    return undefined;
  }
  if (!policy.allowRealIpFallback) return undefined;
  const real = hopAddress(headerText(headers['x-real-ip']) ?? '');
  return real !== undefined && !isLoopbackAddress(real) ? real : undefined;
}

/** Attributes one HTTP request or upgrade (6.4). */
export function attributeIngress(req: IncomingMessage, policy: IngressPolicy): Ingress {
  const peerAddress = normalizeAddress(req.socket.remoteAddress ?? '');
  if (!hasProxyHeaders(req.headers)) return { kind: 'direct', clientAddress: peerAddress, peerAddress, isLocal: isLoopbackAddress(peerAddress) };
  if (!isTrustedProxy(policy, peerAddress)) return { kind: 'unattributable', peerAddress };
  const client = forwardedClient(req.headers, policy);
  return client === undefined ? { kind: 'unattributable', peerAddress } : { kind: 'proxied', clientAddress: client, peerAddress, isLocal: false };
}

/** Whether `addr` is one of this machine's own non-loopback interface addresses. */
export function isOwnInterfaceAddress(addr: string): boolean {
  const a = normalizeAddress(addr);
  return Object.values(networkInterfaces()).some((list) => (list ?? []).some((i) => !i.internal && normalizeAddress(i.address) === a));
}
