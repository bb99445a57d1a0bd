import WebSocket, { WebSocketServer, type RawData } from 'ws';

/** One text frame that crossed the recorder: `c2s` from the dialling peer, `s2c` from the target. */
export interface RecordedFrame {
  dir: 'c2s' | 's2c';
  frame: any;
}

/** A transparent WebSocket proxy on loopback; see `startWsRecorder`. */
export interface WsRecorder {
  port: number;
  /** Every text frame so far, both ways, in the order the recorder relayed them. */
  frames: RecordedFrame[];
  /** Closes the listener and every relayed connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * A WebSocket proxy on 127.0.0.1 that relays each connection to `targetUrl` frame by frame and
 * records the text frames (as the vectors' recording proxy did), so a test can read what a real
 * node host says to a real gateway. It changes nothing it relays.
 */
export async function startWsRecorder(targetUrl: string): Promise<WsRecorder> {
  const frames: RecordedFrame[] = [];
  const sockets = new Set<WebSocket>();
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  const record = (dir: RecordedFrame['dir'], data: RawData): string => {
    const text = data.toString();
    try {
      frames.push({ dir, frame: JSON.parse(text) });
    } catch {
      frames.push({ dir, frame: text });
    }
    return text;
  };
  server.on('connection', (peer) => {
    const target = new WebSocket(targetUrl, { perMessageDeflate: false });
    sockets.add(peer);
    sockets.add(target);
    const early: string[] = [];
    peer.on('message', (data) => {
      const text = record('c2s', data);
      if (target.readyState === WebSocket.OPEN) target.send(text);
      else early.push(text);
    });
    target.on('open', () => {
      for (const text of early.splice(0)) target.send(text);
    });
    target.on('message', (data) => {
      if (peer.readyState === WebSocket.OPEN) peer.send(record('s2c', data));
    });
    const closeBoth = (): void => {
      peer.terminate();
      target.terminate();
      sockets.delete(peer);
      sockets.delete(target);
    };
    peer.on('close', closeBoth);
    target.on('close', closeBoth);
    peer.on('error', closeBoth);
    target.on('error', closeBoth);
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let closing: Promise<void> | undefined;
  return {
    port,
    frames,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.terminate();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
