// Bind modes for real beyond loopback: the gateway runs in one network namespace and a client in
// another, joined by a veth pair (netns.ts). Every "not reachable" is checked from both sides.
// Expectations: acceptance.md A4–A11, B4, B6; remote-access.md 4, 5.3.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { useDisposers } from '../helpers/disposers.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { createNetnsPair, type NetnsPair } from '../helpers/netns.js';
import { NetnsRelay } from '../helpers/netns-relay.js';
import { connectParams } from '../helpers/raw-client.js';
import { isContainer } from '../../src/gateway/startup/bind.js';

const SETUP_TIMEOUT_MS = 60_000;
const REFUSAL = 'Refusing to bind gateway to';

describe('bind modes across a veth pair', () => {
  const d = useDisposers();
  let pair: NetnsPair;
  let inGateway: NetnsRelay;
  let inClient: NetnsRelay;

  before(async () => {
    pair = await createNetnsPair();
    [inGateway, inClient] = await Promise.all([NetnsRelay.start(pair.gateway), NetnsRelay.start(pair.client)]);
  }, { timeout: SETUP_TIMEOUT_MS });
  after(async () => {
    await inGateway?.close();
    await inClient?.close();
    await pair?.dispose();
  });

  /** TCP listeners on `port` inside the gateway's namespace, as `ss` prints their local address. */
  async function listeners(port: number): Promise<string[]> {
    const r = await pair.gateway.run('ss', ['-ltnH', `sport = :${port}`], { env: process.env, cwd: '/', timeoutMs: 10_000 });
    return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[3] ?? '').filter((a) => a !== '').sort();
  }

  const reachable = async (relay: NetnsRelay, url: string): Promise<boolean> => {
    try {
      return (await relay.httpStatus(url)) > 0;
    } catch {
      return false;
    }
  };

  async function gatewayIn(args: string[], config: Record<string, unknown> = {}): Promise<RunningGateway> {
    const port = await freePort();
    const gw = await startGateway({
      port,
      args,
      config: { gateway: { mode: 'local', port, ...config } },
      spawnPrefix: pair.gateway.prefix,
      isReady: async (p) => (await inGateway.httpStatus(`http://127.0.0.1:${p}/readyz`)) === 200,
    });
    d.defer(() => gw.stop());
    return gw;
  }

  async function refusedIn(args: string[]): Promise<void> {
    const port = await freePort();
    const gw = await startGateway({ port, args: ['--allow-unconfigured', ...args], spawnPrefix: pair.gateway.prefix, waitReady: false });
    d.defer(() => gw.stop());
    assert.equal(await gw.exited, 78, gw.stderr());
    const mode = args[args.indexOf('--bind') + 1];
    assert.equal(gw.stderr().split('\n')[0], `${REFUSAL} ${mode} without auth.`);
    assert.deepEqual(await listeners(port), []);
    assert.equal(await reachable(inGateway, `http://127.0.0.1:${port}/healthz`), false, 'something listens on loopback');
    assert.equal(await reachable(inClient, `http://${pair.gateway.address}:${port}/healthz`), false, 'something listens on the veth');
  }

  test('A4 / A5 / A6: lan without auth, lan without any credential and custom without auth are refused (78), nothing listens on either side', async () => {
    await refusedIn(['--bind', 'lan', '--auth', 'none']);
    await refusedIn(['--bind', 'lan']);
    await refusedIn(['--bind', 'custom', '--auth', 'none']);
  });

  test('A10 / B6: lan with a token listens on 0.0.0.0 only; the other machine connects with the token and no local scopes', async () => {
    const gw = await gatewayIn(['--bind', 'lan', '--token', TEST_TOKEN]);
    assert.deepEqual(await listeners(gw.port), [`0.0.0.0:${gw.port}`]);
    assert.match(gw.stderr(), /Gateway is binding to a non-loopback address\. Ensure authentication is configured before exposing to public networks\./);
    const c = await inClient.open(`ws://${pair.gateway.address}:${gw.port}`);
    d.defer(() => c.terminate());
    const hello = await c.connect(connectParams(TEST_TOKEN));
    assert.equal(hello.ok, true, JSON.stringify(hello.error));
    assert.deepEqual(hello.payload.auth.scopes, []);
    assert.equal((await c.call('health')).ok, true);
    // The gateway host itself still reaches it on loopback, with its local scopes.
    const local = await inGateway.open(`ws://127.0.0.1:${gw.port}`);
    d.defer(() => local.terminate());
    assert.deepEqual((await local.connect(connectParams(TEST_TOKEN))).payload.auth.scopes, ['operator.read']);
  });

  test('B4: a wrong token from the other machine gets the remote hint', async () => {
    const gw = await gatewayIn(['--bind', 'lan', '--token', TEST_TOKEN]);
    const c = await inClient.open(`ws://${pair.gateway.address}:${gw.port}`);
    d.defer(() => c.terminate());
    const res = await c.connect(connectParams('wrong-token'));
    assert.equal(res.error?.message, 'unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)');
  });

  test('A11: custom with customBindHost listens on that address and 127.0.0.1, reachable from both sides', async () => {
    const gw = await gatewayIn([], { bind: 'custom', customBindHost: pair.gateway.address, auth: { mode: 'token', token: TEST_TOKEN } });
    assert.deepEqual(await listeners(gw.port), [`${pair.gateway.address}:${gw.port}`, `127.0.0.1:${gw.port}`].sort());
    assert.equal(await reachable(inClient, `http://${pair.gateway.address}:${gw.port}/healthz`), true);
    assert.equal(await reachable(inGateway, `http://127.0.0.1:${gw.port}/healthz`), true);
  });

  test('A7: auto without auth: refused inside a container (0.0.0.0), loopback elsewhere', async () => {
    if (!isContainer()) {
      const gw = await gatewayIn(['--bind', 'auto', '--auth', 'none']);
      assert.equal(await reachable(inClient, `http://${pair.gateway.address}:${gw.port}/healthz`), false);
      return;
    }
    await refusedIn(['--bind', 'auto', '--auth', 'none']);
    const port = await freePort();
    const gw = await startGateway({ port, args: ['--allow-unconfigured', '--bind', 'auto', '--auth', 'none'], spawnPrefix: pair.gateway.prefix, waitReady: false });
    d.defer(() => gw.stop());
    await gw.exited;
    assert.deepEqual(gw.stderr().split('\n').slice(1, 3), [
      'Container environment detected: bind=auto means 0.0.0.0 here (the default bind is loopback).',
      'Set FARCLAW_GATEWAY_TOKEN or FARCLAW_GATEWAY_PASSWORD, or pass --token/--password to start with auth.',
    ]);
  });

  test('A9 / A12: loopback and tailnet (no Tailscale here) stay on loopback: reachable inside, unreachable from the other machine', async () => {
    for (const bind of ['loopback', 'tailnet']) {
      const gw = await gatewayIn(['--bind', bind, '--auth', 'none']);
      const ls = await listeners(gw.port);
      assert.ok(ls.includes(`127.0.0.1:${gw.port}`), `${bind}: ${ls.join(', ')}`);
      assert.ok(ls.every((a) => a === `127.0.0.1:${gw.port}` || a === `[::1]:${gw.port}`), `${bind}: ${ls.join(', ')}`);
      assert.equal(await reachable(inGateway, `http://127.0.0.1:${gw.port}/healthz`), true, bind);
      assert.equal(await reachable(inClient, `http://${pair.gateway.address}:${gw.port}/healthz`), false, bind);
      await gw.stop();
    }
  });

  test('the local CLI in the gateway namespace reaches a lan gateway over loopback with no flags', async () => {
    const gw = await gatewayIn(['--bind', 'lan'], { auth: { mode: 'token', token: TEST_TOKEN } });
    const r = await runFarclaw(['gateway', 'call', 'health', '--json'], gw.home.env, 30_000, pair.gateway.prefix);
    assert.equal(r.code, 0, r.stderr);
  });
});
