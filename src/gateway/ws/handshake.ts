import { DetailCode } from '../../protocol/error-details.js';
import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import { GATEWAY_CAPABILITIES } from '../../protocol/methods.js';
import { ConnectParamsSchema, type ConnectParams } from '../../protocol/schema/connect.js';
import { lazyValidator } from '../../protocol/validate.js';
import { CloseCode, MIN_PROBE_PROTOCOL, PROTOCOL_VERSION } from '../../protocol/version.js';
import { isKnownScope } from '../../protocol/scopes.js';
import type { GatewayServices, Principal } from '../rpc/context.js';
import { isOriginAllowed, originPolicyOf } from '../ingress/browser-origin.js';
import type { TailnetCandidate } from '../ingress/admission.js';
import { authorizeConnect, type ConnectAuth } from './connect-auth.js';
import { HandshakeRefusal } from './handshake-refusal.js';
import { helloOkJson } from './hello-ok.js';

const validateConnectParams = lazyValidator(ConnectParamsSchema);

export { HandshakeRefusal } from './handshake-refusal.js';

/** Facts about the socket the connect arrived on. */
export interface SocketFacts {
  connId: string;
  remoteAddress: string;
  isLocal: boolean;
  /** The nonce of this connection's `connect.challenge`. */
  nonce: string;
  /**
   * Called when the connect is known to be refused and the answer is only held back (6.3 delay);
   * returns the signal that aborts the wait when the socket closes.
   */
  onRefusalHeld?: () => AbortSignal | undefined;
  origin: string | undefined;
  host: string | undefined;
  /** The user a trusted proxy vouched for (remote-access.md 12), when auth mode is trusted-proxy. */
  proxyUser?: string | undefined;
  /** What Tailscale Serve claims about the client (managed listener only, assistant.md 12.3). */
  tailnet?: TailnetCandidate | undefined;
}

const CAPABILITIES_JSON = JSON.stringify(GATEWAY_CAPABILITIES);

/** The `connect.challenge` event (protocol.md 3.2) as sent; `nonce` is a UUID, so nothing needs escaping. */
export function challengeFrame(nonce: string, now: number): string {
  return `{"type":"event","event":"connect.challenge","payload":{"nonce":"${nonce}","ts":${now},"capabilities":${CAPABILITIES_JSON}}}`;
}

function negotiateProtocol(p: ConnectParams, role: string): number {
  if (p.minProtocol <= PROTOCOL_VERSION && PROTOCOL_VERSION <= p.maxProtocol) return PROTOCOL_VERSION;
  const mayUseOld = p.client.mode === 'probe' || (role === 'node' && p.client.mode === 'node');
  if (mayUseOld && p.minProtocol <= MIN_PROBE_PROTOCOL && MIN_PROBE_PROTOCOL <= p.maxProtocol) return MIN_PROBE_PROTOCOL;
  const err = new GatewayError(ErrorCode.INVALID_REQUEST, 'protocol mismatch', {
    details: {
      code: DetailCode.PROTOCOL_MISMATCH,
      clientMinProtocol: p.minProtocol,
      clientMaxProtocol: p.maxProtocol,
      expectedProtocol: PROTOCOL_VERSION,
      minimumProbeProtocol: MIN_PROBE_PROTOCOL,
    },
  });
  throw new HandshakeRefusal(err, CloseCode.PROTOCOL_MISMATCH, 'protocol mismatch');
}

/** Browser origins (protocol.md 3.3 step 5); see browser-origin.ts for the rule. */
function checkOrigin(services: GatewayServices, socket: SocketFacts): void {
  if (socket.origin === undefined) return;
  // The page Tailscale Serve delivers is served from the tailnet name (assistant.md 11.9: `.ts.net` same-host).
  const tailnetName = services.tailscale?.info()?.dnsName;
  if (tailnetName !== undefined && socket.origin === `https://${tailnetName}` && socket.host?.toLowerCase() === tailnetName.toLowerCase()) return;
  if (isOriginAllowed(socket.origin, socket.host, originPolicyOf(services.config.config.gateway))) return;
  throw new HandshakeRefusal(
    new GatewayError(ErrorCode.INVALID_REQUEST, `origin not allowed (open the Control UI from the gateway host or add ${socket.origin} to gateway.controlUi.allowedOrigins)`, {
      details: { code: DetailCode.CONTROL_UI_ORIGIN_NOT_ALLOWED },
    }),
  );
}

/**
 * A node without a device proof is known by its `client.instanceId` (protocol.md 9.1), which it
 * chooses. It may not choose the id of a paired device or of a node connected right now: it
 * would inherit that node's approval and receive its invokes (issue 12 item 9).
 */
function checkDevicelessNodeId(services: GatewayServices, instanceId: string | undefined): void {
  if (instanceId === undefined) return;
  const taken = services.devices.paired(instanceId) !== undefined ? 'a paired device' : services.nodes.session(instanceId) ? 'a connected node' : undefined;
  if (!taken) return;
  throw new HandshakeRefusal(
    new GatewayError(ErrorCode.INVALID_REQUEST, `node id in use: client.instanceId is the id of ${taken}; connect with a device identity or another instanceId`, {
      details: { code: DetailCode.NODE_ID_IN_USE },
    }),
  );
}

/**
 * Runs the server side of `connect` (protocol.md 3.3) and returns the principal and hello-ok's
 * payload as JSON text.
 * Throws HandshakeRefusal with the exact wire error and close code on any refusal. Async: a
 * failed credential may be answered late (loopback rate limiting, remote-access.md 6.3).
 * `methods` is what hello-ok advertises: the dispatcher's `advertisedMethods`.
 */
export async function processConnect(
  services: GatewayServices,
  methods: readonly string[],
  socket: SocketFacts,
  rawParams: unknown,
): Promise<{ principal: Principal; helloJson: string }> {
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
  const auth = await authorizeConnect(services, socket, params, role);
  if (role === 'node' && auth.deviceId === undefined) checkDevicelessNodeId(services, params.client.instanceId);
  const now = Date.now();
  const principal: Principal = {
    connId: socket.connId,
    role,
    // Only scopes this gateway knows are granted (and echoed in hello-ok): never a caller's string.
    scopes: auth.scopes.filter(isKnownScope),
    client: params.client,
    isLocal: socket.isLocal,
    remoteAddress: socket.remoteAddress,
    authMethod: auth.method,
    connectedAtMs: now,
    ...(auth.deviceId !== undefined ? { deviceId: auth.deviceId } : {}),
    ...(role === 'node'
      ? { declared: { caps: params.caps ?? [], commands: params.commands ?? [], ...(params.pathEnv !== undefined ? { pathEnv: params.pathEnv } : {}) } }
      : { caps: params.caps ?? [], ...modelCatalogScope(params.modelCatalog) }),
  };
  return { principal, helloJson: helloOkJson(services, methods, principal, protocol, now, auth) };
}

/** The connect's `modelCatalog` request, kept only when it names a session or an agent as strings. */
function modelCatalogScope(value: unknown): { modelCatalog?: { sessionKey?: string; agentId?: string } } {
  if (typeof value !== 'object' || value === null) return {};
  const { sessionKey, agentId } = value as Record<string, unknown>;
  const scope = {
    ...(typeof sessionKey === 'string' && sessionKey.length <= 512 ? { sessionKey } : {}),
    ...(typeof agentId === 'string' && agentId.length <= 128 ? { agentId } : {}),
  };
  return Object.keys(scope).length > 0 ? { modelCatalog: scope } : {};
}
