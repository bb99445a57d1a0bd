import { resolveSecret, type LoadedConfig } from '../infra/config.js';
import { readEnv } from '../infra/env.js';
import { readRuntimeToken } from '../infra/runtime-token.js';
import { DEFAULT_PORT, parsePort } from '../infra/port.js';

/** Where a CLI call goes and with which credentials (remote-access.md 7.1, 7.2). */
export interface Target {
  url: string;
  urlSource: 'cli --url' | 'env FARCLAW_GATEWAY_URL' | 'config gateway.remote.url' | 'local loopback';
  token?: string;
  password?: string;
}

export interface TargetFlags {
  url?: string;
  port?: string;
  token?: string;
  password?: string;
}

/** A target that cannot be used; carries the exact lines the CLI prints. */
export class TargetError extends Error {
  constructor(message: string, readonly type: 'cli_error' | 'gateway_credentials_required') {
    super(message);
  }
}

const explicit = (f: TargetFlags): Pick<Target, 'token' | 'password'> => ({
  ...(f.token !== undefined ? { token: f.token } : {}),
  ...(f.password !== undefined ? { password: f.password } : {}),
});

/**
 * Resolves the target URL and credentials for RPC commands. `--url` never picks up implicit
 * credentials (7.3); `FARCLAW_GATEWAY_URL` only env ones; local mode falls back to the running
 * gateway's runtime token (embedded default).
 */
export function resolveTarget(flags: TargetFlags, loaded: LoadedConfig, env: NodeJS.ProcessEnv, stateDir: string): Target {
  if (flags.url !== undefined && flags.port !== undefined) throw new TargetError('Use either --url or --port, not both.', 'cli_error');
  const hasExplicit = flags.token !== undefined || flags.password !== undefined;
  if (flags.url !== undefined) {
    if (!hasExplicit) {
      throw new TargetError(
        'gateway url override requires explicit credentials\nFix: pass --token or --password with --url.\n' +
          `For the default local or SSH-tunneled Gateway, remove --url to use the configured target.\nConfig: ${loaded.path}`,
        'gateway_credentials_required',
      );
    }
    return { url: flags.url, urlSource: 'cli --url', ...explicit(flags) };
  }
  const gw = loaded.config.gateway ?? {};
  const envToken = readEnv('GATEWAY_TOKEN', env);
  const envPassword = readEnv('GATEWAY_PASSWORD', env);
  const envUrl = flags.port === undefined ? readEnv('GATEWAY_URL', env) : undefined;
  if (envUrl !== undefined) {
    const creds = hasExplicit ? explicit(flags) : { ...(envToken ? { token: envToken } : {}), ...(envPassword ? { password: envPassword } : {}) };
    if (!creds.token && !creds.password) {
      throw new TargetError(
        'gateway url override requires explicit credentials\n' +
          'Set FARCLAW_GATEWAY_TOKEN or FARCLAW_GATEWAY_PASSWORD alongside FARCLAW_GATEWAY_URL; config credentials are intentionally not reused.',
        'gateway_credentials_required',
      );
    }
    return { url: envUrl, urlSource: 'env FARCLAW_GATEWAY_URL', ...creds };
  }
  if (gw.mode === 'remote' && flags.port === undefined) {
    const url = gw.remote?.url;
    if (!url) {
      throw new TargetError(
        `gateway remote mode misconfigured: gateway.remote.url missing\nConfig: ${loaded.path}\nFix: set gateway.remote.url, or set gateway.mode=local.`,
        'cli_error',
      );
    }
    if (hasExplicit) return { url, urlSource: 'config gateway.remote.url', ...explicit(flags) };
    const token = resolveSecret(gw.remote?.token, 'gateway.remote.token', env) ?? envToken ?? resolveSecret(gw.auth?.token, 'gateway.auth.token', env);
    const password = envPassword ?? resolveSecret(gw.remote?.password, 'gateway.remote.password', env) ?? resolveSecret(gw.auth?.password, 'gateway.auth.password', env);
    return { url, urlSource: 'config gateway.remote.url', ...(token ? { token } : {}), ...(password ? { password } : {}) };
  }
  const port = flags.port !== undefined ? parsePort(flags.port, '--port') : readEnv('GATEWAY_PORT', env) ? parsePort(readEnv('GATEWAY_PORT', env) ?? '', 'FARCLAW_GATEWAY_PORT') : (gw.port ?? DEFAULT_PORT);
  const url = `ws://127.0.0.1:${port}`;
  if (hasExplicit) return { url, urlSource: 'local loopback', ...explicit(flags) };
  const configToken = resolveSecret(gw.auth?.token, 'gateway.auth.token', env);
  const token = configToken ?? envToken ?? (configToken === undefined ? resolveSecret(gw.remote?.token, 'gateway.remote.token', env) : undefined) ?? readRuntimeToken(stateDir);
  const configPassword = resolveSecret(gw.auth?.password, 'gateway.auth.password', env);
  const password = configPassword ?? envPassword;
  return { url, urlSource: 'local loopback', ...(token ? { token } : {}), ...(password ? { password } : {}) };
}
