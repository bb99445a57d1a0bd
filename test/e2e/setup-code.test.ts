// Setup codes and bootstrap tokens (issue 5; protocol.md 4.1, 5.3 "Order", 3.4 `auth.deviceTokens`)
// as a remote device sees them: the gateway runs as a real process (`--bind lan`) in one network
// namespace, the device in another, joined by a veth pair (netns.ts); the admin that asks for
// codes is a loopback client inside the gateway's namespace. The gateway's clock is moved by the
// test clock, not waited for.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSetupCode } from '../../src/protocol/setup-code.js';
import {
  adminClient, connectWith, nodeParams, operatorParams,
} from '../helpers/device-session.js';
import { TEST_TOKEN } from '../helpers/gateway-process.js';
import { useClockedLanGateway } from '../helpers/lan-gateway.js';
import { newTestDevice } from '../helpers/test-device.js';

const TEN_MINUTES_MS = 10 * 60_000;
const HANDOFF_OPERATOR_SCOPES = ['operator.approvals', 'operator.questions', 'operator.read', 'operator.talk.secrets', 'operator.write'];
const INVALID_MESSAGE = 'unauthorized: setup code is unknown, expired or already used (ask for a new one: farclaw qr)';

/** A node-host connect that authenticates with a bootstrap token only. */
function bootstrapNode(bootstrapToken: string) {
  return { ...nodeParams(), auth: { bootstrapToken } };
}

describe('setup codes and bootstrap tokens over a veth pair', () => {
  const lab = useClockedLanGateway();

  /** Asks the gateway for a setup code as a local admin; returns the answer frame. */
  async function setupCode(params: Record<string, unknown> = {}, scopes?: string[]) {
    const admin = await adminClient(lab.local, scopes);
    try {
      return await admin.call('device.pair.setupCode', params);
    } finally {
      admin.terminate();
    }
  }

  async function newBootstrapToken(): Promise<string> {
    const res = await setupCode();
    assert.equal(res.ok, true, JSON.stringify(res.error));
    return decodeSetupCode(String(res.payload.setupCode)).bootstrapToken;
  }

  it('issues a setup code that carries the LAN URL and a fresh bootstrap token, never the shared token', async () => {
    const before = Date.now();
    const res = await setupCode();
    const afterCall = Date.now();
    assert.equal(res.ok, true, JSON.stringify(res.error));
    const p = res.payload;
    const url = `ws://${lab.pair.gateway.address}:${lab.gw.port}`;
    assert.deepEqual(
      { ...p, setupId: typeof p.setupId, expiresAtMs: typeof p.expiresAtMs, setupCode: typeof p.setupCode },
      { setupId: 'string', expiresAtMs: 'number', setupCode: 'string', gatewayUrl: url, auth: 'token', urlSource: 'gateway.bind=lan', access: 'limited' },
    );
    assert.ok(p.expiresAtMs >= before + TEN_MINUTES_MS && p.expiresAtMs <= afterCall + TEN_MINUTES_MS, 'valid for ten minutes');
    const decoded = decodeSetupCode(p.setupCode);
    assert.deepEqual({ ...decoded, bootstrapToken: /^[A-Za-z0-9_-]{43}$/.test(decoded.bootstrapToken) }, { url, bootstrapToken: true, expiresAtMs: p.expiresAtMs });
    assert.equal(String(p.setupCode).includes(Buffer.from(TEST_TOKEN).toString('base64url').slice(0, 12)), false);
    assert.notEqual(decoded.bootstrapToken, TEST_TOKEN);
    assert.notEqual(decoded.bootstrapToken, decodeSetupCode((await setupCode()).payload.setupCode).bootstrapToken, 'every code has its own token');
  });

  it('keeps setupCode out of the advertised methods and refuses it without operator.admin', async () => {
    const admin = await adminClient(lab.local);
    const hello = admin.frames.find((f) => f.payload?.type === 'hello-ok');
    assert.equal(hello?.payload.features.methods.includes('device.pair.setupCode'), false);
    assert.equal(hello?.payload.features.methods.includes('device.pair.list'), true);
    admin.terminate();
    const res = await setupCode({}, ['operator.pairing']);
    assert.deepEqual(res.error, {
      code: 'FORBIDDEN', message: 'missing scope: operator.admin', details: { code: 'MISSING_SCOPE', missingScope: 'operator.admin', requiredScopes: ['operator.admin'] },
    });
  });

  it('refuses plaintext ws:// to a tailnet or public host, and takes wss:// or a private LAN URL', async () => {
    for (const publicUrl of ['ws://100.101.102.103:18789', 'ws://203.0.113.7:18789', 'gateway.example.com:18789']) {
      const res = await setupCode({ publicUrl });
      assert.equal(res.error?.code, 'INVALID_REQUEST', publicUrl);
      assert.match(String(res.error?.message), /^Refusing to put plaintext ws:\/\/\S+ \(from request\.publicUrl\) in a setup code: /, publicUrl);
    }
    const secure = await setupCode({ publicUrl: 'wss://gateway.example.com' });
    assert.equal(secure.payload?.gatewayUrl, 'wss://gateway.example.com');
    assert.equal(secure.payload?.urlSource, 'request.publicUrl');
    assert.equal(decodeSetupCode(secure.payload.setupCode).url, 'wss://gateway.example.com');
    const lan = await setupCode({ publicUrl: '192.168.1.20:18789' });
    assert.equal(lan.payload?.gatewayUrl, 'ws://192.168.1.20:18789');
    const bad = await setupCode({ publicUrl: 'ws://user:pw@192.168.1.20:18789' });
    assert.match(String(bad.error?.message), /^request\.publicUrl "ws:\/\/user:pw@192\.168\.1\.20:18789" is not a gateway URL/);
  });

  it('pairs a fresh remote device silently by its bootstrap token and hands over a node and a bounded operator token', async () => {
    const token = await newBootstrapToken();
    const device = newTestDevice();
    const { client, res } = await connectWith(lab.remote, bootstrapNode(token), device);
    assert.equal(res.ok, true, JSON.stringify(res.error));
    const auth = res.payload.auth;
    assert.equal(auth.method, 'bootstrap-token');
    assert.equal(auth.role, 'node');
    assert.deepEqual(auth.scopes, []);
    assert.match(auth.deviceToken, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(auth.deviceTokens.map((t: any) => ({ ...t, deviceToken: typeof t.deviceToken, issuedAtMs: typeof t.issuedAtMs })), [
      { deviceToken: 'string', role: 'operator', scopes: HANDOFF_OPERATOR_SCOPES, issuedAtMs: 'number' },
    ]);
    client.terminate();

    const admin = await adminClient(lab.local);
    const paired = (await admin.call('device.pair.list')).payload.paired.find((d: any) => d.deviceId === device.id);
    admin.terminate();
    assert.equal(paired.approvedVia, 'bootstrap-token');
    assert.deepEqual(paired.roles, ['node', 'operator']);
    assert.deepEqual(paired.tokens.map((t: any) => t.role).sort(), ['node', 'operator']);

    const asNode = await connectWith(lab.remote, { ...nodeParams(), auth: { deviceToken: auth.deviceToken } }, device);
    assert.equal(asNode.res.payload?.auth.method, 'device-token', JSON.stringify(asNode.res.error));
    asNode.client.terminate();
    const operatorToken = String(auth.deviceTokens[0].deviceToken);
    const asOperator = await connectWith(lab.remote, operatorParams(['operator.read', 'operator.write'], { deviceToken: operatorToken }), device);
    assert.deepEqual(asOperator.res.payload?.auth.scopes, ['operator.read', 'operator.write'], JSON.stringify(asOperator.res.error));
    assert.equal((await asOperator.client.call('device.pair.list')).error?.message, 'missing scope: operator.pairing');
    asOperator.client.terminate();
  });

  it('accepts a bootstrap token once: a second use, by any device, is AUTH_BOOTSTRAP_TOKEN_INVALID with close 1008', async () => {
    const token = await newBootstrapToken();
    const first = await connectWith(lab.remote, bootstrapNode(token), newTestDevice());
    assert.equal(first.res.ok, true, JSON.stringify(first.res.error));
    first.client.terminate();
    for (const device of [newTestDevice(), newTestDevice()]) {
      const { client, res } = await connectWith(lab.remote, bootstrapNode(token), device);
      assert.deepEqual(res.error, {
        code: 'INVALID_REQUEST', message: INVALID_MESSAGE,
        details: { code: 'AUTH_BOOTSTRAP_TOKEN_INVALID', authReason: 'bootstrap_token_invalid', canRetryWithDeviceToken: false, recommendedNextStep: 'update_auth_credentials' },
      });
      assert.deepEqual(await client.waitClose(), { code: 1008, reason: INVALID_MESSAGE });
    }
  });

  it('lets exactly one of three concurrent connects with one token in', async () => {
    const token = await newBootstrapToken();
    const results = await Promise.all([0, 1, 2].map(() => connectWith(lab.remote, bootstrapNode(token), newTestDevice())));
    assert.equal(results.filter((r) => r.res.ok === true).length, 1);
    assert.equal(results.filter((r) => r.res.error?.details?.code === 'AUTH_BOOTSTRAP_TOKEN_INVALID').length, 2);
    for (const r of results) r.client.terminate();
  });

  it('takes a bootstrap token for ten minutes and refuses it after', async () => {
    const [early, late] = [await newBootstrapToken(), await newBootstrapToken()];
    try {
      await lab.clock.setOffset(lab.gw, TEN_MINUTES_MS - 30_000);
      const inTime = await connectWith(lab.remote, bootstrapNode(early), newTestDevice());
      assert.equal(inTime.res.ok, true, JSON.stringify(inTime.res.error));
      inTime.client.terminate();
      await lab.clock.setOffset(lab.gw, TEN_MINUTES_MS);
      const { res } = await connectWith(lab.remote, bootstrapNode(late), newTestDevice());
      assert.equal(res.error?.details?.code, 'AUTH_BOOTSTRAP_TOKEN_INVALID');
    } finally {
      await lab.clock.setOffset(lab.gw, 0);
    }
  });

  it('files an ordinary pending request for an ask beyond the code, and leaves the code usable', async () => {
    const token = await newBootstrapToken();
    const device = newTestDevice();
    const greedy = await connectWith(lab.remote, operatorParams(['operator.admin'], { bootstrapToken: token }), device);
    assert.equal(greedy.res.error?.code, 'NOT_PAIRED');
    assert.equal(greedy.res.error?.details?.reason, 'not-paired');
    const modest = await connectWith(lab.remote, operatorParams(['operator.read'], { bootstrapToken: token }), device);
    assert.equal(modest.res.payload?.auth.method, 'bootstrap-token', JSON.stringify(modest.res.error));
    assert.deepEqual(modest.res.payload?.auth.scopes, ['operator.read']);
    assert.deepEqual(modest.res.payload?.auth.deviceTokens.map((t: any) => [t.role, t.scopes]), [['node', []]]);
    modest.client.terminate();
  });

  it('needs a device proof with a bootstrap token', async () => {
    const { client, res } = await connectWith(lab.remote, bootstrapNode(await newBootstrapToken()));
    assert.deepEqual(res.error, { code: 'NOT_PAIRED', message: 'device identity required', details: { code: 'DEVICE_IDENTITY_REQUIRED' } });
    assert.equal((await client.waitClose()).code, 1008);
  });

  it('counts unknown bootstrap tokens toward the failed-auth lockout of the address', async () => {
    // Runs last: it locks the client namespace's address out of bootstrap-token auth. A success
    // first clears the failures the tests above left on that address.
    const ok = await connectWith(lab.remote, bootstrapNode(await newBootstrapToken()), newTestDevice());
    assert.equal(ok.res.ok, true);
    ok.client.terminate();
    const valid = await newBootstrapToken();
    for (let i = 1; i <= 10; i++) {
      const { res } = await connectWith(lab.remote, bootstrapNode(`guess-${i}`), newTestDevice());
      assert.equal(res.error?.details?.code, 'AUTH_BOOTSTRAP_TOKEN_INVALID', `attempt ${i}`);
    }
    const { res } = await connectWith(lab.remote, bootstrapNode(valid), newTestDevice());
    assert.equal(res.error?.details?.code, 'AUTH_RATE_LIMITED');
    assert.equal(res.error?.retryable, true);
    const shared = await connectWith(lab.remote, operatorParams(), newTestDevice());
    assert.equal(shared.res.error?.details?.code, 'PAIRING_REQUIRED', 'the shared-secret class is not locked');
  });
});
