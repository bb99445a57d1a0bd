import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { verifyDeviceProof } from '../../src/gateway/auth/device-proof.js';
import type { ConnectParams } from '../../src/protocol/schema/connect.js';
import { isLoopbackUrl, planDeviceAuth } from '../../src/client/device-auth.js';
import { loadDeviceIdentity, loadOrCreateDeviceIdentity } from '../../src/client/device-identity.js';
import { readDeviceToken, saveDeviceToken } from '../../src/client/device-token-store.js';
import { RequestError } from '../../src/client/errors.js';

const base: ConnectParams = {
  minProtocol: 4, maxProtocol: 4, client: { id: 'cli', version: '1', platform: 'linux', deviceFamily: 'Linux', mode: 'cli' },
  role: 'operator', scopes: ['operator.read'], caps: [],
};
const challenge = { nonce: 'nonce-1', ts: 1_800_000_000_000 };

describe('client device identity and tokens', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'farclaw-identity-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the identity once, in a 0600 file, with id = sha256 of the raw public key', () => {
    assert.equal(loadDeviceIdentity(dir), undefined);
    const a = loadOrCreateDeviceIdentity(dir);
    const b = loadOrCreateDeviceIdentity(dir);
    assert.equal(a.deviceId, b.deviceId);
    assert.equal(a.deviceId, createHash('sha256').update(Buffer.from(a.publicKey, 'base64url')).digest('hex'));
    assert.equal(statSync(join(dir, 'identity', 'device.json')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'identity')).mode & 0o777, 0o700);
  });

  it('signs a v3 proof over the challenge that the gateway verifies', () => {
    const plan = planDeviceAuth('ws://10.1.2.3:18789', { ...base, auth: { token: 'T' } }, dir);
    const params = plan.params(challenge);
    assert.ok(params.device);
    const verified = verifyDeviceProof(params, params.device, challenge.nonce, challenge.ts + 1000);
    assert.equal(verified.id, plan.identity?.deviceId);
    assert.equal(verified.payloadVersion, 'v3');
    assert.equal(params.device.signedAt, challenge.ts);
  });

  it('sends no device block to a loopback gateway and creates no identity', () => {
    for (const url of ['ws://127.0.0.1:1', 'ws://localhost:1', 'ws://[::1]:1']) {
      assert.equal(isLoopbackUrl(url), true, url);
      assert.equal(planDeviceAuth(url, base, dir).params(challenge).device, undefined);
    }
    assert.equal(loadDeviceIdentity(dir), undefined);
  });

  it('keeps the issued token per gateway origin and role, and uses it when no secret is configured', () => {
    const url = 'ws://10.1.2.3:18789';
    const first = planDeviceAuth(url, { ...base, auth: { token: 'T' } }, dir);
    first.accept({ auth: { role: 'operator', scopes: ['operator.read'], deviceToken: 'dev-token-1', issuedAtMs: 5 } } as never);
    const id = first.identity?.deviceId ?? '';
    assert.equal(readDeviceToken(dir, 'ws://10.1.2.3:18789/ignored-path', id, 'operator')?.token, 'dev-token-1');
    assert.equal(readDeviceToken(dir, 'ws://10.1.2.3:9999', id, 'operator'), undefined);
    assert.equal(statSync(join(dir, 'identity', 'device-tokens.json')).mode & 0o777, 0o600);
    const later = planDeviceAuth(url, base, dir).params(challenge);
    assert.equal(later.auth?.deviceToken, 'dev-token-1');
    const withSecret = planDeviceAuth(url, { ...base, auth: { token: 'T' } }, dir).params(challenge);
    assert.equal(withSecret.auth?.deviceToken, undefined);
  });

  it('keeps every token of a setup-code handoff, each under its own role', () => {
    const url = 'ws://10.1.2.3:18789';
    const plan = planDeviceAuth(url, { ...base, role: 'node', scopes: [] }, dir);
    plan.accept({
      auth: {
        role: 'node', scopes: [], deviceToken: 'node-token', issuedAtMs: 7,
        deviceTokens: [{ deviceToken: 'operator-token', role: 'operator', scopes: ['operator.read', 'operator.write'], issuedAtMs: 7 }],
      },
    } as never);
    const id = plan.identity?.deviceId ?? '';
    assert.equal(readDeviceToken(dir, url, id, 'node')?.token, 'node-token');
    assert.deepEqual(readDeviceToken(dir, url, id, 'operator'), { token: 'operator-token', scopes: ['operator.read', 'operator.write'], issuedAtMs: 7 });
  });

  it('forgets a stored token the gateway refused as mismatched', () => {
    const url = 'ws://10.1.2.3:18789';
    const id = loadOrCreateDeviceIdentity(dir).deviceId;
    saveDeviceToken(dir, url, id, 'operator', { token: 'stale', scopes: [], issuedAtMs: 1 });
    const plan = planDeviceAuth(url, base, dir);
    plan.reject(new RequestError({ code: 'INVALID_REQUEST', message: 'unauthorized: device token mismatch', details: { code: 'AUTH_DEVICE_TOKEN_MISMATCH' } }));
    assert.equal(readDeviceToken(dir, url, id, 'operator'), undefined);
  });
});
