// Pairing as a remote device sees it: the gateway runs as a real process (`--bind lan`) in one
// network namespace and the device in another, joined by a veth pair (netns.ts); the admin is a
// loopback client inside the gateway's namespace. Expectations: protocol.md 5.3, 6.1-6.3.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  adminClient, approve, challengeOf, connectWith, nodeParams, openClient, operatorParams,
} from '../helpers/device-session.js';
import { useClockedLanGateway } from '../helpers/lan-gateway.js';
import { newTestDevice, withDeviceProof } from '../helpers/test-device.js';

describe('device pairing of a remote device over a veth pair (protocol.md 5, 6)', () => {
  const lab = useClockedLanGateway();

  /** A remote device's first connect: refused, with the request id to approve. */
  async function requestFromRemote(device = newTestDevice(), params = operatorParams()) {
    const { client, res } = await connectWith(lab.remote, params, device);
    const close = await client.waitClose();
    return { device, res, close, requestId: String(res.error?.details?.requestId) };
  }

  it('asks an unknown remote device to pair: NOT_PAIRED with a request id, then close 1008', async () => {
    const { device, res, close, requestId } = await requestFromRemote();
    assert.equal(res.error?.code, 'NOT_PAIRED');
    assert.equal(res.error?.message, 'pairing required: device is not approved yet');
    assert.deepEqual(res.error?.details, {
      code: 'PAIRING_REQUIRED', reason: 'not-paired', requestId, remediationHint: 'Approve this device from the pending pairing requests.',
      deviceId: device.id, requestedRole: 'operator', requestedScopes: ['operator.read'],
    });
    assert.deepEqual(close, { code: 1008, reason: `pairing required: device is not approved yet (requestId: ${requestId})` });
  });

  it('tells pairing operators about a new request, and nobody else', async () => {
    const admin = await adminClient(lab.local);
    const reader = await adminClient(lab.local, ['operator.read']);
    const { requestId, device } = await requestFromRemote();
    const event = await admin.waitEvent('device.pair.requested');
    assert.equal(event.payload.requestId, requestId);
    assert.equal(event.payload.deviceId, device.id);
    assert.equal(event.payload.remoteIp, lab.pair.client.address);
    await admin.call('health');
    await reader.call('health');
    assert.equal(reader.frames.some((f) => f.event?.startsWith('device.pair.')), false);
    admin.terminate();
    reader.terminate();
  });

  it('approves a local device silently and hands it a device token', async () => {
    const device = newTestDevice();
    const { client, res } = await connectWith(lab.local, operatorParams(['operator.read', 'operator.write']), device);
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.deepEqual(res.payload.auth.scopes, ['operator.read', 'operator.write']);
    assert.match(res.payload.auth.deviceToken, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(typeof res.payload.auth.issuedAtMs, 'number');
    client.terminate();
    const admin = await adminClient(lab.local);
    const list = await admin.call('device.pair.list');
    const paired = list.payload.paired.find((d: { deviceId: string }) => d.deviceId === device.id);
    assert.equal(paired.approvedVia, 'silent');
    admin.terminate();
  });

  it('admits an approved remote device, then by its device token alone', async () => {
    const { device, requestId } = await requestFromRemote();
    const approved = await approve(lab.local, requestId);
    assert.equal(approved.ok, true);
    assert.equal(approved.payload.device.approvedVia, 'owner');
    const first = await connectWith(lab.remote, operatorParams(), device);
    assert.equal(first.res.payload.auth.method, 'token');
    const token = String(first.res.payload.auth.deviceToken);
    first.client.terminate();
    const second = await connectWith(lab.remote, operatorParams(['operator.read'], { deviceToken: token }), device);
    assert.equal(second.res.payload.auth.method, 'device-token');
    assert.equal(second.res.payload.auth.deviceToken, token);
    assert.equal((await second.client.call('health')).ok, true);
    second.client.terminate();
  });

  it('refuses a device-less operator without operator.admin the approval of a node', async () => {
    const { requestId } = await requestFromRemote(newTestDevice(), nodeParams());
    const pairingOnly = await adminClient(lab.local, ['operator.pairing']);
    const refused = await pairingOnly.call('device.pair.approve', { requestId });
    assert.deepEqual(refused.error, { code: 'INVALID_REQUEST', message: 'device pairing approval denied' });
    pairingOnly.terminate();
    assert.equal((await approve(lab.local, requestId)).ok, true);
  });

  it('asks an approved device that wants more scopes for a scope upgrade', async () => {
    const { device, requestId } = await requestFromRemote();
    await approve(lab.local, requestId);
    const upgrade = await requestFromRemote(device, operatorParams(['operator.read', 'operator.write']));
    assert.equal(upgrade.res.error?.message, 'pairing required: device is asking for more scopes than currently approved');
    assert.equal(upgrade.res.error?.details?.reason, 'scope-upgrade');
    assert.deepEqual(upgrade.res.error?.details?.approvedScopes, ['operator.read']);
    assert.deepEqual(upgrade.res.error?.details?.approvedRoles, ['operator']);
  });

  it('refuses a device-bound operator without operator.pairing the pairing methods', async () => {
    const { device, requestId } = await requestFromRemote();
    await approve(lab.local, requestId);
    const { client } = await connectWith(lab.remote, operatorParams(), device);
    const res = await client.call('device.pair.list');
    assert.equal(res.error?.code, 'FORBIDDEN');
    assert.equal(res.error?.message, 'missing scope: operator.pairing');
    client.terminate();
  });

  it('lets a pending request expire after five minutes', async () => {
    const { requestId } = await requestFromRemote();
    await lab.clock.setOffset(lab.gw, 5 * 60_000);
    try {
      const res = await approve(lab.local, requestId);
      assert.deepEqual(res.error, { code: 'INVALID_REQUEST', message: 'unknown requestId' });
    } finally {
      await lab.clock.setOffset(lab.gw, 0);
    }
  });

  it('forgets a removed device: its live session closes 4001 and it must pair again', async () => {
    const { device, requestId } = await requestFromRemote();
    await approve(lab.local, requestId);
    const { client } = await connectWith(lab.remote, operatorParams(), device);
    const admin = await adminClient(lab.local);
    assert.deepEqual((await admin.call('device.pair.remove', { deviceId: device.id })).payload, { deviceId: device.id });
    assert.deepEqual(await client.waitClose(), { code: 4001, reason: 'device removed' });
    admin.terminate();
    assert.equal((await requestFromRemote(device)).res.error?.details?.reason, 'not-paired');
  });

  it('refuses a device proof replayed on another connection (nonce mismatch)', async () => {
    const device = newTestDevice();
    const first = await openClient(lab.local);
    const params = withDeviceProof(device, operatorParams(), challengeOf(first));
    first.terminate();
    const replay = await openClient(lab.local);
    const res = await replay.connect(params as unknown as Record<string, unknown>);
    assert.equal(res.error?.details?.code, 'DEVICE_AUTH_NONCE_MISMATCH');
    assert.deepEqual(await replay.waitClose(), { code: 1008, reason: 'device nonce mismatch' });
  });

  it('refuses a proof signed by another key', async () => {
    const device = newTestDevice();
    const c = await openClient(lab.local);
    const forged = withDeviceProof(newTestDevice(), operatorParams(), challengeOf(c));
    const res = await c.connect({ ...forged, device: { ...forged.device, id: device.id, publicKey: device.publicKey } });
    assert.deepEqual(res.error, {
      code: 'INVALID_REQUEST', message: 'device signature invalid', details: { code: 'DEVICE_AUTH_SIGNATURE_INVALID', reason: 'device-signature' },
    });
    assert.equal((await c.waitClose()).code, 1008);
  });
});
