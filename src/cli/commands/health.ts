import { connect } from 'node:net';
import { CliError, formatFailure } from '../cli-error.js';
import { callOnce, targetFor, type CallFlags } from '../rpc.js';

interface HealthPayload {
  ok?: boolean;
  durationMs?: number;
  heartbeatSeconds?: number;
  defaultAgentId?: string;
  agents?: { agentId?: string; isDefault?: boolean }[];
  sessions?: { path?: string; count?: number };
  eventLoop?: { degraded?: boolean; delayMaxMs?: number; delayP99Ms?: number; utilization?: number };
}

/** Whether something accepts TCP connections at the URL's host:port (no WebSocket is opened). */
async function isListening(url: string, timeoutMs: number): Promise<boolean> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'wss:' ? 443 : 80));
  return await new Promise((resolve) => {
    const socket = connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function render(p: HealthPayload, elapsedMs: number): string {
  const loop = p.eventLoop ?? {};
  const agents = (p.agents ?? []).map((a) => `${a.agentId ?? '?'}${a.isDefault ? ' (default)' : ''}`).join(', ') || 'none';
  return [
    `Gateway event loop: ${loop.degraded ? 'degraded' : 'ok'} max=${loop.delayMaxMs ?? 0}ms p99=${loop.delayP99Ms ?? 0}ms`,
    `Gateway probe duration: ${elapsedMs}ms`,
    `Agents: ${agents}`,
    `Heartbeat interval: ${p.heartbeatSeconds !== undefined ? `${Math.round(p.heartbeatSeconds / 60)}m` : 'unknown'}`,
    `Session store (${p.defaultAgentId ?? 'main'}): ${p.sessions?.path ?? 'unknown'} (${p.sessions?.count ?? 0} entries)`,
  ].join('\n');
}

/** Configuration and TLS mistakes (`cli_error`) say that the health check failed, in the one format. */
function wrapCliError(err: unknown): unknown {
  if (err instanceof CliError && err.json?.type === 'cli_error') return err.prefixed('Health check failed');
  return err;
}

/**
 * `farclaw health`: the configured gateway's health (no `--url`: config, env or the local
 * default decide the target, remote-access.md 13.1).
 */
export async function runHealth(flags: CallFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const started = Date.now();
  let resolved: ReturnType<typeof targetFor>;
  try {
    resolved = targetFor(flags, env);
  } catch (err) {
    throw wrapCliError(err);
  }
  const { target } = resolved;
  if (target.token === undefined && target.password === undefined) {
    // No credential of any kind: say so instead of opening a socket that cannot authenticate.
    // Behind SSH nothing is listening yet, and opening a tunnel that cannot authenticate is pointless.
    const gateway = { url: target.url, urlSource: target.urlSource, reachable: target.ssh ? false : await isListening(target.url, 1500) };
    if (!gateway.reachable) {
      const message = 'gateway health requires credentials before opening a websocket';
      throw new CliError(formatFailure({ failed: message, fix: 'run farclaw gateway run here, or set gateway.remote.url and gateway.remote.token.', context: [`Gateway target: ${target.url}`, `Source: ${target.urlSource}`] }), 1, { type: 'gateway_credentials_required', message }, { gateway });
    }
    const message = 'Gateway is reachable, but this CLI has no token/password or paired device token for read-scope health RPCs.';
    throw new CliError(formatFailure({ failed: message, fix: target.mode === 'local' ? 'set gateway.auth.token (or FARCLAW_GATEWAY_TOKEN) to the token the gateway runs with' : 'set gateway.remote.token to the gateway\'s gateway.auth.token' }), 1, { type: 'gateway_credentials_required', message }, { gateway });
  }
  const payload = (await callOnce('health', {}, flags, { id: 'gateway-client', mode: 'backend', displayName: 'gateway:health' }, env, {
    defaultTimeoutMs: 60_000,
    resolved,
  }).catch((err: unknown) => {
    throw wrapCliError(err);
  })) as HealthPayload;
  process.stdout.write((flags.json ? JSON.stringify(payload, null, 2) : render(payload, Date.now() - started)) + '\n');
  return payload.ok ? 0 : 1;
}
