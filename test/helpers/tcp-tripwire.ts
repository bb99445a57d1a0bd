import { connect, createServer, type Socket } from 'node:net';
import { waitFor } from './wait-for.js';

/** A plain TCP listener on 127.0.0.1 that records every connection made to it. */
export interface TcpTripwire {
  port: number;
  /** `ws://127.0.0.1:<port>` */
  url: string;
  /**
   * Waits until every connection made before this call has been accepted (a marker connection
   * of our own is accepted after them, the backlog being FIFO), then returns how many
   * connections other than our markers arrived so far.
   */
  settle(): Promise<number>;
  /** Closes the listener and every socket it still holds. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a tripwire. `reset` destroys each accepted connection at once (a client that should not
 * have connected fails fast instead of hanging); `silent` accepts and never answers, never
 * closes (an unresponsive host, for timeouts).
 */
export async function startTcpTripwire(mode: 'reset' | 'silent' = 'reset'): Promise<TcpTripwire> {
  const seenRemotePorts: number[] = [];
  const markerPorts = new Set<number>();
  const held = new Set<Socket>();
  const server = createServer((socket) => {
    seenRemotePorts.push(socket.remotePort ?? -1);
    socket.on('error', () => undefined);
    if (mode === 'reset') {
      socket.destroy();
      return;
    }
    held.add(socket);
    socket.once('close', () => held.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  let closed: Promise<void> | undefined;
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    async settle() {
      const marker = connect(port, '127.0.0.1');
      marker.on('error', () => undefined);
      // Read the port on 'connect': a reset tripwire closes the socket at once, and a closed
      // socket no longer reports it.
      const localPort = await new Promise<number>((resolve, reject) => {
        marker.once('connect', () => resolve(marker.localPort ?? -1));
        marker.once('error', reject);
      });
      markerPorts.add(localPort);
      await waitFor('the tripwire to accept its marker', () => seenRemotePorts.includes(localPort), 5_000, 5);
      marker.destroy();
      return seenRemotePorts.filter((p) => !markerPorts.has(p)).length;
    },
    async close() {
      closed ??= new Promise<void>((resolve) => {
        for (const s of held) s.destroy();
        server.close(() => resolve());
      });
      await closed;
    },
  };
}
