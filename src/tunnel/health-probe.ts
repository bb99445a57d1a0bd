import { GatewayClient, RequestError, TransportError } from '../client/gateway-client.js';
import { buildConnectParams } from '../client/frames.js';
import { farclawVersion } from '../infra/version.js';
import { Scope } from '../protocol/scopes.js';

/** The outcome of one `health` call through the tunnel. */
export type ProbeOutcome =
  | { ok: true; latencyMs: number; authError?: string }
  /**
   * `timeout`: nothing came back (a stopped ssh, a dead TCP path): the tunnel is broken.
   * `refused`: nothing listens on the local port (ssh not forwarding yet, or gone).
   * `closed`: accepted, then closed at once: ssh forwards but no gateway answers behind it.
   */
  | { ok: false; kind: 'timeout' | 'refused' | 'closed'; error: string };

/**
 * Opens a fresh gateway connection to `url`, calls `health`, closes. A connect the gateway
 * refuses (wrong or missing credentials) still proves the path end to end, so it counts as ok
 * with `authError` set. Never throws.
 */
export async function probeHealth(url: string, creds: { token?: string | undefined; password?: string | undefined }, timeoutMs: number): Promise<ProbeOutcome> {
  const started = performance.now();
  const gc = new GatewayClient();
  const params = buildConnectParams({
    clientId: 'gateway-client', mode: 'backend', displayName: 'tunnel:probe', version: farclawVersion(), scopes: [Scope.READ],
    token: creds.token, password: creds.password,
  });
  try {
    await gc.connect(url, params, timeoutMs);
    await gc.request('health', {}, timeoutMs);
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (err) {
    if (err instanceof RequestError) return { ok: true, latencyMs: Math.round(performance.now() - started), authError: err.shape.message };
    if (err instanceof TransportError && err.kind === 'timeout') return { ok: false, kind: 'timeout', error: err.message };
    const error = err instanceof TransportError ? (err.reason ?? err.message) : (err as Error).message;
    return { ok: false, kind: /ECONNREFUSED/.test(error) ? 'refused' : 'closed', error };
  } finally {
    await gc.close();
  }
}
