// Issue 12 item 6: send buffers are capped per socket and in total, presence bursts are
// coalesced, and client labels are bounded. Real sockets against the real Gateway class.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import WebSocket from 'ws';
import type { Gateway } from '../../src/gateway/gateway.js';
import { PRESENCE_COALESCE_MS } from '../../src/gateway/presence/presence-feed.js';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { connectParams, RawClient } from '../helpers/raw-client.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const TOKEN = 'send-buffers-test-token-0123456789';
// Per-socket cap above what any one stalled socket reaches here, so only the total cap can act.
const PER_SOCKET_BYTES = 64 * 1024 * 1024;
const TOTAL_BYTES = 8 * 1024 * 1024;

/** A ws client that completes the handshake, then stops reading its socket. */
async function stalledClient(url: string): Promise<{ ws: WebSocket; closed: Promise<void> }> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { type: string; event?: string; id?: string; ok?: boolean };
      if (f.event === 'connect.challenge') ws.send(JSON.stringify({ type: 'req', id: 'c', method: 'connect', params: connectParams(TOKEN) }));
      if (f.type === 'res' && f.id === 'c') (f.ok ? resolve() : reject(new Error('connect refused')));
    });
  });
  ws.removeAllListeners('message');
  ws.pause();
  return { ws, closed };
}

/** An in-process gateway with these send-buffer limits whose warnings are kept in `logged`. */
function useGatewayWithLog(limits: NonNullable<Parameters<typeof startInProcessGateway>[1]>['sendBufferLimits']) {
  const ctx = { gateway: undefined as unknown as Gateway, url: '', logged: [] as string[] };
  let home: TmpHome;
  before(async () => {
    home = tmpHome();
    const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => (ctx.logged.push(chunk.toString()), cb()) });
    ({ gateway: ctx.gateway, url: ctx.url } = await startInProcessGateway(home, { token: TOKEN, logger: pino({ level: 'warn' }, sink), ...(limits ? { sendBufferLimits: limits } : {}) }));
  });
  after(async () => {
    await ctx.gateway.stop();
    home.dispose();
  });
  return ctx;
}

describe('send-buffer caps, presence coalescing and label caps (issue 12 item 6)', () => {
  // Reading is never paused here, so requests alone can push the buffers to the total cap.
  const ctx = useGatewayWithLog({ perSocketBytes: PER_SOCKET_BYTES, totalBytes: TOTAL_BYTES, pauseReadingBytes: PER_SOCKET_BYTES });

  it('closes the slowest consumers once all send buffers together pass the total cap, and keeps serving others', async () => {
    const stalled = await Promise.all([1, 2, 3, 4].map(() => stalledClient(ctx.url)));
    const frame = JSON.stringify({ type: 'req', id: 'h', method: 'health', params: {} });
    // Each reply is ~1 KB: 15k unread replies per client (past what the kernel's socket buffers
    // absorb) make ~4× the total cap across them.
    for (let i = 0; i < 15_000; i++) for (const s of stalled) s.ws.send(frame);
    await waitFor('a slow consumer closed for the total cap', () => ctx.logged.some((l) => l.includes('slow consumer: gateway send buffers full')), 60_000);
    // A paused client does not notice its socket ending; the gateway's own set shows the cut.
    await waitFor('at least one stalled session gone', () => ctx.gateway.fanout.connections.size < stalled.length, 30_000);
    const good = await RawClient.open(ctx.url);
    assert.equal((await good.connect(connectParams(TOKEN))).ok, true);
    assert.equal((await good.call('health', {}, 'h1')).ok, true);
    good.terminate();
    for (const s of stalled) s.ws.terminate();
    await Promise.all(stalled.map((s) => s.closed));
    await waitFor('stalled sessions released', () => ctx.gateway.fanout.connections.size === 0, 30_000);
  });

  it('folds a burst of UI connects into few presence broadcasts that end with the full list', async () => {
    const watcher = await RawClient.open(ctx.url);
    await watcher.connect(connectParams(TOKEN));
    const mark = watcher.frames.length;
    const count = 40;
    const started = Date.now();
    const uis = await Promise.all(Array.from({ length: count }, async (_, i) => {
      const ui = await RawClient.open(ctx.url);
      await ui.connect({ ...connectParams(TOKEN), client: { id: 'openclaw-tui', version: '1', platform: 'linux', mode: 'ui', displayName: `ui-${i}` } });
      return ui;
    }));
    const hasAll = (f: { payload?: { presence?: Array<{ host?: string }> } }) =>
      Array.from({ length: count }, (_, i) => `ui-${i}`).every((h) => f.payload?.presence?.some((p) => p.host === h));
    await waitFor('a presence event listing every UI', () => watcher.frames.slice(mark).some((f) => f.event === 'presence' && hasAll(f)), 20_000);
    const elapsedMs = Date.now() - started;
    const broadcasts = watcher.frames.slice(mark).filter((f) => f.event === 'presence').length;
    // One at the start of each coalescing window at most (plus the trailing one), never one per connect.
    assert.ok(broadcasts <= 2 + Math.ceil(elapsedMs / PRESENCE_COALESCE_MS), `${broadcasts} presence events in ${elapsedMs} ms`);
    assert.ok(broadcasts < count, `${broadcasts} presence events for ${count} connects`);
    for (const ui of uis) ui.terminate();
    watcher.terminate();
  });

  it('refuses a connect whose displayName is longer than 256 characters', async () => {
    const c = await RawClient.open(ctx.url);
    const res = await c.connect({ ...connectParams(TOKEN), client: { id: 'openclaw-tui', version: '1', platform: 'linux', mode: 'ui', displayName: 'x'.repeat(10_000) } });
    assert.equal(res.ok, false);
    assert.equal(res.error?.code, 'INVALID_REQUEST');
    assert.match(res.error?.message ?? '', /displayName/);
    c.terminate();
  });
});

describe('backpressure: a client that asks and never reads stops being read (bench:attacks item 6)', () => {
  // A 4 MiB per-socket cap: without backpressure the stalled client passes it within a few
  // thousand replies and is dropped; with it, at most ~1 MiB plus one read's replies wait.
  const ctx = useGatewayWithLog({ perSocketBytes: 4 * 1024 * 1024, totalBytes: TOTAL_BYTES });

  it('leaves the rest of a stalled client\'s pipelined requests unread instead of answering them into its buffer', async () => {
    const stalled = await stalledClient(ctx.url);
    const frame = JSON.stringify({ type: 'req', id: 'h', method: 'health', params: {} });
    // ~22 MB of requests (more than the kernel buffers of both ends hold) and ~400 MB of replies
    // if every one were answered: far past the 50 MiB per-socket cap.
    for (let i = 0; i < 400_000; i++) stalled.ws.send(frame);
    // The gateway stops reading once ~1 MiB of replies waits, so most requests stay in the
    // stalled client's own send buffer, and the socket is never dropped as a slow consumer.
    await waitFor('the stalled client\'s requests to back up on its side', () => stalled.ws.bufferedAmount > 1024 * 1024, 30_000);
    const good = await RawClient.open(ctx.url);
    assert.equal((await good.connect(connectParams(TOKEN))).ok, true);
    assert.equal((await good.call('health', {}, 'h1')).ok, true);
    // Without backpressure the drop comes within milliseconds of the first big read; watch a while.
    for (let i = 0; i < 60; i++) {
      assert.ok(!ctx.logged.some((l) => l.includes('slow consumer')), 'the stalled client was dropped as a slow consumer: its requests were read and answered');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(ctx.gateway.fanout.connections.size >= 2, 'the stalled client is still connected');
    good.terminate();
    stalled.ws.terminate();
    await stalled.closed;
  });
});
