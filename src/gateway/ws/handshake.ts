import { randomUUID } from 'node:crypto';
import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import { GATEWAY_EVENTS } from '../../protocol/methods.js';
import { ConnectParamsSchema, type ConnectParams } from '../../protocol/schema/connect.js';
import type { HelloOk } from '../../protocol/schema/snapshot.js';
import { lazyValidator } from '../../protocol/validate.js';
import { CloseCode, MAX_BUFFERED_BYTES, MAX_PAYLOAD_BYTES, MIN_PROBE_PROTOCOL, PROTOCOL_VERSION } from '../../protocol/version.js';
import { checkSharedSecret } from '../auth/shared-secret.js';
import { Scope, hasScope } from '../../protocol/scopes.js';
import type { GatewayServices, Principal } from '../context.js';
import { DEFAULT_AGENT_ID } from '../health-service.js';

const validateConnectParams = lazyValidator(ConnectParamsSchema);

/** A refused handshake: the error response, then a close with this code and reason. */
export class HandshakeRefusal extends Error {
  constructor(
    readonly error: GatewayError,
    readonly closeCode: number = CloseCode.POLICY,
    readonly closeReason: string = error.message,
  ) {
    super(error.message);
  }
}

/** Facts about the socket the connect arrived on. */
export interface SocketFacts {
  connId: string;
  remoteAddress: string;
  isLocal: boolean;
  origin: string | undefined;
  host: string | undefined;
}

function negotiateProtocol(p: ConnectParams, role: string): number {
  if (p.minProtocol <= PROTOCOL_VERSION && PROTOCOL_VERSION <= p.maxProtocol) return PROTOCOL_VERSION;
  const mayUseOld = p.client.mode === 'probe' || (role === 'node' && p.client.mode === 'node');
  if (mayUseOld && p.minProtocol <= MIN_PROBE_PROTOCOL && MIN_PROBE_PROTOCOL <= p.maxProtocol) return MIN_PROBE_PROTOCOL;
  const err = new GatewayError(ErrorCode.INVALID_REQUEST, 'protocol mismatch', {
    details: {
      code: 'PROTOCOL_MISMATCH',
      clientMinProtocol: p.minProtocol,
      clientMaxProtocol: p.maxProtocol,
      expectedProtocol: PROTOCOL_VERSION,
      minimumProbeProtocol: MIN_PROBE_PROTOCOL,
    },
  });
  throw new HandshakeRefusal(err, CloseCode.PROTOCOL_MISMATCH, 'protocol mismatch');
}

/** Same-origin (Origin host = Host header) or an allowed origin (protocol.md 3.3 step 5). */
function checkOrigin(services: GatewayServices, socket: SocketFacts): void {
  if (socket.origin === undefined) return;
  const allowed = (services.config.config.gateway?.controlUi as { allowedOrigins?: unknown } | undefined)?.allowedOrigins;
  const list = Array.isArray(allowed) ? allowed.filter((o): o is string => typeof o === 'string') : [];
  let sameOrigin = false;
  try {
    sameOrigin = socket.host !== undefined && new URL(socket.origin).host === socket.host;
  } catch {
    sameOrigin = false;
  }
  if (sameOrigin || list.includes(socket.origin)) return;
  throw new HandshakeRefusal(
    new GatewayError(ErrorCode.INVALID_REQUEST, `origin not allowed (open the Control UI from the gateway host or add ${socket.origin} to gateway.controlUi.allowedOrigins)`, {
      details: { code: 'CONTROL_UI_ORIGIN_NOT_ALLOWED' },
    }),
  );
}

/** Device-less operators keep their scopes only as a local CLI or backend (protocol.md 4.3). */
function effectiveScopes(p: ConnectParams, role: string, isLocal: boolean): string[] {
  if (role !== 'operator') return [];
  const trustedClient = (p.client.id === 'cli' && p.client.mode === 'cli') || (p.client.id === 'gateway-client' && p.client.mode === 'backend');
  return trustedClient && isLocal ? [...new Set(p.scopes ?? [])] : [];
}

/**
 * Runs the server side of `connect` (protocol.md 3.3) and returns the principal and hello-ok.
 * Throws HandshakeRefusal with the exact wire error and close code on any refusal.
 */
export function processConnect(
  services: GatewayServices,
  socket: SocketFacts,
  rawParams: unknown,
): { principal: Principal; hello: HelloOk } {
  const params = rawParams ?? {};
  if (!validateConnectParams(params)) {
    throw new HandshakeRefusal(new GatewayError(ErrorCode.INVALID_REQUEST, `invalid connect params: ${validateConnectParams.explain(params)}`));
  }
  if (!services.isReady()) {
    const err = new GatewayError(ErrorCode.UNAVAILABLE, 'gateway starting; retry shortly', {
      retryable: true, retryAfterMs: 500, details: { reason: 'startup-sidecars' },
    });
    throw new HandshakeRefusal(err, CloseCode.TRY_AGAIN_LATER, 'gateway starting');
  }
  const role = params.role ?? 'operator';
  const protocol = negotiateProtocol(params, role);
  if (role !== 'operator' && role !== 'node') {
    throw new HandshakeRefusal(new GatewayError(ErrorCode.INVALID_REQUEST, 'invalid role'));
  }
  checkOrigin(services, socket);
  // Device proofs and pairing are not verified yet (issue 5); a device block is tolerated and the
  // connect is judged on its shared secret alone, as protocol.md 12 item 3 allows.
  let authMethod: string;
  try {
    authMethod = checkSharedSecret(services.auth, params.auth ?? {}, { clientId: params.client.id, isLocal: socket.isLocal });
  } catch (err) {
    if (err instanceof GatewayError) throw new HandshakeRefusal(err);
    throw err;
  }
  const now = Date.now();
  const principal: Principal = {
    connId: socket.connId,
    role,
    scopes: effectiveScopes(params, role, socket.isLocal),
    client: params.client,
    isLocal: socket.isLocal,
    remoteAddress: socket.remoteAddress,
    authMethod,
    connectedAtMs: now,
  };
  return { principal, hello: buildHelloOk(services, principal, protocol, now) };
}

const ATTACHMENT_LIMITS = { maxBytes: 19_464_192, maxImageBytes: 6_291_456 };

function buildHelloOk(services: GatewayServices, principal: Principal, protocol: number, now: number): HelloOk {
  // A connection without read access (e.g. a device-less probe) learns nothing about who else
  // is connected or how the gateway is set up, as with the real gateway (vector gateway-probe).
  const canRead = principal.role === 'operator' && hasScope(principal.scopes, Scope.READ);
  return {
    type: 'hello-ok',
    protocol,
    server: {
      version: services.version, connId: principal.connId, buildId: `farclaw-${services.version}`, bootId: services.bootId,
      controlUiBuildSource: 'bundled',
    },
    features: { methods: [...services.methodNames], events: [...GATEWAY_EVENTS], capabilities: [] },
    snapshot: {
      presence: canRead ? services.presence.list() : [],
      health: services.health.get(false, now),
      stateVersion: { presence: services.presence.version, health: services.health.version },
      uptimeMs: now - services.startedAtMs,
      appliedConfigHash: services.configHash,
      configPath: services.paths.configPath,
      stateDir: services.paths.stateDir,
      sessionDefaults: {
        defaultAgentId: DEFAULT_AGENT_ID, mainKey: 'main', mainSessionKey: `agent:${DEFAULT_AGENT_ID}:main`, scope: 'per-sender',
      },
      authMode: services.auth.mode,
      suspension: { phase: 'accepting' },
      ...(canRead ? { updateSchedule: { channel: 'stable', autoEnabled: false, install: { kind: 'package' } } } : {}),
    },
    controlUiWidgetKinds: [],
    controlUiLinkReaders: [],
    pluginSurfaceUrls: {},
    auth: { method: principal.authMethod, role: principal.role, scopes: principal.scopes },
    policy: {
      maxPayload: MAX_PAYLOAD_BYTES,
      maxBufferedBytes: MAX_BUFFERED_BYTES,
      tickIntervalMs: services.tickIntervalMs,
      attachments: ATTACHMENT_LIMITS,
      allowedSessionVisibilities: ['shared', 'read-only', 'suggest', 'draft'],
      hasMultipleSessionSharingIdentities: false,
    },
  };
}

export const newConnId = (): string => randomUUID();
