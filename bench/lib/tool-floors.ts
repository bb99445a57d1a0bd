/**
 * The floors of bench:tools: one tool round trip (the fake model finishes a reply that asks for a
 * tool → the tool's output is ready → the next request carrying it arrives) by a bare client in
 * the bench's own process, with no gateway.
 *
 * - the plain floor reads the SSE with a regex over the whole body and posts the next request as
 *   a hand-built JSON string, over `client` (the gateway's providerFetch, or Node's fetch);
 * - the library floor does the same through the provider library the gateway must use:
 *   @ai-sdk/openai-compatible's `doStream` over providerFetch reads the tool call (SSE parsing,
 *   per-chunk validation, tool-call accumulation), and a second `doStream` posts the next request
 *   with the prompt the gateway sends (system + history + assistant tool call + tool result, and
 *   the gateway's tool definitions). What farclaw spends above it is the gateway's own work.
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { JSONSchema7, LanguageModelV3, LanguageModelV3FunctionTool, LanguageModelV3Prompt } from '@ai-sdk/provider';
import { providerFetch } from '../../src/agent/provider-fetch.js';
import { runArgv } from '../../src/infra/argv-run.js';
import type { FakeModel } from '../../test/helpers/fake-model.js';

/** What a floor round trip starts: nothing, the argv itself, or the argv in a login shell (what our node host runs). */
export type FloorSpawn = 'none' | 'argv' | 'shell';

/** The parts of the gateway's request the library floor sends too (learnt from farclaw's requests in the same run). */
export interface PromptShape {
  system: string;
  tools: LanguageModelV3FunctionTool[];
}

/** Before farclaw has sent a request: a short system prompt and no tools. */
export const BARE_SHAPE: PromptShape = { system: 'You are a helpful assistant.', tools: [] };

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

/** Runs the command the model asked for as `spawn` says, or makes up a `nodes which` answer. */
async function toolOutput(command: string, spawn: FloorSpawn): Promise<string> {
  const [program, ...rest] = command.split(' ');
  const run = (executable: string, argv: string[]) => runArgv({ executable, args: argv, timeoutMs: 10_000, maxOutputBytes: 65_536, signal: new AbortController().signal });
  if (spawn === 'argv') return (await run(program ?? '', rest)).stdout;
  if (spawn === 'shell') return (await run('/bin/sh', ['-lc', command])).stdout;
  return '{"bins":{"sh":"/usr/bin/sh"}}';
}

const scriptToolReply = (fake: FakeModel, i: number): void =>
  fake.script({ kind: 'tools', calls: [{ id: `call_${i}`, name: 'exec', args: { command: `echo bench-${i}` } }] }, { kind: 'text', chunks: ['done'] });

/**
 * One plain floor round trip: the same SSE read, the same spawn (as `spawn` says) and the next
 * POST by a bare client (no gateway, no provider library), over `client`.
 */
export async function plainFloorOnce(fake: FakeModel, i: number, spawn: FloorSpawn, client: typeof fetch): Promise<number> {
  scriptToolReply(fake, i);
  const from = fake.requests.length;
  const res = await client(`${fake.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'fake-model', stream: true, messages: [] }) });
  const sse = await res.text();
  // The arguments arrive as string deltas across chunks, as a real provider streams them.
  const parts = [...sse.matchAll(/"arguments":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1] ?? ''}"`) as string);
  const args = JSON.parse(parts.join('')) as { command: string };
  const out = await toolOutput(args.command, spawn);
  const next = await client(`${fake.baseUrl}/chat/completions`, {
    method: 'POST', body: JSON.stringify({ model: 'fake-model', stream: true, messages: [{ role: 'tool', tool_call_id: `call_${i}`, content: out }] }),
  });
  await next.text();
  const rt = roundTripSince(fake, from);
  if (rt === undefined) throw new Error('the floor never saw its second request');
  return rt;
}

/** Reads a doStream stream to its end; returns its tool calls. */
async function drain(model: LanguageModelV3, prompt: LanguageModelV3Prompt, tools: LanguageModelV3FunctionTool[]): Promise<{ toolCallId: string; toolName: string; input: string }[]> {
  const { stream } = await model.doStream({ prompt, includeRawChunks: false, ...(tools.length > 0 ? { tools } : {}) });
  const calls: { toolCallId: string; toolName: string; input: string }[] = [];
  const reader = stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    if (next.value.type === 'tool-call') calls.push(next.value);
    if (next.value.type === 'error') throw new Error(`the library floor's stream failed: ${String(next.value.error)}`);
  }
  return calls;
}

/** The library floor's model: the provider and HTTP client the gateway builds for the fake (providers.ts). */
export function libraryModel(fake: FakeModel): LanguageModelV3 {
  return createOpenAICompatible({ name: 'fake', baseURL: fake.baseUrl, apiKey: 'sk-fake', includeUsage: true, fetch: providerFetch })('fake-model');
}

/**
 * One library floor round trip: the tool call read through `model.doStream`, the same spawn, and
 * the next request posted through `model.doStream` with the gateway's prompt shape.
 */
export async function libraryFloorOnce(fake: FakeModel, model: LanguageModelV3, i: number, spawn: FloorSpawn, shape: PromptShape): Promise<number> {
  scriptToolReply(fake, i);
  const from = fake.requests.length;
  const history: LanguageModelV3Prompt = [
    { role: 'system', content: shape.system },
    { role: 'user', content: [{ type: 'text', text: `run echo ${i}` }] },
  ];
  const [call] = await drain(model, history, shape.tools);
  if (!call) throw new Error('the library floor read no tool call');
  const args = JSON.parse(call.input) as { command: string };
  const out = await toolOutput(args.command, spawn);
  await drain(model, [
    ...history,
    { role: 'assistant', content: [{ type: 'tool-call', toolCallId: call.toolCallId, toolName: call.toolName, input: args }] },
    { role: 'tool', content: [{ type: 'tool-result', toolCallId: call.toolCallId, toolName: call.toolName, output: { type: 'text', value: out } }] },
  ], shape.tools);
  const rt = roundTripSince(fake, from);
  if (rt === undefined) throw new Error('the library floor never saw its second request');
  return rt;
}
