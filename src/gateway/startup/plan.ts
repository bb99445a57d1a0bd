import { readFileSync } from 'node:fs';
import { resolveSecret, type LoadedConfig } from '../../infra/config.js';
import { AUTH_MODES, BIND_MODES, TAILSCALE_MODES } from '../../infra/config-schema.js';
import { readEnv } from '../../infra/env.js';
import { InvalidPortError, resolvePort } from '../../infra/port.js';
import type { AuthMode, ServerAuth } from '../auth/shared-secret.js';
import { checkCustomBind, isContainer, isLoopbackHost, resolveBind, type BindMode, type BindPlan } from './bind.js';
import { StartupError } from './startup-error.js';
import type { GatewayConfig } from '../../infra/config-schema.js';
import { trustedProxyConfigOf } from '../auth/trusted-proxy.js';
import { ingressPolicyOf, TrustedProxiesError } from '../ingress/attribution.js';


/** `gateway run` flags as commander hands them over (strings, unvalidated). */
export interface RunFlags {
  port?: string;
  bind?: string;
  auth?: string;
  token?: string;
  password?: string;
  passwordFile?: string;
  tailscale?: string;
  allowUnconfigured?: boolean;
}

export interface RunPlan {
  port: number;
  bind: BindPlan;
  auth: ServerAuth;
  /** True when no secret was configured and a runtime-only token must be generated. */
  needsRuntimeToken: boolean;
  /** Lines for stderr before starting (e.g. the inline-password warning). */
  warnings: string[];
  /** Managed Tailscale exposure (assistant.md 12); absent when `gateway.tailscale.mode` is off. */
  tailscale?: { mode: 'serve' | 'funnel'; allowTailscale: boolean };
}

function gatewayPort(flag: string | undefined, loaded: LoadedConfig, env: NodeJS.ProcessEnv): number {
  try {
    return resolvePort(flag, loaded.config, env).port;
  } catch (err) {
    if (err instanceof InvalidPortError) throw new StartupError(err.message, 1);
    throw err;
  }
}

function checkEnum<T extends string>(value: string | undefined, allowed: readonly T[], message: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new StartupError(message, 1);
  return value as T;
}

/** The start guard (5.2): only enforced when a config file exists; no file = embedded defaults. */
function checkStartGuard(loaded: LoadedConfig, flags: RunFlags): void {
  if (!loaded.exists || flags.allowUnconfigured) return;
  const mode = loaded.config.gateway?.mode;
  if (mode === undefined) {
    throw new StartupError('Gateway start blocked: existing config is missing gateway.mode. Set gateway.mode=local in the config (or pass --allow-unconfigured).');
  }
  if (mode !== 'local') {
    throw new StartupError(`Gateway start blocked: set gateway.mode=local (current: ${mode}) or pass --allow-unconfigured.`);
  }
}

function readPasswordFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new StartupError(`Cannot read --password-file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 1);
  }
}

/** Hints for secrets put under keys the server does not read for auth (remote-access.md 5.3). */
function miskeyHints(gw: GatewayConfig): string[] {
  const hints: string[] = [];
  if ((gw as { token?: unknown }).token !== undefined) hints.push('Found "gateway.token" in config. Use "gateway.auth.token" instead.');
  if (gw.remote?.token !== undefined) hints.push('"gateway.remote.token" is for remote CLI calls; it does not enable local gateway auth.');
  return hints;
}

/** Start-up requirements of trusted-proxy auth (remote-access.md 5.3, 12); exit 1 as the real gateway. */
function checkTrustedProxyStart(gw: GatewayConfig, token: string | undefined): void {
  const tp = trustedProxyConfigOf(gw.auth?.trustedProxy);
  if (!tp) throw new StartupError('gateway auth mode is trusted-proxy, but no trustedProxy config was provided (set gateway.auth.trustedProxy)', 1);
  if (tp.userHeader === '') {
    throw new StartupError('gateway auth mode is trusted-proxy, but trustedProxy.userHeader is empty (set gateway.auth.trustedProxy.userHeader)', 1);
  }
  if (token !== undefined) {
    throw new StartupError(
      'gateway auth mode is trusted-proxy, but a shared token is also configured; remove gateway.auth.token / FARCLAW_GATEWAY_TOKEN because trusted-proxy and token auth are mutually exclusive',
      1,
    );
  }
  if ((gw.trustedProxies ?? []).length === 0) {
    throw new StartupError('gateway auth mode=trusted-proxy requires gateway.trustedProxies to be configured with at least one proxy IP', 1);
  }
}

/** Configuration refusals of managed Serve/Funnel (assistant.md 12.1, remote-access.md 4, 5.3), exit 78. */
function checkTailscaleStart(tailscale: 'serve' | 'funnel', mode: AuthMode, resolvedHost: string): void {
  if (!isLoopbackHost(resolvedHost)) {
    throw new StartupError(`tailscale ${tailscale} requires gateway bind=loopback (127.0.0.1): Tailscale is the exposure. Remove gateway.bind (or --bind), or set gateway.tailscale.mode to "off".`);
  }
  if (tailscale === 'funnel' && mode !== 'password') {
    throw new StartupError('tailscale funnel requires gateway auth mode=password (set gateway.auth.password or FARCLAW_GATEWAY_PASSWORD)');
  }
  if (mode === 'none') {
    throw new StartupError(`gateway.auth.mode=none cannot be used with gateway.tailscale.mode=${tailscale}; set gateway.auth.token (tailnet users still sign in by identity) or use mode "token".`);
  }
}

/**
 * Decides port, listeners and auth for `gateway run` (remote-access.md 3.1, 4, 5.1–5.3).
 * Throws StartupError carrying the exact message and exit code of each refusal.
 */
export function planGatewayRun(flags: RunFlags, loaded: LoadedConfig, env: NodeJS.ProcessEnv): RunPlan {
  const authFlag = checkEnum(flags.auth, AUTH_MODES, 'Invalid --auth. Use "none", "token", "password", or "trusted-proxy".');
  const bindFlag = checkEnum(flags.bind, BIND_MODES, 'Invalid --bind. Use "loopback", "lan", "tailnet", "auto", or "custom".');
  const tailscaleFlag = checkEnum(flags.tailscale, TAILSCALE_MODES, 'Invalid --tailscale. Use "off", "serve", or "funnel".');
  if (flags.password !== undefined && flags.passwordFile !== undefined) throw new StartupError('Use either --password or --password-file.', 1);
  checkStartGuard(loaded, flags);
  const warnings: string[] = [];
  if (flags.password !== undefined) {
    warnings.push('Warning: --password can be exposed via process listings. Prefer --password-file or FARCLAW_GATEWAY_PASSWORD.');
  }
  const port = gatewayPort(flags.port, loaded, env);
  const gw = loaded.config.gateway ?? {};
  const tailscale = tailscaleFlag ?? gw.tailscale?.mode ?? 'off';
  const configToken = resolveSecret(gw.auth?.token, 'gateway.auth.token', env);
  const configPassword = resolveSecret(gw.auth?.password, 'gateway.auth.password', env);
  const explicitMode = authFlag ?? gw.auth?.mode;
  if (configToken !== undefined && configPassword !== undefined && explicitMode === undefined) {
    throw new StartupError(
      'Invalid config: gateway.auth.token and gateway.auth.password are both configured, but gateway.auth.mode is unset. Set gateway.auth.mode to "token" or "password".',
    );
  }
  const token = flags.token ?? configToken ?? readEnv('GATEWAY_TOKEN', env) ?? resolveSecret(gw.remote?.token, 'gateway.remote.token', env);
  const password =
    (flags.passwordFile !== undefined ? readPasswordFile(flags.passwordFile) : flags.password) ??
    configPassword ??
    readEnv('GATEWAY_PASSWORD', env) ??
    (explicitMode === 'trusted-proxy' ? undefined : resolveSecret(gw.remote?.password, 'gateway.remote.password', env));
  for (const [name, v] of [['token', token], ['password', password]] as const) {
    if (v !== undefined && ['', 'undefined', 'null'].includes(v.trim())) throw new StartupError(`Invalid gateway ${name}: placeholder value "${v}".`);
  }
  const mode: AuthMode = explicitMode ?? (password !== undefined ? 'password' : 'token');
  // Unlike OpenClaw (which defaults to `auto`, i.e. 0.0.0.0, inside containers) we stay on
  // loopback unless told otherwise: exposure is always an explicit choice.
  const bindMode: BindMode = bindFlag ?? gw.bind ?? 'loopback';
  const bind = resolveBind(bindMode, gw.customBindHost, env);
  const hasSecret = (mode === 'token' && token !== undefined) || (mode === 'password' && password !== undefined);
  if (!isLoopbackHost(bind.resolvedHost) && !hasSecret && mode !== 'trusted-proxy') {
    const lines = [`Refusing to bind gateway to ${bind.mode} without auth.`];
    if (bind.mode === 'auto' && isContainer(env)) {
      // The default bind is loopback everywhere; only an explicit `auto` widens inside a container.
      lines.push('Container environment detected: bind=auto means 0.0.0.0 here (the default bind is loopback).');
      lines.push('Set FARCLAW_GATEWAY_TOKEN or FARCLAW_GATEWAY_PASSWORD, or pass --token/--password to start with auth.');
    } else {
      lines.push('Set gateway.auth.token/password (or FARCLAW_GATEWAY_TOKEN/FARCLAW_GATEWAY_PASSWORD) or pass --token/--password.');
    }
    throw new StartupError([...lines, ...miskeyHints(gw)].join('\n'));
  }
  checkCustomBind(bind, gw.customBindHost);
  if (mode === 'password' && password === undefined) {
    throw new StartupError(
      ['Gateway auth is set to password, but no password is configured.', 'Set gateway.auth.password (or FARCLAW_GATEWAY_PASSWORD) or pass --password-file.', ...miskeyHints(gw)].join('\n'),
    );
  }
  if (tailscale !== 'off') checkTailscaleStart(tailscale, mode, bind.resolvedHost);
  try {
    ingressPolicyOf(gw.trustedProxies, gw.allowRealIpFallback);
  } catch (err) {
    if (err instanceof TrustedProxiesError) throw new StartupError(err.message);
    throw err;
  }
  if (mode === 'trusted-proxy') checkTrustedProxyStart(gw, flags.token ?? configToken ?? readEnv('GATEWAY_TOKEN', env));
  const auth: ServerAuth = { mode, ...(token !== undefined ? { token } : {}), ...(password !== undefined ? { password } : {}) };
  const plan: RunPlan = { port, bind, auth, needsRuntimeToken: mode === 'token' && token === undefined, warnings };
  if (tailscale !== 'off') {
    // Default of remote-access.md 2.1: on for serve unless the mode is password or trusted-proxy.
    const allowTailscale = gw.auth?.allowTailscale ?? (tailscale === 'serve' && mode !== 'password' && mode !== 'trusted-proxy');
    plan.tailscale = { mode: tailscale, allowTailscale };
  }
  return plan;
}
