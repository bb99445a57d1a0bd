import { connect } from 'node:net';

/**
 * Writes `request` (a whole HTTP request head, as bytes on the wire) to 127.0.0.1:`port` over a
 * raw socket and resolves with the status of the answer, or 0 when the server closed without
 * one. Lets a test send request lines no HTTP client would build (`GET // HTTP/1.1`).
 */
export function rawHttpStatus(port: number, request: string, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    let raw = '';
    const s = connect(port, host, () => s.write(request));
    const finish = () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0));
    s.on('data', (d: Buffer) => {
      raw += d.toString('latin1');
      if (raw.includes('\r\n\r\n')) {
        s.destroy();
        finish();
      }
    });
    s.on('error', reject);
    s.on('close', finish);
  });
}

/** A GET of `target` with `Connection: close`. */
export const getRequest = (target: string, headers: Record<string, string> = {}): string =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;

/** A WebSocket upgrade of `target`. */
export const upgradeRequest = (target: string): string =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
