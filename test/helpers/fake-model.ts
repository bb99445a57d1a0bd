import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { toolPairingError } from './tool-pairing.js';

/**
 * A real local HTTP server standing in for an LLM provider. It speaks OpenAI chat-completions
 * SSE (`POST /v1/chat/completions`) and Anthropic messages SSE (`POST /v1/messages`); each
 * request takes the next scripted reply (or the fallback when the script is empty).
 */

/** One tool call the model asks for. */
export interface FakeToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/** What the fake model answers to one request. */
export type FakeReply =
  /** Streams `chunks` as text deltas, `delayMs` apart; waits for `release()` after `holdAfter` chunks. */
  | { kind: 'text'; chunks: string[]; delayMs?: number; holdAfter?: number; usage?: FakeUsage }
  /** Optional preamble text, then one or more tool calls; finish reason tool_calls / tool_use. */
  | { kind: 'tools'; calls: FakeToolCall[]; text?: string; usage?: FakeUsage }
  /** An HTTP error with the provider's JSON error body. */
  | { kind: 'error'; status: number; message?: string; retryAfterS?: number }
  /** Accepts the request, sends the SSE headers, then never sends a byte more. */
  | { kind: 'hang' }
  /** Streams `chunks`, then destroys the socket without finishing the stream. */
  | { kind: 'cut'; chunks: string[] }
  /**
   * Streams `prefix`, then the text of the newest tool result in the request verbatim (as the lab's
   * fake, assistant.md 8.3), `delayMs` apart.
   */
  | { kind: 'quote-tool'; prefix: string[]; delayMs?: number };

/**
 * Token counts a reply reports. Cache tokens go where each API puts them: OpenAI's
 * `prompt_tokens_details.cached_tokens` (reads only), Anthropic's `cache_read_input_tokens` and
 * `cache_creation_input_tokens` in `message_delta`.
 */
export interface FakeUsage {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/** One request the fake received. */
export interface FakeRequest {
  api: 'openai' | 'anthropic';
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** process.hrtime.bigint() when the first content chunk was written (bench). */
  firstChunkAtNs?: bigint;
  /** process.hrtime.bigint() when the request body had arrived (bench). */
  receivedAtNs?: bigint;
  /** process.hrtime.bigint() when the reply stream was finished (bench). */
  endedAtNs?: bigint;
  /** Which scripted reply answered it (bench). */
  replyKind?: FakeReply['kind'];
}

export interface FakeModel {
  /** e.g. `http://127.0.0.1:PORT/v1` (the `baseUrl` for either API). */
  baseUrl: string;
  requests: FakeRequest[];
  /** Queues replies for the next requests, in order. */
  script(...replies: FakeReply[]): void;
  /** Reply used when the script is empty (default: one text chunk "ok"). */
  setFallback(reply: FakeReply): void;
  /** Lets every held stream continue. */
  release(): void;
  /** Writes of content chunks, with hrtime, across all requests (bench). */
  chunkTimes: bigint[];
  close(): Promise<void>;
}

const enc = (obj: unknown): string => `data: ${JSON.stringify(obj)}\n\n`;

/** Starts a fake model server on 127.0.0.1:0. */
export async function startFakeModel(): Promise<FakeModel> {
  const queue: FakeReply[] = [];
  let fallback: FakeReply = { kind: 'text', chunks: ['ok'] };
  const requests: FakeRequest[] = [];
  const chunkTimes: bigint[] = [];
  let releaseWaiters: (() => void)[] = [];
  const sockets = new Set<Socket>();

  const hold = (): Promise<void> => new Promise((resolve) => releaseWaiters.push(resolve));
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(parts).toString('utf8'), process.hrtime.bigint());
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse, text: string, receivedAtNs: bigint): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path === '/api/tags') {
      // Ollama's model list, so the loopback-Ollama fallback can find this server.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ models: [{ name: 'fake-model', model: 'fake-model' }] }));
      return;
    }
    if (req.method === 'GET' && path.endsWith('/models')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'fake-model', object: 'model', owned_by: 'fake' }] }));
      return;
    }
    const api = path.endsWith('/chat/completions') ? 'openai' : path.endsWith('/messages') ? 'anthropic' : undefined;
    if (req.method !== 'POST' || !api) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${path}` } }));
      return;
    }
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // recorded as empty; the test sees it
    }
    const record: FakeRequest = { api, path, headers: req.headers, body, receivedAtNs };
    requests.push(record);
    // A history the real API refuses is refused here too, and takes no scripted reply.
    const refused = toolPairingError(api, body);
    if (refused !== undefined) {
      record.replyKind = 'error';
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify(api === 'openai'
        ? { error: { message: refused, type: 'invalid_request_error', param: 'messages', code: null } }
        : { type: 'error', error: { type: 'invalid_request_error', message: refused } }));
      return;
    }
    const reply = queue.shift() ?? fallback;
    record.replyKind = reply.kind;
    if (reply.kind === 'error') {
      const message = reply.message ?? `fake error ${reply.status}`;
      const type = reply.status === 429 ? 'rate_limit_error' : reply.status >= 500 ? 'api_error' : 'invalid_request_error';
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (reply.retryAfterS !== undefined) headers['retry-after'] = String(reply.retryAfterS);
      res.writeHead(reply.status, headers);
      res.end(JSON.stringify(api === 'openai' ? { error: { message, type } } : { type: 'error', error: { type, message } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    const model = typeof body.model === 'string' ? body.model : 'fake-model';
    const stream = api === 'openai' ? new OpenAiStream(res, model) : new AnthropicStream(res, model);
    const mark = (): void => {
      const t = process.hrtime.bigint();
      record.firstChunkAtNs ??= t;
      chunkTimes.push(t);
    };
    if (reply.kind === 'hang') return;
    stream.begin();
    if (reply.kind === 'tools') {
      if (reply.text) {
        mark();
        stream.text(reply.text);
      }
      reply.calls.forEach((c, i) => stream.toolCall(i, c));
      stream.finish('tools', reply.usage ?? { input: 10, output: 5 });
      record.endedAtNs = process.hrtime.bigint();
      return;
    }
    const chunks = reply.kind === 'quote-tool' ? [...reply.prefix, lastToolText(body)] : reply.chunks;
    for (const [i, chunk] of chunks.entries()) {
      if (reply.kind === 'text' && reply.holdAfter === i) await hold();
      if ((reply.kind === 'text' || reply.kind === 'quote-tool') && reply.delayMs && i > 0) await pause(reply.delayMs);
      if (res.destroyed) return;
      mark();
      stream.text(chunk);
    }
    if (reply.kind === 'cut') {
      // Let the chunks reach the client first, then drop the connection mid-stream.
      await new Promise<void>((resolve) => res.write('', () => resolve()));
      await pause(50);
      res.socket?.destroy();
      return;
    }
    const usage = reply.kind === 'text' ? reply.usage : undefined;
    stream.finish('stop', usage ?? { input: 10, output: chunks.length });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    chunkTimes,
    script: (...replies) => void queue.push(...replies),
    setFallback: (reply) => void (fallback = reply),
    release() {
      const waiters = releaseWaiters;
      releaseWaiters = [];
      for (const w of waiters) w();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of releaseWaiters) w();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The text of the newest tool result in an OpenAI or Anthropic request body ('' when none). */
export function lastToolText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
  const textOf = (content: unknown): string => typeof content === 'string'
    ? content
    : Array.isArray(content) ? content.map((c: { text?: unknown; content?: unknown }) => (typeof c.text === 'string' ? c.text : textOf(c.content))).join('') : '';
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const m = messages[i] as Record<string, unknown>;
    if (m.role === 'tool') return textOf(m.content);
    if (m.role === 'user' && Array.isArray(m.content)) {
      const result = (m.content as Record<string, unknown>[]).findLast((c) => c.type === 'tool_result');
      if (result) return textOf(result.content);
    }
  }
  return '';
}

interface SseStream {
  begin(): void;
  text(chunk: string): void;
  toolCall(index: number, call: FakeToolCall): void;
  finish(reason: 'stop' | 'tools', usage: FakeUsage): void;
}

class OpenAiStream implements SseStream {
  private readonly id = `chatcmpl-${Math.random().toString(36).slice(2)}`;
  constructor(private readonly res: ServerResponse, private readonly model: string) {}

  private chunk(delta: Record<string, unknown>, finish: string | null, usage?: Record<string, unknown>): void {
    const created = Math.floor(Date.now() / 1000);
    const base = { id: this.id, object: 'chat.completion.chunk', created, model: this.model };
    this.res.write(enc({ ...base, choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) }));
  }

  begin(): void {
    this.chunk({ role: 'assistant', content: '' }, null);
  }

  text(chunk: string): void {
    this.chunk({ content: chunk }, null);
  }

  toolCall(index: number, call: FakeToolCall): void {
    const args = JSON.stringify(call.args);
    const half = Math.floor(args.length / 2);
    this.chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: args.slice(0, half) } }] }, null);
    this.chunk({ tool_calls: [{ index, function: { arguments: args.slice(half) } }] }, null);
  }

  finish(reason: 'stop' | 'tools', usage: FakeUsage): void {
    this.chunk({}, reason === 'stop' ? 'stop' : 'tool_calls', {
      prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output,
      ...(usage.cacheRead !== undefined ? { prompt_tokens_details: { cached_tokens: usage.cacheRead } } : {}),
    });
    this.res.end('data: [DONE]\n\n');
  }
}

class AnthropicStream implements SseStream {
  private block = -1;
  private inText = false;
  constructor(private readonly res: ServerResponse, private readonly model: string) {}

  private event(type: string, data: Record<string, unknown>): void {
    this.res.write(`event: ${type}\n${enc({ type, ...data })}`);
  }

  private closeText(): void {
    if (!this.inText) return;
    this.event('content_block_stop', { index: this.block });
    this.inText = false;
  }

  begin(): void {
    const id = `msg_${Math.random().toString(36).slice(2)}`;
    this.event('message_start', {
      message: { id, type: 'message', role: 'assistant', model: this.model, content: [], stop_reason: null, stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 1 } },
    });
  }

  text(chunk: string): void {
    if (!this.inText) {
      this.block += 1;
      this.inText = true;
      this.event('content_block_start', { index: this.block, content_block: { type: 'text', text: '' } });
    }
    this.event('content_block_delta', { index: this.block, delta: { type: 'text_delta', text: chunk } });
  }

  toolCall(_index: number, call: FakeToolCall): void {
    this.closeText();
    this.block += 1;
    this.event('content_block_start', { index: this.block, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } });
    this.event('content_block_delta', { index: this.block, delta: { type: 'input_json_delta', partial_json: JSON.stringify(call.args) } });
    this.event('content_block_stop', { index: this.block });
  }

  finish(reason: 'stop' | 'tools', usage: FakeUsage): void {
    this.closeText();
    this.event('message_delta', { delta: { stop_reason: reason === 'stop' ? 'end_turn' : 'tool_use', stop_sequence: null },
      usage: { output_tokens: usage.output, ...(usage.cacheRead !== undefined ? { cache_read_input_tokens: usage.cacheRead } : {}),
        ...(usage.cacheWrite !== undefined ? { cache_creation_input_tokens: usage.cacheWrite } : {}) } });
    this.event('message_stop', {});
    this.res.end();
  }
}
