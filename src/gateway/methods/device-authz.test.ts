import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startInProcessGateway } from '../../../test/helpers/in-process-gateway.js';
import { tmpHome, type TmpHome } from '../../../test/helpers/tmp-home.js';
import type { Gateway } from '../gateway.js';
import type { Principal } from '../rpc/context.js';

const client = { id: 'cli', version: '1', platform: 'linux', mode: 'cli' } as const;
/** A trusted-proxy identity granted only operator.pairing (identityScopes), with no device. */
const proxied: Principal = {
  connId: 'proxied', role: 'operator', scopes: ['operator.pairing'], client, isLocal: false, remoteAddress: '203.0.113.7',
  authMethod: 'trusted-proxy', connectedAtMs: 0,
};
/** The local CLI: device-less, direct-local, shared secret. */
const hostCli: Principal = { ...proxied, connId: 'cli', isLocal: true, remoteAddress: '127.0.0.1', authMethod: 'token' };

describe('device management by a device-less caller (protocol.md 6.2, issue 12.8)', () => {
  let home: TmpHome;
  let gateway: Gateway;
  const victim = 'a'.repeat(64);
  const nodeDevice = 'b'.repeat(64);
  before(async () => {
    home = tmpHome();
    ({ gateway } = await startInProcessGateway(home, { token: 'device-authz-token-0123456789abcdef' }));
    const { devices } = gateway.services;
    for (const [deviceId, role] of [[victim, 'operator'], [nodeDevice, 'node']] as const) {
      const { request } = devices.requestPairing({
        deviceId, publicKey: `pk-${deviceId}`, metadata: { platform: 'linux', clientId: 'cli', clientMode: 'cli' },
        role, scopes: role === 'operator' ? ['operator.read'] : [], reason: 'not-paired', silent: false,
      });
      devices.approve(request.requestId, 'owner');
      devices.issueToken(deviceId, role, role === 'operator' ? ['operator.read'] : []);
    }
  });
  after(async () => {
    await gateway.stop();
    home.dispose();
  });

  const call = (method: string, params: unknown, who: Principal) => gateway.dispatcher.invoke(method, params, who);
  const errorOf = (res: Awaited<ReturnType<typeof call>>) => (res.ok ? undefined : res.error.message);

  it('a trusted-proxy identity with operator.pairing cannot rotate or revoke another device’s token', async () => {
    // Asking for no more than its own scopes used to pass the "not broader than yours" rule.
    assert.equal(errorOf(await call('device.token.rotate', { deviceId: victim, role: 'operator', scopes: ['operator.pairing'] }, proxied)), 'device token rotation denied');
    assert.equal(errorOf(await call('device.token.rotate', { deviceId: victim, role: 'operator' }, proxied)), 'device token rotation denied');
    assert.equal(errorOf(await call('device.token.revoke', { deviceId: victim, role: 'operator' }, proxied)), 'device token revocation denied');
    assert.equal(gateway.services.devices.tokensOf(victim).length, 1);
  });

  it('nor remove or rename another device, nor list it', async () => {
    assert.equal(errorOf(await call('device.pair.remove', { deviceId: nodeDevice }, proxied)), 'device pairing removal denied');
    assert.equal(errorOf(await call('device.pair.rename', { deviceId: victim, label: 'mine now' }, proxied)), 'device pairing rename denied');
    assert.ok(gateway.services.devices.paired(nodeDevice));
    const list = await call('device.pair.list', {}, proxied);
    assert.deepEqual(list.ok ? (list.payload as { paired: unknown[] }).paired : undefined, []);
  });

  it('the host’s own CLI with operator.pairing still manages operator devices', async () => {
    const list = await call('device.pair.list', {}, hostCli);
    assert.equal(list.ok ? (list.payload as { paired: unknown[] }).paired.length : 0, 2);
    const withRead = { ...hostCli, scopes: ['operator.pairing', 'operator.read'] };
    const rotated = await call('device.token.rotate', { deviceId: victim, role: 'operator' }, withRead);
    assert.equal(rotated.ok, true, errorOf(rotated));
  });
});
