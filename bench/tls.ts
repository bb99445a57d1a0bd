/**
 * `npm run bench:tls`: `wss://` connects per second (each a full TLS 1.3 handshake: no session
 * resumption, then the WebSocket upgrade and the protocol handshake to hello-ok) and `health`
 * round-trip p50 over one `wss://` connection, for our gateway and, when the peer cache holds it,
 * the real OpenClaw 2026.9.6 gateway, in the same run, plus a bare `ws` TLS server as the floor.
 * Client and servers share the machine's cores, so the wall rates are lower bounds.
 *
 * Flags: --n=N connects per gateway (default 1000; OpenClaw gets N/4), --concurrency=C (default 4),
 * --health=H health calls (default 2000).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { generateSelfSigned } from '../src/gateway/tls/certificate.js';
import { startGateway, TEST_TOKEN } from '../test/helpers/gateway-process.js';
import { withOpenclawGateway } from './lib/openclaw-peer.js';
import { httpsReady } from '../test/helpers/tls-recorder.js';
import { percentile } from './lib/report.js';
import { pidsListeningOn } from '../test/helpers/listening-pids.js';
import { treeCpuMs } from './lib/procs.js';
import { intArg } from './lib/args.js';

const N = intArg('n', 1000);
const CONCURRENCY = intArg('concurrency', 4);
const HEALTH = intArg('health', 2000);

const connectParams = {
  minProtocol: 4, maxProtocol: 4, client: { id: 'cli', version: 'bench', platform: 'linux', mode: 'cli' },
  role: 'operator', scopes: ['operator.read'], caps: [], auth: { token: TEST_TOKEN },
};

/**
 * One client TLS context for all connects: building one per socket (Node loads its CA bundle
 * each time) costs more than the handshake and would measure the client, not the servers.
 */
const clientContext = createSecureContext({ minVersion: 'TLSv1.3' });

/** A fresh `wss://` socket (no TLS session reuse: every connect is a full handshake). */
const open = (url: string): WebSocket =>
  new WebSocket(url, { perMessageDeflate: false, rejectUnauthorized: false, secureContext: clientContext } as WebSocket.ClientOptions);

/** TLS + upgrade + connect.challenge + connect → hello-ok; or, for the floor, TLS + upgrade. */
function connectOnce(url: string, protocol: boolean): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = open(url);
    ws.on('error', reject);
    if (!protocol) {
      ws.once('open', () => resolve(ws));
      return;
    }
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { type: string; event?: string; id?: string; ok?: boolean; error?: unknown };
      if (f.type === 'event' && f.event === 'connect.challenge') ws.send(JSON.stringify({ type: 'req', id: 'c', method: 'connect', params: connectParams }));
      else if (f.type === 'res' && f.id === 'c') {
        if (f.ok) resolve(ws);
        else reject(new Error(`connect refused: ${JSON.stringify(f.error)}`));
      }
    });
  });
}

const serverCpuMs = (port: number): number => pidsListeningOn(port).reduce((sum, pid) => sum + treeCpuMs(pid), 0);

async function connectsPerSecond(url: string, n: number, protocol: boolean): Promise<{ perSec: number; cpuUs: number }> {
  const port = Number(new URL(url).port);
  for (let i = 0; i < 20; i++) (await connectOnce(url, protocol)).terminate();
  let next = 0;
  const cpu0 = serverCpuMs(port);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < n) (await connectOnce(url, protocol)).terminate();
    }),
  );
  const perSec = n / ((performance.now() - t0) / 1000);
  return { perSec, cpuUs: ((serverCpuMs(port) - cpu0) * 1000) / n };
}

async function healthP50(url: string, n: number): Promise<number> {
  const ws = await connectOnce(url, true);
  const waiting = new Map<string, () => void>();
  ws.on('message', (data) => {
    const f = JSON.parse(data.toString()) as { type: string; id?: string };
    if (f.type === 'res' && f.id) waiting.get(f.id)?.();
  });
  const call = (id: string) => new Promise<number>((resolve) => {
    const t = performance.now();
    waiting.set(id, () => resolve(performance.now() - t));
    ws.send(JSON.stringify({ type: 'req', id, method: 'health', params: {} }));
  });
  for (let i = 0; i < 50; i++) await call(`w${i}`);
  const sample: number[] = [];
  for (let i = 0; i < n; i++) sample.push(await call(`h${i}`));
  ws.terminate();
  return percentile(sample, 50);
}

interface Row { name: string; perSec?: number; cpuUs?: number; p50?: number; na?: string }

async function measure(name: string, url: string, n: number, protocol = true): Promise<Row> {
  try {
    const c = await connectsPerSecond(url, n, protocol);
    return { name, ...c, ...(protocol ? { p50: await healthP50(url, HEALTH) } : {}) };
  } catch (err) {
    return { name, na: (err as Error).message.slice(0, 200) };
  }
}

/** A bare `ws` server behind node:https with TLS 1.3 only: what TLS + upgrade cost by themselves. */
async function floor(): Promise<Row> {
  const pair = generateSelfSigned();
  const server = createServer({ cert: pair.certPem, key: pair.keyPem, minVersion: 'TLSv1.3' });
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    // In-process server: its CPU is this process's, so only the wall rate is meaningful.
    const c = await connectsPerSecond(`wss://127.0.0.1:${port}`, N, false);
    return { name: 'ws floor (TLS + upgrade only, in-process)', perSec: c.perSec };
  } finally {
    wss.close();
    server.close();
  }
}

const tlsConfig = { gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN }, tls: { enabled: true } } };
const rows: Row[] = [];
const ours = await startGateway({ config: tlsConfig, isReady: httpsReady });
try {
  const cert = readFileSync(join(ours.home.stateDir, 'gateway', 'tls', 'gateway-cert.pem'), 'utf8');
  if (!cert.includes('BEGIN CERTIFICATE')) throw new Error('no certificate generated');
  rows.push(await measure('farclaw', `wss://127.0.0.1:${ours.port}`, N));
} finally {
  await ours.stop();
}
const peer = await withOpenclawGateway(
  TEST_TOKEN,
  async (oc) => rows.push(await measure('openclaw 2026.9.6', `wss://127.0.0.1:${oc.port}`, Math.max(100, Math.floor(N / 4)))),
  { config: { gateway: { tls: { enabled: true } } }, isReady: httpsReady },
);
if (typeof peer === 'object') rows.push({ name: 'openclaw', na: peer.na });
rows.push(await floor());

const fmt = (v: number | undefined, digits = 0) => (v === undefined ? '—' : v.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
process.stdout.write(`wss:// (TLS 1.3, full handshake each time), ${CONCURRENCY} connects at a time, health p50 over ${HEALTH} calls\n`);
process.stdout.write('| server | connects/s (wall) | server CPU per connect | health p50 |\n|---|---|---|---|\n');
for (const r of rows) {
  if (r.na) process.stdout.write(`| ${r.name} | n/a: ${r.na} | | |\n`);
  else process.stdout.write(`| ${r.name} | ${fmt(r.perSec)} | ${r.cpuUs === undefined ? '—' : `${fmt(r.cpuUs)} µs`} | ${r.p50 === undefined ? '—' : `${fmt(r.p50, 3)} ms`} |\n`);
}
const [f, o] = [rows.find((r) => r.name === 'farclaw'), rows.find((r) => r.name.startsWith('openclaw 2026'))];
if (f?.perSec && o?.perSec) process.stdout.write(`farclaw / openclaw: ${fmt(f.perSec / o.perSec, 2)}× connects/s, ${o.p50 && f.p50 ? fmt(o.p50 / f.p50, 2) : '—'}× faster health p50\n`);
