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

/** Who may receive an event family: decided once per event name, then checked per socket. */
type Family = 'presence' | 'everyone' | 'pairing' | 'approvals' | 'read' | 'none';

/** Every event name seen so far → its family; names are few (the protocol's vocabulary). */
const familyByEvent = new Map<string, Family>();
/** Past this many names a new one is classified each time instead of remembered (a bounded map). */
const MAX_REMEMBERED_EVENTS = 1_024;

function familyOf(event: string): Family {
  const known = familyByEvent.get(event);
  if (known) return known;
  const matches = (prefix: string): boolean => event === prefix || event.startsWith(prefix.endsWith('.') ? prefix : `${prefix}.`);
  const family: Family = event === 'presence' ? 'presence'
    : FOR_EVERYONE.has(event) ? 'everyone'
      : PAIRING_PREFIXES.some(matches) ? 'pairing'
        : APPROVALS_PREFIXES.some(matches) ? 'approvals'
          : READ_PREFIXES.some(matches) ? 'read'
            : 'none';
  if (familyByEvent.size < MAX_REMEMBERED_EVENTS) familyByEvent.set(event, family);
  return family;
}

/**
 * Whether a broadcast `event` may go to `p` (protocol.md 7.5): lifecycle events to everyone,
 * chat/agent/task/tool/session events to operators with `operator.read`, pairing events to operators
 * with `operator.pairing`, exec approval events to operators with `operator.approvals` (admin implies all). Unknown families are withheld.
 */
export function mayReceiveEvent(event: string, p: Principal): boolean {
  switch (familyOf(event)) {
    // Nodes get no presence: their snapshot's list is empty too (protocol.md 8), and sending every
    // node the whole list on every connect would cost O(nodes²) bytes per fleet reconnect.
    case 'presence':
      return p.role === 'operator';
    case 'everyone':
      return true;
    case 'pairing':
      return p.role === 'operator' && hasScope(p.scopes, Scope.PAIRING);
    case 'approvals':
      return p.role === 'operator' && hasScope(p.scopes, Scope.APPROVALS);
    case 'read':
      return p.role === 'operator' && hasScope(p.scopes, Scope.READ);
    case 'none':
      return false;
  }
}
