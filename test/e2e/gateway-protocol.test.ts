import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { RawClient, connectParams } from '../helpers/raw-client.js';

describe('gateway protocol edges (real gateway process)', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({
      // The raw clients below play a reverse proxy on loopback; it must be trusted (6.4).
      config: { gateway: { mode: 'local', trustedProxies: ['127.0.0.1', '::1'] } },
      args: ['--token', TEST_TOKEN],
      env: { FARCLAW_TICK_INTERVAL_MS: '150', FARCLAW_HANDSHAKE_TIMEOUT_MS: '400' },
    });
  });
  after(async () => {
    await gw.stop();
  });

  it('closes with 1009 when a frame before the handshake exceeds 64 KiB', async () => {
    const c = await RawClient.open(gw.url);
    c.send('{"type":"req","id":"big","method":"connect","params":{"pad":"' + 'x'.repeat(65_544 - 60) + '"}}');
    assert.equal((await c.waitClose()).code, 1009);
    assert.equal(c.frames.filter((f) => f.type === 'res').length, 0);
  });

  it('accepts a 1 MiB frame after the handshake and closes with 1009 above 25 MiB', async () => {
    const c = await RawClient.open(gw.url);
    assert.equal((await c.connect(connectParams(TEST_TOKEN))).ok, true);
    const res = await c.call('health', { pad: 'x'.repeat(1024 * 1024) }, 'mib');
    assert.equal(res.ok, true);
    c.send('{"type":"req","id":"huge","method":"health","params":{"pad":"' + 'x'.repeat(26_214_400) + '"}}');
    assert.equal((await c.waitClose(20_000)).code, 1009);
  });

  it('closes a socket that never sends connect when the handshake deadline passes', async () => {
    // Straight from the trusted proxy: admission holds no deadline for it, the connection does.
    const c = await RawClient.open(gw.url);
    assert.deepEqual(await c.waitClose(), { code: 1000, reason: '' });
  });

  it('closes a proxied client that never sends connect at the pre-auth deadline, with a close frame', async () => {
    // Counted against its forwarded address: admission's deadline is the socket's only one.
    const c = await RawClient.open(gw.url, { 'X-Forwarded-For': '203.0.113.40' });
    assert.deepEqual(await c.waitClose(), { code: 1000, reason: '' });
  });

  it('closes after ten unauthorized-role calls in a row', async () => {
    const c = await RawClient.open(gw.url);
    await c.connect(connectParams(TEST_TOKEN));
    for (let i = 1; i <= 11; i++) c.send({ type: 'req', id: `u${i}`, method: 'node.event', params: { event: 'x' } });
    const close = await c.waitClose();
    assert.deepEqual(close, { code: 1008, reason: 'repeated unauthorized calls' });
    const answers = c.frames.filter((f) => f.type === 'res' && f.id?.startsWith('u'));
    assert.ok(answers.length >= 10);
    assert.ok(answers.every((f) => f.error?.message === 'unauthorized role: operator'));
  });

  it('does not count authorized calls toward the unauthorized streak', async () => {
    const c = await RawClient.open(gw.url);
    await c.connect(connectParams(TEST_TOKEN));
    for (let i = 1; i <= 9; i++) c.send({ type: 'req', id: `u${i}`, method: 'node.event', params: {} });
    await c.call('health', {}, 'h1');
    for (let i = 10; i <= 18; i++) c.send({ type: 'req', id: `u${i}`, method: 'node.event', params: {} });
    await c.call('health', {}, 'h2');
    assert.equal(c.close, undefined);
    c.terminate();
  });

  it('sends ticks with a per-connection seq that only grows', async () => {
    const c = await RawClient.open(gw.url);
    await c.connect(connectParams(TEST_TOKEN));
    const first = await c.waitEvent('tick');
    const second = await c.waitEvent('tick', c.frames.indexOf(first) + 1);
    assert.ok(typeof first.payload.ts === 'number');
    assert.ok((second.seq ?? 0) > (first.seq ?? 0));
    const challenge = c.frames.find((f) => f.event === 'connect.challenge');
    assert.equal(challenge?.seq, undefined);
    c.terminate();
  });

  it('tells watchers about a UI client joining and leaving with presence events and stateVersion', async () => {
    const watcher = await RawClient.open(gw.url);
    await watcher.connect(connectParams(TEST_TOKEN));
    const mark = watcher.frames.length;
    const ui = await RawClient.open(gw.url);
    const uiParams = { ...connectParams(TEST_TOKEN), client: { id: 'openclaw-tui', version: '1', platform: 'linux', mode: 'ui', displayName: 'my-tui' } };
    await ui.connect(uiParams);
    const joined = await watcher.waitEvent('presence', mark);
    assert.ok(joined.payload.presence.some((p: { host?: string }) => p.host === 'my-tui'));
    assert.equal(joined.payload.presence[0].mode, 'gateway');
    ui.terminate();
    const left = await watcher.waitEvent('presence', watcher.frames.indexOf(joined) + 1);
    assert.ok((left.stateVersion?.presence ?? 0) > (joined.stateVersion?.presence ?? 0));
    assert.ok(!left.payload.presence.some((p: { host?: string }) => p.host === 'my-tui'));
    watcher.terminate();
  });

  it('clears the scopes of a device-less probe client but still answers health', async () => {
    const c = await RawClient.open(gw.url);
    const hello = await c.connect({ ...connectParams(TEST_TOKEN), minProtocol: 3, client: { id: 'cli', version: 'dev', platform: 'linux', mode: 'probe' } });
    assert.deepEqual(hello.payload.auth.scopes, []);
    assert.equal((await c.call('health')).ok, true);
    const status = await c.call('status');
    assert.equal(status.error?.code, 'FORBIDDEN');
    assert.equal(status.error?.message, 'missing scope: operator.read');
    c.terminate();
  });

  it('treats a client behind a trusted loopback proxy as remote (scopes cleared)', async () => {
    const c = await RawClient.open(gw.url, { 'x-forwarded-for': '203.0.113.7' });
    const hello = await c.connect(connectParams(TEST_TOKEN));
    assert.deepEqual(hello.payload.auth.scopes, []);
    c.terminate();
  });

  it('refuses a browser origin that is neither same-origin nor allowed', async () => {
    const c = await RawClient.open(gw.url, { origin: 'https://evil.example' });
    const res = await c.connect(connectParams(TEST_TOKEN));
    assert.equal(res.error?.details?.code, 'CONTROL_UI_ORIGIN_NOT_ALLOWED');
    assert.equal((await c.waitClose()).code, 1008);
  });

  it('accepts a same-origin browser', async () => {
    const c = await RawClient.open(gw.url, { origin: `http://127.0.0.1:${gw.port}` });
    assert.equal((await c.connect(connectParams(TEST_TOKEN))).ok, true);
    c.terminate();
  });

  it('answers an upgrade on another path with HTTP 404', async () => {
    const ws = new WebSocket(`${gw.url}/other`);
    const status = await new Promise<number | undefined>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.once('open', () => resolve(undefined));
      ws.once('error', () => undefined);
    });
    ws.terminate();
    assert.equal(status, 404);
  });

  it('serves /healthz to anyone and /readyz details only to direct-local or bearer callers', async () => {
    const base = `http://127.0.0.1:${gw.port}`;
    assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { ok: true, status: 'live' });
    assert.deepEqual(await (await fetch(`${base}/health`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).json(), { ok: true, status: 'live' });
    const local = (await (await fetch(`${base}/readyz`)).json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(local).sort(), ['eventLoop', 'failing', 'ready', 'uptimeMs']);
    const proxied = await (await fetch(`${base}/readyz`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).json();
    assert.deepEqual(proxied, { ready: true });
    const bearer = (await (await fetch(`${base}/ready`, { headers: { 'x-forwarded-for': '203.0.113.7', authorization: `Bearer ${TEST_TOKEN}` } })).json()) as Record<string, unknown>;
    assert.equal(bearer.ready, true);
    assert.ok('uptimeMs' in bearer);
  });
});
