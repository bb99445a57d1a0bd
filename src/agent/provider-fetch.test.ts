import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, test } from 'node:test';
import { providerFetch } from './provider-fetch.js';

interface Seen {
  method: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const disposers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

/** A real HTTP server on 127.0.0.1:0 answering with `handle`; counts its TCP connections. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ url: string; seen: Seen[]; connections: () => number; server: Server }> {
  const seen: Seen[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      seen.push({ method: req.method ?? '', headers: req.headers, body });
      handle(req, res, body);
    });
  });
  server.on('connection', () => (connections += 1));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  disposers.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, connections: () => connections, server };
}

test('posts a string body with its length and streams the answer back, on one kept-alive connection', async () => {
  const srv = await serve((_req, res, body) => {
    res.writeHead(200, 'Fine', { 'content-type': 'text/event-stream', 'x-echo-length': String(body.length) });
    res.write('data: one\n\n');
    res.end('data: [DONE]\n\n');
  });
  for (let i = 0; i < 2; i++) {
    const body = JSON.stringify({ model: 'm', text: 'héllo', i });
    const res = await providerFetch(`${srv.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body });
    assert.equal(res.status, 200);
    assert.equal(res.statusText, 'Fine');
    assert.equal(res.ok, true);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    assert.equal(res.headers.get('x-echo-length'), String(body.length));
    assert.equal(await res.text(), 'data: one\n\ndata: [DONE]\n\n');
    const seen = srv.seen[i];
    assert.equal(seen?.method, 'POST');
    assert.equal(seen?.body, body);
    assert.equal(seen?.headers['content-length'], String(Buffer.byteLength(body)));
    assert.equal(seen?.headers.authorization, 'Bearer k');
  }
  assert.equal(srv.connections(), 1);
});

test('an error status comes back as a response with its body, as fetch answers it', async () => {
  const srv = await serve((_req, res) => {
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '2' });
    res.end('{"error":{"message":"slow down"}}');
  });
  const res = await providerFetch(`${srv.url}/v1/messages`, { method: 'POST', body: '{}' });
  assert.equal(res.status, 429);
  assert.equal(res.ok, false);
  assert.equal(res.headers.get('retry-after'), '2');
  assert.deepEqual(await res.json(), { error: { message: 'slow down' } });
});

test('a provider nobody listens on rejects with TypeError "fetch failed" and the socket error as cause', async () => {
  const srv = await serve(() => undefined);
  const { url } = srv;
  await new Promise<void>((resolve) => srv.server.close(() => resolve()));
  await assert.rejects(providerFetch(`${url}/v1/chat/completions`, { method: 'POST', body: '{}' }), (err: unknown) => {
    assert.ok(err instanceof TypeError);
    assert.equal(err.message, 'fetch failed');
    assert.equal((err.cause as { code?: string }).code, 'ECONNREFUSED');
    return true;
  });
});

test('an abort before the answer rejects with the signal reason', async () => {
  const srv = await serve(() => undefined);
  const controller = new AbortController();
  const pending = providerFetch(`${srv.url}/v1/chat/completions`, { method: 'POST', body: '{}', signal: controller.signal });
  while (srv.seen.length === 0) await new Promise((r) => setImmediate(r));
  const reason = new Error('aborted by rpc');
  controller.abort(reason);
  await assert.rejects(pending, (err) => err === reason);
  await assert.rejects(providerFetch(`${srv.url}/`, { signal: controller.signal }), (err) => err === reason);
});

test('a stream the provider cuts mid-way errors the body instead of ending it', async () => {
  const srv = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: partial\n\n', () => res.socket?.destroy());
  });
  const res = await providerFetch(`${srv.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
  assert.equal(res.status, 200);
  await assert.rejects(res.text());
});

test('a 204 has no body, and a gzip body is decoded', async () => {
  const srv = await serve((req, res) => {
    if (req.url === '/empty') {
      res.writeHead(204);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-encoding': 'gzip' });
    res.end(gzipSync('data: zipped\n\n'));
  });
  const empty = await providerFetch(`${srv.url}/empty`);
  assert.equal(empty.status, 204);
  assert.equal(empty.body, null);
  assert.equal(await (await providerFetch(`${srv.url}/zipped`)).text(), 'data: zipped\n\n');
});

/** `size` bytes whose value depends on their position, so a lost or swapped piece shows. */
function patterned(size: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 7 + (i >>> 13)) & 0xff;
  return buf;
}

test('a reader that does not read pauses the response (the provider stalls), and a slow reader then gets every byte in order', async () => {
  const total = 48 * 1024 * 1024;
  const payload = patterned(total);
  let written = 0;
  const srv = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
    const pump = (): void => {
      while (written < total) {
        const piece = payload.subarray(written, written + 64 * 1024);
        written += piece.length;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  const res = await providerFetch(`${srv.url}/big`);
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert.ok(first.value && first.value.length > 0);
  // Wait until the provider's writes stop moving: it is held back by us, not done.
  let last = -1;
  let still = 0;
  const deadline = Date.now() + 60_000;
  while (still < 5) {
    assert.ok(Date.now() < deadline, 'the provider never stalled');
    await new Promise((r) => setTimeout(r, 50));
    still = written === last ? still + 1 : 0;
    last = written;
  }
  assert.ok(written < total, `the whole body (${written} bytes) was taken in without being read`);
  const parts: Uint8Array[] = [first.value];
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    parts.push(next.value);
    if (parts.length % 16 === 0) await new Promise((r) => setImmediate(r));
  }
  const got = Buffer.concat(parts);
  assert.equal(got.length, total);
  assert.ok(got.equals(payload), 'bytes lost or reordered');
});

test('cancelling the body closes the connection to the provider, and the next request still gets through', async () => {
  let closed = 0;
  const srv = await serve((req, res) => {
    if (req.url === '/after') return void res.end('fine');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: one\n\n');
    const timer = setInterval(() => res.write('data: more\n\n'), 20);
    res.on('close', () => {
      clearInterval(timer);
      closed += 1;
    });
  });
  const res = await providerFetch(`${srv.url}/endless`, { method: 'POST', body: '{}' });
  const reader = res.body!.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value), 'data: one\n\n');
  await reader.cancel();
  assert.equal((await reader.read()).done, true);
  const deadline = Date.now() + 60_000;
  while (closed === 0) {
    assert.ok(Date.now() < deadline, 'the provider never saw the connection close');
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(await (await providerFetch(`${srv.url}/after`)).text(), 'fine');
});
