import { Scope, hasScope } from '../../protocol/scopes.js';
import type { Principal } from '../rpc/context.js';

/** Delivered to every authenticated socket (protocol.md 7.5). */
const FOR_EVERYONE = new Set(['tick', 'presence', 'health', 'heartbeat', 'shutdown', 'connect.challenge']);
/** Event families that need `operator.read`. */
const READ_PREFIXES = ['chat', 'agent', 'task', 'session', 'sessions.', 'tool', 'node.hostStats', 'node.runnerInventory.changed', 'node.presence'];
/** Event families for operators that may answer approvals (assistant.md 8.5). */
const APPROVALS_PREFIXES = ['exec.approval.'];
/** Event families for pairing-capable operators. */
const PAIRING_PREFIXES = ['device.pair.', 'node.pair.'];

/**
 * Whether a broadcast `event` may go to `p` (protocol.md 7.5): lifecycle events to everyone,
 * chat/agent/task/tool/session events to operators with `operator.read`, pairing events to operators
 * with `operator.pairing`, exec approval events to operators with `operator.approvals` (admin implies all). Unknown families are withheld.
 */
export function mayReceiveEvent(event: string, p: Principal): boolean {
  // Nodes get no presence: their snapshot's list is empty too (protocol.md 8), and sending every
  // node the whole list on every connect would cost O(nodes²) bytes per fleet reconnect.
  if (event === 'presence') return p.role === 'operator';
  if (FOR_EVERYONE.has(event)) return true;
  const matches = (prefix: string): boolean => event === prefix || event.startsWith(prefix.endsWith('.') ? prefix : `${prefix}.`);
  if (PAIRING_PREFIXES.some(matches)) return p.role === 'operator' && hasScope(p.scopes, Scope.PAIRING);
  if (APPROVALS_PREFIXES.some(matches)) return p.role === 'operator' && hasScope(p.scopes, Scope.APPROVALS);
  if (READ_PREFIXES.some(matches)) return p.role === 'operator' && hasScope(p.scopes, Scope.READ);
  return false;
}
