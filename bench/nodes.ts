/**
 * `npm run bench:nodes`: `node.invoke` round trips through a gateway to a node answering
 * `system.which` from its cache (our node host, `farclaw node run`, as a real process), one at
 * a time (p50/p99 latency) and 16 in flight (throughput), against our gateway and, when the peer
 * cache holds it, the real OpenClaw 2026.9.6 gateway in the same run; then how many idle connected
 * nodes (each with its own device identity) our gateway holds within 100 MB RSS, and the real
 * gateway's RSS for the same number of nodes.
 *
 * Flags: --n=N invokes per series (default 5000; OpenClaw gets N/5), --idle=K max idle nodes (default 4000).
 */
import WebSocket from 'ws';
import type { GatewayClient } from '../src/client/gateway-client.js';
import { benchOperator } from './lib/operator.js';
import type { ConnectParams } from '../src/protocol/schema/connect.js';
import { startGateway, TEST_TOKEN } from '../test/helpers/gateway-process.js';
import { pidsListeningOn } from '../test/helpers/listening-pids.js';
import { startFarclawNode, type NodeHostProcess } from '../test/helpers/node-host-process.js';
import { withOpenclawGateway } from './lib/openclaw-peer.js';
import { newTestDevice, withDeviceProof } from '../test/helpers/test-device.js';
import { tmpHome } from '../test/helpers/tmp-home.js';
import { waitFor } from '../test/helpers/wait-for.js';
import { sampleRss } from './lib/procs.js';
import { percentile } from './lib/report.js';
import { intArg } from './lib/args.js';

const N = intArg('n', 5000);
const MAX_IDLE = intArg('idle', 4000);
const RSS_BUDGET_KB = intArg('budget-mb', 100) * 1024;
const PARALLEL = 16;

/** A device-less local admin that may approve nodes. */
const operator = (url: string): Promise<GatewayClient> => benchOperator(url, ['operator.admin', 'operator.pairing', 'operator.write'], 30_000);

/** Starts our node host against `url`, approves its surface, returns it with its node id. */
async function approvedNode(url: string, op: GatewayClient): Promise<{ host: NodeHostProcess; nodeId: string; dispose(): Promise<void> }> {
  const home = tmpHome('bench-node-');
  const { port } = new URL(url);
  const host = startFarclawNode(['--host', '127.0.0.1', '--port', port, '--token', TEST_TOKEN, '--display-name', 'bench-node'], home.env);
  const request = await waitFor('the node surface request', async () => {
    const list = (await op.request('node.pair.list', {}, 10_000)) as { pending: { requestId: string; nodeId: string }[] };
    return list.pending[0];
  }, 60_000, 200);
  await op.request('node.pair.approve', { requestId: request.requestId }, 10_000);
  return { host, nodeId: request.nodeId, async dispose() { await host.stop(); home.dispose(); } };
}

async function invokeSeries(op: GatewayClient, nodeId: string, n: number): Promise<{ p50: number; p99: number; serialPerSec: number; parallelPerSec: number }> {
  let k = 0;
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const res = (await op.request('node.invoke', {
      nodeId, command: 'system.which', params: { bins: ['sh'] }, idempotencyKey: `bench-${k++}`, timeoutMs: 10_000,
    }, 15_000)) as { ok?: boolean };
    if (res.ok !== true) throw new Error(`invoke failed: ${JSON.stringify(res)}`);
    return performance.now() - t0;
  };
  // A gateway may still be settling the approved surface: wait for the first answer.
  await waitFor('a first node.invoke answer', async () => once().then(() => true, () => false), 30_000, 200);
  for (let i = 0; i < Math.min(500, n / 5); i++) await once();
  const sample: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sample.push(await once());
  const serialPerSec = n / ((performance.now() - t0) / 1000);
  let next = 0;
  const t1 = performance.now();
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next++ < n) await once();
  }));
  const parallelPerSec = n / ((performance.now() - t1) / 1000);
  return { p50: percentile(sample, 50), p99: percentile(sample, 99), serialPerSec, parallelPerSec };
}

const nodeParams = (): ConnectParams => ({
  minProtocol: 4, maxProtocol: 4,
  client: { id: 'node-host', version: 'bench', platform: 'linux', deviceFamily: 'Linux', mode: 'node', displayName: 'idle' },
  role: 'node', scopes: [], caps: ['system'], commands: ['system.which'], auth: { token: TEST_TOKEN },
});

/** Opens one idle node connection with a fresh device; a silently paired device may need a second try. */
function idleNode(url: string, device = newTestDevice(), attempt = 0): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('error', reject);
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { type: string; event?: string; payload?: any; ok?: boolean; id?: string; error?: any };
      if (f.type === 'event' && f.event === 'connect.challenge') {
        ws.send(JSON.stringify({ type: 'req', id: 'c', method: 'connect', params: withDeviceProof(device, nodeParams(), f.payload) }));
      } else if (f.type === 'res' && f.id === 'c') {
        if (f.ok) return resolve(ws);
        ws.terminate();
        if (attempt < 2 && f.error?.code === 'NOT_PAIRED') resolve(idleNode(url, device, attempt + 1));
        else reject(new Error(`node connect refused: ${JSON.stringify(f.error)}`));
      }
    });
  });
}

/**
 * Connects idle nodes in batches of 100 until the gateway's RSS passes `budgetKb` (or `max`);
 * `count`/`kb` are the last figures within the budget.
 */
async function idleNodes(url: string, pid: number, max: number, budgetKb: number): Promise<{ count: number; baseKb: number; kb: number; sockets: WebSocket[] }> {
  const sockets: WebSocket[] = [];
  const baseKb = (await sampleRss(pid)).totalKb;
  let within = { count: 0, kb: baseKb };
  while (sockets.length < max) {
    for (let i = 0; i < 100; i += 25) sockets.push(...(await Promise.all(Array.from({ length: 25 }, () => idleNode(url)))));
    const kb = (await sampleRss(pid)).totalKb;
    if (process.env.BENCH_TRACE) process.stderr.write(`${sockets.length} nodes: ${mb(kb)}\n`);
    if (kb > budgetKb) break;
    within = { count: sockets.length, kb };
  }
  return { ...within, baseKb, sockets };
}

const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;
const us = (ms: number): string => `${Math.round(ms * 1000)} µs`;

async function measureInvoke(label: string, url: string, n: number): Promise<string> {
  const op = await operator(url);
  const node = await approvedNode(url, op);
  try {
    const r = await invokeSeries(op, node.nodeId, n);
    return `${label}: node.invoke system.which p50 ${us(r.p50)}, p99 ${us(r.p99)}; ${Math.round(r.serialPerSec)} round trips/s one at a time, ` +
      `${Math.round(r.parallelPerSec)}/s with ${PARALLEL} in flight (${n} each)`;
  } finally {
    await op.close();
    await node.dispose();
  }
}

const lines: string[] = [];
let idleCount = 0;
const ours = await startGateway({ args: ['--token', TEST_TOKEN] });
try {
  lines.push(await measureInvoke('farclaw', ours.url, N));
} finally {
  await ours.stop();
}
// Idle nodes on a fresh gateway: the invoke series above leaves a grown heap behind.
const fresh = await startGateway({ args: ['--token', TEST_TOKEN] });
try {
  const idle = await idleNodes(fresh.url, fresh.proc.pid ?? 0, MAX_IDLE, RSS_BUDGET_KB);
  idleCount = idle.count;
  lines.push(`farclaw: ${idle.count} idle connected nodes within ${mb(RSS_BUDGET_KB)} RSS (${mb(idle.kb)}; empty gateway ${mb(idle.baseKb)})`);
  for (const s of idle.sockets) s.terminate();
} finally {
  await fresh.stop();
}
for (const l of lines.splice(0)) process.stdout.write(l + '\n');

const peer = await withOpenclawGateway(TEST_TOKEN, async (oc) => {
  try {
    process.stdout.write((await measureInvoke('openclaw 2026.9.6', oc.url, Math.max(200, Math.floor(N / 5)))) + '\n');
    const pid = pidsListeningOn(oc.port)[0] ?? 0;
    const count = Math.max(100, Math.min(idleCount, 1000));
    const idle = await idleNodes(oc.url, pid, count, Number.POSITIVE_INFINITY);
    process.stdout.write(`openclaw 2026.9.6: ${idle.sockets.length} idle connected nodes at ${mb(idle.kb)} RSS (empty gateway ${mb(idle.baseKb)})\n`);
    for (const s of idle.sockets) s.terminate();
  } catch (err) {
    process.stdout.write(`openclaw 2026.9.6: n/a (${(err as Error).message.slice(0, 300)})\n`);
  }
});
if (peer !== undefined) process.stdout.write(`openclaw: n/a (${peer.na})\n`);
process.stdout.write('targets (farclaw): node.invoke p50 < 300 µs on loopback; idle nodes within 100 MB RSS\n');
