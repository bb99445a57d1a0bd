import { EmptyParamsSchema } from '../../protocol/schema/methods.js';
import { defineMethod } from '../rpc/dispatcher.js';

/** `system-presence` (11.4): bare array, the gateway's own entry first. */
export const handleSystemPresence = defineMethod('system-presence', EmptyParamsSchema, ({ services }) => services.presence.list());

/** `last-heartbeat` (11.12): no heartbeat runner exists yet, so there is none to report. */
export const handleLastHeartbeat = defineMethod('last-heartbeat', EmptyParamsSchema, () => null);

/** `gateway.identity.get` (11.12): the persisted Ed25519 identity of this gateway. */
export const handleGatewayIdentityGet = defineMethod('gateway.identity.get', EmptyParamsSchema, ({ services }) => ({
  deviceId: services.identity.deviceId,
  publicKey: services.identity.publicKey,
}));
