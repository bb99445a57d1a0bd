import { isContainer } from '../../gateway/startup/bind.js';
import type { FarclawConfig, Secret } from '../../infra/config-schema.js';
import { readEnv } from '../../infra/env.js';
import type { Finding } from './findings.js';

const MIN_SECRET_LENGTH = 24;
const PLACEHOLDERS = new Set(['', 'undefined', 'null']);

/** A secret's value as far as the audit can see it without resolving references. */
function literal(secret: Secret | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (secret === undefined) return undefined;
  if (typeof secret === 'string') return /\$\{[A-Za-z_][A-Za-z0-9_]*\}/.test(secret) ? undefined : secret;
  return secret.source === 'env' ? env[secret.id] : undefined;
}

interface Effective {
  exposed: boolean;
  mode: string;
  token: string | undefined;
  password: string | undefined;
  /** Which key the token came from, for the 5.5 note. */
  tokenSource: 'gateway.auth.token' | 'env' | 'gateway.remote.token' | undefined;
  hasSecret: boolean;
  controlUi: boolean;
}

/** What the gateway would run with (remote-access.md 4, 5.1, 5.5), as far as config and env tell. */
function effective(config: FarclawConfig, env: NodeJS.ProcessEnv): Effective {
  const gw = config.gateway ?? {};
  const bind = gw.bind ?? 'loopback';
  const exposed = bind === 'lan' || bind === 'custom' || bind === 'tailnet' || (bind === 'auto' && isContainer(env));
  const envToken = readEnv('GATEWAY_TOKEN', env);
  const authToken = literal(gw.auth?.token, env);
  const remoteToken = literal(gw.remote?.token, env);
  const token = authToken ?? envToken ?? remoteToken;
  const tokenSource = authToken !== undefined ? 'gateway.auth.token' : envToken !== undefined ? 'env' : remoteToken !== undefined ? 'gateway.remote.token' : undefined;
  const password = literal(gw.auth?.password, env) ?? readEnv('GATEWAY_PASSWORD', env) ??
    (gw.auth?.mode === 'trusted-proxy' ? undefined : literal(gw.remote?.password, env));
  const mode = gw.auth?.mode ?? (password !== undefined ? 'password' : 'token');
  // farclaw generates a runtime token for a loopback token-mode gateway without one (5.1 item 5).
  const runtimeToken = mode === 'token' && token === undefined && !exposed;
  const hasSecret = (mode === 'token' && (token !== undefined || runtimeToken)) || (mode === 'password' && password !== undefined);
  const ui = (gw.controlUi ?? {}) as { enabled?: unknown };
  return { exposed, mode, token, password, tokenSource, hasSecret, controlUi: ui.enabled !== false };
}

/**
 * Who on the tailnet gets in without a token (issue 18): the grants of
 * `gateway.auth.tailscale.grants`, or a warning that every tailnet user gets what it asks for.
 */
function tailnetGrantFindings(gw: NonNullable<FarclawConfig['gateway']>, mode: string): Finding[] {
  const allowTailscale = gw.auth?.allowTailscale ?? (gw.tailscale?.mode === 'serve' && mode !== 'password' && mode !== 'trusted-proxy');
  if (!allowTailscale) return [];
  const grants = Object.entries(gw.auth?.tailscale?.grants ?? {});
  if (grants.length === 0) {
    return [{ checkId: 'gateway.tailscale.identity_without_grants', severity: 'warn', title: 'Every tailnet user may sign in as a full operator',
      detail: 'gateway.auth.allowTailscale is on and gateway.auth.tailscale.grants is empty: any tailnet user who can reach the Serve name gets the scopes its client asks for (the Control UI asks for operator.admin), with no token.',
      remediation: 'List who gets what in gateway.auth.tailscale.grants (a login, "group:<name>" or "tag:<name>" -> scopes), or set gateway.auth.allowTailscale to false.' }];
  }
  const groups = gw.auth?.tailscale?.groups ?? {};
  const lines = grants.map(([selector, scopes]) => {
    const members = selector.startsWith('group:') ? ` (${(groups[selector] ?? []).join(', ') || 'no members listed'})` : '';
    return `${selector}${members} -> ${scopes.join(', ') || 'no scopes'}`;
  });
  return [{ checkId: 'gateway.tailscale.grants', severity: 'info', title: 'Tailnet identities and their scopes',
    detail: `Tokenless tailnet sign-in is limited to: ${lines.join('; ')}. Anyone else on the tailnet needs the token.` }];
}

/** The remote-access checks of remote-access.md 15 over one config (no I/O besides env). */
export function gatewayFindings(config: FarclawConfig, env: NodeJS.ProcessEnv): Finding[] {
  const gw = config.gateway ?? {};
  const e = effective(config, env);
  const out: Finding[] = [];
  const add = (f: Finding) => out.push(f);
  const ui = (gw.controlUi ?? {}) as { allowedOrigins?: unknown; dangerouslyAllowHostHeaderOriginFallback?: unknown };
  const origins = Array.isArray(ui.allowedOrigins) ? ui.allowedOrigins.filter((o): o is string => typeof o === 'string' && o.trim() !== '') : [];
  const hostFallback = ui.dangerouslyAllowHostHeaderOriginFallback === true;
  const trustedProxies = gw.trustedProxies ?? [];
  const tailscale = (gw.tailscale as { mode?: unknown } | undefined)?.mode;
  const tp = (gw.auth?.trustedProxy ?? {}) as { userHeader?: unknown; allowLoopback?: unknown; allowUsers?: unknown; deviceAutoApprove?: { enabled?: unknown; scopes?: unknown } };

  if (e.exposed && !e.hasSecret && e.mode !== 'trusted-proxy') {
    add({
      checkId: 'gateway.bind_no_auth', severity: 'critical', title: 'Gateway binds beyond loopback without auth',
      detail: `gateway.bind is "${gw.bind ?? 'loopback'}" but no shared secret is in effect (auth mode ${e.mode}); the gateway refuses to start this way (exit 78).`,
      remediation: 'Set gateway.auth.token (24+ random characters) or gateway.auth.password, or set gateway.bind to "loopback".',
    });
  }
  if (!e.exposed && e.controlUi && e.mode === 'none' && !(gw.auth?.allowTailscale === true && tailscale === 'serve')) {
    add({
      checkId: 'gateway.loopback_no_auth', severity: 'critical', title: 'Gateway auth is off on loopback',
      detail: 'gateway.auth.mode is "none": any local process, and any browser page that can reach loopback, may use the gateway.',
      remediation: 'Remove gateway.auth.mode "none" (farclaw then uses a token) or set gateway.auth.token.',
    });
  }
  if (!e.exposed && e.controlUi && trustedProxies.length === 0) {
    add({
      checkId: 'gateway.trusted_proxies_missing', severity: 'warn', title: 'No trusted proxies configured',
      detail: 'gateway.trustedProxies is empty: requests that arrive through a reverse proxy on this host are refused (403), not attributed.',
      remediation: 'If a reverse proxy fronts the gateway, list its address in gateway.trustedProxies; otherwise nothing to do.',
    });
  }
  if (e.exposed && e.controlUi && origins.length === 0 && !hostFallback) {
    add({
      checkId: 'gateway.control_ui.allowed_origins_required', severity: 'critical', title: 'Exposed gateway without allowed browser origins',
      detail: 'The gateway listens beyond loopback but gateway.controlUi.allowedOrigins is empty.',
      remediation: 'Set gateway.controlUi.allowedOrigins to the exact origins that serve the Control UI (e.g. ["https://gw.example.com"]).',
    });
  }
  if (origins.includes('*')) {
    add({
      checkId: 'gateway.control_ui.allowed_origins_wildcard', severity: e.exposed ? 'critical' : 'warn', title: 'Any browser origin may open the WebSocket',
      detail: 'gateway.controlUi.allowedOrigins contains "*": every web page the user visits may talk to the gateway.',
      remediation: 'Replace "*" with the exact Control UI origins (security audit --fix removes it).',
    });
  }
  if (hostFallback) {
    add({
      checkId: 'gateway.control_ui.host_header_origin_fallback', severity: e.exposed ? 'critical' : 'warn', title: 'Host-header origin fallback is on',
      detail: 'gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback accepts any same-origin page, including DNS-rebinding pages.',
      remediation: 'Set it to false and list origins in gateway.controlUi.allowedOrigins (security audit --fix sets false).',
    });
  }
  if (gw.allowRealIpFallback === true) {
    add({
      checkId: 'gateway.real_ip_fallback_enabled', severity: e.exposed ? 'critical' : 'warn', title: 'X-Real-IP fallback is on',
      detail: 'gateway.allowRealIpFallback lets a trusted proxy name the client by X-Real-IP when X-Forwarded-For is missing; a proxy that passes X-Real-IP through lets clients choose their address.',
      remediation: 'Make the proxy set X-Forwarded-For and set gateway.allowRealIpFallback to false (security audit --fix does).',
    });
  }
  if (tailscale === 'funnel') {
    add({ checkId: 'gateway.tailscale_funnel', severity: 'critical', title: 'Tailscale Funnel exposes the gateway to the internet',
      detail: 'gateway.tailscale.mode is "funnel": anyone on the internet can reach the gateway; only its password protects it.',
      remediation: 'Use tailscale.mode "serve" (tailnet only) unless public access is intended; keep a long password.' });
  } else if (tailscale === 'serve') {
    add({ checkId: 'gateway.tailscale_serve', severity: 'info', title: 'Tailscale Serve exposes the gateway to the tailnet',
      detail: 'gateway.tailscale.mode is "serve": devices on the tailnet can reach the gateway.' });
  }
  if (tailscale === 'serve' || tailscale === 'funnel') out.push(...tailnetGrantFindings(gw, e.mode));
  if (e.mode === 'token' && e.token !== undefined && !PLACEHOLDERS.has(e.token.trim()) && e.token.length < MIN_SECRET_LENGTH) {
    add({ checkId: 'gateway.token_too_short', severity: 'warn', title: 'Gateway token is short',
      detail: `The effective gateway token (from ${e.tokenSource ?? 'config'}) has ${e.token.length} characters; use at least ${MIN_SECRET_LENGTH}.`,
      remediation: 'Generate one with: openssl rand -hex 24' });
  }
  if (e.mode === 'password' && e.password !== undefined && !PLACEHOLDERS.has(e.password.trim()) && e.password.length < MIN_SECRET_LENGTH) {
    add({ checkId: 'gateway.password_too_short', severity: 'warn', title: 'Gateway password is short',
      detail: `The effective gateway password has ${e.password.length} characters; use at least ${MIN_SECRET_LENGTH}.` });
  }
  for (const kind of ['token', 'password'] as const) {
    const raw = gw.auth?.[kind];
    if (typeof raw === 'string' && PLACEHOLDERS.has(raw.trim())) {
      add({ checkId: `gateway.${kind}_placeholder_value`, severity: 'critical', title: `gateway.auth.${kind} is a placeholder`,
        detail: `gateway.auth.${kind} is "${raw}", which the gateway refuses as a secret.`, remediation: `Set a real ${kind} or remove the key.` });
    }
  }
  const envToken = readEnv('GATEWAY_TOKEN', env);
  const configToken = literal(gw.auth?.token, env);
  if (gw.mode !== 'remote' && e.mode === 'token' && envToken !== undefined && configToken !== undefined && envToken !== configToken) {
    add({ checkId: 'gateway.env_token_overrides_config', severity: 'warn', title: 'Environment token differs from the configured one',
      detail: 'FARCLAW_GATEWAY_TOKEN is set and differs from gateway.auth.token; clients and the gateway may disagree about which one is in force.',
      remediation: 'Unset the environment variable or make both equal.' });
  }
  if (gw.mode !== 'remote' && e.tokenSource === 'gateway.remote.token' && e.mode === 'token') {
    add({ checkId: 'gateway.remote_token_as_server_secret', severity: 'warn', title: 'The server uses gateway.remote.token as its token',
      detail: 'Neither gateway.auth.token nor FARCLAW_GATEWAY_TOKEN is set, so `gateway run` falls back to gateway.remote.token (as OpenClaw does, remote-access.md 5.5).',
      remediation: 'Move the value to gateway.auth.token so the server secret is configured where it is read.' });
  }
  if (e.exposed && e.mode !== 'trusted-proxy' && gw.auth?.rateLimit === undefined) {
    add({ checkId: 'gateway.auth_no_rate_limit', severity: 'warn', title: 'No explicit auth rate limit',
      detail: 'The gateway is exposed and gateway.auth.rateLimit is not configured.',
      remediation: 'Add gateway.auth.rateLimit {maxAttempts: 10, windowMs: 60000, lockoutMs: 300000} (security audit --fix does).' });
  }
  if (e.mode === 'trusted-proxy') {
    add({ checkId: 'gateway.trusted_proxy_auth', severity: 'critical', title: 'Gateway trusts a proxy for identity',
      detail: 'gateway.auth.mode is "trusted-proxy": whoever controls the proxy (or its address) controls who is signed in.',
      remediation: 'Keep gateway.trustedProxies narrow and make the proxy strip client-supplied identity headers.' });
    if (trustedProxies.length === 0) add({ checkId: 'gateway.trusted_proxy_no_proxies', severity: 'critical', title: 'Trusted-proxy auth without trusted proxies', detail: 'gateway.trustedProxies is empty; the gateway refuses to start this way.' });
    if (typeof tp.userHeader !== 'string' || tp.userHeader.trim() === '') {
      add({ checkId: 'gateway.trusted_proxy_no_user_header', severity: 'critical', title: 'Trusted-proxy auth without a user header', detail: 'gateway.auth.trustedProxy.userHeader is not set.' });
    }
    if (tp.allowLoopback === true) add({ checkId: 'gateway.trusted_proxy_allow_loopback', severity: 'warn', title: 'Loopback proxies are trusted', detail: 'gateway.auth.trustedProxy.allowLoopback lets any local process claim to be the proxy.' });
    if (!Array.isArray(tp.allowUsers) || tp.allowUsers.length === 0) add({ checkId: 'gateway.trusted_proxy_no_allowlist', severity: 'warn', title: 'Every proxied user is accepted', detail: 'gateway.auth.trustedProxy.allowUsers is empty.' });
    if (tp.deviceAutoApprove?.enabled === true) {
      const admin = Array.isArray(tp.deviceAutoApprove.scopes) && tp.deviceAutoApprove.scopes.includes('operator.admin');
      add({ checkId: admin ? 'gateway.trusted_proxy_device_auto_approve_admin' : 'gateway.trusted_proxy_device_auto_approve', severity: admin ? 'critical' : 'warn',
        title: 'Proxied devices are approved automatically', detail: `gateway.auth.trustedProxy.deviceAutoApprove is enabled${admin ? ' with operator.admin' : ''}.` });
    }
  }
  if (e.mode === 'none') {
    add({ checkId: 'gateway.http.no_auth', severity: e.exposed ? 'critical' : 'warn', title: 'HTTP endpoints need no auth',
      detail: 'gateway.auth.mode is "none": the gateway\'s HTTP routes answer without credentials.', remediation: 'Configure a token or password.' });
  }
  const mdns = ((config as { discovery?: { mdns?: { mode?: unknown } } }).discovery?.mdns?.mode);
  if (mdns === 'full') {
    add({ checkId: 'discovery.mdns_full_mode', severity: e.exposed ? 'critical' : 'warn', title: 'mDNS advertises full details',
      detail: 'discovery.mdns.mode "full" announces the SSH port, CLI path and tailnet name on the local network.',
      remediation: 'Use discovery.mdns.mode "minimal" (security audit --fix does).' });
  }
  if (typeof gw.auth?.password === 'string' && !PLACEHOLDERS.has(gw.auth.password.trim()) && !/\$\{[A-Za-z_][A-Za-z0-9_]*\}/.test(gw.auth.password)) {
    add({ checkId: 'config.secrets.gateway_password_in_config', severity: 'warn', title: 'Gateway password stored in the config file',
      detail: 'gateway.auth.password is a plaintext string in the config file.',
      remediation: 'Use {source: "env", id: "FARCLAW_GATEWAY_PASSWORD"} or the environment variable instead.' });
  }
  return out;
}
