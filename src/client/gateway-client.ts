import WebSocket from 'ws';
import { ErrorCode, GatewayError, type ErrorShape } from '../protocol/errors.js';
import type { ConnectChallenge, ConnectParams } from '../protocol/schema/connect.js';
import type { EventFrame } from '../protocol/schema/frames.js';
import type { HelloOk } from '../protocol/schema/snapshot.js';
import { CloseCode, TICK_INTERVAL_MS } from '../protocol/version.js';
import type { TlsPin } from '../infra/tls-pin.js';
import { connectionLost, RequestError, TlsError, TransportError } from './errors.js';
import { buildRequest } from './frames.js';
import { readServerFrame, validateConnectChallenge, validateHelloOk } from './server-frames.js';
import { pinnedTlsConnect } from './tls-connect.js';

export { RequestError, TlsError, TransportError } from './errors.js';

/** How to open the socket. */
export interface ConnectOptions {
  /** Extra upgrade headers. */
  headers?: Record<string, string>;
  /** For `wss://`: accept exactly this certificate (leaf) or key (SPKI) instead of CA validation. */
  tlsPin?: TlsPin | undefined;
}

/** A server event as received (`seq`/`stateVersion` when the gateway numbered it). */
export interface GatewayEvent {
  event: string;
  payload: unknown;
  seq?: number;
  stateVersion?: { presence: number; health: number };
}

interface Pending {
  resolve(payload: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * One gateway connection: waits for `connect.challenge`, connects, runs concurrent requests,
 * delivers events, and rejects everything pending with a retryable error when the socket goes
 * away. After hello-ok a watchdog closes the socket (4000 `tick timeout`) when nothing arrived
 * for 2 × tickIntervalMs while no request with a deadline is waiting (protocol.md 8).
 */
export class GatewayClient {
  private ws: WebSocket | undefined;
  private seq = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly eventListeners = new Set<(e: GatewayEvent) => void>();
  private readonly closeListeners = new Set<(info: { code: number; reason: string }) => void>();
  private watchdog: NodeJS.Timeout | undefined;
  private lastFrameAt = Date.now();
  hello: HelloOk | undefined;
  /** The connect request went out (a timeout after this means the gateway sat on the answer). */
  connectSent = false;
  /** Close code/reason once the socket closed. */
  closeInfo: { code: number; reason: string } | undefined;

  /** Subscribes to server events; returns the unsubscribe function. */
  onEvent(listener: (e: GatewayEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Called once when the socket closes (after the handshake or not). */
  onClose(listener: (info: { code: number; reason: string }) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  get isOpen(): boolean {
    return this.hello !== undefined && this.ws?.readyState === WebSocket.OPEN;
  }

  /**
   * Opens the socket and completes the handshake within `timeoutMs`. `params` may be a function
   * of the challenge, for clients that sign a device proof over its nonce.
   */
  async connect(
    url: string,
    params: ConnectParams | ((challenge: ConnectChallenge) => ConnectParams),
    timeoutMs: number,
    opts: ConnectOptions = {},
  ): Promise<HelloOk> {
    const secure = url.startsWith('wss:');
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
      headers: opts.headers ?? {},
      ...(secure ? { createConnection: pinnedTlsConnect(opts.tlsPin) as never } : {}),
    });
    this.ws = ws;
    return await new Promise<HelloOk>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        clearTimeout(timer);
        if (!settled) reject(err);
        settled = true;
      };
      const timer = setTimeout(() => {
        // After the connect went out, a slow answer is the gateway's failed-auth delay (6.3).
        const reason = this.connectSent ? 'connect unanswered' : undefined;
        fail(new TransportError(`gateway timeout after ${timeoutMs}ms`, 'timeout', reason, timeoutMs));
        ws.terminate();
      }, timeoutMs);
      ws.once('unexpected-response', (_req, res) => {
        fail(new TransportError(`gateway rejected websocket upgrade (HTTP ${res.statusCode ?? 0})`, 'upgrade'));
        ws.terminate();
      });
      ws.on('error', (err: NodeJS.ErrnoException & { address?: string; port?: number }) => {
        if (err instanceof TlsError) return fail(err);
        const reason = err.code && err.address !== undefined ? `connect ${err.code} ${err.address}:${String(err.port)}` : err.message;
        fail(new TransportError(`Gateway not reachable at ${url} (${err.code ?? err.message}).`, 'closed', reason));
      });
      ws.on('close', (code, buf) => {
        const reason = buf.toString();
        this.onSocketClosed(code, reason);
        fail(new TransportError(`gateway closed the connection (${code}${reason ? `: ${reason}` : ''})`, 'closed', reason || undefined));
      });
      ws.on('message', (data) => {
        this.lastFrameAt = Date.now();
        const read = readServerFrame(data.toString());
        if ('invalid' in read) return this.abortInvalid(`gateway sent an invalid frame: ${read.invalid}`, fail);
        const frame = read.frame;
        if (frame.type === 'event' && frame.event === 'connect.challenge' && this.hello === undefined) {
          if (!validateConnectChallenge(frame.payload)) {
            return this.abortInvalid(`gateway sent an invalid connect.challenge: ${validateConnectChallenge.explain(frame.payload)}`, fail);
          }
          const challenge = frame.payload;
          let connectParams: ConnectParams;
          try {
            connectParams = typeof params === 'function' ? params(challenge) : params;
          } catch (err) {
            fail(err instanceof Error ? err : new Error(String(err)));
            ws.terminate();
            return;
          }
          const req = buildRequest(++this.seq, 'connect', connectParams);
          this.track(req.id, undefined).then(
            (payload) => {
              if (!validateHelloOk(payload)) {
                this.abortInvalid(`gateway sent an invalid hello-ok: ${validateHelloOk.explain(payload)}`, fail);
                return;
              }
              clearTimeout(timer);
              this.hello = payload;
              this.startWatchdog(this.hello.policy?.tickIntervalMs ?? TICK_INTERVAL_MS);
              settled = true;
              resolve(this.hello);
            },
            (err: Error) => fail(err),
          );
          ws.send(JSON.stringify(req));
          this.connectSent = true;
          return;
        }
        if (frame.type === 'res') this.settle(frame.id, frame.ok, frame.payload, frame.error);
        else this.emitEvent(frame);
      });
    });
  }

  /**
   * A frame that breaks the protocol: the handshake (if still running) and every pending request
   * fail with the reason, and the socket is closed 1002. Nothing of the frame is acted on.
   */
  private abortInvalid(message: string, failConnect: (err: Error) => void): void {
    const err = new TransportError(message, 'closed', 'invalid frame');
    failConnect(err);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.ws?.close(CloseCode.PROTOCOL_MISMATCH, 'invalid frame');
  }

  private emitEvent(frame: EventFrame): void {
    const e: GatewayEvent = { event: frame.event, payload: frame.payload };
    if (frame.seq !== undefined) e.seq = frame.seq;
    if (frame.stateVersion !== undefined) e.stateVersion = frame.stateVersion;
    for (const l of this.eventListeners) l(e);
  }

  private onSocketClosed(code: number, reason: string): void {
    if (this.closeInfo) return;
    this.closeInfo = { code, reason };
    clearInterval(this.watchdog);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(connectionLost(code, reason));
    }
    this.pending.clear();
    for (const l of this.closeListeners) l(this.closeInfo);
  }

  private startWatchdog(tickIntervalMs: number): void {
    const limitMs = 2 * tickIntervalMs;
    this.watchdog = setInterval(() => {
      const waitingWithDeadline = [...this.pending.values()].some((p) => p.timer !== undefined);
      if (!waitingWithDeadline && Date.now() - this.lastFrameAt > limitMs) this.ws?.close(CloseCode.TICK_TIMEOUT, 'tick timeout');
    }, Math.max(50, Math.floor(tickIntervalMs / 2)));
    this.watchdog.unref();
  }

  private track(id: string, timeoutMs: number | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.pending.delete(id);
              reject(new TransportError(`gateway timeout after ${timeoutMs}ms`, 'timeout', undefined, timeoutMs));
            }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  private settle(id: string, ok: boolean, payload: unknown, error: ErrorShape | undefined): void {
    const p = this.pending.get(id);
    if (!p) return;
    // Two-phase methods (`agent`) answer `accepted` first; the final answer follows on the same id.
    if (ok && (payload as { status?: unknown } | null)?.status === 'accepted') return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (ok) p.resolve(payload);
    else p.reject(new RequestError(error ?? { code: ErrorCode.UNAVAILABLE, message: 'request failed' }));
  }

  /**
   * Sends a request and resolves with its (final) payload; rejects with RequestError on
   * `ok:false`, TransportError on timeout, a retryable UNAVAILABLE when the socket drops.
   */
  async request(method: string, params: unknown, timeoutMs?: number): Promise<unknown> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || this.hello === undefined) {
      throw new GatewayError(ErrorCode.UNAVAILABLE, 'not connected', { retryable: true });
    }
    const req = buildRequest(++this.seq, method, params);
    let text: string;
    try {
      // Serialised before it is tracked: params that cannot be (too deep, cyclic, BigInt) fail
      // this call alone instead of leaving a pending entry behind.
      text = JSON.stringify(req);
    } catch (err) {
      throw new GatewayError(ErrorCode.INVALID_REQUEST, `params cannot be sent as JSON (${(err as Error).message})`);
    }
    const result = this.track(req.id, timeoutMs);
    ws.send(text);
    return await result;
  }

  /** Closes the socket (1000) and waits for it; idempotent. */
  async close(code: number = CloseCode.NORMAL, reason = ''): Promise<void> {
    const ws = this.ws;
    clearInterval(this.watchdog);
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(code, reason);
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000).unref();
    });
  }
}
