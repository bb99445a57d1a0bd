import { STATUS_CODES, createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_PREAUTH_PAYLOAD_BYTES } from '../../protocol/version.js';
import { TLS_MIN_VERSION, type TlsMaterial } from '../tls/tls-files.js';

/** Answers a refused upgrade with a real HTTP response, then closes the socket. */
export function rejectUpgrade(socket: Duplex, status: number, body: string, contentType = 'text/plain'): void {
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: ${contentType}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export interface ListenerHandlers {
  /** Every accepted TCP connection, before TLS and HTTP (pre-auth budget). */
  onConnection?(socket: Socket): void;
  onHttp: Parameters<typeof createServer>[1];
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** A port already held by someone else. */
export class PortInUseError extends Error {
  constructor(readonly host: string, readonly port: number, cause: unknown) {
    super(`listen EADDRINUSE: address already in use ${host.includes(':') ? `[${host}]` : host}:${port}`, { cause });
  }
}

/**
 * Opens one HTTP server per host on the same port, all or nothing; HTTPS (TLS 1.3 only, the
 * same port, remote-access.md 8.1) when `tls` is given.
 */
export async function listenAll(
  hosts: readonly string[],
  port: number,
  handlers: ListenerHandlers,
  optionalHosts: ReadonlySet<string>,
  tls?: TlsMaterial,
): Promise<Server[]> {
  const servers: Server[] = [];
  try {
    for (const host of hosts) {
      const server: Server = tls
        ? createHttpsServer({ ...tls, minVersion: TLS_MIN_VERSION, keepAliveTimeout: 5000 }, handlers.onHttp)
        : createServer({ keepAliveTimeout: 5000 }, handlers.onHttp);
      server.on('upgrade', handlers.onUpgrade);
      if (handlers.onConnection) server.on('connection', handlers.onConnection);
      server.on('clientError', (_err, socket) => socket.destroy());
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host, port, exclusive: true }, () => {
            server.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (optionalHosts.has(host) && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) continue;
        if (code === 'EADDRINUSE') throw new PortInUseError(host, port, err);
        throw err;
      }
      servers.push(server);
    }
    return servers;
  } catch (err) {
    await closeAll(servers);
    throw err;
  }
}

export async function closeAll(servers: readonly Server[]): Promise<void> {
  await Promise.all(
    servers.map((s) => new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    })),
  );
}

/** The WebSocket server: no compression (protocol.md 1 item 4), 64 KiB until hello-ok. */
export function createWsServer(): WebSocketServer {
  return new WebSocketServer({ noServer: true, maxPayload: MAX_PREAUTH_PAYLOAD_BYTES, perMessageDeflate: false, clientTracking: false });
}
