import { planDeviceAuth, type DeviceAuthPlan } from '../client/device-auth.js';
import { GatewayClient, RequestError, TlsError, TransportError } from '../client/gateway-client.js';
import { buildConnectParams } from '../client/frames.js';
import { resolveTarget, TargetError, type Target, type TargetFlags } from './target.js';
import { ConfigError, loadConfig, type LoadedConfig } from '../infra/config.js';
import { InvalidPortError } from '../infra/port.js';
import { resolvePaths } from '../infra/paths.js';
import { farclawVersion } from '../infra/version.js';
import { METHOD_SCOPES } from '../protocol/methods.js';
import { Scope } from '../protocol/scopes.js';
import type { ConnectParams } from '../protocol/schema/connect.js';
import { CliError, DOCTOR_FIX, formatFailure, hasFixLine, withFailurePrefix, type FailureReport } from './cli-error.js';
import { GatewayError } from '../protocol/errors.js';
import { openSshRoute, TunnelOpenError } from '../tunnel/open-route.js';

export interface CallFlags extends TargetFlags {
  params?: string;
  timeout?: string;
  json?: boolean;
  expectUrl?: string;
}

/** The least-privilege scope set for calling `method` (what the real CLI requests). */
export function scopesFor(method: string): string[] {
  const scope = METHOD_SCOPES.get(method);
  if (scope === undefined) return [Scope.ADMIN];
  if (scope === 'dynamic') return [Scope.WRITE];
  if (scope === 'node') return [];
  return [scope];
}

/** The longest delay a Node timer takes (2^31-1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * Parses a `--timeout`-style millisecond value.
 * @throws CliError for anything but an integer in 1..MAX_TIMEOUT_MS
 */
export function parseTimeout(raw: string | undefined, fallback: number, flag = '--timeout'): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`Invalid ${flag}: "${raw}" is not a positive number of milliseconds.\nFix: pass a whole number of milliseconds, e.g. ${flag} 10000`);
  if (n > MAX_TIMEOUT_MS) throw new CliError(`Invalid ${flag}: "${raw}" is more than ${MAX_TIMEOUT_MS} ms (about 24 days), the longest wait a timer allows.\nFix: pass at most ${flag} ${MAX_TIMEOUT_MS}`);
  return n;
}

/** Deepest JSON nesting `--params` may have; the gateway's own frame checks refuse far less deep. */
export const MAX_PARAMS_DEPTH = 256;

/** The nesting depth of a JSON text, counted without recursion (so no input can overflow the stack). */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/**
 * Parses `--params` JSON.
 * @throws CliError for invalid JSON or nesting deeper than MAX_PARAMS_DEPTH
 */
export function parseParams(raw: string | undefined, flag = '--params'): unknown {
  if (raw === undefined) return {};
  const depth = jsonDepth(raw);
  if (depth > MAX_PARAMS_DEPTH) throw new CliError(`Invalid ${flag}: nested ${depth} levels deep; at most ${MAX_PARAMS_DEPTH} are accepted.\nFix: flatten the JSON passed with ${flag}`);
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new CliError(`Invalid ${flag}: not valid JSON (${(err as Error).message}).\nFix: quote it for the shell, e.g. ${flag} '{"key":"value"}'`);
  }
}

/** Loads the config, mapping a broken file to a CliError. */
export function loadCliConfig(env: NodeJS.ProcessEnv): { loaded: LoadedConfig; stateDir: string } {
  const paths = resolvePaths(env);
  try {
    return { loaded: loadConfig(paths.configPath), stateDir: paths.stateDir };
  } catch (err) {
    if (err instanceof ConfigError) {
      const fix = `edit ${paths.configPath} (or move it away to run on embedded defaults), then check it with: farclaw doctor`;
      throw new CliError(formatFailure({ failed: err.message, fix }), 1, { type: 'cli_error', message: err.message });
    }
    throw err;
  }
}

/**
 * Resolves the target from flags, config and env, mapping every failure to a CliError.
 * `prefix` is put before plain usage errors (`Gateway call failed: `); the credentials rule of
 * 7.3 is always printed bare.
 */
export function targetFor(flags: TargetFlags, env: NodeJS.ProcessEnv, prefix = ''): { target: Target; configPath: string } {
  const { loaded, stateDir } = loadCliConfig(env);
  try {
    return { target: resolveTarget(flags, loaded, env, stateDir), configPath: loaded.path };
  } catch (err) {
    if (err instanceof TargetError) {
      const text = err.type === 'cli_error' ? prefix + err.message : err.message;
      throw new CliError(text, 1, { type: err.type, message: err.message });
    }
    if (err instanceof ConfigError || err instanceof InvalidPortError) throw new CliError(prefix + err.message, 1, { type: 'cli_error', message: err.message });
    throw err;
  }
}

/** `Why:` and `Fix:` lines for a refused connect, from its detail code. */
function refusalAdvice(s: RequestError['shape'], target: Target): string[] {
  const d = (s.details ?? {}) as { code?: string; requestId?: string; reason?: string };
  const remote = target.mode === 'remote';
  const tokenKey = remote ? 'gateway.remote.token' : 'gateway.auth.token';
  if (d.code === 'PAIRING_REQUIRED') {
    const why = d.reason === 'scope-upgrade' ? 'this device asks for more scopes than it was approved for' : d.reason === 'role-upgrade' ? 'this device asks for a role it was not approved for' : 'this device is waiting for approval';
    return [`Why: ${why}.`, `Fix: on the gateway host run: farclaw devices approve ${d.requestId ?? '--latest'}`];
  }
  if (d.code === 'AUTH_RATE_LIMITED') {
    const secs = Math.ceil((s.retryAfterMs ?? 0) / 1000);
    return [`Why: too many failed authentication attempts; the gateway refuses this address for ${secs} s more.`, `Fix: correct ${tokenKey}, wait ${secs} s, then retry.`];
  }
  if (d.code === 'AUTH_TOKEN_MISMATCH' || d.code === 'AUTH_PASSWORD_MISMATCH') {
    return [`Why: the ${d.code === 'AUTH_TOKEN_MISMATCH' ? 'token' : 'password'} sent (${target.urlSource === 'cli --url' ? '--token/--password' : remote ? 'gateway.remote.*' : 'local config or runtime token'}) is not the gateway's.`,
      `Fix: use the gateway's ${d.code === 'AUTH_TOKEN_MISMATCH' ? 'gateway.auth.token' : 'gateway.auth.password'} (${target.urlSource === 'cli --url' ? 'pass it with --token' : `set ${tokenKey}`}), then check with: farclaw doctor`];
  }
  if (d.code === 'AUTH_TOKEN_MISSING' || d.code === 'AUTH_PASSWORD_MISSING') {
    return ['Why: the gateway requires a shared secret and this CLI sent none.', `Fix: set ${tokenKey} (or FARCLAW_GATEWAY_TOKEN), then check with: farclaw doctor`];
  }
  return ['Fix: farclaw doctor (checks every hop to the gateway and prints the fix)'];
}

/** The fix for a request the gateway answered with an error, by its code. */
function callFix(code: string): string {
  if (code === 'FORBIDDEN') return 'this connection lacks the scope the method needs: on the gateway host run farclaw devices list, then farclaw devices approve <requestId>';
  if (code === 'INVALID_REQUEST') return 'correct what the gateway names above and run the command again';
  if (code === 'UNAVAILABLE') return 'retry; if it persists, read the gateway log: farclaw logs';
  return DOCTOR_FIX;
}

/**
 * Turns a client failure into the CLI's report (remote-access.md 7.5 first lines, then the one
 * format of cli-error.ts: `Why:`, `Fix:`, context).
 */
export function describeFailure(err: unknown, target: Target, configPath: string, during: 'connect' | 'call', prefix = ''): CliError {
  const where = [`Gateway target: ${target.url}`, `Source: ${target.urlSource}`, `Config: ${configPath}`];
  const gateway = { url: target.url, urlSource: target.urlSource };
  if (err instanceof TransportError) {
    const json = { type: 'gateway_transport_error', kind: err.kind, message: err.message, ...(err.reason ? { reason: err.reason } : {}) };
    const report: FailureReport =
      err.kind === 'timeout' && err.reason === 'connect unanswered'
        ? { failed: err.message, why: 'the gateway slows its answers after failed authentication attempts (rate limited).', fix: 'correct the token or password, wait a minute, then retry (farclaw doctor shows which hop fails).', context: where }
        : err.kind === 'closed' && err.message.startsWith('Gateway not reachable')
          ? { failed: err.message, fix: `${target.mode === 'local' ? 'farclaw gateway run' : 'start the gateway on its host, or check gateway.remote.url'} (farclaw doctor checks every hop)`, context: where }
          : { failed: err.message, fix: DOCTOR_FIX, context: where };
    return new CliError(formatFailure(report), 1, { ...json, ...(err.timeoutMs !== undefined ? { timeoutMs: err.timeoutMs } : {}) }, { gateway });
  }
  if (err instanceof RequestError) {
    const s = err.shape;
    const json = { type: 'gateway_request_error', code: s.code, message: s.message, ...(s.details !== undefined ? { details: s.details } : {}), retryable: s.retryable ?? false };
    if (during === 'call') return new CliError(formatFailure({ failed: `${prefix}${s.code}: ${s.message}`, fix: callFix(s.code) }), 1, json);
    // A refused connect: what failed (once), why, and the command that fixes it.
    return new CliError([`${prefix || 'Gateway connect failed: '}${s.message}`, ...refusalAdvice(s, target)].join('\n'), 1, json, undefined, true);
  }
  if (err instanceof GatewayError && err.retryable) {
    // The connection dropped with the request in flight (e.g. the SSH tunnel went away): the
    // gateway may or may not have run it; the caller may retry.
    const json = { type: 'gateway_transport_error', kind: 'closed', message: err.message, retryable: true };
    return new CliError(formatFailure({ failed: `${prefix}${err.message} (retryable)`, fix: `run the command again; if it fails again: ${DOCTOR_FIX}`, context: where }), 1, json, { gateway });
  }
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof TlsError) {
    const fix = target.tlsPin
      ? 'if the gateway\'s certificate changed on purpose, set gateway.remote.tlsFingerprint to its key pin (farclaw doctor prints the pin it presents)'
      : 'pin the certificate: set gateway.remote.tlsFingerprint to its key pin (farclaw doctor prints it; check it on the gateway host)';
    return new CliError(formatFailure({ failed: `${prefix}${message}`, fix, context: where }), 1, { type: 'cli_error', message }, { gateway });
  }
  return new CliError(withFailurePrefix(prefix.replace(/: $/, ''), message), 1, { type: 'cli_error', message }, { gateway });
}

/** A target ready to connect to, and what to release afterwards (an on-demand SSH tunnel). */
export interface OpenTarget {
  target: Target;
  close(): Promise<void>;
  /** How an SSH target is reached: the running managed tunnel or one opened for this command. */
  tunnel?: 'managed' | 'on-demand';
}

/**
 * The one place where a target's transport is opened: for SSH targets the managed tunnel or an
 * on-demand one (src/tunnel/open-route.ts), otherwise nothing to do. Throws CliError.
 */
export async function openTarget(target: Target, env: NodeJS.ProcessEnv, timeoutMs: number, prefix = ''): Promise<OpenTarget> {
  if (!target.ssh) return { target, close: async () => undefined };
  try {
    const lease = await openSshRoute(target.ssh, { credentials: target, stateDir: resolvePaths(env).stateDir, env, timeoutMs });
    return { target: { ...target, url: lease.url }, close: lease.close, tunnel: lease.kind };
  } catch (err) {
    if (!(err instanceof TunnelOpenError)) throw err;
    const message = `SSH tunnel to ${target.ssh.target.text} failed: ${err.message}`;
    const json = err.isFatal
      ? { type: 'ssh_tunnel_failed', message }
      : { type: 'gateway_transport_error', kind: 'closed', message, retryable: true };
    // The doctor's SSH hop tells a stopped sshd from a refused key or a changed host key.
    const fix = hasFixLine(message) ? '' : `\nFix: ${DOCTOR_FIX}`;
    throw new CliError(`${prefix}${message}${fix}\nSource: ${target.urlSource}`, 1, json, { gateway: { url: target.url, urlSource: target.urlSource } });
  }
}

/**
 * Connects, runs one method, closes: the one-shot path of `gateway call`, `gateway health`,
 * `health`, `gateway send` and `gateway agent`.
 * Returns the payload; throws CliError with the 7.5 wording on any failure.
 */
export async function callOnce(
  method: string,
  params: unknown,
  flags: CallFlags,
  client: Pick<ConnectParams['client'], 'id' | 'mode'> & { displayName?: string },
  env: NodeJS.ProcessEnv,
  opts: {
    prefix?: string;
    defaultTimeoutMs?: number;
    resolved?: { target: Target; configPath: string };
    /** Scopes to request instead of the method's least-privilege set (e.g. an admin retry). */
    scopes?: string[];
  } = {},
): Promise<unknown> {
  const prefix = opts.prefix ?? '';
  const timeoutMs = parseTimeout(flags.timeout, opts.defaultTimeoutMs ?? 10_000);
  const resolved = opts.resolved ?? targetFor(flags, env, prefix);
  const { configPath } = resolved;
  if (flags.expectUrl !== undefined && flags.expectUrl !== resolved.target.url) {
    const message = 'Gateway destination changed. Refresh the selected Gateway before retrying.';
    throw new CliError(prefix + message, 1, { type: 'cli_error', message });
  }
  const opened = await openTarget(resolved.target, env, timeoutMs, prefix);
  try {
    return await callOpen(method, params, opened.target, configPath, client, env, timeoutMs, prefix, opts.scopes);
  } finally {
    await opened.close();
  }
}

/**
 * Connects to an opened target with device auth as needed; the caller owns (and closes) the
 * returned client. Throws CliError with the 7.5 wording when the connect fails.
 */
export async function connectOpen(
  target: Target, configPath: string,
  client: Pick<ConnectParams['client'], 'id' | 'mode'> & { displayName?: string },
  env: NodeJS.ProcessEnv, timeoutMs: number, prefix: string, scopes: string[],
  /** Connect caps: `approvals` makes the gateway count this client as an approver. */
  caps: string[] = [],
): Promise<GatewayClient> {
  const gc = new GatewayClient();
  const connectParams = buildConnectParams({
    clientId: client.id, mode: client.mode, version: farclawVersion(), scopes, caps,
    token: target.token, password: target.password, ...(client.displayName ? { displayName: client.displayName } : {}),
  });
  let device: DeviceAuthPlan;
  try {
    device = planDeviceAuth(target.url, connectParams, resolvePaths(env).stateDir);
  } catch (err) {
    throw new CliError(`${prefix}${(err as Error).message}`, 1, { type: 'cli_error', message: (err as Error).message });
  }
  try {
    device.accept(await gc.connect(target.url, (challenge) => device.params(challenge), timeoutMs, { tlsPin: target.tlsPin }));
    return gc;
  } catch (err) {
    device.reject(err);
    await gc.close();
    throw describeFailure(err, target, configPath, 'connect', prefix);
  }
}

async function callOpen(
  method: string, params: unknown, target: Target, configPath: string,
  client: Pick<ConnectParams['client'], 'id' | 'mode'> & { displayName?: string },
  env: NodeJS.ProcessEnv, timeoutMs: number, prefix: string, scopes: string[] | undefined,
): Promise<unknown> {
  const gc = await connectOpen(target, configPath, client, env, timeoutMs, prefix, scopes ?? scopesFor(method));
  try {
    return await gc.request(method, params, timeoutMs);
  } catch (err) {
    throw describeFailure(err, target, configPath, 'call', prefix);
  } finally {
    await gc.close();
  }
}
