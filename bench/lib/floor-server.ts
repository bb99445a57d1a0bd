/**
 * The measurement floor: a bare `ws` server speaking just enough of the protocol for the bench
 * client (challenge, any `connect` accepted, every other request answered `{ok:true}`), with no
 * validation, auth, logging or state. What the bench measures on it is the cost of Node, `ws`,
 * loopback and the client on this machine; a gateway cannot go below it.
 *
 * Frames are padded to the sizes farclaw sent in the same run (hello-ok, health response), so
 * the ratio compares overhead, not payload size.
 *
 * Usage: node dist/bench/lib/floor-server.js <port> [helloOkBytes] [healthResBytes]
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2]);
const helloBytes = Number(process.argv[3] ?? 0);
const healthBytes = Number(process.argv[4] ?? 0);

/** A response frame padded (with a `pad` string) to at least `size` bytes. */
function padded(id: string | undefined, payload: Record<string, unknown>, size: number): string {
  const bare = JSON.stringify({ type: 'res', id, ok: true, payload: { ...payload, pad: '' } });
  const missing = Math.max(0, size - Buffer.byteLength(bare));
  return JSON.stringify({ type: 'res', id, ok: true, payload: { ...payload, pad: 'x'.repeat(missing) } });
}
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
const server = createServer((req, res) => {
  res.writeHead(req.url === '/readyz' ? 200 : 404, { 'content-type': 'application/json' });
  res.end('{"ready":true}');
});
server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws)));
wss.on('connection', (ws) => {
  ws.send(JSON.stringify({ type: 'event', event: 'connect.challenge', payload: { nonce: randomUUID(), ts: Date.now() } }));
  ws.on('message', (data) => {
    const f = JSON.parse(data.toString()) as { id?: string; method?: string };
    const isConnect = f.method === 'connect';
    const payload = isConnect ? { type: 'hello-ok', protocol: 4 } : { ok: true, ts: Date.now() };
    ws.send(padded(f.id, payload, isConnect ? helloBytes : healthBytes));
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
