import { GatewayClient, RequestError, TransportError } from '../../client/gateway-client.js';
import { buildConnectParams } from '../../client/frames.js';
import { resolveTarget, TargetError, type Target, type TargetFlags } from '../../client/target.js';
import { ConfigError, loadConfig } from '../../infra/config.js';
import { InvalidPortError } from '../../infra/port.js';
import { resolvePaths } from '../../infra/paths.js';
import { farclawVersion } from '../../infra/version.js';
import { METHOD_SCOPES } from '../../protocol/methods.js';
import { Scope } from '../../protocol/scopes.js';
import type { ConnectParams } from '../../protocol/schema/connect.js';
import { CliError } from '../cli-error.js';

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

function parseTimeout(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`Invalid --timeout: "${raw}" is not a positive number of milliseconds.`);
  return n;
}

function parseParams(raw: string | undefined): unknown {
  if (raw === undefined) return {};
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new CliError(`Invalid --params: not valid JSON (${(err as Error).message}).`);
  }
}

/** Resolves the target from flags, config and env, mapping every failure to a CliError. */
export function targetFor(flags: TargetFlags, env: NodeJS.ProcessEnv): { target: Target; configPath: string } {
  const paths = resolvePaths(env);
  try {
    const loaded = loadConfig(paths.configPath);
    return { target: resolveTarget(flags, loaded, env, paths.stateDir), configPath: paths.configPath };
  } catch (err) {
    if (err instanceof TargetError) throw new CliError(err.message, 1, { type: err.type, message: err.message });
    if (err instanceof ConfigError || err instanceof InvalidPortError) throw new CliError(err.message, 1, { type: 'cli_error', message: err.message });
    throw err;
  }
}

/** Turns a client failure into the CLI's one-line report (remote-access.md 7.5). */
export function describeFailure(err: unknown, target: Target, configPath: string, during: 'connect' | 'call'): CliError {
  const where = `Gateway target: ${target.url}\nSource: ${target.urlSource}\nConfig: ${configPath}`;
  const gateway = { url: target.url, urlSource: target.urlSource };
  if (err instanceof TransportError) {
    const json = { type: 'gateway_transport_error', kind: err.kind, message: err.message, ...(err.reason ? { reason: err.reason } : {}) };
    const hint = err.kind === 'closed' && err.message.startsWith('Gateway not reachable') ? '\nStart it with: farclaw gateway run' : '';
    return new CliError(`${err.message}${hint}\n${where}`, 1, { ...json, gateway });
  }
  if (err instanceof RequestError) {
    const s = err.shape;
    const json = { type: 'gateway_request_error', code: s.code, message: s.message, ...(s.details !== undefined ? { details: s.details } : {}), retryable: s.retryable ?? false };
    const line = during === 'connect' ? `gateway connect failed: GatewayClientRequestError: ${s.message}` : `gateway call failed: ${s.code}: ${s.message}`;
    return new CliError(line, 1, { ...json, gateway });
  }
  if (err instanceof Error) return new CliError(`gateway call failed: ${err.message}`, 1, { type: 'cli_error', message: err.message, gateway });
  return new CliError('gateway call failed', 1);
}

/**
 * Connects, runs one method, closes. Used by `gateway call`, `gateway health` and `health`.
 * Returns the payload; throws CliError with the 7.5 wording on any failure.
 */
export async function callOnce(
  method: string,
  params: unknown,
  flags: CallFlags,
  client: Pick<ConnectParams['client'], 'id' | 'mode'> & { displayName?: string },
  env: NodeJS.ProcessEnv,
): Promise<unknown> {
  const timeoutMs = parseTimeout(flags.timeout, 10_000);
  const { target, configPath } = targetFor(flags, env);
  if (flags.expectUrl !== undefined && flags.expectUrl !== target.url) {
    throw new CliError('Gateway destination changed. Refresh the selected Gateway before retrying.');
  }
  const gc = new GatewayClient();
  const connectParams = buildConnectParams({
    clientId: client.id, mode: client.mode, version: farclawVersion(), scopes: scopesFor(method),
    token: target.token, password: target.password, ...(client.displayName ? { displayName: client.displayName } : {}),
  });
  try {
    try {
      await gc.connect(target.url, connectParams, timeoutMs);
    } catch (err) {
      throw describeFailure(err, target, configPath, 'connect');
    }
    try {
      return await gc.request(method, params, timeoutMs);
    } catch (err) {
      throw describeFailure(err, target, configPath, 'call');
    }
  } finally {
    await gc.close();
  }
}

/** `farclaw gateway call <method>`: prints the payload as JSON. */
export async function runGatewayCall(method: string, flags: CallFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const payload = await callOnce(method, parseParams(flags.params), flags, { id: 'cli', mode: 'cli' }, env);
  process.stdout.write(JSON.stringify(payload, null, 2) + '\n');
  return 0;
}

/** `farclaw gateway health` / `farclaw health`. */
export async function runHealth(flags: CallFlags, env: NodeJS.ProcessEnv, asBackend: boolean): Promise<number> {
  const started = Date.now();
  const client = asBackend ? { id: 'gateway-client' as const, mode: 'backend' as const, displayName: 'gateway:health' } : { id: 'cli' as const, mode: 'cli' as const };
  const payload = (await callOnce('health', {}, flags, client, env)) as { ok?: boolean; durationMs?: number; eventLoop?: { delayMaxMs?: number; degraded?: boolean } };
  if (flags.json) {
    process.stdout.write(JSON.stringify(payload, null, 2) + '\n');
  } else if (asBackend) {
    const loop = payload.eventLoop;
    process.stdout.write(`Gateway event loop: ${loop?.degraded ? 'degraded' : 'ok'} max=${loop?.delayMaxMs ?? 0}ms\nGateway probe duration: ${Date.now() - started}ms\n`);
  } else {
    process.stdout.write(`Gateway Health\n${payload.ok ? 'OK' : 'NOT OK'} (${Date.now() - started}ms)\n`);
  }
  return payload.ok ? 0 : 1;
}
