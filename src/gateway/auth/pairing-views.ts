import type { DeviceTokenRecord } from '../../store/device-token-repo.js';
import type { PairedDeviceRecord } from '../../store/paired-device-repo.js';
import type { PairingRequestRecord } from '../../store/pairing-request-repo.js';

/** `PendingDevice` on the wire (protocol.md 6.2), also the `device.pair.requested` payload. */
export function pendingDeviceView(r: PairingRequestRecord): Record<string, unknown> {
  return {
    requestId: r.requestId,
    deviceId: r.deviceId,
    publicKey: r.publicKey,
    ...(r.displayName !== undefined ? { displayName: r.displayName } : {}),
    ...(r.platform !== undefined ? { platform: r.platform } : {}),
    ...(r.deviceFamily !== undefined ? { deviceFamily: r.deviceFamily } : {}),
    ...(r.clientId !== undefined ? { clientId: r.clientId } : {}),
    ...(r.clientMode !== undefined ? { clientMode: r.clientMode } : {}),
    role: r.role,
    roles: [r.role],
    scopes: r.scopes,
    silent: r.silent,
    isRepair: r.isRepair,
    ts: r.createdAtMs,
    ...(r.remoteIp !== undefined ? { remoteIp: r.remoteIp } : {}),
  };
}

/** Token metadata only: a token value is never listed (protocol.md 6.2). */
export function tokenSummaryView(t: DeviceTokenRecord): Record<string, unknown> {
  return {
    role: t.role,
    scopes: t.scopes,
    createdAtMs: t.createdAtMs,
    ...(t.rotatedAtMs !== undefined ? { rotatedAtMs: t.rotatedAtMs } : {}),
    ...(t.revokedAtMs !== undefined ? { revokedAtMs: t.revokedAtMs } : {}),
    ...(t.lastUsedAtMs !== undefined ? { lastUsedAtMs: t.lastUsedAtMs } : {}),
  };
}

/** `PairedDevice` on the wire; an operator's label replaces the device's own display name. */
export function pairedDeviceView(
  d: PairedDeviceRecord,
  tokens: readonly DeviceTokenRecord[],
  connected?: boolean,
): Record<string, unknown> {
  const displayName = d.label ?? d.displayName;
  return {
    deviceId: d.deviceId,
    publicKey: d.publicKey,
    ...(displayName !== undefined ? { displayName } : {}),
    ...(d.platform !== undefined ? { platform: d.platform } : {}),
    ...(d.deviceFamily !== undefined ? { deviceFamily: d.deviceFamily } : {}),
    ...(d.clientId !== undefined ? { clientId: d.clientId } : {}),
    ...(d.clientMode !== undefined ? { clientMode: d.clientMode } : {}),
    role: d.role,
    roles: d.roles,
    scopes: d.scopes,
    approvedVia: d.approvedVia,
    createdAtMs: d.createdAtMs,
    approvedAtMs: d.approvedAtMs,
    ...(d.lastSeenAtMs !== undefined ? { lastSeenAtMs: d.lastSeenAtMs } : {}),
    ...(d.lastSeenReason !== undefined ? { lastSeenReason: d.lastSeenReason } : {}),
    ...(connected !== undefined ? { connected } : {}),
    tokens: tokens.map(tokenSummaryView),
  };
}
