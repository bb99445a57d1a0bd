import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Netns } from './netns.js';
import { REPO_ROOT } from './paths.js';
import { RawClient, type FrameSink, type FrameSocket } from './raw-client.js';
import { waitFor } from './wait-for.js';

/** The compiled relay script (test/helpers/netns-client.ts). */
export const NETNS_CLIENT_JS = join(REPO_ROOT, 'dist', 'test', 'helpers', 'netns-client.js');
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

type RelayEvent = { ev: string; conn?: number; id?: number; data?: string; code?: number; reason?: string; status?: number; message?: string };

/**
 * Test clients inside a network namespace: a relay process there (netns-client.ts) opens the
 * WebSockets and passes frames and closes back and forth, so the test process can drive
 * RawClients (and sign device proofs) from the root namespace as if it sat in `ns`.
 *
 * @example
 * const remote = await NetnsRelay.start(pair.client);
 * const c = await remote.open(`ws://${pair.gateway.address}:${port}`);
 */
export class NetnsRelay {
  private readonly sinks = new Map<number, FrameSink>();
  private readonly http = new Map<number, { resolve: (status: number) => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private isReady = false;
  private exited = false;
  private stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams, readonly ns: Netns) {
    // A relay that died mid-write must not crash the test process (its exit is reported instead).
    child.stdin.on('error', () => undefined);
    child.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    createInterface({ input: child.stdout }).on('line', (line) => this.onEvent(JSON.parse(line) as RelayEvent));
    child.once('exit', () => this.onGone());
    child.once('error', (err) => {
      this.stderr += `${err.message}\n`;
      this.onGone();
    });
  }

  /** The relay exited (or never started): every socket reads as closed, every request fails. */
  private onGone(): void {
    if (this.exited) return;
    this.exited = true;
    for (const sink of this.sinks.values()) sink.closed(1006, 'relay exited');
    this.sinks.clear();
    for (const waiter of this.http.values()) waiter.reject(new Error(`the relay in ${this.ns.name} exited: ${this.stderr.trim()}`));
    this.http.clear();
  }

  /** Starts the relay inside `ns` and waits until it reads commands. */
  static async start(ns: Netns): Promise<NetnsRelay> {
    const child = ns.spawn(process.execPath, [NETNS_CLIENT_JS], { stdio: ['pipe', 'pipe', 'pipe'] }) as ChildProcessWithoutNullStreams;
    const relay = new NetnsRelay(child, ns);
    try {
      await waitFor(`the relay in ${ns.name} to start`, () => {
        if (relay.exited) throw new Error(`relay exited: ${relay.stderr.trim()}`);
        return relay.isReady;
      }, START_TIMEOUT_MS);
    } catch (err) {
      await relay.close();
      throw err;
    }
    return relay;
  }

  /** Opens a WebSocket from inside the namespace and waits for `connect.challenge`. */
  async open(url: string, headers: Record<string, string> = {}): Promise<RawClient> {
    return await RawClient.over(this.socket(url, headers));
  }

  /** The HTTP status of a GET from inside the namespace; rejects when nothing answers. */
  async httpStatus(url: string): Promise<number> {
    if (this.exited) throw new Error(`the relay in ${this.ns.name} has exited: ${this.stderr.trim()}`);
    const id = this.nextId++;
    const answer = new Promise<number>((resolve, reject) => this.http.set(id, { resolve, reject }));
    this.command({ op: 'http-status', id, url });
    return await answer;
  }

  /** Closes every relayed socket and ends the relay. Idempotent. */
  async close(): Promise<void> {
    if (this.exited || this.child.exitCode !== null) return;
    const exit = once(this.child, 'exit');
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exit;
    clearTimeout(timer);
  }

  private socket(url: string, headers: Record<string, string>): FrameSocket {
    const conn = this.nextId++;
    return {
      send: (data) => this.command({ op: 'send', conn, data }),
      terminate: () => this.command({ op: 'terminate', conn }),
      attach: (sink) => {
        if (this.exited) return sink.closed(1006, 'relay exited');
        this.sinks.set(conn, sink);
        this.command({ op: 'open', conn, url, headers });
      },
    };
  }

  /** Sends a command; after the relay exited, socket commands are dropped (their sockets read as closed). */
  private command(cmd: Record<string, unknown>): void {
    if (!this.exited) this.child.stdin.write(`${JSON.stringify(cmd)}\n`);
  }

  private onEvent(e: RelayEvent): void {
    if (e.ev === 'ready') this.isReady = true;
    else if (e.ev === 'fatal') this.stderr += `${e.message ?? ''}\n`;
    else if (e.id !== undefined) {
      const waiter = this.http.get(e.id);
      this.http.delete(e.id);
      if (e.ev === 'http-status') waiter?.resolve(e.status ?? 0);
      else waiter?.reject(new Error(e.message ?? 'http request failed'));
    } else if (e.conn !== undefined) {
      const sink = this.sinks.get(e.conn);
      if (e.ev === 'message') sink?.frame(e.data ?? '');
      else if (e.ev === 'upgrade-refused') sink?.upgradeRefused(e.status ?? 0);
      else if (e.ev === 'close') {
        this.sinks.delete(e.conn);
        sink?.closed(e.code ?? 1006, e.reason ?? '');
      }
    }
  }
}
