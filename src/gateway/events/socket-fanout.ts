import { KEEPALIVE_INTERVAL_MS } from '../../protocol/version.js';
import type { Principal } from '../rpc/context.js';
import type { Connection } from '../ws/connection.js';
import type { BusEvent, EventBus } from './event-bus.js';
import { mayReceiveEvent } from './event-audience.js';

/**
 * The authenticated sockets, and the bus subscriber that delivers events to them: each event
 * goes to every socket allowed to see it (protocol.md 7.5), numbered with that socket's own
 * wire `seq` (2.3). Also pings every socket (protocol.md 1 item 6) and answers questions about
 * who is connected, so nothing needs a reference back to the gateway.
 */
export class SocketFanout {
  readonly connections = new Set<Connection>();
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly bus: EventBus) {}

  start(): void {
    this.unsubscribe = this.bus.subscribe((e) => this.deliver(e));
    this.keepaliveTimer = setInterval(() => this.keepalive(), KEEPALIVE_INTERVAL_MS);
    this.keepaliveTimer.unref();
  }

  stop(): void {
    clearInterval(this.keepaliveTimer);
    this.unsubscribe?.();
  }

  private deliver(e: BusEvent): void {
    for (const conn of this.connections) {
      const p = conn.principal;
      if (p && mayReceiveEvent(e.event, p) && (!e.audience || e.audience(p))) conn.sendBusEvent(e);
    }
  }

  /** Sends an event (without `seq`) to the one connection with this id, if it is still open. */
  sendTo(connId: string, event: string, payload: unknown): void {
    for (const c of this.connections) if (c.connId === connId) c.sendDirect(event, payload);
  }

  /** Requests being handled right now, across all connections. */
  inflightRequests(): number {
    let n = 0;
    for (const c of this.connections) n += c.inflightCount;
    return n;
  }

  /** Whether some authenticated connection's principal passes `match`. */
  anyConnection(match: (p: Principal) => boolean): boolean {
    for (const c of this.connections) if (c.principal && match(c.principal)) return true;
    return false;
  }

  principals(): Principal[] {
    return [...this.connections].flatMap((c) => (c.principal ? [c.principal] : []));
  }

  /** Retires every authenticated session whose principal matches; returns how many. */
  closeSessions(match: (p: Principal) => boolean, code: number, reason: string): number {
    const targets = [...this.connections].filter((c) => c.principal !== undefined && match(c.principal));
    for (const c of targets) c.retire(code, reason);
    return targets.length;
  }

  /** A peer that did not answer the previous ping is dropped (protocol.md 1 item 6). */
  private keepalive(): void {
    for (const conn of this.connections) {
      if (!conn.isAlive) {
        conn.ws.terminate();
        continue;
      }
      conn.isAlive = false;
      conn.ws.ping();
    }
  }
}
