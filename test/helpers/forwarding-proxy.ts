import { connect, createServer, type Socket } from 'node:net';

/** A loopback reverse proxy in front of a gateway; see `startForwardingProxy`. */
export interface ForwardingProxy {
  port: number;
  /** `ws://127.0.0.1:<port>` */
  url: string;
  /** Closes the listener and every proxied connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 that adds `X-Forwarded-For: <forwardedFor>` to each request head and
 * then pipes bytes both ways, like a reverse proxy on the gateway host. The gateway sees a
 * loopback socket with a forwarding header, i.e. a remote peer (protocol.md 4.3), although
 * the client dialled a loopback URL.
 */
export async function startForwardingProxy(targetPort: number, forwardedFor = '203.0.113.7'): Promise<ForwardingProxy> {
  const sockets = new Set<Socket>();
  const track = (s: Socket): Socket => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    return s;
  };
  const server = createServer((client) => {
    track(client);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const firstLineEnd = head.indexOf('\r\n');
      const rewritten = Buffer.concat([
        head.subarray(0, firstLineEnd + 2), Buffer.from(`X-Forwarded-For: ${forwardedFor}\r\n`), head.subarray(firstLineEnd + 2),
      ]);
      const upstream = track(connect(targetPort, '127.0.0.1'));
      upstream.write(rewritten);
      upstream.pipe(client);
      client.pipe(upstream);
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let closed: Promise<void> | undefined;
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
