import { connect } from 'node:net';

/** A plain HTTP answer to a WebSocket upgrade request: status line code, headers and body. */
export interface UpgradeAnswer {
  status: number;
  headers: string;
  body: string;
}

/**
 * Sends a WebSocket upgrade for `/` to 127.0.0.1:`port` over a raw socket with extra `headers`
 * and returns the HTTP answer as the server wrote it (status 101 when it upgraded).
 */
export function upgradeAnswer(port: number, headers: Record<string, string> = {}, host = '127.0.0.1'): Promise<UpgradeAnswer> {
  return new Promise((resolve, reject) => {
    let raw = '';
    const s = connect(port, host, () => {
      const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      s.write(
        `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
      );
    });
    const finish = () => {
      const end = raw.indexOf('\r\n\r\n');
      const head = end < 0 ? raw : raw.slice(0, end);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, headers: head, body: end < 0 ? '' : raw.slice(end + 4) });
    };
    s.on('data', (d: Buffer) => {
      raw += d.toString('latin1');
      // A 101 is followed by frames, never by a close: stop reading once the head is in.
      if (raw.startsWith('HTTP/1.1 101') && raw.includes('\r\n\r\n')) {
        s.destroy();
        finish();
      }
    });
    s.on('error', reject);
    s.on('close', finish);
  });
}
