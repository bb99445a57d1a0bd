/**
 * The floors of bench:tools, seen from the bench: one tool round trip (the fake model finishes a
 * reply that asks for a tool → the tool's output is ready → the next request carrying it arrives)
 * done by a bare process with no gateway (bench/lib/tool-relay-floor.ts), so the floor crosses the
 * same two process hops per round trip as a gateway does (fake → process, process → fake).
 *
 * The round trip is timed here, on the fake model's clock (tool-call reply ended → next request
 * received). The order to the floor process goes out before its first model request and its
 * answer comes back after its second one arrived, so the control channel stays outside that window.
 */
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JSONSchema7, LanguageModelV3FunctionTool } from '@ai-sdk/provider';
import type { FakeModel } from '../../test/helpers/fake-model.js';
import { startBenchScript } from './procs.js';

/** What a floor round trip starts: nothing, the argv itself, or the argv in a login shell (what our node host runs). */
export type FloorSpawn = 'none' | 'argv' | 'shell';

/** The parts of the gateway's request the library floor sends too (learnt from farclaw's requests in the same run). */
export interface PromptShape {
  system: string;
  tools: LanguageModelV3FunctionTool[];
}

/** Before farclaw has sent a request: a short system prompt and no tools. */
export const BARE_SHAPE: PromptShape = { system: 'You are a helpful assistant.', tools: [] };

/** One round trip the bench orders from the floor process (`POST /round`). */
export interface RoundOrder {
  /** `plain`: SSE read and next POST by hand; `library`: both through @ai-sdk/openai-compatible's doStream. */
  variant: 'plain' | 'library';
  /** The call's index: its tool call id is `call_<i>`. */
  i: number;
  spawn: FloorSpawn;
  /** The plain floor's HTTP client: the gateway's providerFetch (default) or Node's fetch. */
  client?: 'provider' | 'fetch';
  /** The library floor's system prompt and tools. */
  shape: PromptShape;
}

const ms = (ns: bigint): number => Number(ns) / 1e6;

/** The round trip of the newest tool call since request `from`: tool reply finished → the request carrying its result arrived. */
export function roundTripSince(fake: FakeModel, from: number): number | undefined {
  const reqs = fake.requests.slice(from);
  const toolIdx = reqs.findIndex((r) => r.replyKind === 'tools');
  const tool = reqs[toolIdx];
  const next = reqs.slice(toolIdx + 1).find((r) => JSON.stringify(r.body.messages ?? []).includes('"role":"tool"'));
  if (!tool?.endedAtNs || !next?.receivedAtNs) return undefined;
  return ms(next.receivedAtNs - tool.endedAtNs);
}

/** The system prompt and tools of the newest request farclaw sent the fake model (OpenAI wire shape → the library's). */
export function shapeOfLastRequest(fake: FakeModel): PromptShape {
  const body = fake.requests.at(-1)?.body ?? {};
  const messages = Array.isArray(body.messages) ? (body.messages as { role?: string; content?: unknown }[]) : [];
  const system = messages.find((m) => m.role === 'system')?.content;
  const wireTools = Array.isArray(body.tools) ? (body.tools as { function?: { name: string; description?: string; parameters?: JSONSchema7 } }[]) : [];
  const tools = wireTools.flatMap((t) => t.function
    ? [{ type: 'function' as const, name: t.function.name, ...(t.function.description ? { description: t.function.description } : {}), inputSchema: t.function.parameters ?? { type: 'object' } }]
    : []);
  return { system: typeof system === 'string' ? system : BARE_SHAPE.system, tools };
}

/** The floor process, ready for orders. */
export interface ToolFloor {
  /** The floor process (both floors run in it). */
  pid: number;
  /** One plain floor round trip (SSE read and next POST by hand, over `client`); its time in ms. */
  plain(i: number, spawn: FloorSpawn, client?: 'provider' | 'fetch'): Promise<number>;
  /** One library floor round trip (both through doStream, with `shape`'s prompt and tools); its time in ms. */
  library(i: number, spawn: FloorSpawn, shape: PromptShape): Promise<number>;
  stop(): Promise<void>;
}

/** Posts one order on the control connection; resolves when the floor has finished the round trip. */
function post(agent: Agent, port: number, order: RoundOrder): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/round', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => res.statusCode === 200
        ? resolve()
        : reject(new Error(`the tool floor failed: ${(JSON.parse(Buffer.concat(parts).toString('utf8')) as { error?: string }).error ?? res.statusCode}`)));
    });
    req.on('error', reject);
    req.end(JSON.stringify(order));
  });
}

const scriptToolReply = (fake: FakeModel, i: number): void =>
  fake.script({ kind: 'tools', calls: [{ id: `call_${i}`, name: 'exec', args: { command: `echo bench-${i}` } }] }, { kind: 'text', chunks: ['done'] });

/** Starts bench/lib/tool-relay-floor.ts against `fake`, spawned as bench:chat spawns its relay floor. */
export async function startToolFloor(fake: FakeModel): Promise<ToolFloor> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'tool-relay-floor.js');
  const floor = await startBenchScript('tool floor', script, [fake.baseUrl]);
  const port = floor.port;
  // One kept-alive control connection: no connect inside a round, and none racing the floor's own.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const stop = async (): Promise<void> => {
    agent.destroy();
    await floor.stop();
  };
  const once = async (order: RoundOrder): Promise<number> => {
    scriptToolReply(fake, order.i);
    const from = fake.requests.length;
    await post(agent, port, order);
    const rt = roundTripSince(fake, from);
    if (rt === undefined) throw new Error(`the ${order.variant} floor never sent its second request`);
    return rt;
  };
  return {
    pid: floor.pid,
    plain: (i, spawn, client = 'provider') => once({ variant: 'plain', i, spawn, client, shape: BARE_SHAPE }),
    library: (i, spawn, shape) => once({ variant: 'library', i, spawn, shape }),
    stop,
  };
}
