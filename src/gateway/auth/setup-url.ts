import { isIP } from 'node:net';
import { isRfc1918IPv4, lanIPv4 } from '../../infra/interfaces.js';
import type { FarclawConfig } from '../../infra/config-schema.js';
import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import type { BindMode } from '../startup/bind.js';

/** The gateway facts the setup-code URL is derived from. */
export interface SetupUrlContext {
  config: FarclawConfig;
  /** How the gateway listens: the mode and the host it resolved to (the tailnet IP, the custom host). */
  bind: { mode: BindMode; resolvedHost: string };
  port: number;
  /** This machine's private-LAN IPv4 address (injectable for tests). */
  lanAddress?: () => string | undefined;
}

/** The URL a device should dial, and which setting it came from (`urlSource`). */
export interface SetupUrl {
  url: string;
  source: string;
}

const refuse = (message: string): GatewayError => new GatewayError(ErrorCode.INVALID_REQUEST, message);

/**
 * `ws://host[:port][/path]` or `wss://…` in canonical form, or undefined when `raw` is not a
 * usable gateway URL. `http(s)://` maps to `ws(s)://`; a bare `host[:port]` gets `scheme`.
 * Credentials in the URL are refused (they would end up in the QR code).
 */
export function normalizeGatewayUrl(raw: string, scheme: 'ws' | 'wss'): string | undefined {
  const trimmed = raw.trim();
  if (trimmed === '') return undefined;
  const hasScheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(trimmed) && !/^[^:/]+:\d+(\/|$)/.test(trimmed);
  let parsed: URL;
  try {
    parsed = new URL(hasScheme ? trimmed : `${scheme}://${trimmed}`);
  } catch {
    return undefined;
  }
  const schemes: Record<string, 'ws' | 'wss'> = { 'ws:': 'ws', 'wss:': 'wss', 'http:': 'ws', 'https:': 'wss' };
  const resolved = schemes[parsed.protocol];
  if (!resolved || parsed.hostname === '' || parsed.username !== '' || parsed.password !== '') return undefined;
  if (hasScheme && !trimmed.includes('//')) return undefined;
  return `${resolved}://${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

/**
 * Hosts a phone may reach over plaintext ws:// without crossing a network the operator does not
 * own: loopback, the Android emulator's host alias, private LAN ranges, `*.local`. Tailnet
 * (CGNAT) and public addresses are not among them: OpenClaw fails closed there, and so do we.
 */
export function isCleartextPairingHost(hostname: string): boolean {
  let host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const zone = host.indexOf('%');
  if (zone >= 0) host = host.slice(0, zone);
  if (host === 'localhost' || host.endsWith('.local') || host === '10.0.2.2') return true;
  if (isIP(host) === 4) return host.startsWith('127.') || isRfc1918IPv4(host) || host.startsWith('169.254.');
  if (isIP(host) === 6) return host === '::1' || /^f[cd]/.test(host) || /^fe[89ab]/.test(host);
  return false;
}

function configuredPublicUrl(config: FarclawConfig): string | undefined {
  const plugins = (config as { plugins?: { entries?: Record<string, { config?: { publicUrl?: unknown } }> } }).plugins;
  const value = plugins?.entries?.['device-pair']?.config?.publicUrl;
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function fromBind(ctx: SetupUrlContext, scheme: 'ws' | 'wss'): SetupUrl {
  const { mode, resolvedHost } = ctx.bind;
  const at = (host: string): SetupUrl => ({ url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${ctx.port}`, source: `gateway.bind=${mode}` });
  if (mode === 'lan') {
    const host = (ctx.lanAddress ?? lanIPv4)();
    if (!host) throw refuse('gateway.bind=lan is set, but this machine has no private LAN IPv4 address to put in a setup code.');
    return at(host);
  }
  if (mode === 'tailnet' && !resolvedHost.startsWith('127.')) return at(resolvedHost);
  if (mode === 'tailnet') throw refuse('gateway.bind=tailnet is set, but no tailnet address was found.');
  if (mode === 'custom' && resolvedHost !== '0.0.0.0') return at(resolvedHost);
  throw refuse(
    'The gateway listens on loopback only, so a phone could not reach the URL in a setup code. Run it with --bind lan, ' +
      'or give the URL phones should use (farclaw qr --url wss://…, or plugins.entries.device-pair.config.publicUrl).',
  );
}

/**
 * Decides the gateway URL of a setup code, as the real gateway does: the URL the request names,
 * else `plugins.entries.device-pair.config.publicUrl` (unless `preferRemoteUrl`), else
 * `gateway.remote.url`, else the address of a lan/tailnet/custom bind. A plaintext ws:// URL
 * must point at a host isCleartextPairingHost accepts.
 * @throws GatewayError INVALID_REQUEST with a sentence saying what to change.
 */
export function resolveSetupUrl(ctx: SetupUrlContext, opts: { publicUrl?: string; preferRemoteUrl?: boolean }): SetupUrl {
  const gw = ctx.config.gateway ?? {};
  const scheme = (gw.tls as { enabled?: unknown } | undefined)?.enabled === true ? 'wss' : 'ws';
  let chosen: SetupUrl;
  const requested = opts.publicUrl ?? (opts.preferRemoteUrl ? undefined : configuredPublicUrl(ctx.config));
  if (requested !== undefined) {
    const source = opts.publicUrl !== undefined ? 'request.publicUrl' : 'plugins.entries.device-pair.config.publicUrl';
    const url = normalizeGatewayUrl(requested, scheme);
    if (!url) throw refuse(`${source} "${requested}" is not a gateway URL (expected ws://host:port or wss://host:port, without credentials).`);
    chosen = { url, source };
  } else {
    // A gateway whose own config is in remote mode describes another gateway there (OpenClaw's rule).
    const remoteRaw = gw.mode === 'remote' && !opts.preferRemoteUrl ? undefined : gw.remote?.url;
    const remote = remoteRaw !== undefined && remoteRaw.trim() !== '' ? normalizeGatewayUrl(remoteRaw, scheme) : undefined;
    if (remoteRaw !== undefined && remoteRaw.trim() !== '' && !remote) throw refuse(`gateway.remote.url "${remoteRaw}" is not a gateway URL.`);
    chosen = remote ? { url: remote, source: 'gateway.remote.url' } : fromBind(ctx, scheme);
  }
  const parsed = new URL(chosen.url);
  if (parsed.protocol === 'ws:' && !isCleartextPairingHost(parsed.hostname)) {
    throw refuse(
      `Refusing to put plaintext ${chosen.url} (from ${chosen.source}) in a setup code: only loopback, private LAN ` +
        'and *.local hosts may use ws:// for pairing, because a tailnet or public route would carry the device\'s ' +
        'credentials unencrypted. Give a wss:// URL (farclaw qr --url wss://…) or a private LAN address.',
    );
  }
  return chosen;
}
