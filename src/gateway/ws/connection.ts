import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import { DetailCode } from '../../protocol/error-details.js';
import { toErrorShape, type ErrorShape } from '../../protocol/errors.js';
import type { RequestFrame, StateVersion } from '../../protocol/schema/frames.js';
import {
  CloseCode, MAX_PAYLOAD_BYTES, MAX_PENDING_HANDSHAKE_BYTES, MAX_PENDING_HANDSHAKE_FRAMES,
  MAX_UNAUTHORIZED_IN_A_ROW, SUPERSEDABLE_SKIP_BUFFERED_BYTES,
} from '../../protocol/version.js';
import type { BusEvent } from '../events/event-bus.js';
import type { GatewayServices, Principal } from '../rpc/context.js';
import type { Dispatcher, Handled, ReplySink } from '../rpc/dispatcher.js';
import { serialiseBounded } from '../rpc/frame-limits.js';
import { readRequestFrame } from '../rpc/request-frame.js';
import { closeReason } from './close-reason.js';
import { EventCork } from './event-cork.js';
import { challengeFrame, HandshakeRefusal, processConnect, type SocketFacts } from './handshake.js';
import type { SendBudget } from './send-budget.js';

/** What admission learnt about the peer before the upgrade. */
export type ConnectionFacts = Omit<SocketFacts, 'connId' | 'nonce' | 'onRefusalHeld'>;

/**
 * Hooks the connection uses to join and leave the gateway. One host serves every connection:
 * each hook gets the connection, so an idle socket holds no closures of its own.
 */
export interface ConnectionHost {
  services: GatewayServices;
  dispatcher: Dispatcher;
  /** Per-socket and total send-buffer caps, shared by every connection. */
  sendBudget: SendBudget;
  handshakeTimeoutMs: number;
  /**
   * The socket started presenting credentials (`true`: its pre-auth slot may not be evicted), or
   * its refusal is now only being held back (`false`).
   */
  presenting?(conn: Connection, busy: boolean): void;
  onAuthenticated(conn: Connection): void;
  /** The socket closed; `wasOpen` when it had completed the handshake. */
  onClosed(conn: Connection, wasOpen: boolean): void;
}

/** How long a slow consumer's close frame may take before the socket is cut. */
const SLOW_CONSUMER_CLOSE_GRACE_MS = 1_000;

/** Why `lifetime` aborts: the socket closed. */
const SOCKET_CLOSED = new Error('socket closed');

type State = 'awaiting-connect' | 'connecting' | 'open' | 'closed';

/** How long a socket refused before hello-ok keeps its connection after the close frame. */
const PREAUTH_CLOSE_GRACE_MS = 1_000;

const closeAtDeadline = (conn: Connection): void => conn.closeAtDeadline();

/** The Connection a WebSocket belongs to, so its listeners can be shared by every socket. */
const kConnection = Symbol('farclaw.connection');
type OwnedSocket = WebSocket & { [kConnection]?: Connection };

/**
 * One WebSocket from upgrade to close: challenge, handshake (with its deadline and the
 * pending-frame cap), then request dispatch and event delivery with a per-connection `seq`.
 *
 * An idle authenticated connection is the gateway's most numerous object (issue 13: memory per
 * idle connection), so it holds only what an open socket needs: the socket listeners are shared
 * functions, and whatever serves the handshake alone (nonce, socket facts, deadline timer,
 * abort controller, queued frames) is dropped once hello-ok is sent.
 */
export class Connection implements ReplySink {
  readonly connId = randomUUID();
  principal: Principal | undefined;
  /**
   * Set for operators that act as the gateway's owner profile (app and browser clients, not
   * one-shot CLI calls): every sequenced event to them names it, like the real gateway's frames.
   */
  recipientProfileId: string | undefined;
  private state: State = 'awaiting-connect';
  private seq = 0;
  /** The challenge nonce; cleared once the handshake is decided. */
  private nonce: string | undefined;
  /** Frames that arrived while connect was being decided (created on the first one). */
  private pending: WebSocket.RawData[] | undefined;
  private pendingCount = 0;
  private pendingBytes = 0;
  /** The connect will be refused; the answer only waits for the failed-auth delay. */
  private refusalHeld = false;
  private unauthorizedInARow = 0;
  /** Aborted on close to end a held-back refusal's wait; made only then (an AbortSignal is costly). */
  private lifetime: AbortController | undefined;
  /** Set when this session's credential was replaced or revoked: no further request is run. */
  private retiring = false;
  private inflight = 0;
  private drained: (() => void) | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private readPaused = false;
  /** Events published together leave in one write. */
  private readonly eventCork: EventCork;
  private isBatchingReplies = false;
  isAlive = true;

  constructor(
    readonly ws: WebSocket,
    /** The TCP (or TLS) socket under `ws`, for corking writes that belong together. */
    readonly socket: Socket,
    /** What admission learnt about the peer; cleared once the handshake is decided. */
    private facts: ConnectionFacts | undefined,
    private readonly host: ConnectionHost,
  ) {
    (ws as OwnedSocket)[kConnection] = this;
    this.eventCork = new EventCork(socket);
    ws.on('message', Connection.onSocketMessage);
    ws.on('pong', Connection.onSocketPong);
    ws.on('close', Connection.onSocketClose);
    ws.on('error', Connection.onSocketError);
    this.nonce = randomUUID();
    this.sendText(challengeFrame(this.nonce, Date.now()));
  }

  private static onSocketMessage(this: OwnedSocket, data: WebSocket.RawData): void {
    this[kConnection]?.onMessage(data);
  }

  private static onSocketPong(this: OwnedSocket): void {
    const conn = this[kConnection];
    if (conn) conn.isAlive = true;
  }

  private static onSocketClose(this: OwnedSocket, code: number): void {
    this[kConnection]?.onClose(code);
  }

  private static onSocketError(this: OwnedSocket, err: Error): void {
    this[kConnection]?.log('debug', { err: err.message }, 'socket error');
  }

  /** Its own handshake deadline, only when admission holds none for it (one timer per socket). */
  armHandshakeDeadline(): void {
    if (this.state === 'awaiting-connect' || this.state === 'connecting') this.handshakeTimer ??= setTimeout(closeAtDeadline, this.host.handshakeTimeoutMs, this);
  }

  /** The pre-auth deadline passed: closed with 1000 and no reason, like the real gateway. */
  closeAtDeadline(): void {
    this.close(CloseCode.NORMAL, '');
  }

  /** Resolves once the socket is fully closed. */
  whenClosed(): Promise<void> {
    if (this.ws.readyState === this.ws.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.ws.once('close', () => resolve()));
  }

  /** The peer's address (after a trusted proxy: the client it forwarded). */
  get remoteAddress(): string {
    return this.principal?.remoteAddress ?? this.facts?.remoteAddress ?? '';
  }

  /**
   * Logs with this connection's ids. No child logger is kept per socket: 2,000 idle
   * connections should not hold 2,000 loggers.
   */
  private log(level: 'debug' | 'info' | 'warn' | 'error', fields: Record<string, unknown>, msg: string): void {
    const logger = this.host.services.logger;
    if (logger.isLevelEnabled(level)) logger[level]({ conn: this.connId, remote: this.remoteAddress, ...fields }, msg);
  }

  get inflightCount(): number {
    return this.inflight;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Serialises and sends a frame; a client that stops reading is dropped. */
  send(frame: unknown): void {
    this.sendText(serialiseBounded(frame));
  }

  private sendText(text: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    const budget = this.host.sendBudget;
    if (!budget.admit(this)) return;
    this.ws.send(text);
    budget.charge(this);
    this.pauseReadingIfBackedUp();
  }

  /**
   * Backpressure before the cap: while more than 1 MiB (the budget's threshold) waits unsent, this
   * socket's requests are not read, until its buffer drains. A client that asks and never reads
   * then stops costing the gateway work (its requests stay in TCP buffers) instead of being
   * answered at full speed until the 50 MiB cap drops it and it reconnects (bench:attacks item 6).
   */
  private pauseReadingIfBackedUp(): void {
    if (this.readPaused || !this.host.sendBudget.shouldPauseReading(this.ws.bufferedAmount)) return;
    this.readPaused = true;
    this.ws.pause();
    this.socket.once('drain', () => {
      this.readPaused = false;
      if (this.state !== 'closed') this.ws.resume();
    });
  }

  /** Bytes queued for this socket and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /**
   * Slow-consumer policy (issue 12 item 6): closed with 1008 and the reason; a peer that does
   * not read will not read the close frame either, so the socket is cut soon after.
   */
  dropSlowConsumer(reason: string): void {
    if (this.state === 'closed') return;
    this.log('warn', { buffered: this.ws.bufferedAmount }, reason);
    this.close(CloseCode.POLICY, reason);
    setTimeout(() => this.ws.terminate(), SLOW_CONSUMER_CLOSE_GRACE_MS).unref();
  }

  /**
   * A bus event, numbered with this socket's `seq`. Superseded state (tick, presence, health)
   * is skipped, without using a `seq`, while this socket's buffer is backed up.
   */
  sendBusEvent(e: BusEvent): void {
    if (e.isSupersedable && this.ws.bufferedAmount > SUPERSEDABLE_SKIP_BUFFERED_BYTES) return;
    this.eventCork.hold(e.isLive);
    this.sendEvent(e.event, e.payload, e.stateVersion, e.payloadJson);
  }

  /**
   * Replies to the requests of one read leave in one write. A pipelining client's 64 KiB read
   * holds hundreds of requests, answered in the microtasks after it; a write syscall per reply
   * was the largest cost of `npm run bench`'s pipelined row. Synchronous handlers (health,
   * status…) answer within the read, so the flush runs right after it (`nextTick`); waiting for
   * `setImmediate` held a lone request's reply behind the event loop's other I/O (sequential
   * health p50 1.5–3.7× the floor, against 1.3× with the tick). An async reply goes out on its own.
   */
  private batchRepliesOfThisRead(): void {
    if (this.isBatchingReplies) return;
    this.isBatchingReplies = true;
    this.socket.cork();
    process.nextTick(Connection.flushReplies, this);
  }

  private static flushReplies(conn: Connection): void {
    conn.isBatchingReplies = false;
    conn.socket.uncork();
    if (conn.state !== 'closed') conn.host.sendBudget.charge(conn);
  }

  /**
   * An event numbered with this socket's `seq`. `payloadJson` lets a broadcaster serialise the
   * payload once for all sockets instead of once per socket.
   */
  sendEvent(event: string, payload: unknown, stateVersion?: StateVersion, payloadJson?: string): void {
    if (this.state !== 'open') return;
    const json = payloadJson ?? (payload === undefined ? undefined : serialiseBounded(payload));
    this.seq += 1;
    const body = json === undefined ? '' : `,"payload":${json}`;
    const sv = stateVersion ? `,"stateVersion":${JSON.stringify(stateVersion)}` : '';
    const recipient = this.recipientProfileId === undefined ? '' : `,"recipientProfileId":${JSON.stringify(this.recipientProfileId)}`;
    this.sendText(`{"type":"event","event":${JSON.stringify(event)}${body},"seq":${this.seq}${sv}${recipient}}`);
  }

  /** An event addressed to this socket only: no `seq` (protocol.md 2.3). */
  sendDirect(event: string, payload: unknown): void {
    if (this.state !== 'open') return;
    this.sendText(`{"type":"event","event":${JSON.stringify(event)},"payload":${serialiseBounded(payload)}}`);
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    const authenticated = this.state === 'open';
    this.markClosed();
    this.ws.close(code, closeReason(reason));
    if (!authenticated) {
      // A refused socket gets its close frame, then our FIN, but nothing more of its input is
      // read: a client that queued megabytes behind a bad connect would otherwise have all of it
      // read and parsed while the close handshake runs. The FIN lets a well-behaved client see
      // the close (with its code) at once; a client that does not finish is cut a second later.
      this.ws.pause();
      this.socket.end();
      setTimeout(() => this.ws.terminate(), PREAUTH_CLOSE_GRACE_MS).unref();
    }
  }

  /** Resolves when no request of this connection is still running. */
  async drain(): Promise<void> {
    if (this.inflight === 0) return;
    await new Promise<void>((resolve) => (this.drained = resolve));
  }

  private markClosed(): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    // A shared reason: abort() without one builds a DOMException (with a stack) per socket.
    this.lifetime?.abort(SOCKET_CLOSED);
    this.pending = undefined;
    this.host.sendBudget.release(this);
    this.host.onClosed(this, wasOpen);
  }

  private onClose(code: number): void {
    this.log('debug', { code }, 'socket closed');
    this.markClosed();
  }

  private replyError(id: string, error: ErrorShape): void {
    this.send({ type: 'res', id, ok: false, error });
  }

  private onMessage(data: WebSocket.RawData): void {
    switch (this.state) {
      case 'awaiting-connect':
        this.onFirstFrame(data);
        return;
      case 'connecting':
        this.queueWhileConnecting(data);
        return;
      case 'open':
        this.onRequestFrame(data);
        return;
      case 'closed':
        return;
    }
  }

  /**
   * Frames that arrive while connect is being decided wait for it (protocol.md 1.1), at most 15
   * of them and 64 KiB in all (more closes the socket). Once the answer is known to be a refusal
   * that is only being held back (failed-auth delay), frames are counted but not kept: they could
   * never run (issue 12.7).
   */
  private queueWhileConnecting(data: WebSocket.RawData): void {
    this.pendingCount++;
    this.pendingBytes += Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (!this.refusalHeld) (this.pending ??= []).push(data);
    if (this.pendingCount > MAX_PENDING_HANDSHAKE_FRAMES || this.pendingBytes > MAX_PENDING_HANDSHAKE_BYTES) {
      this.close(CloseCode.POLICY, 'too many pending handshake frames');
    }
  }

  private onFirstFrame(data: WebSocket.RawData): void {
    const inbound = readRequestFrame(data);
    if (inbound.kind === 'not-json') {
      this.close(CloseCode.NORMAL, '');
      return;
    }
    if (inbound.kind === 'invalid') {
      this.close(CloseCode.POLICY, 'invalid request frame');
      return;
    }
    const { frame } = inbound;
    if (frame.method !== 'connect') {
      const message = 'invalid handshake: first request must be connect';
      this.refuseHandshake(frame.id, { code: 'INVALID_REQUEST', message }, CloseCode.POLICY, message);
      return;
    }
    this.state = 'connecting';
    this.host.presenting?.(this, true);
    void this.handshake(frame.id, frame.params);
  }

  /**
   * Stops running this session's requests at once (pipelined frames included) and closes it
   * after the current tick, so a reply being sent now still goes out first.
   */
  retire(code: number, reason: string): void {
    if (this.state === 'closed' || this.retiring) return;
    this.retiring = true;
    setImmediate(() => this.close(code, reason));
  }

  /** Connect may be answered late (rate limiting); frames arriving meanwhile wait in `pending`. */
  private async handshake(id: string, params: unknown): Promise<void> {
    const facts = this.facts;
    const nonce = this.nonce;
    if (!facts || nonce === undefined) return;
    try {
      const onRefusalHeld = (): AbortSignal => {
        this.refusalHeld = true;
        this.pending = undefined;
        this.host.presenting?.(this, false);
        const lifetime = (this.lifetime = new AbortController());
        if (this.state === 'closed') lifetime.abort(SOCKET_CLOSED);
        return lifetime.signal;
      };
      const socket = { ...facts, connId: this.connId, nonce, onRefusalHeld };
      const { principal, helloJson } = await processConnect(this.host.services, this.host.dispatcher.advertisedMethods, socket, params);
      if (this.state !== 'connecting') return;
      this.forgetHandshake();
      this.principal = principal;
      this.state = 'open';
      this.raisePayloadLimit();
      // hello-ok and the events that follow it (health, presence) leave in one write.
      this.socket.cork();
      process.nextTick(Connection.afterHelloOk, this);
      this.sendText(`{"type":"res","id":${JSON.stringify(id)},"ok":true,"payload":${helloJson}}`);
      this.host.onAuthenticated(this);
      const queued = this.pending;
      this.pending = undefined;
      for (const data of queued ?? []) this.onRequestFrame(data);
    } catch (err) {
      if (this.state !== 'connecting') return;
      if (!(err instanceof HandshakeRefusal)) {
        this.log('error', { err }, 'handshake failed unexpectedly');
        this.refuseHandshake(id, toErrorShape(err), CloseCode.POLICY, 'internal error');
        return;
      }
      this.log('info', { reason: err.error.message }, 'handshake refused');
      this.refuseHandshake(id, err.error.toShape(), err.closeCode, err.closeReason);
    }
  }

  /** The one way a connect is refused on the wire: its error response, then the close frame. */
  private refuseHandshake(id: string, error: ErrorShape, code: number, reason: string): void {
    this.replyError(id, error);
    this.close(code, reason);
  }

  /** hello-ok and what followed leave in one write, then the connect is logged (a sync file append: logger.ts). */
  private static afterHelloOk(conn: Connection): void {
    conn.socket.uncork();
    const p = conn.principal;
    if (p) conn.log('info', { clientId: p.client.id, mode: p.client.mode, role: p.role }, 'client connected');
  }

  /** Drops what only the handshake needed, so an idle connection does not keep it. */
  private forgetHandshake(): void {
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.lifetime = undefined;
    this.nonce = undefined;
    this.facts = undefined;
  }

  /** Pre-auth frames are capped at 64 KiB by the server; an authenticated peer gets 25 MiB. */
  private raisePayloadLimit(): void {
    // ws has no public per-socket setter; the receiver's field is stable across ws 8.x (pinned),
    // and test/e2e/limits.test.ts fails if that ever changes.
    const receiver = (this.ws as unknown as { _receiver?: { _maxPayload: number } })._receiver;
    if (receiver) receiver._maxPayload = MAX_PAYLOAD_BYTES;
  }

  /** Bytes in, bytes out: the dispatcher decides everything about a request. */
  private onRequestFrame(data: WebSocket.RawData): void {
    if (this.retiring) return;
    const inbound = readRequestFrame(data);
    if (inbound.kind === 'not-json') return; // ignored after the handshake (protocol.md 2.4)
    if (inbound.kind === 'invalid') {
      this.replyError(inbound.id, {
        code: 'INVALID_REQUEST', message: inbound.message, ...(inbound.isTooDeep ? { details: { code: DetailCode.FRAME_TOO_DEEP } } : {}),
      });
      return;
    }
    this.batchRepliesOfThisRead();
    void this.dispatch(inbound.frame);
  }

  private dispatch(frame: RequestFrame): void {
    const principal = this.principal;
    if (!principal) return;
    const handled = this.host.dispatcher.handle(principal, frame, this);
    if (!(handled instanceof Promise)) {
      this.countUnauthorized(handled);
      return;
    }
    this.inflight++;
    void handled.then((h) => {
      this.countUnauthorized(h);
      if (--this.inflight === 0) this.drained?.();
    });
  }

  /** Takes a response frame from the dispatcher. */
  sendReply(text: string): void {
    this.sendText(text);
  }

  private countUnauthorized({ isRoleViolation }: Handled): void {
    if (!isRoleViolation) this.unauthorizedInARow = 0;
    else if (++this.unauthorizedInARow > MAX_UNAUTHORIZED_IN_A_ROW) this.close(CloseCode.POLICY, 'repeated unauthorized calls');
  }
}
