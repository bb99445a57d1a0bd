import WebSocket from 'ws';
import { ErrorCode, GatewayError, type ErrorShape } from '../protocol/errors.js';
import type { ConnectParams } from '../protocol/schema/connect.js';
import type { HelloOk } from '../protocol/schema/snapshot.js';
import { buildRequest } from './frames.js';

/** The connection failed before or during the handshake (refused, reset, timed out…). */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly kind: 'closed' | 'timeout' | 'upgrade',
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** The gateway answered a request (or connect) with `ok:false`. */
export class RequestError extends GatewayError {
  readonly shape: ErrorShape;
  constructor(shape: ErrorShape) {
    super((Object.values(ErrorCode) as string[]).includes(shape.code) ? (shape.code as ErrorCode) : ErrorCode.UNAVAILABLE, shape.message, {
      details: shape.details, ...(shape.retryable !== undefined ? { retryable: shape.retryable } : {}),
      ...(shape.retryAfterMs !== undefined ? { retryAfterMs: shape.retryAfterMs } : {}),
    });
    this.shape = shape;
    this.name = 'RequestError';
  }
}

interface Pending {
  resolve(payload: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * A one-connection gateway client: waits for the challenge, connects, runs concurrent
 * requests, and rejects everything pending when the socket goes away.
 */
export class GatewayClient {
  private ws: WebSocket | undefined;
  private seq = 0;
  private readonly pending = new Map<string, Pending>();
  hello: HelloOk | undefined;
  /** Close code/reason once the socket closed. */
  closeInfo: { code: number; reason: string } | undefined;

  /** Opens the socket and completes the handshake within `timeoutMs`. */
  async connect(url: string, params: ConnectParams, timeoutMs: number): Promise<HelloOk> {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    this.ws = ws;
    return await new Promise<HelloOk>((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new TransportError(`gateway timeout after ${timeoutMs}ms`, 'timeout'));
      }, timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      ws.once('unexpected-response', (_req, res) => {
        fail(new TransportError(`gateway rejected websocket upgrade (HTTP ${res.statusCode ?? 0})`, 'upgrade'));
        ws.terminate();
      });
      ws.once('error', (err: NodeJS.ErrnoException) => {
        const reason = err.code && 'address' in err ? `connect ${err.code} ${String((err as { address?: string }).address)}:${String((err as { port?: number }).port)}` : err.message;
        fail(new TransportError(`Gateway not reachable at ${url} (${err.code ?? err.message}).`, 'closed', reason));
      });
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        for (const p of this.pending.values()) {
          clearTimeout(p.timer);
          p.reject(new GatewayError(ErrorCode.UNAVAILABLE, `connection lost (${code}${reason.length ? ` ${reason.toString()}` : ''})`, { retryable: true }));
        }
        this.pending.clear();
        fail(new TransportError(`gateway closed the connection (${code}${reason.length ? `: ${reason.toString()}` : ''})`, 'closed'));
      });
      ws.on('message', (data) => {
        let frame: { type?: string; event?: string; id?: string; ok?: boolean; payload?: unknown; error?: ErrorShape };
        try {
          frame = JSON.parse(data.toString()) as typeof frame;
        } catch {
          return;
        }
        if (frame.type === 'event' && frame.event === 'connect.challenge') {
          const req = buildRequest(++this.seq, 'connect', params);
          this.track(req.id, timeoutMs).then(
            (payload) => {
              clearTimeout(timer);
              this.hello = payload as HelloOk;
              resolve(this.hello);
            },
            (err: Error) => fail(err),
          );
          ws.send(JSON.stringify(req));
          return;
        }
        if (frame.type === 'res' && typeof frame.id === 'string') this.settle(frame.id, frame.ok === true, frame.payload, frame.error);
      });
    });
  }

  private track(id: string, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TransportError(`gateway timeout after ${timeoutMs}ms`, 'timeout'));
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

  /** Sends a request and resolves with its payload; rejects with RequestError on `ok:false`. */
  async request(method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) throw new GatewayError(ErrorCode.UNAVAILABLE, 'not connected', { retryable: true });
    const req = buildRequest(++this.seq, method, params);
    const result = this.track(req.id, timeoutMs);
    ws.send(JSON.stringify(req));
    return await result;
  }

  /** Closes the socket (1000) and waits for it; idempotent. */
  async close(): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000);
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000).unref();
    });
  }
}
