import type { Audience } from '../../chat/events.js';
import type { Principal } from '../rpc/context.js';

/** Per-connection chat subscriptions (`sessions.subscribe`, `sessions.messages.subscribe`). */
export class ChatSubscriptions {
  private readonly sessions = new Set<string>();
  private readonly keys = new Map<string, Set<string>>();

  subscribeSessions(connId: string): void {
    this.sessions.add(connId);
  }

  subscribeMessages(connId: string, key: string): void {
    let set = this.keys.get(connId);
    if (!set) this.keys.set(connId, (set = new Set()));
    set.add(key);
  }

  unsubscribeMessages(connId: string, key: string): void {
    this.keys.get(connId)?.delete(key);
  }

  /** Forgets a closed connection. */
  drop(connId: string): void {
    this.sessions.delete(connId);
    this.keys.delete(connId);
  }

  /**
   * Whether any connection subscribed to what `audience` needs (`run` and `operators` events
   * need no subscription): when none did, the chat service need not build the event.
   */
  hasSubscriber(audience: Audience): boolean {
    switch (audience.kind) {
      case 'session':
        for (const keys of this.keys.values()) if (keys.has(audience.sessionKey)) return true;
        return false;
      case 'sessions':
        return this.sessions.size > 0;
      default:
        return true;
    }
  }

  /** Whether a connection gets an event meant for `audience` (assistant.md 3.7, 8.6). */
  admits(p: Principal, audience: Audience): boolean {
    switch (audience.kind) {
      case 'run':
        return !audience.toolEvents || (p.caps ?? []).includes('tool-events');
      case 'session':
        return this.keys.get(p.connId)?.has(audience.sessionKey) ?? false;
      case 'sessions':
        return this.sessions.has(p.connId);
      case 'operators':
        return true;
    }
  }
}
