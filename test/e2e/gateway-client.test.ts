import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { buildConnectParams } from '../../src/client/frames.js';
import { GatewayClient, RequestError } from '../../src/client/gateway-client.js';
import { ReconnectingClient } from '../../src/client/reconnecting-client.js';
import { GatewayError } from '../../src/protocol/errors.js';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { TEST_TOKEN } from '../helpers/gateway-process.js';
import { tmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const params = (token = TEST_TOKEN) =>
  buildConnectParams({ clientId: 'cli', mode: 'cli', version: 'test', scopes: ['operator.read'], token });

/** A peer that completes the handshake and then never answers (a stalled gateway or dead path). */
async function silentPeer(tickIntervalMs: number): Promise<{ url: string; close(): Promise<void>; dropAll(): void }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => {
    ws.send(JSON.stringify({ type: 'event', event: 'connect.challenge', payload: { nonce: 'n', ts: Date.now() } }));
    ws.once('message', (data) => {
      const id = (JSON.parse(data.toString()) as { id: string }).id;
      // A hello-ok head the client accepts (it validates type, protocol, server, features, auth, policy).
      const hello = {
        type: 'hello-ok', protocol: 4, server: { version: 'test', connId: 'c1' }, features: { methods: [], events: [] },
        auth: { role: 'operator', scopes: [] }, policy: { maxPayload: 1_048_576, maxBufferedBytes: 1_048_576, tickIntervalMs },
      };
      ws.send(JSON.stringify({ type: 'res', id, ok: true, payload: hello }));
    });
  });
  const address = wss.address();
  const port = address !== null && typeof address === 'object' ? address.port : 0;
  return {
    url: `ws://127.0.0.1:${port}`,
    dropAll: () => wss.clients.forEach((c) => c.terminate()),
    close: () => new Promise((r) => wss.close(() => r())),
  };
}

describe('GatewayClient and ReconnectingClient', () => {
  const disposers: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    while (disposers.length) await disposers.pop()?.();
  });

  it('runs concurrent requests on one connection and receives numbered events', async () => {
    const home = tmpHome();
    disposers.push(() => home.dispose());
    const { gateway, url } = await startInProcessGateway(home, { token: TEST_TOKEN, tickIntervalMs: 50 });
    disposers.push(() => gateway.stop());
    const c = new GatewayClient();
    disposers.push(() => c.close());
    const seqs: number[] = [];
    c.onEvent((e) => e.seq !== undefined && seqs.push(e.seq));
    await c.connect(url, params(), 5000);
    const [health, status, presence] = await Promise.all([c.request('health', {}, 5000), c.request('status', {}, 5000), c.request('system-presence', {}, 5000)]);
    assert.equal((health as { ok: boolean }).ok, true);
    assert.ok('runtimeVersion' in (status as object));
    assert.ok(Array.isArray(presence));
    await waitFor('three numbered events', () => seqs.length >= 3);
    assert.deepEqual(seqs.slice(0, 3), [1, 2, 3]);
  });

  it('rejects a refused handshake with the wire error', async () => {
    const home = tmpHome();
    disposers.push(() => home.dispose());
    const { gateway, url } = await startInProcessGateway(home, { token: TEST_TOKEN });
    disposers.push(() => gateway.stop());
    const err = await new GatewayClient().connect(url, params('wrong'), 5000).catch((e: unknown) => e);
    assert.ok(err instanceof RequestError);
    assert.equal((err.shape.details as { code: string }).code, 'AUTH_TOKEN_MISMATCH');
  });

  it('fails every pending request at once with a retryable error when the socket drops', async () => {
    const peer = await silentPeer(60_000);
    disposers.push(() => peer.close());
    const c = new GatewayClient();
    await c.connect(peer.url, params(), 5000);
    const pending = [c.request('health', {}, 60_000), c.request('status', {}, 60_000)];
    peer.dropAll();
    for (const p of pending) {
      const err = await p.catch((e: unknown) => e);
      assert.ok(err instanceof GatewayError);
      assert.equal(err.code, 'UNAVAILABLE');
      assert.equal(err.retryable, true);
    }
  });

  it('closes with 4000 tick timeout after two tick intervals of silence', async () => {
    const peer = await silentPeer(100);
    disposers.push(() => peer.close());
    const c = new GatewayClient();
    await c.connect(peer.url, params(), 5000);
    const info = await waitFor('tick watchdog close', () => c.closeInfo, 5000);
    assert.deepEqual(info, { code: 4000, reason: 'tick timeout' });
  });

  it('reconnects after the gateway restarts and works again', async () => {
    const home = tmpHome();
    disposers.push(() => home.dispose());
    let { gateway, url, port } = await startInProcessGateway(home, { token: TEST_TOKEN });
    const rc = new ReconnectingClient({ url, params: () => params(), connectTimeoutMs: 2000, minDelayMs: 20, maxDelayMs: 200 });
    disposers.push(() => rc.stop());
    let hellos = 0;
    rc.onHello(() => hellos++);
    rc.start();
    await waitFor('first hello', () => hellos === 1);
    await gateway.stop();
    await assert.rejects(rc.request('health', {}, 1000), (e: GatewayError) => e.retryable === true);
    ({ gateway } = await startInProcessGateway(home, { token: TEST_TOKEN, port }));
    disposers.push(() => gateway.stop());
    await waitFor('second hello', () => hellos === 2, 10_000);
    assert.equal(((await rc.request('health', {}, 5000)) as { ok: boolean }).ok, true);
  });

  it('stops for good when the handshake is refused for a reason retrying cannot fix', async () => {
    const home = tmpHome();
    disposers.push(() => home.dispose());
    const { gateway, url } = await startInProcessGateway(home, { token: TEST_TOKEN });
    disposers.push(() => gateway.stop());
    const rc = new ReconnectingClient({ url, params: () => params('wrong'), connectTimeoutMs: 2000, minDelayMs: 20 });
    const fatal = new Promise<Error>((resolve) => rc.onFatal(resolve));
    rc.start();
    const err = await fatal;
    assert.match(err.message, /gateway token mismatch/);
    assert.equal(rc.state, 'stopped');
    assert.equal(rc.attempt, 0);
  });

  it('backs off exponentially with jitter and a cap', () => {
    const rc = new ReconnectingClient({ url: 'ws://x', params: () => params(), connectTimeoutMs: 1, minDelayMs: 1000, maxDelayMs: 30_000, random: () => 0.999999 });
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((a) => rc.backoffMs(a)), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    const low = new ReconnectingClient({ url: 'ws://x', params: () => params(), connectTimeoutMs: 1, random: () => 0 });
    assert.equal(low.backoffMs(1), 500);
  });
});
