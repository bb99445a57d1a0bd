// Forwarded headers, client attribution and trusted-proxy auth, black-box against the real binary
// (acceptance.md I, M; remote-access.md 6.4, 12, 14).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { useDisposers } from '../helpers/disposers.js';
import { operatorParams, challengeOf } from '../helpers/device-session.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { upgradeAnswer } from '../helpers/http-upgrade.js';
import { RawClient, connectParams } from '../helpers/raw-client.js';
import { newTestDevice, withDeviceProof } from '../helpers/test-device.js';
import { waitFor } from '../helpers/wait-for.js';

const ATTRIBUTION_BODY = {
  error: {
    message: 'Proxy client attribution is required. Configure gateway.trustedProxies narrowly and make the proxy overwrite or safely rebuild forwarded client headers.',
    type: 'proxy_attribution_required',
  },
};

describe('forwarded headers from an untrusted peer (acceptance I1–I3)', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({ config: { gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN } } } });
  });
  after(async () => {
    await gw.stop();
  });

  test('I1: X-Forwarded-For with a valid token is refused with 403 before the upgrade', async () => {
    const a = await upgradeAnswer(gw.port, { 'X-Forwarded-For': '1.2.3.4' });
    assert.equal(a.status, 403, a.headers);
    assert.deepEqual(JSON.parse(a.body), ATTRIBUTION_BODY);
  });

  test('I2: each proxy-shaped header alone gets the same 403', async () => {
    for (const [h, v] of [['X-Real-IP', '1.2.3.4'], ['Forwarded', 'for=1.2.3.4'], ['X-Forwarded-Proto', 'https'], ['X-Forwarded-Host', 'gw.example'], ['Tailscale-User-Login', 'a@b.c']] as const) {
      const a = await upgradeAnswer(gw.port, { [h]: v });
      assert.equal(a.status, 403, `${h}: ${a.headers}`);
      assert.deepEqual(JSON.parse(a.body), ATTRIBUTION_BODY, h);
    }
  });

  test('I3 / M1: /healthz still answers 200 to proxied requests; /readyz answers 403', async () => {
    const base = `http://127.0.0.1:${gw.port}`;
    const headers = { 'x-forwarded-for': '1.2.3.4' };
    for (const path of ['/healthz', '/health']) {
      const r = await fetch(base + path, { headers });
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { ok: true, status: 'live' });
    }
    const ready = await fetch(`${base}/readyz`, { headers });
    assert.equal(ready.status, 403);
    assert.deepEqual(await ready.json(), ATTRIBUTION_BODY);
  });

  test('a plain loopback upgrade without forwarding headers is still accepted', async () => {
    assert.equal((await upgradeAnswer(gw.port)).status, 101);
  });
});

describe('client attribution through a trusted proxy (6.4)', () => {
  const d = useDisposers();
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({
      config: { gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN }, trustedProxies: ['127.0.0.0/8', '10.9.0.0/16'], allowRealIpFallback: true } },
    });
  });
  after(async () => {
    await gw.stop();
  });

  test('the right-most hop that is neither loopback nor trusted is the client; a proxied device is never local (no silent pairing)', async () => {
    const c = await RawClient.open(gw.url, { 'X-Forwarded-For': '198.51.100.1, 203.0.113.7, 10.9.3.4, 127.0.0.1' });
    d.defer(() => c.terminate());
    const device = newTestDevice();
    const res = await c.connect(withDeviceProof(device, operatorParams(['operator.read']), challengeOf(c)) as unknown as Record<string, unknown>);
    assert.equal(res.ok, false);
    assert.equal(res.error?.details?.code, 'PAIRING_REQUIRED', JSON.stringify(res.error));
    const admin = await RawClient.open(gw.url);
    d.defer(() => admin.terminate());
    assert.equal((await admin.connect({ ...connectParams(TEST_TOKEN), scopes: ['operator.admin', 'operator.pairing'] })).ok, true);
    const list = await admin.call('device.pair.list');
    const pending = (list.payload.pending as { deviceId: string; remoteIp?: string }[]).find((p) => p.deviceId === device.id);
    assert.equal(pending?.remoteIp, '203.0.113.7', JSON.stringify(list.payload));
  });

  test('a proxied operator with the token loses the local scopes', async () => {
    const c = await RawClient.open(gw.url, { 'X-Forwarded-For': '203.0.113.8' });
    d.defer(() => c.terminate());
    const hello = await c.connect(connectParams(TEST_TOKEN));
    assert.equal(hello.ok, true);
    assert.deepEqual(hello.payload.auth.scopes, []);
  });

  test('X-Real-IP is used only when allowRealIpFallback is on and X-Forwarded-For is absent', async () => {
    assert.equal((await upgradeAnswer(gw.port, { 'X-Real-IP': '203.0.113.9' })).status, 101);
    assert.equal((await upgradeAnswer(gw.port, { 'X-Real-IP': '127.0.0.1' })).status, 403);
  });

  test('a forwarded chain with only loopback or trusted hops, or a garbage hop, is unattributable', async () => {
    for (const xff of ['127.0.0.1', '10.9.1.1, 127.0.0.1', 'unknown', '203.0.113.7, not-an-ip']) {
      assert.equal((await upgradeAnswer(gw.port, { 'X-Forwarded-For': xff })).status, 403, xff);
    }
  });

  test('M2: /readyz through the proxy shows details only with the bearer token', async () => {
    const base = `http://127.0.0.1:${gw.port}`;
    const headers = { 'x-forwarded-for': '203.0.113.7' };
    assert.deepEqual(await (await fetch(`${base}/readyz`, { headers })).json(), { ready: true });
    const bearer = (await (await fetch(`${base}/readyz`, { headers: { ...headers, authorization: `Bearer ${TEST_TOKEN}` } })).json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(bearer).sort(), ['eventLoop', 'failing', 'ready', 'uptimeMs']);
    const local = (await (await fetch(`${base}/readyz`)).json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(local).sort(), ['eventLoop', 'failing', 'ready', 'uptimeMs']);
  });
});

const TP = (extra: Record<string, unknown> = {}, trustedProxy: Record<string, unknown> = {}) => ({
  gateway: {
    mode: 'local', bind: 'loopback', trustedProxies: ['127.0.0.1', '::1'],
    auth: { mode: 'trusted-proxy', trustedProxy: { userHeader: 'x-forwarded-user', allowLoopback: true, allowUsers: ['alice@example.com'], ...trustedProxy }, ...extra },
  },
});

describe('trusted-proxy auth (acceptance I4–I9)', () => {
  const d = useDisposers();

  async function tpConnect(gw: RunningGateway, headers: Record<string, string>, scopes = ['operator.read']) {
    const c = await RawClient.open(gw.url, headers);
    d.defer(() => c.terminate());
    return await c.connect({ ...connectParams(), scopes });
  }

  test('I4–I7: the allowed user through the proxy gets hello-ok with no scopes; others need a device; no XFF is 403', async () => {
    const gw = await startGateway({ config: TP() });
    d.defer(() => gw.stop());
    const alice = await tpConnect(gw, { 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-User': 'alice@example.com' });
    assert.equal(alice.ok, true, JSON.stringify(alice.error));
    assert.deepEqual(alice.payload.auth.scopes, []);
    assert.equal(alice.payload.auth.method, 'trusted-proxy');
    for (const user of ['bob@example.com', 'Alice@Example.com']) {
      const r = await tpConnect(gw, { 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-User': user });
      assert.equal(r.error?.code, 'NOT_PAIRED', user);
      assert.equal(r.error?.message, 'device identity required');
    }
    const noXff = await upgradeAnswer(gw.port, { 'X-Forwarded-User': 'alice@example.com' });
    assert.equal(noXff.status, 403);
    assert.deepEqual(JSON.parse(noXff.body), ATTRIBUTION_BODY);
    const bare = await tpConnect(gw, {});
    assert.equal(bare.error?.message, 'device identity required');
  });

  test('I8: identityScopes grant the requested scopes they cover, and the grant is logged', async () => {
    const gw = await startGateway({ config: TP({ identityScopes: { 'ALICE@example.com': ['operator.read'] } }) });
    d.defer(() => gw.stop());
    const headers = { 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-User': 'alice@example.com' };
    const hello = await tpConnect(gw, headers, ['operator.read', 'operator.admin']);
    assert.deepEqual(hello.payload.auth.scopes, ['operator.read']);
    await waitFor('the grant in the log', () => /identity scope grant elevated connection identity=alice@example\.com/.test(gw.stderr()));
    const c = await RawClient.open(gw.url, headers);
    d.defer(() => c.terminate());
    await c.connect({ ...connectParams(), scopes: ['operator.read'] });
    assert.equal((await c.call('status')).ok, true);
  });

  test('I9: without allowLoopback a loopback proxy is not trusted for identities', async () => {
    const gw = await startGateway({ config: TP({}, { allowLoopback: undefined }) });
    d.defer(() => gw.stop());
    const r = await tpConnect(gw, { 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-User': 'alice@example.com' });
    assert.equal(r.error?.message, 'device identity required');
    await waitFor('the refusal reason in the log', () => gw.stderr().includes('trusted-proxy auth refused (trusted_proxy_loopback_source)'));
  });

  test('requiredHeaders must all be present', async () => {
    const gw = await startGateway({ config: TP({}, { requiredHeaders: ['x-proxy-secret'] }) });
    d.defer(() => gw.stop());
    const headers = { 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-User': 'alice@example.com' };
    assert.equal((await tpConnect(gw, headers)).error?.message, 'device identity required');
    assert.equal((await tpConnect(gw, { ...headers, 'X-Proxy-Secret': 'yes' })).ok, true);
  });

  test('a direct-local caller may fall back to gateway.auth.password; a proxied one may not', async () => {
    const gw = await startGateway({ config: TP({ password: 'pw-0123456789abcdef0123456789' }) });
    d.defer(() => gw.stop());
    const local = await tpConnect(gw, {});
    assert.equal(local.error?.message, 'device identity required');
    const c = await RawClient.open(gw.url);
    d.defer(() => c.terminate());
    const withPw = await c.connect({ ...connectParams(), auth: { password: 'pw-0123456789abcdef0123456789' } });
    assert.equal(withPw.ok, true, JSON.stringify(withPw.error));
    assert.equal(withPw.payload.auth.method, 'password');
    const p = await RawClient.open(gw.url, { 'X-Forwarded-For': '203.0.113.7' });
    d.defer(() => p.terminate());
    assert.equal((await p.connect({ ...connectParams(), auth: { password: 'pw-0123456789abcdef0123456789' } })).error?.message, 'device identity required');
  });
});
