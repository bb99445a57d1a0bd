import { GatewayError } from '../../protocol/errors.js';
import type { ConnectParams } from '../../protocol/schema/connect.js';
import { authenticateConnect } from '../auth/connect-credentials.js';
import { passPairingGate, type HandoffToken } from '../auth/pairing-gate.js';
import { verifyDeviceProof, type VerifiedDevice } from '../auth/device-proof.js';
import type { ServerAuth } from '../auth/shared-secret.js';
import { identityScopesFor } from '../auth/trusted-proxy.js';
import type { GatewayServices } from '../rpc/context.js';
import type { TailnetCandidate } from '../ingress/admission.js';
import { HandshakeRefusal } from './handshake-refusal.js';

/** Who the connect turned out to be, for the principal and hello-ok `auth`. */
export interface ConnectAuth {
  method: string;
  scopes: string[];
  deviceId?: string;
  deviceToken?: string;
  issuedAtMs?: number;
  /** The other roles' tokens of a setup-code handoff. */
  deviceTokens?: HandoffToken[];
}

/** The socket facts auth depends on. */
export interface AuthSocket {
  remoteAddress: string;
  isLocal: boolean;
  /** The `Origin` header of the upgrade (browsers). */
  origin: string | undefined;
  /** The nonce of this connection's `connect.challenge`. */
  nonce: string;
  /** The refusal is decided and only held back from here on; returns what aborts the wait (socket closed). */
  onRefusalHeld?: (() => AbortSignal | undefined) | undefined;
  /** The user a trusted proxy vouched for (remote-access.md 12). */
  proxyUser?: string | undefined;
  /** What Tailscale Serve claims about the client (managed listener only). */
  tailnet?: TailnetCandidate | undefined;
}

/** `gateway.nodes.pairing.autoApproveLocal`, default true (protocol.md 6.1). */
export function autoApproveLocalOf(services: GatewayServices): boolean {
  return services.config.config.gateway?.nodes?.pairing?.autoApproveLocal !== false;
}

/** Device-less operators keep their scopes only as a local CLI or backend (protocol.md 4.3). */
function devicelessScopes(p: ConnectParams, role: string, isLocal: boolean): string[] {
  if (role !== 'operator') return [];
  const trustedClient = (p.client.id === 'cli' && p.client.mode === 'cli') || (p.client.id === 'gateway-client' && p.client.mode === 'backend');
  return trustedClient && isLocal ? [...new Set(p.scopes ?? [])] : [];
}

/**
 * The shared-secret policy a connect is checked against. In trusted-proxy mode only a
 * direct-local caller may fall back to `gateway.auth.password` (remote-access.md 12 step 7).
 */
function secretPolicy(auth: ServerAuth, isLocal: boolean): ServerAuth {
  if (auth.mode !== 'trusted-proxy') return auth;
  return isLocal && auth.password !== undefined ? { mode: 'password', password: auth.password } : auth;
}

async function refusing<T>(step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof GatewayError) throw new HandshakeRefusal(err);
    throw err;
  }
}

/**
 * Tokenless tailnet auth (assistant.md 12.3): only for a browser operator (with an Origin) with a
 * verified device on the managed listener that sent no credential of its own; Funnel requests
 * carry no candidate.
 * Like the real gateway it issues no device token and files no pairing record.
 */
async function tailnetAuth(services: GatewayServices, socket: AuthSocket, params: ConnectParams, role: string) {
  const auth = services.tailscale?.auth();
  // The identity surface is the browser (Control UI) WebSocket only (remote-access.md 11.2 item 5).
  if (!auth || !socket.tailnet || role !== 'operator' || socket.origin === undefined) return undefined;
  const a = params.auth ?? {};
  if ([a.token, a.password, a.deviceToken, a.bootstrapToken].some((v) => typeof v === 'string' && v !== '')) return undefined;
  const verified = await auth.verify(socket.tailnet, params.scopes ?? []);
  if (verified) services.logger.info({ remote: socket.remoteAddress, scopes: verified.scopes }, `tailscale identity accepted: ${verified.login}`);
  return verified;
}

/**
 * Step 6 of protocol.md 3.3: the device proof when a `device` block is present (5.3), then the
 * credential (4, 5.3), then pairing (6). Throws HandshakeRefusal with the wire error.
 */
export async function authorizeConnect(services: GatewayServices, socket: AuthSocket, params: ConnectParams, role: string): Promise<ConnectAuth> {
  let device: VerifiedDevice | undefined;
  if (params.device) {
    const proof = params.device;
    device = await refusing(() => verifyDeviceProof(params, proof, socket.nonce, Date.now()));
  }
  if (device) {
    const viaTailnet = await tailnetAuth(services, socket, params, role);
    if (viaTailnet) return { method: 'tailscale', scopes: viaTailnet.scopes, deviceId: device.id };
  }
  const proxyUser = services.auth.mode === 'trusted-proxy' ? socket.proxyUser : undefined;
  const credential = proxyUser !== undefined ? { method: 'trusted-proxy' as const } : await refusing(() => authenticateConnect(
    {
      auth: secretPolicy(services.auth, socket.isLocal), limiter: services.rateLimiter, devices: services.devices,
      rateLimitClient: { address: socket.remoteAddress, origin: socket.origin },
      isLocal: socket.isLocal, isLoopbackExempt: socket.isLocal && socket.origin === undefined,
      ...(socket.onRefusalHeld ? { onRefusalHeld: socket.onRefusalHeld } : {}),
    },
    params,
    device,
  ));
  if (!device) {
    if (proxyUser === undefined) return { method: credential.method, scopes: devicelessScopes(params, role, socket.isLocal) };
    const scopes = role === 'operator' ? identityScopesFor(services.config.config.gateway?.auth?.identityScopes, proxyUser, params.scopes ?? []) : [];
    if (scopes.length > 0) services.logger.info({ remote: socket.remoteAddress, scopes }, `identity scope grant elevated connection identity=${proxyUser}`);
    return { method: credential.method, scopes };
  }
  const verified = device;
  const passed = await refusing(() => passPairingGate(
    {
      devices: services.devices,
      autoApproveLocal: autoApproveLocalOf(services),
      broadcast: (event, payload) => services.broadcast(event, payload),
      isLocal: socket.isLocal,
      remoteAddress: socket.remoteAddress,
    },
    params,
    verified,
    credential,
  ));
  return {
    method: credential.method,
    scopes: passed.scopes,
    deviceId: verified.id,
    deviceToken: passed.deviceToken,
    issuedAtMs: passed.issuedAtMs,
    ...(passed.deviceTokens ? { deviceTokens: passed.deviceTokens } : {}),
  };
}
