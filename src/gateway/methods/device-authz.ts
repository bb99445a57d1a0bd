import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import { Scope, hasScope } from '../../protocol/scopes.js';
import { CloseCode } from '../../protocol/version.js';
import type { GatewayServices, Principal } from '../rpc/context.js';

/** Who is managing devices, for the ownership rules of protocol.md 6.2. */
export interface DeviceCaller {
  isAdmin: boolean;
  /**
   * The gateway host's own operator: device-less, direct-local, with the shared secret (the
   * local CLI). It manages pairing like an admin within its scopes.
   */
  isHostOperator: boolean;
  /** The caller's own device, when it connected with one. */
  deviceId: string | undefined;
  scopes: readonly string[];
}

/** The management rights of a caller, from its principal. */
export function deviceCallerOf(p: Principal): DeviceCaller {
  const isHostOperator = p.deviceId === undefined && p.isLocal && (p.authMethod === 'token' || p.authMethod === 'password');
  return { isAdmin: hasScope(p.scopes, Scope.ADMIN), isHostOperator, deviceId: p.deviceId, scopes: p.scopes };
}

/**
 * A caller without `operator.admin` may only manage its own device (protocol.md 6.2). A
 * device-less caller other than the host's own operator (a trusted-proxy identity, issue 12.8)
 * has no device, so it manages none.
 */
export const deniesCrossDevice = (caller: DeviceCaller, targetDeviceId: string): boolean =>
  !caller.isAdmin && !caller.isHostOperator && caller.deviceId !== targetDeviceId;

/** `INVALID_REQUEST <message>`, the real gateway's answer to every refused management call. */
export const denied = (message: string): GatewayError => new GatewayError(ErrorCode.INVALID_REQUEST, message);

/** Reason of the 4001 close of a session whose device credential was replaced or revoked (protocol.md 13). */
export const DEVICE_REMOVED_REASON = 'device removed';

/**
 * Closes (4001 `device removed`) every live session of the device, or of one of its roles,
 * after the current reply has gone out.
 */
export function closeDeviceSessions(services: GatewayServices, deviceId: string, role?: string): number {
  return services.closeSessions(
    (p) => p.deviceId === deviceId && (role === undefined || p.role === role),
    CloseCode.CREDENTIALS_INVALIDATED,
    DEVICE_REMOVED_REASON,
  );
}
