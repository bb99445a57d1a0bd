import { DetailCode } from '../../protocol/error-details.js';
import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import type { ConnectParams } from '../../protocol/schema/connect.js';
import { hasScope } from '../../protocol/scopes.js';
import type { DeviceMetadata, PairedDeviceRecord } from '../../store/paired-device-repo.js';
import type { PairingReason, PairingRequestRecord } from '../../store/pairing-request-repo.js';
import { HandshakeRefusal } from '../ws/handshake-refusal.js';
import { profileCovers } from './bootstrap-profile.js';
import type { Credential } from './connect-credentials.js';
import type { VerifiedDevice } from './device-proof.js';
import { scopesAllow, type DeviceRegistry } from './device-registry.js';
import { pendingDeviceView } from './pairing-views.js';
import { authFailure } from './shared-secret.js';

/** Wording of each pairing reason (protocol.md 6.1; vectors device-pairing-operator, handshake-operator-device). */
const REASONS: Record<PairingReason, { requirement: string; remediationHint: string }> = {
  'not-paired': {
    requirement: 'device is not approved yet',
    remediationHint: 'Approve this device from the pending pairing requests.',
  },
  'role-upgrade': {
    requirement: 'device is asking for a higher role than currently approved',
    remediationHint: 'Review the requested role upgrade, then approve the pending request.',
  },
  'scope-upgrade': {
    requirement: 'device is asking for more scopes than currently approved',
    remediationHint: 'Review the requested scopes, then approve the pending upgrade.',
  },
};

/** What the pairing gate needs from the gateway. */
export interface PairingGateContext {
  devices: DeviceRegistry;
  /** `gateway.nodes.pairing.autoApproveLocal` (default true). */
  autoApproveLocal: boolean;
  broadcast(event: string, payload: unknown): void;
  isLocal: boolean;
  remoteAddress: string;
}

/** A further device token of a bootstrap handoff (hello-ok `auth.deviceTokens[]`). */
export interface HandoffToken {
  deviceToken: string;
  role: string;
  scopes: string[];
  issuedAtMs: number;
}

/** A device connection the pairing gate let through: its effective scopes and the token(s) hello-ok hands over. */
export interface PairingGatePass {
  scopes: string[];
  deviceToken: string;
  issuedAtMs: number;
  /** Tokens of the handoff's other roles (bootstrap connects only). */
  deviceTokens?: HandoffToken[];
}

/** Why a paired (or unknown) device may not have what it asks for, if it may not. */
function pairingReason(paired: PairedDeviceRecord | undefined, role: string, scopes: readonly string[]): PairingReason | undefined {
  if (!paired) return 'not-paired';
  if (!paired.roles.includes(role)) return 'role-upgrade';
  if (role === 'operator' && !scopesAllow(paired.scopes, scopes)) return 'scope-upgrade';
  return undefined;
}

/** `NOT_PAIRED pairing required: …` and its close (protocol.md 6.1). */
function pairingRequired(reason: PairingReason, request: PairingRequestRecord, paired: PairedDeviceRecord | undefined): HandshakeRefusal {
  const { requirement, remediationHint } = REASONS[reason];
  const message = `pairing required: ${requirement}`;
  const error = new GatewayError(ErrorCode.NOT_PAIRED, message, {
    details: {
      code: DetailCode.PAIRING_REQUIRED,
      reason,
      requestId: request.requestId,
      remediationHint,
      deviceId: request.deviceId,
      requestedRole: request.role,
      ...(request.scopes.length > 0 ? { requestedScopes: request.scopes } : {}),
      ...(paired && paired.roles.length > 0 ? { approvedRoles: paired.roles } : {}),
      ...(paired && paired.scopes.length > 0 ? { approvedScopes: paired.scopes } : {}),
    },
  });
  return new HandshakeRefusal(error, undefined, `${message} (requestId: ${request.requestId})`);
}

/**
 * The pairing gate of a connect with a verified device (protocol.md 6.1, 6.3). A device that
 * lacks the role or scopes it asks for gets a pending request: approved at once (`silent`) for
 * a direct-local peer when auto-approval is on, otherwise refused with `PAIRING_REQUIRED`. An
 * admitted device gets the requested scopes its approval covers and a device token: the one it
 * authenticated with, or else a freshly issued one. Issuing fresh (the previous value stops
 * working) replaces OpenClaw's "return the current token", which farclaw cannot do because it
 * stores only token digests.
 *
 * A setup code's bootstrap token whose profile covers the requested role and scopes pairs the
 * device silently (redeemSetupCode); one that does not is not used up, and the device goes
 * through the ordinary gate above.
 * @throws HandshakeRefusal when pairing is required.
 */
export function passPairingGate(ctx: PairingGateContext, params: ConnectParams, device: VerifiedDevice, credential: Credential): PairingGatePass {
  const role = params.role ?? 'operator';
  const requested = role === 'operator' ? [...new Set(params.scopes ?? [])] : [];
  if (credential.bootstrap && profileCovers(credential.bootstrap.profile, role, requested)) {
    return redeemSetupCode(ctx, params, device, credential.bootstrap.token, requested);
  }
  let paired = ctx.devices.paired(device.id);
  const reason = pairingReason(paired, role, requested);
  if (reason) {
    const silent = ctx.isLocal && ctx.autoApproveLocal;
    const { request, created, superseded } = ctx.devices.requestPairing({
      deviceId: device.id,
      publicKey: device.publicKey,
      metadata: deviceMetadata(ctx, params),
      role,
      scopes: requested,
      reason,
      silent,
    });
    for (const old of superseded) {
      ctx.broadcast('device.pair.resolved', { requestId: old.requestId, deviceId: old.deviceId, decision: 'rejected', ts: Date.now() });
    }
    if (!silent) {
      if (created) ctx.broadcast('device.pair.requested', pendingDeviceView(request));
      throw pairingRequired(reason, request, paired);
    }
    paired = ctx.devices.approve(request.requestId, 'silent')?.device;
    if (!paired) throw pairingRequired(reason, request, undefined);
    ctx.broadcast('device.pair.resolved', { requestId: request.requestId, deviceId: device.id, decision: 'approved', ts: Date.now() });
  }
  // Without a pairing reason the device is paired; the fallbacks only satisfy the compiler.
  if (paired) ctx.devices.touch(paired);
  const approved = paired?.scopes ?? [];
  const scopes = requested.filter((s) => hasScope(approved, s));
  if (credential.deviceToken) {
    return { scopes, deviceToken: credential.deviceToken.token, issuedAtMs: credential.deviceToken.record.issuedAtMs };
  }
  const issued = ctx.devices.issueToken(device.id, role, scopes);
  return { scopes, deviceToken: issued.token, issuedAtMs: issued.record.issuedAtMs };
}

/** What a connecting device says about itself, as a pairing record keeps it (remote address only when not local). */
function deviceMetadata(ctx: PairingGateContext, params: ConnectParams): DeviceMetadata {
  const c = params.client;
  return {
    ...(c.displayName !== undefined ? { displayName: c.displayName } : {}),
    platform: c.platform,
    ...(c.deviceFamily !== undefined ? { deviceFamily: c.deviceFamily } : {}),
    clientId: c.id,
    clientMode: c.mode,
    ...(ctx.isLocal ? {} : { remoteIp: ctx.remoteAddress }),
  };
}

/**
 * The setup-code handoff (protocol.md 3.4 `auth.deviceTokens`): the bootstrap token is used up
 * and the device paired for its profile in one transaction, so of two connects racing with one
 * code exactly one gets in. hello-ok carries the token of the connect's role and, in
 * `deviceTokens`, those of the profile's other roles (the node's with no scopes, an operator's
 * bounded to the handoff allowlist).
 *
 * Unlike the real gateway, which pairs silently only for the client kinds it made setup codes
 * for (its mobile apps, a node host) and otherwise files a pending request, any client whose
 * ask fits the profile is paired: client kind and platform are self-declared and prove
 * nothing, while the code itself is the operator's approval given in advance (single use,
 * ten minutes, issued by an operator.admin caller).
 */
function redeemSetupCode(ctx: PairingGateContext, params: ConnectParams, device: VerifiedDevice, token: string, requested: string[]): PairingGatePass {
  const role = params.role ?? 'operator';
  const c = params.client;
  const redeemed = ctx.devices.redeemBootstrapToken(token, {
    deviceId: device.id,
    publicKey: device.publicKey,
    metadata: deviceMetadata(ctx, params),
    role,
    scopes: requested,
  });
  // Used up by a concurrent connect between the credential check and now.
  if (!redeemed) throw new HandshakeRefusal(authFailure('bootstrap_token_invalid', { clientId: c.id, isLocal: ctx.isLocal }));
  const [primary, ...others] = redeemed.tokens;
  if (!primary) throw new Error('bootstrap handoff issued no token');
  return {
    scopes: requested.filter((s) => hasScope(redeemed.device.scopes, s)),
    deviceToken: primary.token,
    issuedAtMs: primary.record.issuedAtMs,
    ...(others.length > 0
      ? { deviceTokens: others.map((t) => ({ deviceToken: t.token, role: t.role, scopes: t.record.scopes, issuedAtMs: t.record.issuedAtMs })) }
      : {}),
  };
}
