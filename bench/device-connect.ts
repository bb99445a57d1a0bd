/**
 * `npm run bench:device`: connects per second with a full device proof (Ed25519 verify + device
 * token check, protocol.md 5–6) against our gateway and, when the peer cache holds it, the real
 * OpenClaw 2026.9.6 gateway, in the same run. The device is paired once from loopback (silent
 * approval on both gateways); each measured connect then authenticates with its device token only.
 *
 * Flags: --n=N connects per round (default 2000; OpenClaw gets N/10), --concurrency=C (default 4).
 */
import WebSocket from 'ws';
import type { ConnectParams } from '../src/protocol/schema/connect.js';
import { startGateway, TEST_TOKEN } from '../test/helpers/gateway-process.js';
import { withOpenclawGateway } from './lib/openclaw-peer.js';
import { newTestDevice, withDeviceProof, type TestDevice } from '../test/helpers/test-device.js';
import { pidsListeningOn } from '../test/helpers/listening-pids.js';
import { treeCpuMs } from './lib/procs.js';
import { intArg } from './lib/args.js';

const N = intArg('n', 2000);
const CONCURRENCY = intArg('concurrency', 4);

const params = (auth: NonNullable<ConnectParams['auth']>): ConnectParams => ({
  minProtocol: 4, maxProtocol: 4, client: { id: 'cli', version: 'bench', platform: 'linux', mode: 'cli', deviceFamily: 'Linux' },
  role: 'operator', scopes: ['operator.read'], caps: [], auth,
});

/** One full connect with a device proof; resolves with the hello-ok payload. */
function connectOnce(url: string, device: TestDevice, auth: NonNullable<ConnectParams['auth']>): Promise<{ auth: { deviceToken?: string } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('error', reject);
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { type: string; event?: string; payload?: any; ok?: boolean; error?: unknown; id?: string };
      if (f.type === 'event' && f.event === 'connect.challenge') {
        ws.send(JSON.stringify({ type: 'req', id: '1', method: 'connect', params: withDeviceProof(device, params(auth), f.payload) }));
      } else if (f.type === 'res' && f.id === '1') {
        ws.terminate();
        if (f.ok) resolve(f.payload);
        else reject(new Error(`connect refused: ${JSON.stringify(f.error)}`));
      }
    });
  });
}

/** CPU ms used so far by the processes holding the gateway's port (its whole serving side). */
function serverCpuMs(port: number): number {
  return pidsListeningOn(port).reduce((sum, pid) => sum + treeCpuMs(pid), 0);
}

async function measure(label: string, url: string, n: number): Promise<string> {
  const port = Number(new URL(url).port);
  const device = newTestDevice();
  const hello = await connectOnce(url, device, { token: TEST_TOKEN });
  const deviceToken = hello.auth.deviceToken;
  if (!deviceToken) return `${label}: no device token issued (${JSON.stringify(hello.auth)})`;
  for (let i = 0; i < 50; i++) await connectOnce(url, device, { deviceToken });
  let next = 0;
  const cpu0 = serverCpuMs(port);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < n) await connectOnce(url, device, { deviceToken });
    }),
  );
  const perSec = n / ((performance.now() - t0) / 1000);
  const cpuPerConnectUs = ((serverCpuMs(port) - cpu0) * 1000) / n;
  // The client signs every proof and shares the 2 cores, so the wall rate is a lower bound; the
  // gateway's own CPU per connect says what one core can take.
  return (
    `${label}: ${Math.round(perSec).toLocaleString('en')} connects/s wall (${n} device-token connects, ${CONCURRENCY} at a time); ` +
    `gateway CPU ${Math.round(cpuPerConnectUs)} µs per connect ⇒ ${Math.round(1e6 / cpuPerConnectUs).toLocaleString('en')} connects/s per core`
  );
}

const ours = await startGateway({ args: ['--token', TEST_TOKEN] });
let oursLine: string;
try {
  oursLine = await measure('farclaw', ours.url, N);
} finally {
  await ours.stop();
}
process.stdout.write(oursLine + '\n');
const peer = await withOpenclawGateway(TEST_TOKEN, async (oc) => {
  try {
    process.stdout.write((await measure('openclaw 2026.9.6', oc.url, Math.max(100, Math.floor(N / 10)))) + '\n');
  } catch (err) {
    process.stdout.write(`openclaw 2026.9.6: n/a (${(err as Error).message.slice(0, 300)})\n`);
  }
});
if (peer !== undefined) process.stdout.write(`openclaw: n/a (${peer.na})\n`);
process.stdout.write('target (farclaw): ≥ 3,000 connects/s on plain ws://\n');
