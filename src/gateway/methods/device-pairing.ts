import { EmptyParamsSchema } from '../../protocol/schema/methods.js';
import {
  DevicePairRemoveParamsSchema, DevicePairRenameParamsSchema, DevicePairRequestParamsSchema,
} from '../../protocol/schema/devices.js';
import { scopesAllow } from '../auth/device-registry.js';
import { pairedDeviceView, pendingDeviceView } from '../auth/pairing-views.js';
import type { GatewayServices } from '../rpc/context.js';
import { defineMethod } from '../rpc/dispatcher.js';
import { closeDeviceSessions, deniesCrossDevice, denied, deviceCallerOf } from './device-authz.js';

const APPROVAL_DENIED = 'device pairing approval denied';
const REJECTION_DENIED = 'device pairing rejection denied';

function isConnected(services: GatewayServices, deviceId: string): boolean {
  return services.principals().some((p) => p.deviceId === deviceId);
}

/** `device.pair.list` (6.2): pending requests and paired devices, token values never included. */
export const handleDevicePairList = defineMethod('device.pair.list', EmptyParamsSchema, ({ services, principal }) => {
  const caller = deviceCallerOf(principal);
  const visible = (deviceId: string): boolean => !deniesCrossDevice(caller, deviceId);
  const { devices } = services;
  return {
    pending: devices.listPending().filter((r) => visible(r.deviceId)).map(pendingDeviceView),
    paired: devices.listPaired()
      .filter((d) => visible(d.deviceId))
      .map((d) => pairedDeviceView(d, devices.tokensOf(d.deviceId), isConnected(services, d.deviceId))),
  };
});

/**
 * `device.pair.approve` (6.2). Without `operator.admin` a caller may approve only an operator
 * request whose scopes it holds itself, and a device-bound caller only its own device's
 * (the real CLI retries a node approval with `operator.admin`).
 */
export const handleDevicePairApprove = defineMethod('device.pair.approve', DevicePairRequestParamsSchema, ({ services, principal }, params) => {
  const caller = deviceCallerOf(principal);
  const { devices } = services;
  if (!caller.isAdmin) {
    const pending = devices.pendingRequest(params.requestId);
    if (!pending || deniesCrossDevice(caller, pending.deviceId)) throw denied(APPROVAL_DENIED);
    if (pending.role !== 'operator' || !scopesAllow(caller.scopes, pending.scopes)) throw denied(APPROVAL_DENIED);
  }
  const approved = devices.approve(params.requestId, 'owner');
  if (!approved) throw denied('unknown requestId');
  const { device } = approved;
  services.logger.info({ deviceId: device.deviceId, role: approved.request.role }, 'device pairing approved');
  services.broadcast('device.pair.resolved', { requestId: params.requestId, deviceId: device.deviceId, decision: 'approved', ts: Date.now() });
  return { requestId: params.requestId, device: pairedDeviceView(device, devices.tokensOf(device.deviceId)) };
});

/** `device.pair.reject` (6.2): drops the request; answers `{requestId, deviceId}`. */
export const handleDevicePairReject = defineMethod('device.pair.reject', DevicePairRequestParamsSchema, ({ services, principal }, params) => {
  const caller = deviceCallerOf(principal);
  if (!caller.isAdmin) {
    const pending = services.devices.pendingRequest(params.requestId);
    if (pending && deniesCrossDevice(caller, pending.deviceId)) throw denied(REJECTION_DENIED);
  }
  const rejected = services.devices.reject(params.requestId);
  if (!rejected) throw denied('unknown requestId');
  services.logger.info({ deviceId: rejected.deviceId }, 'device pairing rejected');
  services.broadcast('device.pair.resolved', { requestId: rejected.requestId, deviceId: rejected.deviceId, decision: 'rejected', ts: Date.now() });
  return { requestId: rejected.requestId, deviceId: rejected.deviceId };
});

/** A device-bound non-admin may touch its own device only while it has no non-operator role. */
function deniesOwnDeviceManagement(services: GatewayServices, caller: ReturnType<typeof deviceCallerOf>, deviceId: string): boolean {
  if (deniesCrossDevice(caller, deviceId)) return true;
  if (caller.isAdmin || caller.deviceId === undefined) return false;
  return (services.devices.paired(deviceId)?.roles ?? []).some((r) => r !== 'operator');
}

/** `device.pair.remove` (6.2): forgets the device and closes its sessions (4001). */
export const handleDevicePairRemove = defineMethod('device.pair.remove', DevicePairRemoveParamsSchema, ({ services, principal }, params) => {
  if (deniesOwnDeviceManagement(services, deviceCallerOf(principal), params.deviceId)) throw denied('device pairing removal denied');
  if (!services.devices.remove(params.deviceId)) throw denied('unknown deviceId');
  // The node surface approved for this device goes with it: a re-paired device asks again.
  services.nodes.remove(params.deviceId);
  services.logger.info({ deviceId: params.deviceId }, 'device pairing removed');
  closeDeviceSessions(services, params.deviceId);
  return { deviceId: params.deviceId };
});

/** `device.pair.rename` (6.2): an operator label, listed as the device's display name. */
export const handleDevicePairRename = defineMethod('device.pair.rename', DevicePairRenameParamsSchema, ({ services, principal }, params) => {
  const label = params.label.trim();
  if (label === '') throw denied('label required');
  if (deniesOwnDeviceManagement(services, deviceCallerOf(principal), params.deviceId)) throw denied('device pairing rename denied');
  if (!services.devices.rename(params.deviceId, label)) throw denied('unknown deviceId');
  return { deviceId: params.deviceId, label };
});
