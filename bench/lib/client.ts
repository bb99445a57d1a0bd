import WebSocket from 'ws';

/**
 * The bench client: the same code drives both gateways. Plain `ws`, no compression, the exact
 * connect frame the brief prescribes (a loopback `cli`/`cli` operator asking for operator.read).
 */

export interface Frame {
  type?: string;
  id?: string;
  ok?: boolean;
  event?: string;
  error?: { code?: string; message?: string };
}

function connectFrame(token: string): string {
  return JSON.stringify({
    type: 'req',
    id: '1',
    method: 'connect',
    params: {
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: 'cli', version: 'bench', platform: 'linux', mode: 'cli' },
      role: 'operator',
      scopes: ['operator.read'],
      caps: [],
      auth: { token },
    },
  });
}

function healthFrame(id: number): string {
  return `{"type":"req","id":"${id}","method":"health","params":{}}`;
}

function parse(data: WebSocket.RawData): Frame {
  return JSON.parse(data.toString()) as Frame;
}

function describe(f: Frame): string {
  return `${f.error?.code ?? '?'} ${f.error?.message ?? JSON.stringify(f).slice(0, 200)}`;
}

/**
 * Opens a socket, waits for `connect.challenge`, sends `connect` and resolves on hello-ok with
 * the time from `new WebSocket()` to the hello-ok frame (ms).
 */
export function handshake(url: string, token: string, timeoutMs = 30_000): Promise<{ ws: WebSocket; ms: number; helloBytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let done = false;
    let helloBytes = 0;
    const finish = (err: Error | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ws.removeAllListeners('message');
      if (err) {
        ws.removeAllListeners('close');
        ws.on('error', () => undefined);
        ws.terminate();
        reject(err);
      } else {
        resolve({ ws, ms: performance.now() - t0, helloBytes });
      }
    };
    const timer = setTimeout(() => finish(new Error(`handshake timed out after ${timeoutMs} ms`)), timeoutMs);
    ws.on('error', (err) => finish(err));
    ws.on('close', (code, reason) => finish(new Error(`closed during handshake: ${code} ${reason.toString()}`)));
    ws.on('message', (data) => {
      const f = parse(data);
      if (f.type === 'event' && f.event === 'connect.challenge') ws.send(connectFrame(token));
      else if (f.type === 'res' && f.id === '1') {
        helloBytes = (data as Buffer).length;
        finish(f.ok ? undefined : new Error(`connect refused: ${describe(f)}`));
      }
    });
  });
}

/** Closes a socket and waits for the close handshake (or 5 s). */
export async function closeSocket(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return;
  ws.removeAllListeners('close');
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 5_000);
    ws.once('close', () => {
      clearTimeout(t);
      resolve();
    });
    ws.on('error', () => undefined);
    ws.close(1000);
  });
}

/** `n` sequential fresh connections (after `warmup` untimed ones); returns each handshake in ms. */
export async function handshakeSeries(url: string, token: string, n: number, warmup: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < warmup + n; i++) {
    const { ws, ms } = await handshake(url, token);
    if (i >= warmup) out.push(ms);
    await closeSocket(ws);
  }
  return out;
}

/** Request/response on one open socket; ids count up from 1000. */
export class Session {
  private next = 1000;
  private pending = new Map<string, { resolve: (f: Frame) => void; reject: (err: Error) => void }>();
  private onRes: ((f: Frame) => void) | undefined;
  private closedBy: Error | undefined;
  /** Size of the last response frame (bytes). */
  lastBytes = 0;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const f = parse(data);
      this.lastBytes = (data as Buffer).length;
      if (f.type !== 'res' || f.id === undefined) return;
      if (this.onRes) return this.onRes(f);
      const p = this.pending.get(f.id);
      if (p) {
        this.pending.delete(f.id);
        p.resolve(f);
      }
    });
    ws.on('close', (code, reason) => {
      this.closedBy = new Error(`socket closed by the server: ${code} ${reason.toString()}`);
      for (const p of this.pending.values()) p.reject(this.closedBy);
      this.pending.clear();
    });
  }

  health(): Promise<Frame> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      if (this.closedBy) return reject(this.closedBy);
      this.pending.set(String(id), { resolve, reject });
      this.ws.send(healthFrame(id));
    });
  }

  /** Sequential `health` calls after `warmup` untimed ones; returns each latency in µs. */
  async healthLatencies(n: number, warmup: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < warmup + n; i++) {
      const t0 = process.hrtime.bigint();
      const f = await this.health();
      const us = Number(process.hrtime.bigint() - t0) / 1_000;
      if (!f.ok) throw new Error(`health failed: ${describe(f)}`);
      if (i >= warmup) out.push(us);
    }
    return out;
  }

  /**
   * Pipelined health calls: `window` requests in flight at most (Infinity = send all `n` back
   * to back without waiting), each response releasing the next send. Resolves with the wall
   * time from the first send to the last response and the failures seen.
   */
  pipelined(n: number, window: number, timeoutMs: number): Promise<{ ms: number; failed: number; firstError?: string }> {
    return new Promise((resolve, reject) => {
      let sent = 0;
      let got = 0;
      let failed = 0;
      let firstError: string | undefined;
      const timer = setTimeout(() => {
        this.onRes = undefined;
        reject(new Error(`only ${got}/${n} pipelined responses after ${timeoutMs} ms`));
      }, timeoutMs);
      const t0 = performance.now();
      this.onRes = (f) => {
        if (!f.ok) {
          failed++;
          firstError ??= describe(f);
        }
        if (++got === n) {
          clearTimeout(timer);
          this.onRes = undefined;
          resolve({ ms: performance.now() - t0, failed, ...(firstError ? { firstError } : {}) });
        } else if (sent < n) {
          sent++;
          this.ws.send(healthFrame(this.next++));
        }
      };
      for (const first = Math.min(n, window); sent < first; sent++) this.ws.send(healthFrame(this.next++));
    });
  }
}

/**
 * Opens `n` handshaken sockets, `concurrency` at a time, and keeps them open. Failures are
 * counted (with the first message) rather than thrown, so a partial result can be reported.
 */
export async function openIdle(
  url: string,
  token: string,
  n: number,
  concurrency: number,
): Promise<{ sockets: WebSocket[]; failed: number; firstError?: string }> {
  const sockets: WebSocket[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < n) {
      started++;
      try {
        const { ws } = await handshake(url, token);
        ws.on('message', () => undefined); // ticks and other events are simply dropped
        sockets.push(ws);
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return { sockets, failed, ...(firstError ? { firstError } : {}) };
}

/** Closes many sockets at once (terminate: no close handshake needed for teardown). */
export async function dropAll(sockets: WebSocket[]): Promise<void> {
  for (const ws of sockets) {
    ws.on('error', () => undefined);
    ws.terminate();
  }
  await new Promise((r) => setTimeout(r, 200));
}
