import { RequestError, TransportError } from '../../client/gateway-client.js';
import { buildConnectParams } from '../../client/frames.js';
import type { ConnectParams } from '../../protocol/schema/connect.js';
import type { PresenceEntry } from '../../protocol/schema/snapshot.js';
import { Scope } from '../../protocol/scopes.js';
import { MIN_PROBE_PROTOCOL } from '../../protocol/version.js';
import type { TlsPin } from '../../infra/tls-pin.js';
import { reachGateway, reachReason, type ReachFailure } from '../doctor/reach.js';
import { deriveCapability, type ProbeAuthSummary } from './capability.js';

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

const detailRequests = (detail: ProbeDetail): [string, unknown][] =>
  detail === 'full'
    ? [['health', {}], ['status', {}], ['system-presence', {}], ['config.get', {}]]
    : detail === 'status'
      ? [['status', undefined]]
      : detail === 'presence'
        ? [['system-presence', {}]]
        : [];

/** The probe's wording of a failed connect: the doctor's reason, with the probe's own advice. */
function probeReason(f: ReachFailure): string {
  const reason = reachReason(f);
  return f.kind === 'slowed' ? `${reason}; check the token, then retry with a longer --timeout` : reason;
}

/** The wording of a failed detail RPC (a refusal's message, or why the connection went away). */
const rpcReason = (err: unknown): string =>
  err instanceof RequestError ? err.shape.message : err instanceof TransportError ? (err.reason ?? err.message) : err instanceof Error ? err.message : String(err);

/**
 * Reaches `url` the doctor's way (its auth hop's `reachGateway`), records what hello-ok says,
 * runs the detail RPCs and closes. Never throws: every failure ends up in the result. A refused
 * connect (wrong token, device identity required, pairing) still counts as reachable because
 * the gateway answered. Never signs as a device (probes create no identity, 13.5).
 */
export async function probeGateway(opts: ProbeOptions): Promise<ProbeResult> {
  const timeoutMs = Math.max(MIN_PROBE_TIMEOUT_MS, opts.timeoutMs);
  const client = opts.client ?? { id: 'cli', mode: 'probe' };
  const result: ProbeResult = {
    url: opts.url, ok: false, connected: false, connectLatencyMs: null, error: null, close: null,
    auth: { role: null, scopes: [], capability: 'unknown' },
    server: { version: null, connId: null },
    health: null, status: null, presence: null, configSnapshot: null,
  };
  const params = buildConnectParams({
    clientId: client.id, mode: client.mode, version: opts.version, scopes: [Scope.READ],
    token: opts.token, password: opts.password,
    ...(client.mode === 'probe' ? { minProtocol: MIN_PROBE_PROTOCOL } : {}),
    ...(client.displayName ? { displayName: client.displayName } : {}),
  });
  const reach = await reachGateway({ url: opts.url, params, timeoutMs, tlsPin: opts.tlsPin });
  if (!reach.ok) {
    result.error = probeReason(reach);
    result.close = reach.close;
    result.connectLatencyMs = reach.latencyMs;
    if (reach.error instanceof RequestError) result.connectErrorDetails = reach.error.shape.details;
    result.auth.capability = deriveCapability({ scopes: [], authMetadataPresent: false, connected: false, pairingRequired: reach.kind === 'pairing' });
    return result;
  }
  const gc = reach.client;
  try {
    result.connected = true;
    result.connectLatencyMs = reach.latencyMs;
    const server = (reach.hello as { server?: Record<string, unknown> }).server ?? {};
    result.server = {
      version: typeof server.version === 'string' ? server.version : null,
      connId: typeof server.connId === 'string' ? server.connId : null,
      ...(typeof server.buildId === 'string' ? { buildId: server.buildId } : {}),
      ...(typeof server.bootId === 'string' ? { bootId: server.bootId } : {}),
    };
    const auth = (reach.hello as { auth?: { role?: unknown; scopes?: unknown } }).auth;
    const scopes = Array.isArray(auth?.scopes) ? auth.scopes.filter((s): s is string => typeof s === 'string') : [];
    result.auth.role = typeof auth?.role === 'string' ? auth.role : null;
    result.auth.scopes = scopes;
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
    result.error = failed ? rpcReason(failed.reason) : null;
    result.auth.capability = deriveCapability({
      scopes, authMetadataPresent: typeof auth === 'object' && auth !== null, connected: true, verifiedRead: result.ok && requests.length > 0,
    });
  } finally {
    await gc.close();
  }
  return result;
}
