import { request } from 'node:https';
import { createServer, type TLSSocket } from 'node:tls';

/**
 * A TLS listener on 127.0.0.1 that completes handshakes with a given certificate and records
 * the application bytes clients send: a pinning client that refuses the certificate must leave
 * `bytesReceived` at 0 although it connected.
 */
export interface TlsRecorder {
  port: number;
  url: string;
  /** TCP connections accepted (a client that aborts right after its handshake may never show as a TLS session here). */
  connections(): number;
  bytesReceived(): number;
  received(): string;
  close(): Promise<void>;
}

export async function startTlsRecorder(cert: string, key: string): Promise<TlsRecorder> {
  let connections = 0;
  const chunks: Buffer[] = [];
  const sockets = new Set<TLSSocket>();
  const server = createServer({ cert, key, minVersion: 'TLSv1.3' }, (socket) => {
    sockets.add(socket);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => socket.destroy());
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => undefined);
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `wss://127.0.0.1:${port}`,
    connections: () => connections,
    bytesReceived: () => chunks.reduce((n, c) => n + c.length, 0),
    received: () => Buffer.concat(chunks).toString('latin1'),
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** `GET path` over HTTPS without CA validation (self-signed test gateways); status and body. */
export function httpsGet(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `isReady` for startGateway when the gateway serves TLS. */
export const httpsReady = async (port: number): Promise<boolean> => (await httpsGet(port, '/readyz')).status === 200;
