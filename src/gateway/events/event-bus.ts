import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import type { StateVersion } from '../../protocol/schema/frames.js';
import type { Principal } from '../rpc/context.js';
import { serialiseBounded } from '../rpc/frame-limits.js';

/** One server event as published on the bus. */
export interface BusEvent {
  /** Gateway-wide, strictly increasing from 1 (a socket's wire `seq` is its own count, protocol.md 2.3). */
  seq: number;
  event: string;
  payload: unknown;
  /** `payload` serialised once for every socket (undefined payload: undefined). */
  payloadJson: string | undefined;
  stateVersion?: StateVersion;
  /**
   * The event carries state that a later event of the same name supersedes (presence, health,
   * tick): a socket whose send buffer is backed up may skip it instead of queueing it.
   */
  isSupersedable: boolean;
  /** Streaming text a client shows as it comes: sockets write it as soon as the job that published it ends. */
  isLive: boolean;
  ts: number;
  /** Only connections whose principal passes get it (chat subscriptions, tool-events caps). */
  audience?: (p: Principal) => boolean;
}

export interface PublishOptions {
  stateVersion?: StateVersion;
  isSupersedable?: boolean;
  isLive?: boolean;
  /** Narrows delivery below the event's family rule (protocol.md 7.5); in-process subscribers see everything. */
  audience?: (p: Principal) => boolean;
}

/** Receives every published event, synchronously, in `seq` order. */
export type BusListener = (e: BusEvent) => void;

/**
 * The gateway's one event bus: every server event is published here once and numbered with a
 * gateway-wide `seq`. Socket fan-out is one subscriber; in-process consumers (agent, channels,
 * the durable log) subscribe the same way. A listener that throws is reported to `onListenerError`
 * and never stops delivery to the others.
 */
export class EventBus {
  private readonly listeners = new Set<BusListener>();
  private lastSeq = 0;

  constructor(private readonly onListenerError: (err: unknown, event: string) => void = () => {}) {}

  /** The `seq` of the last published event (0 before the first). */
  get seq(): number {
    return this.lastSeq;
  }

  /**
   * Publishes an event to every subscriber.
   * @throws GatewayError INVALID_REQUEST when the payload cannot be serialised (too deep, cyclic),
   *   before any subscriber sees it, so the caller's request fails instead of the process.
   */
  publish(event: string, payload: unknown, opts: PublishOptions = {}): BusEvent {
    let payloadJson: string | undefined;
    try {
      payloadJson = payload === undefined ? undefined : serialiseBounded(payload);
    } catch (cause) {
      throw new GatewayError(ErrorCode.INVALID_REQUEST, `event ${event} payload cannot be serialised`, { cause });
    }
    const e: BusEvent = {
      seq: ++this.lastSeq, event, payload, payloadJson,
      ...(opts.stateVersion ? { stateVersion: opts.stateVersion } : {}),
      isSupersedable: opts.isSupersedable ?? false,
      isLive: opts.isLive ?? false,
      ...(opts.audience ? { audience: opts.audience } : {}),
      ts: Date.now(),
    };
    for (const listener of this.listeners) {
      try {
        listener(e);
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
    return e;
  }

  /** How many listeners are subscribed (the socket fan-out is one). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: BusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
