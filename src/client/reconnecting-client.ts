import { ErrorCode, GatewayError } from '../protocol/errors.js';
import type { ConnectChallenge, ConnectParams } from '../protocol/schema/connect.js';
import type { HelloOk } from '../protocol/schema/snapshot.js';
import { RequestError, TlsError } from './errors.js';
import { GatewayClient, type ConnectOptions, type GatewayEvent } from './gateway-client.js';

export interface ReconnectOptions {
  url: string;
  /** Built anew for every attempt (fresh instanceId, current credentials); may sign the challenge. */
  params: () => ConnectParams | ((challenge: ConnectChallenge) => ConnectParams);
  /**
   * Whether a non-retryable handshake refusal is still worth retrying (a node waiting for its
   * pairing approval, a stale device token just dropped). Default: never.
   */
  retryRefusal?: (err: RequestError) => boolean;
  connectTimeoutMs: number;
  /** Socket options of every attempt (TLS pin, headers). */
  connectOptions?: ConnectOptions;
  /** First retry delay; doubles per failed attempt up to `maxDelayMs` (protocol.md 12: 1 s → 30 s). */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Source of jitter in [0, 1); injectable for tests. */
  random?: () => number;
}

export type ClientState = 'idle' | 'connecting' | 'open' | 'waiting' | 'stopped';

/**
 * A gateway session that survives drops: reconnects with capped, jittered exponential backoff,
 * re-runs the handshake, and keeps event listeners across connections. A handshake refused
 * with a non-retryable error (wrong token, pairing required) stops it: retrying cannot help.
 */
export class ReconnectingClient {
  state: ClientState = 'idle';
  current: GatewayClient | undefined;
  attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private readonly listeners = {
    event: new Set<(e: GatewayEvent) => void>(),
    hello: new Set<(h: HelloOk) => void>(),
    disconnect: new Set<(info: { code: number; reason: string; retryInMs: number }) => void>(),
    fatal: new Set<(err: Error) => void>(),
  };

  constructor(private readonly opts: ReconnectOptions) {}

  onEvent(l: (e: GatewayEvent) => void): void {
    this.listeners.event.add(l);
  }
  onHello(l: (h: HelloOk) => void): void {
    this.listeners.hello.add(l);
  }
  onDisconnect(l: (info: { code: number; reason: string; retryInMs: number }) => void): void {
    this.listeners.disconnect.add(l);
  }
  onFatal(l: (err: Error) => void): void {
    this.listeners.fatal.add(l);
  }

  /** Starts connecting in the background; idempotent. */
  start(): void {
    if (this.state !== 'idle') return;
    void this.loop();
  }

  /** Skips the current backoff wait (e.g. after the host woke up or the network changed). */
  reconnectNow(): void {
    this.attempt = 0;
    this.wake?.();
  }

  /** Delay before retry number `attempt` (1-based): base × 2^(attempt−1), capped, jittered to 50–100 %. */
  backoffMs(attempt: number): number {
    const min = this.opts.minDelayMs ?? 1000;
    const max = this.opts.maxDelayMs ?? 30_000;
    const capped = Math.min(max, min * 2 ** Math.max(0, attempt - 1));
    return Math.round(capped * (0.5 + 0.5 * (this.opts.random ?? Math.random)()));
  }

  private async loop(): Promise<void> {
    while (!this.stopped()) {
      this.state = 'connecting';
      const client = new GatewayClient();
      this.current = client;
      client.onEvent((e) => this.listeners.event.forEach((l) => l(e)));
      let retryAfterMs: number | undefined;
      try {
        const hello = await client.connect(this.opts.url, this.opts.params(), this.opts.connectTimeoutMs, this.opts.connectOptions);
        if (this.stopped()) break;
        this.attempt = 0;
        this.state = 'open';
        this.listeners.hello.forEach((l) => l(hello));
        const info = await new Promise<{ code: number; reason: string }>((resolve) => {
          if (client.closeInfo) resolve(client.closeInfo);
          else client.onClose(resolve);
        });
        if (this.stopped()) break;
        this.attempt = 1;
        const wait = this.backoffMs(this.attempt);
        this.listeners.disconnect.forEach((l) => l({ ...info, retryInMs: wait }));
        await this.sleep(wait);
        continue;
      } catch (err) {
        if (this.stopped()) break;
        // A certificate that fails its pin or CA check stays wrong until someone changes the
        // config (or an attacker leaves): fail closed and say so, like a changed SSH host key.
        const refused = err instanceof RequestError && err.retryable !== true && this.opts.retryRefusal?.(err) !== true;
        if (refused || err instanceof TlsError) {
          this.state = 'stopped';
          this.listeners.fatal.forEach((l) => l(err));
          break;
        }
        if (err instanceof RequestError) retryAfterMs = err.retryAfterMs;
      }
      this.attempt += 1;
      const wait = Math.max(retryAfterMs ?? 0, this.backoffMs(this.attempt));
      this.listeners.disconnect.forEach((l) => l({ code: this.current?.closeInfo?.code ?? 1006, reason: this.current?.closeInfo?.reason ?? '', retryInMs: wait }));
      await this.sleep(wait);
    }
    this.state = 'stopped';
  }

  /** A method, so TypeScript does not narrow `state` across the awaits above. */
  private stopped(): boolean {
    return this.state === 'stopped';
  }

  private sleep(ms: number): Promise<void> {
    if (!this.stopped()) this.state = 'waiting';
    return new Promise((resolve) => {
      this.wake = () => {
        clearTimeout(this.timer);
        this.wake = undefined;
        resolve();
      };
      this.timer = setTimeout(() => this.wake?.(), ms);
    });
  }

  /** A request on the live connection; rejects with a retryable UNAVAILABLE while disconnected. */
  async request(method: string, params: unknown, timeoutMs?: number): Promise<unknown> {
    const c = this.current;
    if (this.state !== 'open' || !c?.isOpen) throw new GatewayError(ErrorCode.UNAVAILABLE, 'not connected to the gateway (reconnecting)', { retryable: true });
    return await c.request(method, params, timeoutMs);
  }

  /** Stops reconnecting and closes the connection. */
  async stop(): Promise<void> {
    this.state = 'stopped';
    this.wake?.();
    await this.current?.close();
  }
}
