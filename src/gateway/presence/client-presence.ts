import type { PresenceEntry } from '../../protocol/schema/snapshot.js';
import type { Principal } from '../rpc/context.js';

/**
 * The profile every operator app or browser acts as when the gateway has no user roles: OpenClaw
 * attaches such connections to its owner profile and names it in their presence entry and in
 * every event frame sent to them (`recipientProfileId`, control-ui-boot.json).
 */
export const GATEWAY_OWNER_PROFILE_ID = 'gateway-owner';

/** The owner profile a connection acts as, or undefined (nodes; one-shot clients have no presence). */
export function recipientProfileOf(p: Principal): string | undefined {
  return p.role === 'operator' ? GATEWAY_OWNER_PROFILE_ID : undefined;
}

/** The presence entry of a connected app, browser or node (protocol.md 8, control-ui-boot.json). */
export function presenceEntryOf(p: Principal, now: number): PresenceEntry {
  const c = p.client;
  const profile = recipientProfileOf(p);
  return {
    ts: now,
    host: c.displayName ?? c.id,
    clientId: c.id,
    version: c.version,
    platform: c.platform,
    ...(c.deviceFamily ? { deviceFamily: c.deviceFamily } : {}),
    ...(c.timeZone ? { timeZone: c.timeZone } : {}),
    mode: c.mode,
    ...(p.deviceId !== undefined ? { deviceId: p.deviceId } : {}),
    ...(profile ? { user: { id: profile, identity: { type: 'profile', id: profile } } } : {}),
    onlineSince: p.connectedAtMs,
    roles: [p.role],
    scopes: p.scopes,
    ...(c.instanceId ? { instanceId: c.instanceId } : {}),
    reason: 'connect',
    text: p.role === 'node' ? `Node: ${c.displayName ?? c.id} · mode node` : `Node: ${c.displayName ?? 'unknown'} · mode ${c.mode}`,
  };
}
