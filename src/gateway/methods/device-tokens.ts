import { DeviceTokenRevokeParamsSchema, DeviceTokenRotateParamsSchema } from '../../protocol/schema/devices.js';
import { scopesAllow } from '../auth/device-registry.js';
import type { GatewayServices } from '../rpc/context.js';
import { defineMethod } from '../rpc/dispatcher.js';
import { closeDeviceSessions, deniesCrossDevice, denied, deviceCallerOf, type DeviceCaller } from './device-authz.js';

const ROTATION_DENIED = 'device token rotation denied';
const REVOCATION_DENIED = 'device token revocation denied';

/**
 * Non-admin callers manage only their own device's operator token, and never one broader than
 * their own scopes (protocol.md 6.2 "Extra checks").
 */
function deniesTokenManagement(services: GatewayServices, caller: DeviceCaller, deviceId: string, role: string, scopes?: readonly string[]): boolean {
  if (caller.isAdmin) return false;
  if (deniesCrossDevice(caller, deviceId) || role !== 'operator') return true;
  const current = services.devices.tokensOf(deviceId).find((t) => t.role === role)?.scopes ?? services.devices.paired(deviceId)?.scopes ?? [];
  return !scopesAllow(caller.scopes, scopes ?? current);
}

/**
 * `device.token.rotate` (6.3): a new token for (device, role); every session of that device and
 * role is closed (4001 `device removed`). The value is returned only to the device itself
 * (`tokenDelivery:"in-band"`, its own socket then closes too); for anyone else it is withheld,
 * and the device gets a fresh one on its next shared-secret connect.
 */
export const handleDeviceTokenRotate = defineMethod('device.token.rotate', DeviceTokenRotateParamsSchema, ({ services, principal }, params) => {
  const caller = deviceCallerOf(principal);
  if (deniesTokenManagement(services, caller, params.deviceId, params.role, params.scopes)) throw denied(ROTATION_DENIED);
  const rotated = services.devices.rotate(params.deviceId, params.role, params.scopes);
  if (!rotated) throw denied(ROTATION_DENIED);
  services.logger.info({ deviceId: params.deviceId, role: params.role }, 'device token rotated');
  closeDeviceSessions(services, params.deviceId, params.role);
  const inBand = caller.deviceId === params.deviceId;
  return {
    deviceId: params.deviceId,
    role: params.role,
    ...(inBand ? { token: rotated.token } : {}),
    scopes: rotated.record.scopes,
    rotatedAtMs: rotated.record.rotatedAtMs ?? rotated.record.issuedAtMs,
    tokenDelivery: inBand ? 'in-band' : 'withheld-cross-device',
  };
});

/** `device.token.revoke` (6.3): the token stops working and the sessions using it close (4001). */
export const handleDeviceTokenRevoke = defineMethod('device.token.revoke', DeviceTokenRevokeParamsSchema, ({ services, principal }, params) => {
  if (deniesTokenManagement(services, deviceCallerOf(principal), params.deviceId, params.role)) throw denied(REVOCATION_DENIED);
  const revoked = services.devices.revoke(params.deviceId, params.role);
  if (!revoked) throw denied(REVOCATION_DENIED);
  services.logger.info({ deviceId: params.deviceId, role: params.role }, 'device token revoked');
  closeDeviceSessions(services, params.deviceId, params.role);
  return { deviceId: params.deviceId, role: params.role, revokedAtMs: revoked.revokedAtMs ?? Date.now() };
});
