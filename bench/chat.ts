/**
 * `npm run bench:chat`: the assistant's streaming path, farclaw beside the real OpenClaw 2026.9.6
 * gateway (when the peer cache holds it) and a bare floor, all in one run with the same fake model
 * (test/helpers/fake-model.ts, a real local SSE server in this process, so chunk write times and
 * client receive times share one clock):
 *
 * - first delta: the model's first chunk written → the first `chat` delta at the client;
 * - per delta: each chunk written → the delta carrying its text at the client (median);
 * - chat.history: a 200-row page of a session with 10,000 injected rows after its turns (p50 of 30 calls);
 * - memory per idle session: RSS growth of the gateway process over 1,000 sessions made by chat.inject
 *   (one row each, no run), divided by 1,000 (RSS of the process listening on the port);
 * - floor: the same chunks read straight from the fake model's SSE by an HTTP client;
 * - relay floor: a bare process (bench/lib/relay-floor.ts) that reads the same SSE and forwards
 *   each piece over plain `ws` to the same client, in frames as large as farclaw's `agent` and
 *   `chat` delta frames of this run. A gateway delta crosses two processes as it does, so
 *   "overhead" is a gateway's figure minus the relay floor's;
 * - library floor: the same relay reading the reply through the provider library the gateway must
 *   use (@ai-sdk/openai-compatible's doStream): the part of the overhead that is the library's
 *   parsing, printed beside the target's figure (which stays read over the relay floor).
 *
 * Chunks come 100 ms apart: both gateways pace live text at 75 ms, so each chunk is its own delta
 * and the per-delta figure is the gateway's overhead, not the pacing wait.
 *
 * Flags: --turns=N turns per gateway (default 20), --chunks=N chunks per turn (default 10),
 * --deltas-only (skip chat.history and memory), --no-openclaw (skip the real gateway).
 */
import type { GatewayClient } from '../src/client/gateway-client.js';
import { benchOperator } from './lib/operator.js';
import { fakeModelConfig } from '../test/helpers/chat-gateway.js';
import { startFakeModel, type FakeModel } from '../test/helpers/fake-model.js';
import { startGateway, TEST_TOKEN } from '../test/helpers/gateway-process.js';
import { withOpenclawGateway } from './lib/openclaw-peer.js';
import { percentile } from './lib/report.js';
import { pidsListeningOn } from '../test/helpers/listening-pids.js';
import { rssBytes } from '../test/helpers/proc-rss.js';
import { intArg } from './lib/args.js';
import { spawnGateway, stopGateway, waitReady } from './lib/procs.js';
import { freePort } from '../test/helpers/free-port.js';
import { tmpHome } from '../test/helpers/tmp-home.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TURNS = intArg('turns', 20);
const CHUNKS = intArg('chunks', 10);
const CHUNK_DELAY_MS = 100;
const IDLE_SESSIONS = 1_000;
const HISTORY_ROWS = 10_000;
const HISTORY_CALLS = 30;
const DELTAS_ONLY = process.argv.includes('--deltas-only');
const NO_OPENCLAW = process.argv.includes('--no-openclaw');

interface Figures { firstDeltaMs: number; perDeltaUs: number; historyPageMs: number | string; idleSessionKb: number | string }

/** What one gateway's streamed turns measured: latencies in ms, and median frame sizes in bytes (0: none seen). */
interface Streamed { first: number[]; perDelta: number[]; chatFrameBytes: number; agentFrameBytes: number }

/** The size of an event frame as the gateway serialized it (same fields, same order). */
const frameBytes = (e: { event: string; payload: unknown; seq?: number }): number =>
  Buffer.byteLength(JSON.stringify({ type: 'event', event: e.event, payload: e.payload, ...(e.seq !== undefined ? { seq: e.seq } : {}) }));

const operator = (url: string): Promise<GatewayClient> => benchOperator(url);

const chunkText = (i: number): string => `w${i} `;

/** Streams TURNS turns; returns the first-delta and per-delta latencies in ms. */
async function streamTurns(fake: FakeModel, client: GatewayClient, sessionKey: string, turns: number): Promise<Streamed> {
  const first: number[] = [];
  const perDelta: number[] = [];
  const chatSizes: number[] = [];
  const agentSizes: number[] = [];
  for (let t = 0; t < turns; t++) {
    const runId = `bench-${sessionKey}-${t}-${Date.now()}`;
    const chunks = Array.from({ length: CHUNKS }, (_, i) => chunkText(i));
    fake.script({ kind: 'text', chunks, delayMs: CHUNK_DELAY_MS });
    const requestIndex = fake.requests.length;
    const chunkBase = fake.chunkTimes.length;
    const deltas: { at: bigint; length: number }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const off = client.onEvent((e) => {
        const at = process.hrtime.bigint();
        const p = e.payload as { runId?: string; state?: string; stream?: string; message?: { content?: { text?: string }[] } };
        if (p.runId !== runId) return;
        if (e.event === 'agent' && p.stream === 'assistant') agentSizes.push(frameBytes(e));
        if (e.event !== 'chat') return;
        if (p.state === 'delta') {
          deltas.push({ at, length: p.message?.content?.[0]?.text?.length ?? 0 });
          chatSizes.push(frameBytes(e));
        }
        if (p.state === 'final' || p.state === 'error' || p.state === 'aborted') {
          off();
          if (p.state === 'final') resolve();
          else reject(new Error(`turn ended ${p.state}`));
        }
      });
    });
    await client.request('chat.send', { sessionKey, message: `turn ${t}`, idempotencyKey: runId }, 60_000);
    await done;
    const req = fake.requests[requestIndex];
    const written = fake.chunkTimes.slice(chunkBase, chunkBase + CHUNKS);
    if (!req?.firstChunkAtNs || deltas.length === 0) continue;
    first.push(Number(deltas[0]!.at - req.firstChunkAtNs) / 1e6);
    // Each delta is matched with the chunk that completed its cumulative text.
    let cumulative = 0;
    const ends = chunks.map((c) => (cumulative += c.length));
    for (const d of deltas) {
      const k = ends.findIndex((end) => end >= d.length);
      const w = written[k];
      if (w !== undefined) perDelta.push(Number(d.at - w) / 1e6);
    }
  }
  const median = (xs: number[]): number => (xs.length > 0 ? Math.round(percentile(xs, 50)) : 0);
  return { first, perDelta, chatFrameBytes: median(chatSizes), agentFrameBytes: median(agentSizes) };
}

async function historyPage(client: GatewayClient, sessionKey: string): Promise<number> {
  const sample: number[] = [];
  for (let i = 0; i < HISTORY_CALLS; i++) {
    const t0 = performance.now();
    const res = (await client.request('chat.history', { sessionKey, limit: 200 }, 60_000)) as { messages: unknown[] };
    sample.push(performance.now() - t0);
    if (res.messages.length === 0) throw new Error('empty history page');
  }
  return percentile(sample, 50);
}

/** Fills a session with HISTORY_ROWS rows through chat.inject (the same on both gateways). */
async function seedHistory(client: GatewayClient, sessionKey: string): Promise<void> {
  const WINDOW = 50;
  let next = 0;
  await Promise.all(Array.from({ length: WINDOW }, async () => {
    while (next < HISTORY_ROWS) {
      const i = next++;
      await client.request('chat.inject', { sessionKey, message: `seeded row ${i}` }, 60_000);
    }
  }));
}

/** RSS growth per session over IDLE_SESSIONS sessions of one injected row each, in KB. */
async function idleSessionKb(client: GatewayClient, port: number): Promise<number> {
  const [pid] = pidsListeningOn(port);
  if (pid === undefined) throw new Error(`no process listens on ${port}`);
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 2_000));
  await settle();
  const before = rssBytes(pid);
  const WINDOW = 25;
  let next = 0;
  await Promise.all(Array.from({ length: WINDOW }, async () => {
    while (next < IDLE_SESSIONS) {
      const i = next++;
      await client.request('chat.inject', { sessionKey: `agent:main:idle-${i}`, message: `idle session ${i}` }, 60_000);
    }
  }));
  await settle();
  return (rssBytes(pid) - before) / IDLE_SESSIONS / 1024;
}

/** A gateway's figures, with its stream's frame sizes and hello-ok (the relay floor mirrors both). */
interface Measured { figures: Figures; streamed: Streamed; hello: unknown }

async function measure(name: string, fake: FakeModel, url: string): Promise<Measured> {
  const client = await operator(url);
  try {
    await streamTurns(fake, client, 'agent:main:warmup', 2);
    const streamed = await streamTurns(fake, client, 'agent:main:bench', TURNS);
    const { first, perDelta } = streamed;
    let historyPageMs: number | string = 'skipped (--deltas-only)';
    let idle: number | string = 'skipped (--deltas-only)';
    if (!DELTAS_ONLY) {
      try {
        await seedHistory(client, 'agent:main:bench');
        historyPageMs = await historyPage(client, 'agent:main:bench');
      } catch (err) {
        historyPageMs = `n/a (${(err as Error).message.slice(0, 120)})`;
      }
      try {
        idle = await idleSessionKb(client, Number(new URL(url).port));
      } catch (err) {
        idle = `n/a (${(err as Error).message.slice(0, 120)})`;
      }
    }
    const f = { firstDeltaMs: percentile(first, 50), perDeltaUs: percentile(perDelta, 50) * 1000, historyPageMs, idleSessionKb: idle };
    process.stdout.write(`${name}: first delta p50 ${f.firstDeltaMs.toFixed(2)} ms; chunk → delta p50 ${f.perDeltaUs.toFixed(0)} µs (${perDelta.length} deltas for ${first.length * CHUNKS} chunks); ` +
      `chat.history 200 of ${HISTORY_ROWS} p50 ${typeof historyPageMs === 'number' ? `${historyPageMs.toFixed(2)} ms` : historyPageMs}; ` +
      `RSS per idle session ${typeof idle === 'number' ? `${idle.toFixed(1)} KB` : idle}\n`);
    return { figures: f, streamed, hello: client.hello };
  } finally {
    await client.close();
  }
}

/** A floor's name and what it reads the model's reply with. */
interface RelayKind { name: string; label: string; viaLibrary: boolean }
const RELAY: RelayKind = { name: 'relay floor', label: 'model → bare process → ws', viaLibrary: false };
const LIBRARY: RelayKind = { name: 'library floor', label: 'model → bare process reading it with @ai-sdk/openai-compatible → ws', viaLibrary: true };

/**
 * Relay floor: the same turns through bench/lib/relay-floor.ts, a bare model → `ws` relay in its
 * own process, sending farclaw's hello-ok and frames of farclaw's sizes from this run.
 */
async function relayFloor(fake: FakeModel, ours: Measured, kind: RelayKind): Promise<{ firstDeltaMs: number; perDeltaUs: number }> {
  const port = await freePort();
  const home = tmpHome('farclaw-relay-floor-');
  const script = join(dirname(fileURLToPath(import.meta.url)), 'lib', 'relay-floor.js');
  const { agentFrameBytes, chatFrameBytes } = ours.streamed;
  const relay = spawnGateway(kind.name, process.execPath, [script, String(port), fake.baseUrl, String(agentFrameBytes), String(chatFrameBytes)],
    { env: { ...home.env, RELAY_FLOOR_HELLO_OK: JSON.stringify(ours.hello), ...(kind.viaLibrary ? { RELAY_FLOOR_SDK: '1' } : {}) }, cwd: home.home, port });
  try {
    await waitReady(relay, performance.now(), 60_000);
    const client = await operator(`ws://127.0.0.1:${port}`);
    try {
      await streamTurns(fake, client, 'agent:main:warmup', 2);
      const { first, perDelta } = await streamTurns(fake, client, 'agent:main:bench', TURNS);
      const f = { firstDeltaMs: percentile(first, 50), perDeltaUs: percentile(perDelta, 50) * 1000 };
      process.stdout.write(`${kind.name} (${kind.label}, frames of ${agentFrameBytes} + ${chatFrameBytes} bytes): first delta p50 ${f.firstDeltaMs.toFixed(2)} ms; ` +
        `chunk → delta p50 ${f.perDeltaUs.toFixed(0)} µs (${perDelta.length} deltas for ${first.length * CHUNKS} chunks)\n`);
      return f;
    } finally {
      await client.close();
    }
  } finally {
    await stopGateway(relay);
    home.dispose();
  }
}

/** A gateway's figures over a floor's: what the gateway adds beyond what that floor does. */
function overhead(name: string, f: { firstDeltaMs: number; perDeltaUs: number }, floorFigures: { firstDeltaMs: number; perDeltaUs: number }, floorName = 'relay floor'): void {
  const signed = (v: number, digits: number): string => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;
  process.stdout.write(`${name} overhead over the ${floorName}: first delta ${signed(f.firstDeltaMs - floorFigures.firstDeltaMs, 2)} ms; ` +
    `per delta ${signed(f.perDeltaUs - floorFigures.perDeltaUs, 0)} µs\n`);
}

/** Floor: the same SSE read straight from the fake model (no gateway). */
async function floor(fake: FakeModel): Promise<void> {
  const first: number[] = [];
  const per: number[] = [];
  for (let t = 0; t < TURNS; t++) {
    fake.script({ kind: 'text', chunks: Array.from({ length: CHUNKS }, (_, i) => chunkText(i)), delayMs: CHUNK_DELAY_MS });
    const base = fake.chunkTimes.length;
    const res = await fetch(`${fake.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'fake-model', stream: true, messages: [] }) });
    const reader = res.body!.getReader();
    const got: bigint[] = [];
    const dec = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const at = process.hrtime.bigint();
      for (const line of dec.decode(value).split('\n\n')) if (line.includes('"content":"w')) got.push(at);
    }
    const written = fake.chunkTimes.slice(base);
    if (got[0] !== undefined && written[0] !== undefined) first.push(Number(got[0] - written[0]) / 1e6);
    got.forEach((g, i) => written[i] !== undefined && per.push(Number(g - written[i]!) / 1e6));
  }
  process.stdout.write(`floor (SSE read directly): first chunk p50 ${percentile(first, 50).toFixed(2)} ms; chunk p50 ${(percentile(per, 50) * 1000).toFixed(0)} µs\n`);
}

const fake = await startFakeModel();
try {
  process.stdout.write(`bench:chat: ${TURNS} turns × ${CHUNKS} chunks ${CHUNK_DELAY_MS} ms apart; history of ${HISTORY_ROWS} rows\n`);
  await floor(fake);
  const gateway = await startGateway({ config: fakeModelConfig(fake) });
  let ours: Measured;
  try {
    ours = await measure('farclaw', fake, gateway.url);
  } finally {
    await gateway.stop();
  }
  const relay = await relayFloor(fake, ours, RELAY);
  const library = await relayFloor(fake, ours, LIBRARY);
  overhead('farclaw', ours.figures, relay);
  overhead('farclaw', ours.figures, library, LIBRARY.name);
  const cfg = fakeModelConfig(fake) as { models: unknown; agents: { defaults: Record<string, unknown> } };
  // On a loaded machine the real gateway may fail its own start-up checks: report that as n/a.
  const peer = NO_OPENCLAW ? { na: 'skipped by --no-openclaw' } : await withOpenclawGateway(TEST_TOKEN, async (oc) => {
    try {
      overhead('openclaw 2026.9.6', (await measure('openclaw 2026.9.6', fake, oc.url)).figures, relay);
    } catch (err) {
      process.stdout.write(`openclaw 2026.9.6: n/a (${(err as Error).message.slice(0, 300)})\n`);
    }
  }, { config: { models: cfg.models, agents: { defaults: { ...cfg.agents.defaults, utilityModel: '' } } } })
    .catch((err: unknown) => ({ na: `the real gateway did not start: ${(err as Error).message.split('\n')[0]?.slice(0, 200)}` }));
  if (peer !== undefined) process.stdout.write(`openclaw: n/a (${peer.na})\n`);
  process.stdout.write('targets (farclaw): first delta ≤ 5 ms after the first chunk; ≤ 100 µs overhead per delta (over the relay floor); a 200-row page of 10,000 ≤ 20 ms\n');
} finally {
  await fake.close();
}
