/**
 * The floor process of bench:tools: a bare process between the fake model and the bench that does
 * one tool round trip when asked and nothing else, so it pays what a gateway pays for the
 * transport (the fake → process and process → fake hops, each a process wake-up) and no gateway
 * work. Spawned once per bench run (bench/lib/tool-floors.ts), like bench:chat's relay floor.
 *
 * Control channel: `POST /round` with a JSON {@link RoundOrder}. The process reads the fake
 * model's tool-call reply, makes the tool's answer (`spawn`: none, the argv, or the argv in a
 * login shell), posts the next request carrying it, reads that reply to its end, and only then
 * answers `200 {}` (or `500 {"error"}`). The bench measures on the fake model's clock from the
 * tool-call reply's end to the next request's arrival: the order arrives before the first model
 * request is made and the answer leaves after the second one was received, so the control
 * channel is outside the measured window and idle during it.
 *
 * - `plain`: the SSE read with a regex over the whole body and the next request as a hand-built
 *   JSON string, over `client` (`provider`: the gateway's providerFetch on node:http; `fetch`:
 *   Node's fetch, for reference);
 * - `library`: the same through the provider library the gateway must use:
 *   @ai-sdk/openai-compatible's `doStream` over providerFetch reads the tool call (SSE parsing,
 *   per-chunk validation, tool-call accumulation), and a second `doStream` posts the next request
 *   with the prompt the gateway sends (system + history + assistant tool call + tool result, and
 *   the gateway's tool definitions, passed in the order).
 *
 * Usage: node dist/bench/lib/tool-relay-floor.js <port> <modelBaseUrl>
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV3FunctionTool, LanguageModelV3Prompt } from '@ai-sdk/provider';
import { createServer } from 'node:http';
import { providerFetch } from '../../src/agent/provider-fetch.js';
import { runArgv } from '../../src/infra/argv-run.js';
import type { RoundOrder, FloorSpawn } from './tool-floors.js';

const port = Number(process.argv[2]);
const modelBaseUrl = process.argv[3] ?? '';
const completions = `${modelBaseUrl}/chat/completions`;

/** The library floor's model: the provider and HTTP client the gateway builds for the fake (providers.ts). */
const model = createOpenAICompatible({ name: 'fake', baseURL: modelBaseUrl, apiKey: 'sk-fake', includeUsage: true, fetch: providerFetch })('fake-model');

/** Runs the command the model asked for as `spawn` says, or makes up a `nodes which` answer. */
async function toolOutput(command: string, spawn: FloorSpawn): Promise<string> {
  const [program, ...rest] = command.split(' ');
  const run = (executable: string, argv: string[]) => runArgv({ executable, args: argv, timeoutMs: 10_000, maxOutputBytes: 65_536, signal: new AbortController().signal });
  if (spawn === 'argv') return (await run(program ?? '', rest)).stdout;
  if (spawn === 'shell') return (await run('/bin/sh', ['-lc', command])).stdout;
  return '{"bins":{"sh":"/usr/bin/sh"}}';
}

/** A plain round trip: SSE read by regex, the tool's answer, the next request as a JSON string. */
async function plainRound(order: RoundOrder): Promise<void> {
  const client = order.client === 'fetch' ? fetch : providerFetch;
  const res = await client(completions, { method: 'POST', body: JSON.stringify({ model: 'fake-model', stream: true, messages: [] }) });
  const sse = await res.text();
  // The arguments arrive as string deltas across chunks, as a real provider streams them.
  const parts = [...sse.matchAll(/"arguments":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1] ?? ''}"`) as string);
  const args = JSON.parse(parts.join('')) as { command: string };
  const id = /"tool_calls":\[\{"index":0,"id":"([^"]+)"/.exec(sse)?.[1] ?? '';
  const name = /"function":\{"name":"([^"]+)"/.exec(sse)?.[1] ?? '';
  const out = await toolOutput(args.command, order.spawn);
  // The call goes back with its result: a provider refuses a tool message that answers no call.
  const messages = [
    { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name, arguments: JSON.stringify(args) } }] },
    { role: 'tool', tool_call_id: id, content: out },
  ];
  const next = await client(completions, { method: 'POST', body: JSON.stringify({ model: 'fake-model', stream: true, messages }) });
  await next.text();
}

/** Reads a doStream stream to its end; returns its tool calls. */
async function drain(prompt: LanguageModelV3Prompt, tools: LanguageModelV3FunctionTool[]): Promise<{ toolCallId: string; toolName: string; input: string }[]> {
  const { stream } = await model.doStream({ prompt, includeRawChunks: false, ...(tools.length > 0 ? { tools } : {}) });
  const calls: { toolCallId: string; toolName: string; input: string }[] = [];
  const reader = stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    if (next.value.type === 'tool-call') calls.push(next.value);
    if (next.value.type === 'error') throw new Error(`the library floor's stream failed: ${String(next.value.error)}`);
  }
  return calls;
}

/** A library round trip: the tool call read through doStream, the tool's answer, the next request through doStream. */
async function libraryRound(order: RoundOrder): Promise<void> {
  const { system, tools } = order.shape;
  const history: LanguageModelV3Prompt = [
    { role: 'system', content: system },
    { role: 'user', content: [{ type: 'text', text: `run echo ${order.i}` }] },
  ];
  const [call] = await drain(history, tools);
  if (!call) throw new Error('the library floor read no tool call');
  const args = JSON.parse(call.input) as { command: string };
  const out = await toolOutput(args.command, order.spawn);
  await drain([
    ...history,
    { role: 'assistant', content: [{ type: 'tool-call', toolCallId: call.toolCallId, toolName: call.toolName, input: args }] },
    { role: 'tool', content: [{ type: 'tool-result', toolCallId: call.toolCallId, toolName: call.toolName, output: { type: 'text', value: out } }] },
  ], tools);
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/readyz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ready":true}');
    return;
  }
  if (req.method !== 'POST' || req.url !== '/round') {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"no such route"}');
    return;
  }
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    const answer = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let order: RoundOrder;
    try {
      order = JSON.parse(Buffer.concat(parts).toString('utf8')) as RoundOrder;
    } catch {
      return answer(400, { error: 'the order is not JSON' });
    }
    (order.variant === 'library' ? libraryRound(order) : plainRound(order))
      .then(() => answer(200, {}), (err: unknown) => answer(500, { error: (err as Error).message }));
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
