/**
 * The measurement floor: a bare `ws` server speaking just enough of the protocol for the bench
 * client (challenge, any `connect` accepted, every other request answered `{ok:true}`), with no
 * validation, auth, logging or state. What the bench measures on it is the cost of Node, `ws`,
 * loopback and the client on this machine; a gateway cannot go below it.
 *
 * Usage: node dist/bench/lib/floor-server.js <port>
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2]);
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
    const payload = f.method === 'connect' ? { type: 'hello-ok', protocol: 4 } : { ok: true, ts: Date.now() };
    ws.send(JSON.stringify({ type: 'res', id: f.id, ok: true, payload }));
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
