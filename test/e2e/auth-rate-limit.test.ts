import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ADDRESS_BUDGET_FACTOR } from '../../src/gateway/auth/rate-limit.js';
import { MAX_PENDING_HANDSHAKE_FRAMES } from '../../src/protocol/version.js';
import { connectWith, operatorParams } from '../helpers/device-session.js';
import { startGateway, TEST_TOKEN } from '../helpers/gateway-process.js';
import { startInProcessGateway, type InProcessOptions } from '../helpers/in-process-gateway.js';
import { createNetnsPair } from '../helpers/netns.js';
import { NetnsRelay } from '../helpers/netns-relay.js';
import { RawClient } from '../helpers/raw-client.js';
import { tmpHome } from '../helpers/tmp-home.js';

const wrong = (i: number) => operatorParams(['operator.read'], { token: `wrong-token-${i}` });

describe('failed-auth rate limiting over real sockets (remote-access.md 6.3)', () => {
  const disposers: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    while (disposers.length) await disposers.pop()?.();
  });

  async function gatewayOn(opts: Partial<InProcessOptions> = {}) {
    const home = tmpHome();
    disposers.push(() => home.dispose());
    const started = await startInProcessGateway(home, { token: TEST_TOKEN, ...opts });
    disposers.push(() => started.gateway.stop());
    return started;
  }

  it('locks a remote address out after ten failures, even for the right token', async () => {
    // The gateway (`--bind lan`) and the remote client sit in two namespaces joined by a veth pair.
    const pair = await createNetnsPair();
    disposers.push(() => pair.dispose());
    const [inGateway, inClient] = await Promise.all([NetnsRelay.start(pair.gateway), NetnsRelay.start(pair.client)]);
    disposers.push(() => Promise.all([inGateway.close(), inClient.close()]));
    const gw = await startGateway({
      args: ['--bind', 'lan', '--token', TEST_TOKEN],
      spawnPrefix: pair.gateway.prefix,
      isReady: async (p) => (await inGateway.httpStatus(`http://127.0.0.1:${p}/readyz`)) === 200,
    });
    disposers.push(() => gw.stop());
    const remote = { url: `ws://${pair.gateway.address}:${gw.port}`, via: inClient };
    for (let i = 1; i <= 10; i++) {
      const { res } = await connectWith(remote, wrong(i));
      assert.equal(res.error?.details?.code, 'AUTH_TOKEN_MISMATCH', `attempt ${i}`);
    }
    const { client, res } = await connectWith(remote, operatorParams());
    assert.equal(res.error?.code, 'INVALID_REQUEST');
    assert.equal(res.error?.message, 'unauthorized: too many failed authentication attempts (retry later)');
    assert.deepEqual(res.error?.details, {
      code: 'AUTH_RATE_LIMITED', authReason: 'rate_limited', canRetryWithDeviceToken: false, recommendedNextStep: 'wait_then_retry',
    });
    assert.equal(res.error?.retryable, true);
    assert.ok((res.error?.retryAfterMs ?? 0) > 290_000 && (res.error?.retryAfterMs ?? 0) <= 300_000);
    assert.deepEqual(await client.waitClose(), { code: 1008, reason: 'unauthorized: too many failed authentication attempts (retry later)' });
    const fromLoopback = await connectWith({ url: gw.url, via: inGateway }, operatorParams());
    assert.equal(fromLoopback.res.ok, true, 'another address is not locked out');
    fromLoopback.client.terminate();
  });

  it('answers loopback failures later and later but never locks loopback out', async () => {
    const { url } = await gatewayOn();
    const elapsed: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const started = Date.now();
      const { res } = await connectWith(url, wrong(i));
      elapsed.push(Date.now() - started);
      assert.equal(res.error?.details?.code, 'AUTH_TOKEN_MISMATCH');
    }
    assert.ok(elapsed[0]! >= 240 && elapsed[1]! >= 490 && elapsed[2]! >= 990, `answers after ${elapsed.join(', ')} ms`);
    const started = Date.now();
    const { client, res } = await connectWith(url, operatorParams());
    assert.equal(res.ok, true);
    assert.ok(Date.now() - started < 240, 'the right token is accepted at once');
    client.terminate();
  });

  it('honours gateway.auth.rateLimit (here: loopback not exempt, two attempts)', async () => {
    const { url } = await gatewayOn({ config: { gateway: { auth: { rateLimit: { maxAttempts: 2, exemptLoopback: false } } } } });
    await connectWith(url, wrong(1));
    await connectWith(url, wrong(2));
    const { res } = await connectWith(url, operatorParams());
    assert.equal(res.error?.details?.code, 'AUTH_RATE_LIMITED');
  });

  it('limits browser attempts per Origin, with no loopback exemption', async () => {
    const { url } = await gatewayOn({ config: { gateway: { auth: { rateLimit: { maxAttempts: 3 } } } } });
    const port = new URL(url).port;
    const fromPage = async (origin: string, params: ReturnType<typeof operatorParams>) => {
      const client = await RawClient.open(url, { Origin: origin });
      try {
        return await client.connect(params as unknown as Record<string, unknown>);
      } finally {
        client.terminate();
      }
    };
    const hostile = `http://localhost:${port}`;
    const ui = `http://127.0.0.1:${port}`;
    for (let i = 1; i <= 3; i++) {
      assert.equal((await fromPage(hostile, wrong(i))).error?.details?.code, 'AUTH_TOKEN_MISMATCH', `attempt ${i}`);
    }
    // Locked out from loopback: a local CLI would only have been slowed down.
    assert.equal((await fromPage(hostile, operatorParams())).error?.details?.code, 'AUTH_RATE_LIMITED');
    assert.equal((await fromPage(ui, operatorParams())).ok, true, 'another Origin on the same address still gets in');
    const cli = await connectWith(url, operatorParams());
    assert.equal(cli.res.ok, true, 'a local client without an Origin still gets in');
    cli.client.terminate();
  });

  it('never lets a new Origin per attempt escape the address budget (issue 12.3)', async () => {
    const { url } = await gatewayOn({ config: { gateway: { auth: { rateLimit: { maxAttempts: 3 } } } } });
    const fromPage = async (origin: string, params: ReturnType<typeof operatorParams>) => {
      const client = await RawClient.open(url, { Origin: origin });
      try {
        return await client.connect(params as unknown as Record<string, unknown>);
      } finally {
        client.terminate();
      }
    };
    // Every loopback origin is allowed toward a loopback Host: a script can mint them forever.
    let failures = 0;
    for (let i = 2; i < 40; i++) {
      const res = await fromPage(`http://127.0.0.${i}:1`, wrong(i));
      if (res.error?.details?.code === 'AUTH_RATE_LIMITED') break;
      assert.equal(res.error?.details?.code, 'AUTH_TOKEN_MISMATCH', `attempt ${i}`);
      failures++;
    }
    assert.equal(failures, 3 * ADDRESS_BUDGET_FACTOR, 'guesses allowed before the address was locked');
    assert.equal((await fromPage('http://127.0.0.99:1', operatorParams())).error?.details?.code, 'AUTH_RATE_LIMITED', 'the right token while locked');
    const cli = await connectWith(url, operatorParams());
    assert.equal(cli.res.ok, true, 'the local CLI (no Origin) is never locked out');
    cli.client.terminate();
  });

  it('closes a handshake that queues more than 15 frames while its refusal is held back', async () => {
    const { url } = await gatewayOn();
    const c = await RawClient.open(url);
    c.send({ type: 'req', id: 'c1', method: 'connect', params: wrong(0) });
    for (let i = 0; i <= MAX_PENDING_HANDSHAKE_FRAMES; i++) c.send({ type: 'req', id: `h${i}`, method: 'health' });
    assert.deepEqual(await c.waitClose(), { code: 1008, reason: 'too many pending handshake frames' });
    assert.deepEqual(c.frames.filter((f) => f.type === 'res'), [], 'neither the connect nor a queued frame was answered');
  });

  it('keeps at most 64 KiB of frames behind a connect whose refusal is held back (issue 12.7)', async () => {
    const { url } = await gatewayOn();
    const c = await RawClient.open(url);
    c.send({ type: 'req', id: 'c1', method: 'connect', params: wrong(0) });
    // Two frames well under the 64 KiB pre-auth frame limit, 80 KB together.
    for (let i = 0; i < 2; i++) c.send({ type: 'req', id: `p${i}`, method: 'health', params: { pad: 'x'.repeat(40_000) } });
    assert.deepEqual(await c.waitClose(), { code: 1008, reason: 'too many pending handshake frames' });
  });
});
