/**
 * `npm run bench:tools`: one tool round trip inside a run, through the gateway: the fake model
 * finishes a reply that asks for a tool → the gateway runs it → the model receives the next
 * request carrying the result. Measured on the fake model's clock (test/helpers/fake-model.ts, in
 * this process): tool-call reply finished → next request received. Side by side, same run, same
 * fake model:
 *
 * - floors: a bare client reads the same SSE, spawns the same `echo` (no shell; for host=node
 *   through `/bin/sh -lc`, as the node host runs the plan's wrapper; or, without spawn, makes up
 *   the answer) and posts the next request itself: everything but the gateway.
 *   Its HTTP client is the gateway's own (providerFetch, node:http); the same floors with Node's
 *   fetch are printed for reference;
 * - farclaw, exec host=gateway and host=node (one extra WebSocket hop to the node host), against
 *   the floor with spawn (host=node: with the same login shell);
 * - farclaw `nodes status` (answered in the gateway: no node hop, no spawn) and `nodes which` on
 *   the node (one node hop, no spawn), against the floor without spawn;
 * - the real OpenClaw 2026.9.6 gateway, exec host=gateway (when the peer cache holds it).
 *
 * Gateway overhead per tool call = round trip − its floor (medians), the floor taken once after
 * each of the target's runs, so both see the same machine load. The target (≤ 2 ms on loopback)
 * is read from the `nodes status` line: the gateway's own cost with nothing else in it.
 * Flags: --calls=N tool calls per target (default 30).
 */
import { providerFetch } from '../src/agent/provider-fetch.js';
import { runArgv } from '../src/infra/argv-run.js';
import type { GatewayClient } from '../src/client/gateway-client.js';
import { benchOperator } from './lib/operator.js';
import { fakeModelConfig } from '../test/helpers/chat-gateway.js';
import { startApprovedNode } from '../test/helpers/exec-node.js';
import { startFakeModel, type FakeModel } from '../test/helpers/fake-model.js';
import { startGateway, TEST_TOKEN } from '../test/helpers/gateway-process.js';
import { tmpHome } from '../test/helpers/tmp-home.js';
import { withOpenclawGateway } from './lib/openclaw-peer.js';
import { percentile } from './lib/report.js';
import { intArg } from './lib/args.js';

const CALLS = intArg('calls', 30);
const WARMUP = 3;
const TARGET_OVERHEAD_MS = 2;

const ms = (ns: bigint): number => Number(ns) / 1e6;
const fmt = (v: number): string => v.toFixed(2);

const operator = (url: string): Promise<GatewayClient> => benchOperator(url);

/** The round trip of the tool call of the newest run: tool reply finished → the request carrying its result arrived. */
function roundTripSince(fake: FakeModel, from: number): number | undefined {
  const reqs = fake.requests.slice(from);
  const toolIdx = reqs.findIndex((r) => r.replyKind === 'tools');
  const tool = reqs[toolIdx];
  const next = reqs.slice(toolIdx + 1).find((r) => JSON.stringify(r.body.messages ?? []).includes('"role":"tool"'));
  if (!tool?.endedAtNs || !next?.receivedAtNs) return undefined;
  return ms(next.receivedAtNs - tool.endedAtNs);
}

type Call = (i: number) => { name: string; args: Record<string, unknown> };
const execCall = (host: 'gateway' | 'node'): Call => (i) => ({ name: 'exec', args: { command: `echo bench-${i}`, host } });
/** `nodes which` on the node: a node tool round trip with no process spawn on either side. */
const whichCall = (node: string): Call => (i) => ({ name: 'nodes', args: { action: 'which', node, bins: [`sh`, `bench-${i}`] } });

/** `nodes status`: a tool answered inside the gateway (no node hop, no spawn): the agent loop's own cost. */
const statusCall: Call = () => ({ name: 'nodes', args: { action: 'status' } });

/** One target's round trips and the floor taken between them (same moments, same machine load). */
interface Measured {
  sample: number[];
  floor: number[];
}

/**
 * CALLS runs of one tool call each (after WARMUP); after each run, one floor round trip (with
 * or without spawn), so a target and its floor share the machine's load of the moment.
 */
/** What a floor round trip starts: nothing, the argv itself, or the argv in a login shell (what our node host runs). */
type FloorSpawn = 'none' | 'argv' | 'shell';

async function measure(fake: FakeModel, url: string, host: string, call: Call, spawnInFloor: FloorSpawn): Promise<Measured> {
  const client = await operator(url);
  const sample: number[] = [];
  const floorSample: number[] = [];
  try {
    for (let i = 0; i < WARMUP + CALLS; i++) {
      const runId = `bench-tools-${host}-${i}-${Date.now()}`;
      fake.script(
        { kind: 'tools', calls: [{ id: `call_${i}`, ...call(i) }] },
        { kind: 'text', chunks: ['done'] },
      );
      const from = fake.requests.length;
      const done = new Promise<void>((resolve, reject) => {
        const off = client.onEvent((e) => {
          const p = e.payload as { runId?: string; state?: string; errorMessage?: string };
          if (e.event !== 'chat' || p.runId !== runId) return;
          if (p.state === 'final') off(), resolve();
          else if (p.state === 'error' || p.state === 'aborted') off(), reject(new Error(`run ended ${p.state}: ${p.errorMessage ?? ''}`));
        });
      });
      await client.request('chat.send', { sessionKey: `agent:main:bench-tools-${host}-${i}`, message: `run echo ${i}`, idempotencyKey: runId }, 60_000);
      await done;
      const rt = roundTripSince(fake, from);
      if (rt === undefined) throw new Error('the tool result never reached the model');
      const toolText = JSON.stringify(fake.requests.at(-1)?.body.messages ?? []);
      const expected = call(i).name === 'exec' ? `bench-${i}` : call(i).args.action === 'which' ? '/sh' : 'nodes';
      if (!toolText.includes(expected)) throw new Error(`the tool result lacks the command's output: ${toolText.slice(-300)}`);
      const floorRt = await floorOnce(fake, i, spawnInFloor, providerFetch);
      if (i >= WARMUP) sample.push(rt), floorSample.push(floorRt);
    }
  } finally {
    await client.close();
  }
  return { sample, floor: floorSample };
}

/**
 * One floor round trip: the same SSE read, the same spawn (as `spawn` says) and the next
 * POST by a bare client (no gateway), over `client` (the gateway's providerFetch, or Node's fetch).
 */
async function floorOnce(fake: FakeModel, i: number, spawn: FloorSpawn, client: typeof fetch): Promise<number> {
  fake.script({ kind: 'tools', calls: [{ id: `call_${i}`, name: 'exec', args: { command: `echo bench-${i}` } }] }, { kind: 'text', chunks: ['done'] });
  const from = fake.requests.length;
  const res = await client(`${fake.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'fake-model', stream: true, messages: [] }) });
  const sse = await res.text();
  // The arguments arrive as string deltas across chunks, as a real provider streams them.
  const parts = [...sse.matchAll(/"arguments":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1] ?? ''}"`) as string);
  const args = JSON.parse(parts.join('')) as { command: string };
  const [program, ...rest] = args.command.split(' ');
  const run = (executable: string, argv: string[]) => runArgv({ executable, args: argv, timeoutMs: 10_000, maxOutputBytes: 65_536, signal: new AbortController().signal });
  const out = spawn === 'argv' ? await run(program ?? '', rest)
    : spawn === 'shell' ? await run('/bin/sh', ['-lc', args.command])
      : { stdout: `{"bins":{"sh":"/usr/bin/sh"}}` };
  const next = await client(`${fake.baseUrl}/chat/completions`, {
    method: 'POST', body: JSON.stringify({ model: 'fake-model', stream: true, messages: [{ role: 'tool', tool_call_id: `call_${i}`, content: out.stdout }] }),
  });
  await next.text();
  const rt = roundTripSince(fake, from);
  if (rt === undefined) throw new Error('the floor never saw its second request');
  return rt;
}

/** CALLS floor round trips in a row (after WARMUP). */
async function floor(fake: FakeModel, spawn: FloorSpawn, client: typeof fetch): Promise<number[]> {
  const sample: number[] = [];
  for (let i = 0; i < WARMUP + CALLS; i++) {
    const rt = await floorOnce(fake, i, spawn, client);
    if (i >= WARMUP) sample.push(rt);
  }
  return sample;
}

/** Prints one line: the round trip, and with a floor its overhead (medians). Returns the overhead. */
function line(name: string, m: Measured | number[], floorName?: string): number {
  const sample = Array.isArray(m) ? m : m.sample;
  const p50 = percentile(sample, 50);
  let over = '';
  let overhead = Number.NaN;
  if (!Array.isArray(m) && floorName) {
    const floorP50 = percentile(m.floor, 50);
    overhead = p50 - floorP50;
    over = `; overhead ${fmt(overhead)} ms vs ${floorName} taken between its runs (p50 ${fmt(floorP50)} ms)`;
  }
  process.stdout.write(`${name}: tool round trip p50 ${fmt(p50)} ms, p90 ${fmt(percentile(sample, 90))} ms (${sample.length} calls)${over}\n`);
  return overhead;
}

const fake = await startFakeModel();
const nodeHome = tmpHome();
try {
  process.stdout.write(`bench:tools: ${CALLS} tool calls per target (after ${WARMUP} warm-up), one tool call per run\n`);
  line('floor (bare client: SSE read, spawn echo, POST)', await floor(fake, 'argv', providerFetch));
  line('floor with a login shell (bare client: SSE read, spawn /bin/sh -lc "echo …", POST)', await floor(fake, 'shell', providerFetch));
  line('floor without spawn (bare client: SSE read, POST)', await floor(fake, 'none', providerFetch));
  line('  (reference) the same floor over Node\'s fetch', await floor(fake, 'argv', fetch));
  line('  (reference) the same floor without spawn over Node\'s fetch', await floor(fake, 'none', fetch));
  let statusOverhead = Number.NaN;
  const ours = await startGateway({ config: { ...fakeModelConfig(fake), tools: { exec: { host: 'auto', mode: 'full' } } } });
  try {
    line('farclaw exec host=gateway', await measure(fake, ours.url, 'gateway', execCall('gateway'), 'argv'), 'the floor with spawn');
    nodeHome.writeConfig({ nodeHost: { systemRun: { allow: ['echo'] } } });
    const { node } = await startApprovedNode(ours, nodeHome, 'bench-node');
    try {
      line('farclaw exec host=node (farclaw node run)', await measure(fake, ours.url, 'node', execCall('node'), 'shell'), 'the floor with a login shell');
      statusOverhead = line('farclaw nodes status (in the gateway: no node hop, no spawn)', await measure(fake, ours.url, 'status', statusCall, 'none'), 'the floor without spawn');
      line('farclaw nodes which on the node (one node hop, no spawn)', await measure(fake, ours.url, 'which', whichCall('bench-node'), 'none'), 'the floor without spawn');
    } finally {
      await node.stop();
    }
  } finally {
    await ours.stop();
  }
  const cfg = fakeModelConfig(fake) as { models: unknown; agents: { defaults: Record<string, unknown> } };
  const peer = await withOpenclawGateway(TEST_TOKEN, async (oc) => {
    try {
      line('openclaw 2026.9.6 exec host=gateway', await measure(fake, oc.url, 'gateway', execCall('gateway'), 'argv'), 'the floor with spawn');
    } catch (err) {
      process.stdout.write(`openclaw 2026.9.6: n/a (${(err as Error).message.slice(0, 300)})\n`);
    }
  }, { config: { models: cfg.models, agents: { defaults: { ...cfg.agents.defaults, utilityModel: '' } }, tools: { exec: { host: 'gateway', mode: 'full' } } } })
    .catch((err: unknown) => ({ na: `the real gateway did not start: ${(err as Error).message.split('\n')[0]?.slice(0, 200)}` }));
  if (peer !== undefined) process.stdout.write(`openclaw: n/a (${peer.na})\n`);
  const overhead = statusOverhead;
  process.stdout.write(`target (farclaw): ≤ ${TARGET_OVERHEAD_MS} ms gateway overhead per tool call, read from the nodes status line `
    + `(round trip − the floor without spawn taken between its runs, medians): ${fmt(overhead)} ms, ${overhead <= TARGET_OVERHEAD_MS ? 'met' : 'not met'}. `
    + 'The exec lines add a spawn (noisy on a loaded machine), nodes which and host=node a WebSocket hop to the node.\n');
} finally {
  nodeHome.dispose();
  await fake.close();
}
