import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { loadOrCreateDeviceIdentity } from '../../client/device-identity.js';
import { readDeviceToken } from '../../client/device-token-store.js';
import { resolvePaths } from '../../infra/paths.js';
import { keepOwnToken } from './devices.js';

const URL = 'wss://gw.example.ts.net';

describe('devices rotate keeps this CLI’s own in-band token', () => {
  const homes: string[] = [];
  afterEach(() => {
    for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
  });
  const env = (): NodeJS.ProcessEnv => {
    const home = mkdtempSync(join(tmpdir(), 'farclaw-devices-'));
    homes.push(home);
    return { HOME: home };
  };

  it('stores an in-band token of its own device for that gateway and role', () => {
    const e = env();
    const { stateDir } = resolvePaths(e);
    const me = loadOrCreateDeviceIdentity(stateDir);
    keepOwnToken({ deviceId: me.deviceId, role: 'operator', token: 'new-token', scopes: ['operator.pairing'], rotatedAtMs: 5, tokenDelivery: 'in-band' }, URL, e);
    assert.deepEqual(readDeviceToken(stateDir, URL, me.deviceId, 'operator'), { token: 'new-token', scopes: ['operator.pairing'], issuedAtMs: 5 });
  });

  it('stores nothing for another device or a withheld token', () => {
    const e = env();
    const { stateDir } = resolvePaths(e);
    const me = loadOrCreateDeviceIdentity(stateDir);
    const other = 'cd'.repeat(32);
    keepOwnToken({ deviceId: other, role: 'operator', token: 't', scopes: [], tokenDelivery: 'in-band' }, URL, e);
    keepOwnToken({ deviceId: me.deviceId, role: 'operator', scopes: [], tokenDelivery: 'withheld-cross-device' }, URL, e);
    assert.equal(readDeviceToken(stateDir, URL, other, 'operator'), undefined);
    assert.equal(readDeviceToken(stateDir, URL, me.deviceId, 'operator'), undefined);
  });

  it('stores nothing when this CLI has no device identity yet', () => {
    const e = env();
    keepOwnToken({ deviceId: 'ef'.repeat(32), role: 'operator', token: 't', scopes: [] }, URL, e);
    assert.equal(readDeviceToken(resolvePaths(e).stateDir, URL, 'ef'.repeat(32), 'operator'), undefined);
  });
});
