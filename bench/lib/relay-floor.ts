/**
 * The relay floor of bench:chat: what a model → gateway → client hop costs with no gateway work.
 * A bare process with a `ws` server speaking just enough protocol for the bench client
 * (challenge, any `connect` accepted); on `chat.send` it answers at once, reads the fake model's
 * OpenAI SSE over plain `node:http`, and forwards each text piece to the client as an `agent`
 * frame and a `chat` delta frame padded to the sizes farclaw sent in the same run (both in one
 * socket write, as farclaw sends them), then a `final`. No validation, store, pacing or SDK: a
 * gateway's relay cannot go below it.
 *
 * With `RELAY_FLOOR_SDK=1` (the "library floor") it reads the reply through the provider library
 * the gateway must use (@ai-sdk/openai-compatible's `doStream` over the gateway's providerFetch:
 * SSE parsing, per-chunk validation, web streams) instead of splitting the SSE itself, so the
 * report can tell the library's cost per delta from the gateway's own.
 *
 * Usage: RELAY_FLOOR_HELLO_OK=<hello-ok JSON> [RELAY_FLOOR_SDK=1] node dist/bench/lib/relay-floor.js <port> <modelBaseUrl> <agentFrameBytes> <chatFrameBytes>
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { randomUUID } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { providerFetch } from '../../src/agent/provider-fetch.js';

const port = Number(process.argv[2]);
const modelBaseUrl = process.argv[3] ?? '';
const agentBytes = Number(process.argv[4] ?? 0);
const chatBytes = Number(process.argv[5] ?? 0);
/** The hello-ok farclaw sent the same client in this run, so the client accepts the handshake. */
const helloOk = process.env.RELAY_FLOOR_HELLO_OK ?? '{}';
const viaLibrary = process.env.RELAY_FLOOR_SDK === '1';
/** Ticks as farclaw sends them, so a bench client idle between rounds keeps its connection. */
const tickIntervalMs = (JSON.parse(helloOk) as { policy?: { tickIntervalMs?: number } }).policy?.tickIntervalMs ?? 30_000;

/** An event frame padded (with a `pad` string in its payload) to at least `size` bytes. */
function padded(event: string, payload: Record<string, unknown>, size: number): string {
  const bare = JSON.stringify({ type: 'event', event, payload: { ...payload, pad: '' } });
  const missing = Math.max(0, size - Buffer.byteLength(bare));
  return JSON.stringify({ type: 'event', event, payload: { ...payload, pad: 'x'.repeat(missing) } });
}

/** The TCP socket under each client's `ws`, to cork a piece's two frames into one write. */
const sockets = new WeakMap<WebSocket, Duplex>();

/**
 * Sends one text piece of run `runId` as farclaw does: an `agent` frame and a `chat` delta frame,
 * in one socket write (farclaw corks them too; two writes would wake the client twice).
 */
function forward(ws: WebSocket, runId: string, text: string, piece: string): void {
  const socket = sockets.get(ws);
  socket?.cork();
  ws.send(padded('agent', { runId, stream: 'assistant', data: { text, delta: piece } }, agentBytes));
  ws.send(padded('chat', { runId, state: 'delta', message: { role: 'assistant', content: [{ type: 'text', text }] } }, chatBytes));
  socket?.uncork();
}

function final(ws: WebSocket, runId: string, text: string): void {
  ws.send(JSON.stringify({ type: 'event', event: 'chat', payload: { runId, state: 'final', message: { role: 'assistant', content: [{ type: 'text', text }] } } }));
}

const libraryModel = createOpenAICompatible({ name: 'fake', baseURL: modelBaseUrl, fetch: providerFetch }).chatModel('fake-model');

/** Streams one model reply through the provider library: each `text-delta` becomes one delta. */
async function relayViaLibrary(ws: WebSocket, runId: string): Promise<void> {
  let text = '';
  try {
    const { stream } = await libraryModel.doStream({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'go' }] }] });
    const reader = stream.getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      if (next.value.type !== 'text-delta' || next.value.delta === '') continue;
      text += next.value.delta;
      forward(ws, runId, text, next.value.delta);
    }
    final(ws, runId, text);
  } catch {
    ws.send(JSON.stringify({ type: 'event', event: 'chat', payload: { runId, state: 'error' } }));
  }
}

/** Streams one model reply to `ws`: each `content` piece of the SSE becomes one delta. */
function relay(ws: WebSocket, runId: string): void {
  const url = new URL(`${modelBaseUrl}/chat/completions`);
  let text = '';
  let buffered = '';
  const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffered += chunk;
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (!line.startsWith('data: {')) continue;
        const piece = (JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content;
        if (!piece) continue;
        text += piece;
        forward(ws, runId, text, piece);
      }
    });
    res.on('end', () => final(ws, runId, text));
  });
  req.on('error', () => ws.send(JSON.stringify({ type: 'event', event: 'chat', payload: { runId, state: 'error' } })));
  req.end(JSON.stringify({ model: 'fake-model', stream: true, messages: [] }));
}

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
const server = createServer((req, res) => {
  res.writeHead(req.url === '/readyz' ? 200 : 404, { 'content-type': 'application/json' });
  res.end('{"ready":true}');
});
server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => {
  sockets.set(ws, socket);
  wss.emit('connection', ws);
}));
wss.on('connection', (ws: WebSocket) => {
  ws.send(JSON.stringify({ type: 'event', event: 'connect.challenge', payload: { nonce: randomUUID(), ts: Date.now() } }));
  const ticks = setInterval(() => ws.send(JSON.stringify({ type: 'event', event: 'tick', payload: { ts: Date.now() } })), tickIntervalMs);
  ws.on('close', () => clearInterval(ticks));
  ws.on('message', (data) => {
    const f = JSON.parse(String(data)) as { id?: string; method?: string; params?: { idempotencyKey?: string } };
    if (f.method === 'connect') return ws.send(`{"type":"res","id":${JSON.stringify(f.id)},"ok":true,"payload":${helloOk}}`);
    const runId = f.params?.idempotencyKey ?? randomUUID();
    ws.send(JSON.stringify({ type: 'res', id: f.id, ok: true, payload: { runId, status: 'started' } }));
    if (f.method === 'chat.send') void (viaLibrary ? relayViaLibrary(ws, runId) : relay(ws, runId));
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
