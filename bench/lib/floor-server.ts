/**
 * The measurement floor: a bare `ws` server speaking just enough of the protocol for the bench
 * client (challenge, any `connect` accepted, every other request answered `{ok:true}`), with no
 * validation, auth, logging or state. What the bench measures on it is the cost of Node, `ws`,
 * loopback and the client on this machine; a gateway cannot go below it.
 *
 * Frames are padded to the sizes farclaw sent in the same run (hello-ok, health response), so
 * the ratio compares overhead, not payload size.
 *
 * Given a database path, it is the SQLite floor: before listening it also opens a better-sqlite3
 * database there as src/store/db.ts does (file mode 0600, WAL, synchronous NORMAL, foreign keys,
 * busy timeout), creates one table and commits one row (so the WAL exists), and keeps it open.
 * Its idle RSS is what the SQLite library the gateway must use costs on top of the bare floor.
 * The bare floor never loads better-sqlite3.
 *
 * Usage: node dist/bench/lib/floor-server.js <port> [helloOkBytes] [healthResBytes] [sqlitePath]
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname } from 'node:path';
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2]);
const helloBytes = Number(process.argv[3] ?? 0);
const healthBytes = Number(process.argv[4] ?? 0);
const sqlitePath = process.argv[5];

/** A response frame padded (with a `pad` string) to at least `size` bytes. */
function padded(id: string | undefined, payload: Record<string, unknown>, size: number): string {
  const bare = JSON.stringify({ type: 'res', id, ok: true, payload: { ...payload, pad: '' } });
  const missing = Math.max(0, size - Buffer.byteLength(bare));
  return JSON.stringify({ type: 'res', id, ok: true, payload: { ...payload, pad: 'x'.repeat(missing) } });
}

/** Opens the SQLite floor's database and commits one row; the handle stays open until exit. */
async function openFloorDb(path: string): Promise<{ close(): void }> {
  // Loaded only here, so the bare floor's figures never include the library.
  const { default: Database } = await import('better-sqlite3');
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path);
  chmodSync(path, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec('CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL)');
  db.prepare('INSERT INTO floor (at_ms) VALUES (?)').run(Date.now());
  return db;
}

const db = sqlitePath ? await openFloorDb(sqlitePath) : undefined;
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
process.on('SIGTERM', () => {
  db?.close();
  process.exit(0);
});
