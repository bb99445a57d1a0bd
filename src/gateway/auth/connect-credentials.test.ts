import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { GatewayError } from '../../protocol/errors.js';
import type { ConnectParams } from '../../protocol/schema/connect.js';
import { openStateDb, type Database } from '../../store/db.js';
import { authenticateConnect, type CredentialContext } from './connect-credentials.js';
import type { VerifiedDevice } from './device-proof.js';
import { DeviceRegistry } from './device-registry.js';
import { AuthRateLimiter } from './rate-limit.js';

const SHARED = 'shared-secret-0123456789';
const device: VerifiedDevice = { id: 'dev-1', publicKey: 'pk', payloadVersion: 'v3' };
const params = (auth: ConnectParams['auth'], scopes = ['operator.read']): ConnectParams => ({
  minProtocol: 4, maxProtocol: 4, client: { id: 'cli', version: '1', platform: 'linux', mode: 'cli' }, role: 'operator', scopes,
  ...(auth ? { auth } : {}),
});

async function refusal(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof GatewayError);
    return err;
  }
  assert.fail('expected a refusal');
}

describe('connect credentials (protocol.md 4, 5.3)', () => {
  let dir: string;
  let db: Database;
  let ctx: CredentialContext;
  let deviceToken: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'farclaw-credentials-'));
    db = openStateDb(join(dir, 'state.db'));
    const devices = new DeviceRegistry(db);
    const { request } = devices.requestPairing({
      deviceId: device.id, publicKey: device.publicKey, metadata: {}, role: 'operator', scopes: ['operator.read'], reason: 'not-paired', silent: false,
    });
    devices.approve(request.requestId, 'owner');
    deviceToken = devices.issueToken(device.id, 'operator', ['operator.read']).token;
    ctx = { auth: { mode: 'token', token: SHARED }, limiter: new AuthRateLimiter(), devices, rateLimitClient: { address: '203.0.113.9' }, isLocal: false, isLoopbackExempt: false };
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('admits a device-less connect with the shared token', async () => {
    assert.deepEqual(await authenticateConnect(ctx, params({ token: SHARED }), undefined), { method: 'token' });
  });

  it('asks a device-less connect without credentials for a device identity', async () => {
    const err = await refusal(authenticateConnect(ctx, params({ deviceToken }), undefined));
    assert.equal(err.code, 'NOT_PAIRED');
    assert.equal(err.message, 'device identity required');
  });

  it('refuses a device-less wrong token without offering a device-token retry', async () => {
    const err = await refusal(authenticateConnect(ctx, params({ token: 'wrong' }), undefined));
    assert.deepEqual(err.details, { code: 'AUTH_TOKEN_MISMATCH', authReason: 'token_mismatch', canRetryWithDeviceToken: false, recommendedNextStep: 'update_auth_credentials' });
  });

  it('refuses a device with no token at all as AUTH_TOKEN_MISSING', async () => {
    const err = await refusal(authenticateConnect(ctx, params(undefined), device));
    assert.equal(err.message, 'unauthorized: gateway token missing (set gateway.remote.token to match gateway.auth.token)');
    assert.deepEqual(err.details, { code: 'AUTH_TOKEN_MISSING', authReason: 'token_missing', canRetryWithDeviceToken: false, recommendedNextStep: 'update_auth_configuration' });
  });

  it('offers a device-token retry only for a wrong shared token with a device and no device token', async () => {
    const retry = await refusal(authenticateConnect(ctx, params({ token: 'wrong' }), device));
    assert.deepEqual(retry.details, { code: 'AUTH_TOKEN_MISMATCH', authReason: 'token_mismatch', canRetryWithDeviceToken: true, recommendedNextStep: 'retry_with_device_token' });
    const withDeviceToken = await refusal(authenticateConnect(ctx, params({ token: 'wrong', deviceToken: 'stale' }), device));
    assert.equal((withDeviceToken.details as { canRetryWithDeviceToken: boolean }).canRetryWithDeviceToken, false);
  });

  it('admits a device by its device token, also when it is sent as auth.token', async () => {
    const explicit = await authenticateConnect(ctx, params({ deviceToken }), device);
    assert.equal(explicit.method, 'device-token');
    assert.equal(explicit.deviceToken?.token, deviceToken);
    assert.equal((await authenticateConnect(ctx, params({ token: deviceToken }), device)).method, 'device-token');
  });

  it('prefers the shared secret over a device token', async () => {
    assert.deepEqual(await authenticateConnect(ctx, params({ token: SHARED, deviceToken: 'stale' }), device), { method: 'token' });
  });

  it('refuses a stale device token as AUTH_DEVICE_TOKEN_MISMATCH', async () => {
    const err = await refusal(authenticateConnect(ctx, params({ deviceToken: 'stale-token' }), device));
    assert.equal(err.message, 'unauthorized: device token mismatch (rotate/reissue device token)');
    assert.deepEqual(err.details, { code: 'AUTH_DEVICE_TOKEN_MISMATCH', authReason: 'device_token_mismatch', canRetryWithDeviceToken: false, recommendedNextStep: 'update_auth_credentials' });
  });

  it('refuses a device token asked for scopes it does not carry as AUTH_SCOPE_MISMATCH', async () => {
    const err = await refusal(authenticateConnect(ctx, params({ deviceToken }, ['operator.admin']), device));
    assert.equal((err.details as { code: string }).code, 'AUTH_SCOPE_MISMATCH');
    assert.equal(err.message, 'unauthorized: device token scope mismatch (re-pair or approve scope upgrade)');
  });

  it('admits any device on an auth-none gateway (pairing decides)', async () => {
    assert.deepEqual(await authenticateConnect({ ...ctx, auth: { mode: 'none' } }, params(undefined), device), { method: 'none' });
  });

  it('refuses a locked-out address even with the right token, retryable after the lockout', async () => {
    for (let i = 0; i < 10; i++) await refusal(authenticateConnect(ctx, params({ token: `wrong-${i}` }), undefined));
    const err = await refusal(authenticateConnect(ctx, params({ token: SHARED }), undefined));
    assert.equal(err.message, 'unauthorized: too many failed authentication attempts (retry later)');
    assert.equal((err.details as { code: string; recommendedNextStep: string }).code, 'AUTH_RATE_LIMITED');
    assert.equal(err.retryable, true);
    assert.ok((err.retryAfterMs ?? 0) > 299_000 && (err.retryAfterMs ?? 0) <= 300_000);
  });

  it('answers a loopback failure only after the escalating delay', async () => {
    const local = { ...ctx, rateLimitClient: { address: '127.0.0.1' }, isLocal: true, isLoopbackExempt: true };
    const started = Date.now();
    await refusal(authenticateConnect(local, params({ token: 'wrong' }), undefined));
    assert.ok(Date.now() - started >= 240);
    assert.deepEqual(await authenticateConnect(local, params({ token: SHARED }), undefined), { method: 'token' });
  });
});
