/**
 * `npm run bench:tools`: one tool round trip inside a run, through the gateway: the fake model
 * finishes a reply that asks for a tool → the gateway runs it → the model receives the next
 * request carrying the result. Measured on the fake model's clock (test/helpers/fake-model.ts, in
 * this process): tool-call reply finished → next request received. Side by side, same run, same
 * fake model, and floors in a bare process of their own (bench/lib/tool-relay-floor.ts, spawned
 * once per run and driven over a local HTTP control channel that is idle inside the measured
 * window), so a floor crosses the same two process hops per round trip as a gateway does:
 *
 * - the floor: the bare process reads the same SSE, spawns the same `echo` (no shell; for
 *   host=node through `/bin/sh -lc`, as the node host runs the plan's wrapper; or, without spawn,
 *   makes up the answer) and posts the next request itself: everything but the gateway and the
 *   provider library. Its HTTP client is the gateway's own (providerFetch, node:http);
 * - the library floor: the same, but through the provider library the gateway must use
 *   (@ai-sdk/openai-compatible's doStream reads the tool call and posts the next request, with
 *   the system prompt and tools farclaw sent): overhead over it is the gateway's own work;
 * - farclaw, exec host=gateway and host=node (one extra WebSocket hop to the node host), against
 *   the floors with spawn (host=node: with the same login shell);
 * - farclaw `nodes status` (answered in the gateway: no node hop, no spawn) and `nodes which` on
 *   the node (one node hop, no spawn), against the floors without spawn;
 * - the real OpenClaw 2026.9.6 gateway, exec host=gateway (when the peer cache holds it).
 *
 * Each target is taken in rounds: PER_ROUND runs of the target, then of the floor, then of the
 * library floor, so all three see the same machine load; overhead = the median over rounds of
 * (the target's round median − the floor's round median). The target (≤ 2 ms on loopback) is
 * read from the `nodes status` line over the floor: the gateway's own cost with nothing else in it.
 * Beside each latency, the CPU time per call of the server process (the gateway, or the floor
 * process; /proc/<pid>/task/<tid>/schedstat summed over threads, read before and after each round's calls, summed over
 * rounds): the gateway's figure covers its whole run (chat.send to final), a floor's its round
 * trip. CPU time barely moves with the machine's load, so it is the steadier comparison.
 * Flags: --rounds=N (default 10), --per-round=N (default 3), --only-status, --no-openclaw.
 */
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
import { processCpuNs } from './lib/cpu-time.js';
import { pidsListeningOn } from '../test/helpers/listening-pids.js';
import { BARE_SHAPE, roundTripSince, shapeOfLastRequest, startToolFloor, type FloorSpawn, type PromptShape, type ToolFloor } from './lib/tool-floors.js';

const ROUNDS = intArg('rounds', 10);
const PER_ROUND = intArg('per-round', 3);
const WARMUP = 3;
/** `--only-status`: the floors without spawn and the nodes status target only (no spawn lines, no OpenClaw): for profiling runs. */
const ONLY_STATUS = process.argv.includes('--only-status');
/** `--no-openclaw`: skip the real gateway. */
const NO_OPENCLAW = process.argv.includes('--no-openclaw');
const TARGET_OVERHEAD_MS = 2;

const fmt = (v: number): string => v.toFixed(2);

const operator = (url: string): Promise<GatewayClient> => benchOperator(url);

type Call = (i: number) => { name: string; args: Record<string, unknown> };
const execCall = (host: 'gateway' | 'node'): Call => (i) => ({ name: 'exec', args: { command: `echo bench-${i}`, host } });
/** `nodes which` on the node: a node tool round trip with no process spawn on either side. */
const whichCall = (node: string): Call => (i) => ({ name: 'nodes', args: { action: 'which', node, bins: [`sh`, `bench-${i}`] } });

/** `nodes status`: a tool answered inside the gateway (no node hop, no spawn): the agent loop's own cost. */
const statusCall: Call = () => ({ name: 'nodes', args: { action: 'status' } });

/** One target's round medians and those of both floors, taken in the same rounds (index r: round r), with their CPU time. */
interface Measured {
  target: number[];
  plain: number[];
  library: number[];
  /** CPU time (ms) per call of the server process of each series, summed over rounds and divided by the calls. */
  cpu: { target: number; plain: number; library: number };
}

/** One series of round trips: call `i` of a target or a floor. */
type Sampler = (i: number) => Promise<number>;

/** A sampler and the server process whose CPU time its calls are charged (the gateway, or the floor process). */
interface Served {
  sample: Sampler;
  pid: number;
}

/**
 * ROUNDS rounds of PER_ROUND round trips of the target, then of the plain floor, then of the
 * library floor (after WARMUP of each), so a target and its floors share the machine's load of
 * the moment; each round gives one median per series. The server's CPU time is read before and
 * after each round's calls and summed over rounds.
 */
async function rounds(target: Served, plain: Served, library: Served): Promise<Measured> {
  for (const s of [target, plain, library]) for (let i = 0; i < WARMUP; i++) await s.sample(i);
  const out: Measured = { target: [], plain: [], library: [], cpu: { target: 0, plain: 0, library: 0 } };
  const cpuNs = { target: 0, plain: 0, library: 0 };
  const roundOf = async (s: Served, key: keyof typeof cpuNs, r: number): Promise<number> => {
    const xs: number[] = [];
    const before = processCpuNs(s.pid);
    for (let j = 0; j < PER_ROUND; j++) xs.push(await s.sample(WARMUP + r * PER_ROUND + j));
    cpuNs[key] += processCpuNs(s.pid) - before;
    return percentile(xs, 50);
  };
  for (let r = 0; r < ROUNDS; r++) {
    out.target.push(await roundOf(target, 'target', r));
    out.plain.push(await roundOf(plain, 'plain', r));
    out.library.push(await roundOf(library, 'library', r));
  }
  const calls = ROUNDS * PER_ROUND;
  out.cpu = { target: cpuNs.target / calls / 1e6, plain: cpuNs.plain / calls / 1e6, library: cpuNs.library / calls / 1e6 };
  return out;
}

/** A target's round trips through a gateway, with the plain and library floors taken between them. */
async function measure(fake: FakeModel, floor: ToolFloor, gateway: { url: string; pid: number }, host: string, call: Call, spawn: FloorSpawn): Promise<Measured> {
  const { url } = gateway;
  const client = await operator(url);
  let shape: PromptShape = BARE_SHAPE;
  try {
    const target: Sampler = async (i) => {
      const runId = `bench-tools-${host}-${i}-${Date.now()}`;
      fake.script({ kind: 'tools', calls: [{ id: `call_${i}`, ...call(i) }] }, { kind: 'text', chunks: ['done'] });
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
      // The library floor sends what this target sent: its system prompt and tool definitions.
      shape = shapeOfLastRequest(fake);
      return rt;
    };
    return await rounds(
      { sample: target, pid: gateway.pid },
      { sample: (i) => floor.plain(i, spawn), pid: floor.pid },
      { sample: (i) => floor.library(i, spawn, shape), pid: floor.pid },
    );
  } finally {
    await client.close();
  }
}

/** WARMUP + n floor round trips in a row; the timed ones and the server's CPU time (ms) per timed call. */
async function series(n: number, s: Served): Promise<{ sample: number[]; cpuMs: number }> {
  const sample: number[] = [];
  for (let i = 0; i < WARMUP; i++) await s.sample(i);
  const before = processCpuNs(s.pid);
  for (let i = WARMUP; i < WARMUP + n; i++) sample.push(await s.sample(i));
  return { sample, cpuMs: (processCpuNs(s.pid) - before) / n / 1e6 };
}

/** Prints one floor line: p50 and p90 of a series, and the floor process's CPU time per call. */
function floorLine(name: string, { sample, cpuMs }: { sample: number[]; cpuMs: number }): void {
  process.stdout.write(`${name}: tool round trip p50 ${fmt(percentile(sample, 50))} ms, p90 ${fmt(percentile(sample, 90))} ms (${sample.length} calls); CPU ${fmt(cpuMs)} ms a call\n`);
}

/** Overheads of a target, each the median over rounds of (target's round median − the floor's round median); in CPU time, the difference of CPU per call. */
interface Overheads {
  plain: number;
  library: number;
  cpuPlain: number;
  cpuLibrary: number;
}

/** Prints a target's line (round trip, overhead over each floor, round medians) and returns its overheads. */
function line(name: string, m: Measured, floorName: string): Overheads {
  const diff = (floor: number[]): number[] => m.target.map((t, r) => t - (floor[r] as number));
  const plain = percentile(diff(m.plain), 50);
  const library = percentile(diff(m.library), 50);
  const list = (xs: number[]): string => xs.map(fmt).join(' ');
  process.stdout.write(`${name}: tool round trip ${fmt(percentile(m.target, 50))} ms (median of ${m.target.length} round medians, ${PER_ROUND} calls a round)\n`
    + `  overhead over ${floorName}: ${fmt(plain)} ms (floor ${fmt(percentile(m.plain, 50))} ms); over the library floor: ${fmt(library)} ms (library floor ${fmt(percentile(m.library, 50))} ms)\n`
    + `  round medians: target ${list(m.target)} | floor ${list(m.plain)} | library floor ${list(m.library)}\n`
    + `  CPU per call (the server process, whole run): target ${fmt(m.cpu.target)} ms, floor ${fmt(m.cpu.plain)} ms, library floor ${fmt(m.cpu.library)} ms; `
    + `target over the floor ${fmt(m.cpu.target - m.cpu.plain)} ms, over the library floor ${fmt(m.cpu.target - m.cpu.library)} ms\n`);
  return { plain, library, cpuPlain: m.cpu.target - m.cpu.plain, cpuLibrary: m.cpu.target - m.cpu.library };
}

const fake = await startFakeModel();
const floor = await startToolFloor(fake);
const nodeHome = tmpHome();
try {
  process.stdout.write(`bench:tools: ${ROUNDS} rounds × ${PER_ROUND} tool calls per target and per floor (after ${WARMUP} warm-up each), one tool call per run${ONLY_STATUS ? '; --only-status' : ''}\n`);
  const n = ROUNDS * PER_ROUND;
  floorLine('floor without spawn (bare process: SSE read, POST)', await series(n, { sample: (i) => floor.plain(i, 'none'), pid: floor.pid }));
  floorLine('library floor without spawn (the same through the provider library\'s doStream, no tools)', await series(n, { sample: (i) => floor.library(i, 'none', BARE_SHAPE), pid: floor.pid }));
  if (!ONLY_STATUS) {
    floorLine('floor (bare process: SSE read, spawn echo, POST)', await series(n, { sample: (i) => floor.plain(i, 'argv'), pid: floor.pid }));
    floorLine('floor with a login shell (bare process: SSE read, spawn /bin/sh -lc "echo …", POST)', await series(n, { sample: (i) => floor.plain(i, 'shell'), pid: floor.pid }));
    floorLine('  (reference) the same floor without spawn over Node\'s fetch', await series(n, { sample: (i) => floor.plain(i, 'none', 'fetch'), pid: floor.pid }));
  }
  let status: Overheads | undefined;
  const ours = await startGateway({ config: { ...fakeModelConfig(fake), tools: { exec: { host: 'auto', mode: 'full' } } } });
  const gw = { url: ours.url, pid: ours.proc.pid ?? 0 };
  try {
    if (!ONLY_STATUS) line('farclaw exec host=gateway', await measure(fake, floor, gw, 'gateway', execCall('gateway'), 'argv'), 'the floor with spawn');
    nodeHome.writeConfig({ nodeHost: { systemRun: { allow: ['echo'] } } });
    const { node } = await startApprovedNode(ours, nodeHome, 'bench-node');
    try {
      if (!ONLY_STATUS) line('farclaw exec host=node (farclaw node run)', await measure(fake, floor, gw, 'node', execCall('node'), 'shell'), 'the floor with a login shell');
      status = line('farclaw nodes status (in the gateway: no node hop, no spawn)', await measure(fake, floor, gw, 'status', statusCall, 'none'), 'the floor without spawn');
      if (!ONLY_STATUS) line('farclaw nodes which on the node (one node hop, no spawn)', await measure(fake, floor, gw, 'which', whichCall('bench-node'), 'none'), 'the floor without spawn');
    } finally {
      await node.stop();
    }
  } finally {
    await ours.stop();
  }
  if (NO_OPENCLAW) process.stdout.write('openclaw: n/a (skipped by --no-openclaw)\n');
  else if (!ONLY_STATUS) {
    const cfg = fakeModelConfig(fake) as { models: unknown; agents: { defaults: Record<string, unknown> } };
    const peer = await withOpenclawGateway(TEST_TOKEN, async (oc) => {
      try {
        line('openclaw 2026.9.6 exec host=gateway', await measure(fake, floor, { url: oc.url, pid: pidsListeningOn(oc.port)[0] ?? 0 }, 'gateway', execCall('gateway'), 'argv'), 'the floor with spawn');
      } catch (err) {
        process.stdout.write(`openclaw 2026.9.6: n/a (${(err as Error).message.slice(0, 300)})\n`);
      }
    }, { config: { models: cfg.models, agents: { defaults: { ...cfg.agents.defaults, utilityModel: '' } }, tools: { exec: { host: 'gateway', mode: 'full' } } } })
      .catch((err: unknown) => ({ na: `the real gateway did not start: ${(err as Error).message.split('\n')[0]?.slice(0, 200)}` }));
    if (peer !== undefined) process.stdout.write(`openclaw: n/a (${peer.na})\n`);
  }
  const overhead = status?.plain ?? Number.NaN;
  process.stdout.write(`target (farclaw): ≤ ${TARGET_OVERHEAD_MS} ms gateway overhead per tool call, read from the nodes status line `
    + `(median over rounds of round trip − the floor without spawn, round medians): ${fmt(overhead)} ms, ${overhead <= TARGET_OVERHEAD_MS ? 'met' : 'not met'}; `
    + `over the library floor (what the provider library costs the floor too): ${fmt(status?.library ?? Number.NaN)} ms. `
    + `In CPU time of the server process per call (whole run; steadier on a loaded machine): over the floor ${fmt(status?.cpuPlain ?? Number.NaN)} ms, `
    + `over the library floor ${fmt(status?.cpuLibrary ?? Number.NaN)} ms. `
    + 'The exec lines add a spawn (noisy on a loaded machine), nodes which and host=node a WebSocket hop to the node.\n');
} finally {
  await floor.stop();
  nodeHome.dispose();
  await fake.close();
}
