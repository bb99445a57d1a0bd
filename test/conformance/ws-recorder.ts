import WebSocket from 'ws';

/** One text frame received from the server, in arrival order. */
export interface ReceivedFrame {
  /** 0-based position among the frames received on this socket. */
  seqNo: number;
  /** ms since the socket opened. */
  atMs: number;
  text: string;
  /** Parsed JSON, or `undefined` when the text is not JSON. */
  json: unknown;
  isBinary: boolean;
}

/** The close as this client observed it (the code/reason of the peer's close frame). */
export interface ObservedClose {
  code: number;
  reason: string;
  atMs: number;
}

/**
 * A raw WebSocket client for conformance tests: it sends exactly the text it is
 * given, records every frame the server sends and the close code/reason, and lets
 * a test wait for a condition over that record with a deadline (no sleeps).
 *
 * @example
 * const rec = await FrameRecorder.open(gw.url);
 * await rec.until('the challenge', () => rec.frames[0], 10_000);
 * rec.sendText('{"type":"req","id":"1","method":"health"}');
 */
export class FrameRecorder {
  readonly frames: ReceivedFrame[] = [];
  closed: ObservedClose | undefined;
  /** Transport errors (e.g. ECONNRESET), kept for diagnostics. */
  readonly errors: string[] = [];
  private readonly ws: WebSocket;
  private readonly openedAt = Date.now();
  private readonly listeners = new Set<() => void>();

  private constructor(url: string) {
    // Default options on purpose: like the real Node CLI, offer permessage-deflate.
    this.ws = new WebSocket(url, { handshakeTimeout: 10_000 });
    this.ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      const text = rawToString(data);
      let json: unknown;
      try {
        json = JSON.parse(text) as unknown;
      } catch {
        json = undefined;
      }
      this.frames.push({ seqNo: this.frames.length, atMs: Date.now() - this.openedAt, text, json, isBinary });
      this.notify();
    });
    this.ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString('utf8'), atMs: Date.now() - this.openedAt };
      this.notify();
    });
    this.ws.on('error', (err: Error) => {
      this.errors.push(err.message);
      this.notify();
    });
  }

  /** Connects to `url` and resolves once the upgrade succeeded. */
  static async open(url: string): Promise<FrameRecorder> {
    const rec = new FrameRecorder(url);
    await new Promise<void>((resolve, reject) => {
      const onOpen = (): void => {
        rec.ws.off('error', onError);
        resolve();
      };
      const onError = (err: Error): void => {
        rec.ws.off('open', onOpen);
        reject(new Error(`WebSocket upgrade to ${url} failed: ${err.message}`));
      };
      rec.ws.once('open', onOpen);
      rec.ws.once('error', onError);
    });
    return rec;
  }

  /** Sends one text frame verbatim; a no-op once the socket is no longer open. */
  sendText(text: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(text);
  }

  /** Starts the closing handshake; with no code, the close frame carries no status (peer sees 1005). */
  close(code?: number, reason?: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (code === undefined) this.ws.close();
    else this.ws.close(code, reason);
  }

  /** Drops the TCP connection at once (cleanup only). */
  terminate(): void {
    this.ws.terminate();
  }

  /**
   * Resolves with the first truthy value of `check`, re-evaluated whenever a frame,
   * a close or an error arrives. Rejects after `timeoutMs`, or at once when `check`
   * throws (use that to say "this can no longer happen", e.g. after a close).
   */
  async until<T>(what: string, check: () => T | undefined | false, timeoutMs: number): Promise<T> {
    return await new Promise<T>((resolve, reject) => {
      const finish = (fn: () => void): void => {
        clearTimeout(timer);
        this.listeners.delete(evaluate);
        fn();
      };
      const evaluate = (): void => {
        try {
          const value = check();
          if (value) finish(() => resolve(value));
        } catch (err) {
          finish(() => reject(err instanceof Error ? err : new Error(String(err))));
        }
      };
      const timer = setTimeout(() => {
        finish(() => reject(new Error(`timed out after ${timeoutMs}ms waiting for ${what}`)));
      }, timeoutMs);
      this.listeners.add(evaluate);
      evaluate();
    });
  }

  /** Waits for the socket to be closed and returns the observed close. */
  async waitForClose(timeoutMs: number): Promise<ObservedClose> {
    return await this.until('the socket to close', () => this.closed, timeoutMs);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

function rawToString(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
