import { GatewayClient, RequestError, TransportError } from '../../client/gateway-client.js';
import { buildConnectParams } from '../../client/frames.js';
import type { ConnectParams } from '../../protocol/schema/connect.js';
import type { PresenceEntry } from '../../protocol/schema/snapshot.js';
import { Scope } from '../../protocol/scopes.js';
import { MIN_PROBE_PROTOCOL } from '../../protocol/version.js';
import type { TlsPin } from '../../infra/tls-pin.js';
import { deriveCapability, isPairingRequired, type ProbeAuthSummary } from './capability.js';

/** What the gateway said about itself in hello-ok. */
export interface ProbeServerSummary {
  version: string | null;
  connId: string | null;
  buildId?: string;
  /** Stable per gateway process: two targets with the same bootId are one gateway. */
  bootId?: string;
}

/** The outcome of probing one URL (remote-access.md 13.6 "Each target"). */
export interface ProbeResult {
  url: string;
  /** Connected and every detail RPC answered (`connect.rpcOk` in JSON). */
  ok: boolean;
  /** hello-ok arrived: the connect itself was accepted. */
  connected: boolean;
  /** Set once the server answered the WebSocket connect, even with a refusal: "reachable". */
  connectLatencyMs: number | null;
  error: string | null;
  /** How the server closed the socket after refusing the connect. */
  close: { code: number; reason: string } | null;
  /** `error.details` of a refused connect. */
  connectErrorDetails?: unknown;
  auth: ProbeAuthSummary;
  server: ProbeServerSummary;
  health: unknown;
  status: unknown;
  presence: PresenceEntry[] | null;
  configSnapshot: unknown;
}

/** Which RPCs follow the connect: none, the probe set (pipelined), one `status` read, or presence. */
export type ProbeDetail = 'none' | 'full' | 'status' | 'presence';

/** One probe: where, with which credentials, how long, and which RPCs after the connect. */
export interface ProbeOptions {
  url: string;
  token?: string | undefined;
  password?: string | undefined;
  /** Budget for the connect, and again for the detail RPCs once connected. */
  timeoutMs: number;
  detail: ProbeDetail;
  /** Defaults to a probe-mode `cli` client asking for `operator.read` (what the real probe sends). */
  client?: { id: ConnectParams['client']['id']; mode: ConnectParams['client']['mode']; displayName?: string };
  version: string;
  /** Certificate pin for a `wss://` URL (remote-access.md 8.3). */
  tlsPin?: TlsPin | undefined;
}

const MIN_PROBE_TIMEOUT_MS = 250;

/** The probe's wording of a failed connect: the transport reason, `timeout`, or the refusal. */
function describeConnectFailure(err: unknown): string {
  if (err instanceof RequestError) return err.shape.message;
  if (err instanceof TransportError) {
    if (err.kind === 'timeout' && err.reason === 'connect unanswered') {
      return `no answer to the connect within ${err.timeoutMs ?? 0}ms: the gateway delays answers after failed authentication attempts (rate limited); check the token, then retry with a longer --timeout`;
    }
    if (err.kind === 'timeout') return 'timeout';
    return err.reason ?? err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

const detailRequests = (detail: ProbeDetail): [string, unknown][] =>
  detail === 'full'
    ? [['health', {}], ['status', {}], ['system-presence', {}], ['config.get', {}]]
    : detail === 'status'
      ? [['status', undefined]]
      : detail === 'presence'
        ? [['system-presence', {}]]
        : [];

/**
 * Opens one connection to `url`, records what hello-ok says, runs the detail RPCs and closes.
 * Never throws: every failure ends up in the result. A refused connect (wrong token, device
 * identity required, pairing) still counts as reachable because the gateway answered.
 */
export async function probeGateway(opts: ProbeOptions): Promise<ProbeResult> {
  const started = Date.now();
  const timeoutMs = Math.max(MIN_PROBE_TIMEOUT_MS, opts.timeoutMs);
  const client = opts.client ?? { id: 'cli', mode: 'probe' };
  const result: ProbeResult = {
    url: opts.url, ok: false, connected: false, connectLatencyMs: null, error: null, close: null,
    auth: { role: null, scopes: [], capability: 'unknown' },
    server: { version: null, connId: null },
    health: null, status: null, presence: null, configSnapshot: null,
  };
  const gc = new GatewayClient();
  const params = buildConnectParams({
    clientId: client.id, mode: client.mode, version: opts.version, scopes: [Scope.READ],
    token: opts.token, password: opts.password,
    ...(client.mode === 'probe' ? { minProtocol: MIN_PROBE_PROTOCOL } : {}),
    ...(client.displayName ? { displayName: client.displayName } : {}),
  });
  try {
    const hello = await gc.connect(opts.url, params, timeoutMs, { tlsPin: opts.tlsPin });
    result.connected = true;
    result.connectLatencyMs = Date.now() - started;
    const server = (hello as { server?: Record<string, unknown> }).server ?? {};
    result.server = {
      version: typeof server.version === 'string' ? server.version : null,
      connId: typeof server.connId === 'string' ? server.connId : null,
      ...(typeof server.buildId === 'string' ? { buildId: server.buildId } : {}),
      ...(typeof server.bootId === 'string' ? { bootId: server.bootId } : {}),
    };
    const auth = (hello as { auth?: { role?: unknown; scopes?: unknown } }).auth;
    const scopes = Array.isArray(auth?.scopes) ? auth.scopes.filter((s): s is string => typeof s === 'string') : [];
    result.auth.role = typeof auth?.role === 'string' ? auth.role : null;
    result.auth.scopes = scopes;
    const authMetadataPresent = typeof auth === 'object' && auth !== null;
    const requests = detailRequests(opts.detail);
    const settled = await Promise.allSettled(requests.map(([method, p]) => gc.request(method, p, timeoutMs)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    settled.forEach((s, i) => {
      if (s.status !== 'fulfilled') return;
      const method = requests[i]?.[0];
      if (method === 'health') result.health = s.value;
      else if (method === 'status') result.status = s.value;
      else if (method === 'system-presence') result.presence = Array.isArray(s.value) ? (s.value as PresenceEntry[]) : null;
      else if (method === 'config.get') result.configSnapshot = s.value;
    });
    result.ok = failed === undefined;
    result.error = failed ? describeConnectFailure(failed.reason) : null;
    result.auth.capability = deriveCapability({
      scopes, authMetadataPresent, connected: true, verifiedRead: result.ok && requests.length > 0,
    });
  } catch (err) {
    result.error = describeConnectFailure(err);
    if (err instanceof RequestError) {
      result.connectLatencyMs = Date.now() - started;
      result.connectErrorDetails = err.shape.details;
    }
  } finally {
    await gc.close();
  }
  if (!result.connected) {
    // A refusal is followed by the server's close (1008 + reason); a close frame after an open
    // socket also proves the gateway answered. 1006 (no close frame) proves nothing.
    const info = gc.closeInfo;
    if (info && info.code !== 1006 && info.code !== 1005 && info.code !== 1000) {
      result.close = { code: info.code, reason: info.reason };
      result.connectLatencyMs ??= Date.now() - started;
      if (result.error?.startsWith('gateway closed the connection')) result.error = `gateway closed (${info.code}): ${info.reason}`;
    }
    result.auth.capability = deriveCapability({
      scopes: [], authMetadataPresent: false, connected: false,
      pairingRequired: isPairingRequired({ details: result.connectErrorDetails, closeReason: result.close?.reason ?? null, error: result.error }),
    });
  }
  return result;
}
