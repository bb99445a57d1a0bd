import type { StateVersion } from '../../protocol/schema/frames.js';
import { KEEPALIVE_INTERVAL_MS } from '../../protocol/version.js';
import { mayReceiveEvent } from './event-audience.js';
import type { Connection } from '../ws/connection.js';

/**
 * The set of authenticated connections and the timers that talk to all of them: `tick`
 * (one global timer, protocol.md 8), periodic `health`, and WebSocket ping keepalive.
 */
export class Broadcaster {
  readonly connections = new Set<Connection>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly opts: { tickIntervalMs: number; healthIntervalMs: number; onHealthTick: () => void }) {}

  start(): void {
    this.timers.push(setInterval(() => this.broadcast('tick', { ts: Date.now() }), this.opts.tickIntervalMs));
    this.timers.push(setInterval(() => this.opts.onHealthTick(), this.opts.healthIntervalMs));
    this.timers.push(setInterval(() => this.keepalive(), KEEPALIVE_INTERVAL_MS));
    for (const t of this.timers) t.unref();
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }

  /**
   * Sends an event to every authenticated socket allowed to see it (protocol.md 7.5); each
   * numbers it with its own `seq`.
   */
  broadcast(event: string, payload: unknown, stateVersion?: StateVersion, payloadJson: string | undefined = JSON.stringify(payload)): void {
    for (const conn of this.connections) {
      if (conn.principal && mayReceiveEvent(event, conn.principal)) conn.sendEvent(event, payload, stateVersion, payloadJson);
    }
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
