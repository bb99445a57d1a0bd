import { buildSignedPayload, payloadFieldsOf } from '../../protocol/device-auth.js';
import type { ErrorShape } from '../../protocol/errors.js';
import type { ConnectChallenge, ConnectParams } from '../../protocol/schema/connect.js';
import type { HelloOk } from '../../protocol/schema/snapshot.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import type { BrowserIdentity } from './browser-identity.js';
import { forgetDeviceToken, forgetToken, saveDeviceToken, storedDeviceToken, storedToken } from './credentials.js';

/** The scopes the Control UI asks for (assistant.md 11.5, without the questions scope we do not use). */
export const UI_SCOPES = ['operator.admin', 'operator.read', 'operator.write', 'operator.approvals', 'operator.pairing'];
export const UI_VERSION = '0.1.0';
const RECONNECT_BASE_MS = 500;
const RECONNECT_CAP_MS = 10_000;
/** How often a browser waiting for pairing approval asks again. */
const PAIRING_RETRY_MS = 2_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** Where the connection stands; the app renders one screen per kind. */
export type ConnectionState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'online'; hello: HelloOk }
  | { kind: 'pairing'; requestId: string; deviceId: string }
  | { kind: 'offline'; reason: string; retryAtMs: number }
  | { kind: 'failed'; message: string };

/** A failed request, with the gateway's error code. */
export class RequestFailed extends Error {
  constructor(readonly shape: ErrorShape) {
    super(shape.message);
  }
}

export interface GatewayEventFrame {
  event: string;
  payload: unknown;
  seq?: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

interface Frame {
  type?: string;
  id?: string;
  ok?: boolean;
  event?: string;
  payload?: unknown;
  error?: ErrorShape;
  seq?: number;
}

/** Auth failures that retrying with the same credentials cannot fix. */
const FATAL_DETAIL_CODES = new Set([
  'AUTH_TOKEN_MISSING', 'AUTH_TOKEN_MISMATCH', 'AUTH_PASSWORD_MISSING', 'AUTH_PASSWORD_MISMATCH',
  'CONTROL_UI_ORIGIN_NOT_ALLOWED', 'DEVICE_IDENTITY_REQUIRED',
]);

/**
 * The Control UI's gateway connection, with the semantics of our CLI client (style B3.3):
 * waits for `connect.challenge`, signs the v2 device proof with the browser identity, keeps a
 * pending map, rejects everything pending when the socket drops, and reconnects with capped,
 * jittered backoff. A browser that is not yet paired keeps asking every two seconds, so the
 * app appears without a reload once an operator approves it.
 */
export class BrowserGatewayClient {
  state: ConnectionState = { kind: 'connecting', attempt: 0 };
  /** Whether a hello-ok was ever received (the app stays mounted across later drops). */
  hasBeenOnline = false;
  private ws: WebSocket | undefined;
  private nextId = 1;
  private attempt = 0;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private lastFrameAtMs = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly eventListeners = new Set<(e: GatewayEventFrame) => void>();
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private readonly instanceId = crypto.randomUUID();

  constructor(readonly url: string, private readonly identity: BrowserIdentity) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.ws?.close(1000, 'page closed');
  }

  onState(fn: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  onEvent(fn: (e: GatewayEventFrame) => void): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  get isOnline(): boolean {
    return this.state.kind === 'online';
  }

  /** Sends a request; rejects with RequestFailed, or a plain Error when the connection is lost. */
  request<T = unknown>(method: string, params: unknown = {}, timeoutMs = REQUEST_TIMEOUT_MS): Promise<T> {
    const ws = this.ws;
    if (!ws || this.state.kind !== 'online') return Promise.reject(new Error('not connected'));
    return this.send<T>(ws, method, params, timeoutMs);
  }

  private send<T>(ws: WebSocket, method: string, params: unknown, timeoutMs: number): Promise<T> {
    const id = `${this.nextId++}:${crypto.randomUUID()}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} timed out`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      ws.send(JSON.stringify({ type: 'req', id, method, params }));
    });
  }

  private setState(next: ConnectionState): void {
    this.state = next;
    for (const fn of this.stateListeners) fn(next);
  }

  private open(): void {
    if (this.stopped) return;
    this.setState({ kind: 'connecting', attempt: this.attempt });
    const ws = new WebSocket(this.url);
    this.ws = ws;
    let handshakeDone = false;
    let refusal: ConnectionState | undefined;
    ws.onmessage = (msg) => {
      this.lastFrameAtMs = Date.now();
      let frame: Frame;
      try {
        frame = JSON.parse(String(msg.data)) as Frame;
      } catch {
        return;
      }
      if (frame.type === 'event' && frame.event === 'connect.challenge' && !handshakeDone) {
        handshakeDone = true;
        this.handshake(ws, frame.payload as ConnectChallenge).catch((err: unknown) => {
          refusal = this.refusalState(err);
          ws.close(1000);
        });
        return;
      }
      if (frame.type === 'res' && frame.id) {
        const p = this.pending.get(frame.id);
        if (!p) return;
        this.pending.delete(frame.id);
        clearTimeout(p.timer);
        if (frame.ok) p.resolve(frame.payload);
        else p.reject(new RequestFailed(frame.error ?? { code: 'UNAVAILABLE', message: 'request failed' }));
        return;
      }
      if (frame.type === 'event' && frame.event) {
        const e: GatewayEventFrame = { event: frame.event, payload: frame.payload, ...(frame.seq !== undefined ? { seq: frame.seq } : {}) };
        for (const fn of this.eventListeners) fn(e);
      }
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      clearInterval(this.watchdog);
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new Error('connection lost'));
        this.pending.delete(id);
      }
      if (this.stopped) return;
      if (refusal?.kind === 'failed') return this.setState(refusal);
      if (refusal?.kind === 'pairing') {
        this.setState(refusal);
        this.retryTimer = setTimeout(() => this.open(), PAIRING_RETRY_MS);
        return;
      }
      this.attempt += 1;
      const delay = Math.min(RECONNECT_CAP_MS, RECONNECT_BASE_MS * 2 ** Math.min(this.attempt - 1, 5));
      const jittered = Math.round(delay * (0.75 + Math.random() * 0.5));
      const reason = ev.reason || (ev.code === 1006 ? 'gateway unreachable' : `closed (${ev.code})`);
      this.setState({ kind: 'offline', reason, retryAtMs: Date.now() + jittered });
      this.retryTimer = setTimeout(() => this.open(), jittered);
    };
  }

  private async handshake(ws: WebSocket, challenge: ConnectChallenge): Promise<void> {
    const token = storedToken(this.url);
    const deviceToken = token === undefined ? storedDeviceToken(this.url, this.identity.deviceId) : undefined;
    const params: ConnectParams = {
      minProtocol: PROTOCOL_VERSION,
      maxProtocol: PROTOCOL_VERSION,
      client: {
        id: 'openclaw-control-ui',
        version: UI_VERSION,
        platform: navigator.platform || 'web',
        mode: 'webchat',
        instanceId: this.instanceId,
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
      },
      role: 'operator',
      scopes: UI_SCOPES,
      caps: ['tool-events'],
      ...(token !== undefined ? { auth: { token } } : deviceToken !== undefined ? { auth: { deviceToken } } : {}),
      userAgent: navigator.userAgent,
      locale: navigator.language,
    };
    const device = { id: this.identity.deviceId, publicKey: this.identity.publicKey, signature: '', signedAt: challenge.ts, nonce: challenge.nonce };
    device.signature = await this.identity.sign(buildSignedPayload('v2', payloadFieldsOf(params, device, challenge.nonce)));
    const hello = await this.send<HelloOk>(ws, 'connect', { ...params, device }, REQUEST_TIMEOUT_MS);
    if (hello.auth.deviceToken) saveDeviceToken(this.url, this.identity.deviceId, hello.auth.deviceToken, hello.auth.scopes);
    this.attempt = 0;
    this.lastFrameAtMs = Date.now();
    const tickMs = hello.policy.tickIntervalMs;
    clearInterval(this.watchdog);
    // Two tick intervals without any frame means a dead socket (assistant.md 11.6).
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastFrameAtMs > 2 * tickMs) ws.close(4000, 'tick timeout');
    }, Math.max(1000, Math.floor(tickMs / 2)));
    this.hasBeenOnline = true;
    this.setState({ kind: 'online', hello });
  }

  private refusalState(err: unknown): ConnectionState | undefined {
    if (!(err instanceof RequestFailed)) return undefined;
    const details = (err.shape.details ?? {}) as { code?: string; requestId?: string };
    if (details.code === 'PAIRING_REQUIRED' && details.requestId) {
      return { kind: 'pairing', requestId: details.requestId, deviceId: this.identity.deviceId };
    }
    if (details.code === 'AUTH_DEVICE_TOKEN_MISMATCH') {
      // A revoked or rotated device token: drop it and go back to the shared token, if any.
      forgetDeviceToken(this.url);
      if (storedToken(this.url) !== undefined) return undefined;
    }
    if (details.code && FATAL_DETAIL_CODES.has(details.code)) {
      if (details.code === 'AUTH_TOKEN_MISMATCH') forgetToken(this.url);
      return { kind: 'failed', message: err.message };
    }
    if (details.code === 'AUTH_DEVICE_TOKEN_MISMATCH') return { kind: 'failed', message: err.message };
    return undefined;
  }
}
