import WebSocket from 'ws';
import { waitFor } from './wait-for.js';

export interface Frame {
  type: string;
  id?: string;
  ok?: boolean;
  event?: string;
  payload?: any;
  error?: { code: string; message: string; details?: any; retryable?: boolean; retryAfterMs?: number };
  seq?: number;
  stateVersion?: { presence: number; health: number };
}

/** A bare WebSocket peer that records every frame and the close, for black-box checks. */
export class RawClient {
  readonly frames: Frame[] = [];
  close: { code: number; reason: string } | undefined;
  upgradeStatus: number | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      try {
        this.frames.push(JSON.parse(data.toString()) as Frame);
      } catch {
        this.frames.push({ type: 'unparsable' });
      }
    });
    ws.on('close', (code, reason) => (this.close = { code, reason: reason.toString() }));
    ws.on('unexpected-response', (_req, res) => (this.upgradeStatus = res.statusCode));
    ws.on('error', () => undefined);
  }

  /** Opens a socket and waits for `connect.challenge`. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<RawClient> {
    const c = new RawClient(new WebSocket(url, { headers, perMessageDeflate: false }));
    await c.waitEvent('connect.challenge');
    return c;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async waitRes(id: string, timeoutMs = 10_000): Promise<Frame> {
    return await waitFor(`response ${id}`, () => this.frames.find((f) => f.type === 'res' && f.id === id), timeoutMs, 5);
  }

  async waitEvent(event: string, after = 0, timeoutMs = 10_000): Promise<Frame> {
    return await waitFor(`event ${event}`, () => this.frames.slice(after).find((f) => f.type === 'event' && f.event === event), timeoutMs, 5);
  }

  async waitClose(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    return await waitFor('close', () => this.close, timeoutMs, 5);
  }

  /** Sends `connect` and waits for its answer. */
  async connect(params: Record<string, unknown> = {}, id = 'c1'): Promise<Frame> {
    this.send({ type: 'req', id, method: 'connect', params: { ...connectParams(), ...params } });
    return await this.waitRes(id);
  }

  async call(method: string, params: unknown = {}, id = `r${this.frames.length + 1}`): Promise<Frame> {
    this.send({ type: 'req', id, method, params });
    return await this.waitRes(id);
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** The acceptance checklist's standard connect params (cli/cli, operator.read). */
export function connectParams(token?: string): Record<string, unknown> {
  return {
    minProtocol: 4,
    maxProtocol: 4,
    client: { id: 'cli', version: '0', platform: 'linux', mode: 'cli' },
    role: 'operator',
    scopes: ['operator.read'],
    caps: [],
    ...(token ? { auth: { token } } : {}),
  };
}
