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

/** What a RawClient hears from its socket. */
export interface FrameSink {
  frame(text: string): void;
  closed(code: number, reason: string): void;
  /** The server answered the upgrade with a plain HTTP response of this status. */
  upgradeRefused(status: number): void;
}

/**
 * A WebSocket as RawClient drives it: ws's own in this process (`wsFrameSocket`), or one
 * relayed from inside a network namespace (netns-relay.ts).
 */
export interface FrameSocket {
  send(text: string): void;
  terminate(): void;
  /** Called once, by the RawClient constructor, before any event can be delivered. */
  attach(sink: FrameSink): void;
}

/** A ws WebSocket in this process as a FrameSocket. */
export function wsFrameSocket(url: string, headers: Record<string, string> = {}): FrameSocket {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  return {
    send: (text) => ws.send(text),
    terminate: () => ws.terminate(),
    attach(sink) {
      ws.on('message', (data) => sink.frame(data.toString()));
      ws.on('close', (code, reason) => sink.closed(code, reason.toString()));
      ws.on('unexpected-response', (_req, res) => sink.upgradeRefused(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    },
  };
}

/** A bare WebSocket peer that records every frame and the close, for black-box checks. */
export class RawClient {
  readonly frames: Frame[] = [];
  close: { code: number; reason: string } | undefined;
  upgradeStatus: number | undefined;
  private constructor(private readonly socket: FrameSocket) {
    socket.attach({
      frame: (text) => {
        try {
          this.frames.push(JSON.parse(text) as Frame);
        } catch {
          this.frames.push({ type: 'unparsable' });
        }
      },
      closed: (code, reason) => (this.close = { code, reason }),
      upgradeRefused: (status) => (this.upgradeStatus = status),
    });
  }

  /** Opens a socket from this process and waits for `connect.challenge`. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<RawClient> {
    return await RawClient.over(wsFrameSocket(url, headers));
  }

  /** Wraps an opening socket and waits for `connect.challenge`. */
  static async over(socket: FrameSocket): Promise<RawClient> {
    const c = new RawClient(socket);
    await c.waitEvent('connect.challenge');
    return c;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async waitRes(id: string, timeoutMs = 30_000): Promise<Frame> {
    return await waitFor(`response ${id}`, () => this.frames.find((f) => f.type === 'res' && f.id === id), timeoutMs, 5);
  }

  async waitEvent(event: string, after = 0, timeoutMs = 30_000): Promise<Frame> {
    return await waitFor(`event ${event}`, () => this.frames.slice(after).find((f) => f.type === 'event' && f.event === event), timeoutMs, 5);
  }

  async waitClose(timeoutMs = 30_000): Promise<{ code: number; reason: string }> {
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
    this.socket.terminate();
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
