import { resolveSecret, type LoadedConfig } from '../infra/config.js';
import { readEnv } from '../infra/env.js';
import { InvalidPortError, resolveLocalPort } from '../infra/port.js';
import { resolvePaths } from '../infra/paths.js';
import { readRuntimeToken } from '../infra/runtime-token.js';
import { tlsSettingsOf } from '../infra/tls-settings.js';
import { leafSha256, parseTlsPin, TlsPinFormatError, type TlsPin } from '../infra/tls-pin.js';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isPlaintextAllowed, plaintextRefusal } from '../client/plaintext-policy.js';
import { sshRouteFromConfig, usesSshTransport, type SshRoute } from '../tunnel/route.js';
import { SshTargetError } from '../tunnel/ssh-target.js';
import { readTunnelState } from '../tunnel/state.js';

export type UrlSource =
  | 'cli --url'
  | 'env FARCLAW_GATEWAY_URL'
  | 'config gateway.remote.url'
  | 'local loopback'
  | 'missing gateway.remote.url (fallback local)'
  | 'ssh tunnel gateway.remote.sshTarget';

/** Where a CLI call goes and with which credentials (remote-access.md 7.1, 7.2). */
export interface Target {
  url: string;
  urlSource: UrlSource;
  mode: 'local' | 'remote';
  token?: string;
  password?: string;
  /** Certificate pin for a `wss://` target (8.3); none means CA validation. */
  tlsPin?: TlsPin;
  /**
   * Set when the gateway is reached through SSH (`gateway.remote.transport: "ssh"`): `url` is
   * then the managed tunnel's endpoint when one runs, else where an on-demand tunnel will
   * listen; rpc.ts `openTarget` opens the tunnel before connecting.
   */
  ssh?: SshRoute;
}

export interface TargetFlags {
  url?: string;
  port?: string;
  token?: string;
  password?: string;
  /** `--tls-fingerprint`, on the commands where the spec has it (8.3 item 1). */
  tlsFingerprint?: string;
}

/** A target that cannot be used; `type` is the JSON `error.type`. */
export class TargetError extends Error {
  constructor(message: string, readonly type: 'cli_error' | 'gateway_credentials_required') {
    super(message);
  }
}

type Creds = Pick<Target, 'token' | 'password'>;
const creds = (token: string | undefined, password: string | undefined): Creds => ({
  ...(token !== undefined ? { token } : {}),
  ...(password !== undefined ? { password } : {}),
});
const hasCreds = (c: Creds): boolean => c.token !== undefined || c.password !== undefined;

/** The 7.3 refusal; probe-style commands word the fix line slightly differently. */
export function urlOverrideError(configPath: string, style: 'call' | 'probe'): TargetError {
  const lines =
    style === 'probe'
      ? ['gateway url override requires explicit credentials', 'Fix: pass --token or --password with --url.', 'For the default local or SSH-tunneled Gateway, remove --url to use the configured target.']
      : [
          'gateway url override requires explicit credentials',
          'Fix: pass --token or --password with --url (or gatewayToken in tools).',
          'For the default local or SSH-tunneled Gateway, remove --url to use the configured target.',
          `Config: ${configPath}`,
        ];
  return new TargetError(lines.join('\n'), 'gateway_credentials_required');
}

/** The local loopback URL for a port (`wss://` when this machine's gateway serves TLS). */
export function localUrl(loaded: LoadedConfig, port: number): string {
  const tls = (loaded.config.gateway?.tls as { enabled?: unknown } | undefined)?.enabled === true;
  return `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}`;
}

/** The local gateway port (a running gateway's published one first), mapping bad values to a TargetError. */
export function localPort(flags: TargetFlags, loaded: LoadedConfig, env: NodeJS.ProcessEnv): number {
  try {
    return resolveLocalPort(flags.port, loaded.config, env, resolvePaths(env).stateDir).port;
  } catch (err) {
    if (err instanceof InvalidPortError) throw new TargetError(err.message, 'cli_error');
    throw err;
  }
}

/** Checks the URL's scheme and the plaintext policy (7.4); throws TargetError. */
export function checkUrl(url: string, source: UrlSource, configPath: string, env: NodeJS.ProcessEnv): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TargetError(`Invalid gateway URL "${url}" (${source}): expected ws://host:port or wss://host:port.`, 'cli_error');
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new TargetError(`Invalid gateway URL "${url}" (${source}): expected ws:// or wss://, got ${parsed.protocol}//.`, 'cli_error');
  }
  if (parsed.protocol === 'ws:' && !isPlaintextAllowed(parsed.hostname, env)) {
    throw new TargetError(plaintextRefusal(url, source, configPath, env), 'cli_error');
  }
}

function parsePin(text: string): TlsPin {
  try {
    return parseTlsPin(text);
  } catch (err) {
    if (err instanceof TlsPinFormatError) throw new TargetError(err.message, 'cli_error');
    throw err;
  }
}

/** The local gateway's certificate, pinned by its leaf digest; undefined when unreadable. */
function localCertificatePin(loaded: LoadedConfig, stateDir: string): TlsPin | undefined {
  const settings = tlsSettingsOf(loaded.config, stateDir);
  if (!settings) return undefined;
  try {
    return { kind: 'leaf', sha256: leafSha256(new X509Certificate(readFileSync(settings.certPath))) };
  } catch {
    return undefined;
  }
}

/**
 * Pin selection (remote-access.md 8.3): `--tls-fingerprint`; else `gateway.remote.tlsFingerprint`
 * in remote mode for a URL from `gateway.remote.url` or the env (never for `--url`); else the
 * local certificate file for the local loopback `wss://` target; else none (CA validation).
 * @throws TargetError for a pin that does not parse or a pin on a `ws://` URL
 */
export function tlsPinFor(url: string, source: UrlSource, loaded: LoadedConfig, stateDir: string, flag?: string): TlsPin | undefined {
  const gw = loaded.config.gateway ?? {};
  const configured =
    gw.mode === 'remote' && (source === 'config gateway.remote.url' || source === 'env FARCLAW_GATEWAY_URL') ? gw.remote?.tlsFingerprint : undefined;
  const text = flag ?? configured;
  if (text !== undefined) {
    const pin = parsePin(text);
    if (!url.startsWith('wss://')) throw new TargetError('gateway tls fingerprint requires wss:// gateway url', 'cli_error');
    return pin;
  }
  if (source === 'local loopback' && url.startsWith('wss://')) return localCertificatePin(loaded, stateDir);
  return undefined;
}

/**
 * tlsPinFor for probe paths, which report a bad pin as a failed connect rather than refusing to
 * run: the pin, or undefined when there is none or it does not parse.
 */
export function probeTlsPin(url: string, source: UrlSource, loaded: LoadedConfig, stateDir: string): TlsPin | undefined {
  try {
    return tlsPinFor(url, source, loaded, stateDir);
  } catch (err) {
    if (err instanceof TargetError) return undefined;
    throw err;
  }
}

/** Local-mode credentials (7.2 item 4), plus the running gateway's runtime token (embedded default). */
function localCreds(loaded: LoadedConfig, env: NodeJS.ProcessEnv, stateDir: string): Creds {
  const gw = loaded.config.gateway ?? {};
  const authToken = resolveSecret(gw.auth?.token, 'gateway.auth.token', env);
  const authPassword = resolveSecret(gw.auth?.password, 'gateway.auth.password', env);
  const trustedProxy = gw.auth?.mode === 'trusted-proxy';
  const token =
    authToken ?? readEnv('GATEWAY_TOKEN', env) ?? (gw.auth?.token === undefined ? resolveSecret(gw.remote?.token, 'gateway.remote.token', env) : undefined);
  const password =
    authPassword ??
    readEnv('GATEWAY_PASSWORD', env) ??
    (gw.auth?.password === undefined && !trustedProxy ? resolveSecret(gw.remote?.password, 'gateway.remote.password', env) : undefined);
  const c = creds(token, password);
  if (hasCreds(c)) return c;
  return creds(readRuntimeToken(stateDir), undefined);
}

/** Remote-mode credentials (7.2 item 5); also what a managed SSH tunnel's health probes send. */
export function remoteCreds(loaded: LoadedConfig, env: NodeJS.ProcessEnv): Creds {
  const gw = loaded.config.gateway ?? {};
  const token =
    resolveSecret(gw.remote?.token, 'gateway.remote.token', env) ?? readEnv('GATEWAY_TOKEN', env) ?? resolveSecret(gw.auth?.token, 'gateway.auth.token', env);
  const password =
    readEnv('GATEWAY_PASSWORD', env) ??
    resolveSecret(gw.remote?.password, 'gateway.remote.password', env) ??
    resolveSecret(gw.auth?.password, 'gateway.auth.password', env);
  return creds(token, password);
}

/**
 * Resolves target URL and credentials for RPC commands (`health`, `gateway call/health`,
 * `status`). `--url` never picks up implicit credentials (7.3); `FARCLAW_GATEWAY_URL` only env
 * ones; remote mode uses `gateway.remote.*`. Throws TargetError with the CLI's exact wording.
 */
export function resolveTarget(flags: TargetFlags, loaded: LoadedConfig, env: NodeJS.ProcessEnv, stateDir: string): Target {
  if (flags.url !== undefined && flags.port !== undefined) throw new TargetError('Use either --url or --port, not both.', 'cli_error');
  const explicit = creds(flags.token, flags.password);
  const gw = loaded.config.gateway ?? {};
  const mode = gw.mode === 'remote' ? 'remote' : 'local';
  let target: Target;
  if (flags.url !== undefined) {
    if (!hasCreds(explicit)) throw urlOverrideError(loaded.path, 'call');
    target = { url: flags.url, urlSource: 'cli --url', mode, ...explicit };
  } else if (flags.port === undefined && readEnv('GATEWAY_URL', env) !== undefined) {
    const envCreds = hasCreds(explicit) ? explicit : creds(readEnv('GATEWAY_TOKEN', env), readEnv('GATEWAY_PASSWORD', env));
    if (!hasCreds(envCreds)) {
      throw new TargetError(
        'gateway url override requires explicit credentials\n' +
          'Fix: pass --token or --password with --url (or gatewayToken in tools).\n' +
          'Set FARCLAW_GATEWAY_TOKEN or FARCLAW_GATEWAY_PASSWORD alongside FARCLAW_GATEWAY_URL; config credentials are intentionally not reused.\n' +
          `Config: ${loaded.path}`,
        'gateway_credentials_required',
      );
    }
    target = { url: readEnv('GATEWAY_URL', env) ?? '', urlSource: 'env FARCLAW_GATEWAY_URL', mode, ...envCreds };
  } else if (flags.port === undefined && usesSshTransport(loaded.config)) {
    let route: SshRoute | null;
    try {
      route = sshRouteFromConfig(loaded.config, env);
    } catch (err) {
      if (err instanceof SshTargetError) throw new TargetError(`gateway.remote.sshTarget: ${err.message}\nConfig: ${loaded.path}`, 'cli_error');
      throw err;
    }
    if (route === null) throw new Error('unreachable: usesSshTransport without sshTarget');
    const managed = readTunnelState(stateDir);
    const port = managed && managed.target === route.target.text && managed.localPort !== null ? managed.localPort : route.preferredLocalPort;
    target = {
      url: `ws://127.0.0.1:${port}`, urlSource: 'ssh tunnel gateway.remote.sshTarget', mode: 'remote',
      ...(hasCreds(explicit) ? explicit : remoteCreds(loaded, env)), ssh: route,
    };
  } else if (mode === 'remote' && flags.port === undefined) {
    const url = gw.remote?.url;
    if (!url) {
      throw new TargetError(
        `gateway remote mode misconfigured: gateway.remote.url missing\nConfig: ${loaded.path}\nFix: set gateway.remote.url, or set gateway.mode=local.`,
        'cli_error',
      );
    }
    target = { url, urlSource: 'config gateway.remote.url', mode, ...(hasCreds(explicit) ? explicit : remoteCreds(loaded, env)) };
  } else {
    const url = localUrl(loaded, localPort(flags, loaded, env));
    target = { url, urlSource: 'local loopback', mode: 'local', ...(hasCreds(explicit) ? explicit : localCreds(loaded, env, stateDir)) };
  }
  checkUrl(target.url, target.urlSource, loaded.path, env);
  const tlsPin = tlsPinFor(target.url, target.urlSource, loaded, stateDir, flags.tlsFingerprint);
  return tlsPin ? { ...target, tlsPin } : target;
}

/**
 * Credentials for probe paths (`gateway probe`, `gateway status`; 7.2 "stricter view"):
 * remote targets use `gateway.remote.*` and env only when neither remote credential is set;
 * the local target uses `gateway.auth.*` by mode, then env, never `gateway.remote.*`.
 */
export function probeCredentials(kind: 'remote' | 'local', loaded: LoadedConfig, env: NodeJS.ProcessEnv, stateDir: string): Creds {
  const gw = loaded.config.gateway ?? {};
  const envToken = readEnv('GATEWAY_TOKEN', env);
  const envPassword = readEnv('GATEWAY_PASSWORD', env);
  if (kind === 'remote') {
    const token = resolveSecret(gw.remote?.token, 'gateway.remote.token', env);
    const password = resolveSecret(gw.remote?.password, 'gateway.remote.password', env);
    if (token !== undefined) return creds(token, undefined);
    if (password !== undefined) return creds(undefined, password);
    return creds(envToken, envPassword);
  }
  const authMode = gw.auth?.mode;
  if (authMode === 'none' || authMode === 'trusted-proxy') return {};
  const authToken = resolveSecret(gw.auth?.token, 'gateway.auth.token', env);
  const authPassword = resolveSecret(gw.auth?.password, 'gateway.auth.password', env);
  let c: Creds;
  if (authMode === 'token') c = creds(authToken ?? envToken, undefined);
  else if (authMode === 'password') c = creds(undefined, authPassword ?? envPassword);
  else if (authToken !== undefined) c = creds(authToken, undefined);
  else if (envToken !== undefined) c = creds(envToken, undefined);
  else c = creds(undefined, envPassword ?? authPassword);
  return hasCreds(c) ? c : creds(readRuntimeToken(stateDir), undefined);
}
