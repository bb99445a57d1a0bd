import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { TEST_TOKEN } from '../helpers/gateway-process.js';
import {
  adminClient, approve, challengeOf, connectWith, nodeParams, nonLoopbackIPv4, operatorParams,
} from '../helpers/device-session.js';
import { RawClient } from '../helpers/raw-client.js';
import { newTestDevice, withDeviceProof } from '../helpers/test-device.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import type { Gateway } from '../../src/gateway/gateway.js';

const REMOTE_IP = nonLoopbackIPv4();

describe('device pairing over real sockets (protocol.md 5, 6)', { skip: REMOTE_IP ? false : 'no non-loopback IPv4 address on this host' }, () => {
  let home: TmpHome;
  let gateway: Gateway;
  let local: string;
  let remote: string;
  const clock = { offsetMs: 0 };

  before(async () => {
    home = tmpHome();
    const started = await startInProcessGateway(home, {
      token: TEST_TOKEN, hosts: ['127.0.0.1', REMOTE_IP ?? '127.0.0.1'], now: () => Date.now() + clock.offsetMs,
    });
    gateway = started.gateway;
    local = `ws://127.0.0.1:${started.port}`;
    remote = `ws://${REMOTE_IP}:${started.port}`;
  });
  after(async () => {
    await gateway.stop();
    home.dispose();
  });

  /** A remote device's first connect: refused, with the request id to approve. */
  async function requestFromRemote(device = newTestDevice(), params = operatorParams()) {
    const { client, res } = await connectWith(remote, params, device);
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
    const admin = await adminClient(local);
    const reader = await adminClient(local, ['operator.read']);
    const { requestId, device } = await requestFromRemote();
    const event = await admin.waitEvent('device.pair.requested');
    assert.equal(event.payload.requestId, requestId);
    assert.equal(event.payload.deviceId, device.id);
    assert.equal(event.payload.remoteIp, REMOTE_IP);
    await admin.call('health');
    await reader.call('health');
    assert.equal(reader.frames.some((f) => f.event?.startsWith('device.pair.')), false);
    admin.terminate();
    reader.terminate();
  });

  it('approves a local device silently and hands it a device token', async () => {
    const device = newTestDevice();
    const { client, res } = await connectWith(local, operatorParams(['operator.read', 'operator.write']), device);
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.deepEqual(res.payload.auth.scopes, ['operator.read', 'operator.write']);
    assert.match(res.payload.auth.deviceToken, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(typeof res.payload.auth.issuedAtMs, 'number');
    client.terminate();
    const admin = await adminClient(local);
    const list = await admin.call('device.pair.list');
    const paired = list.payload.paired.find((d: { deviceId: string }) => d.deviceId === device.id);
    assert.equal(paired.approvedVia, 'silent');
    admin.terminate();
  });

  it('admits an approved remote device, then by its device token alone', async () => {
    const { device, requestId } = await requestFromRemote();
    const approved = await approve(local, requestId);
    assert.equal(approved.ok, true);
    assert.equal(approved.payload.device.approvedVia, 'owner');
    const first = await connectWith(remote, operatorParams(), device);
    assert.equal(first.res.payload.auth.method, 'token');
    const token = String(first.res.payload.auth.deviceToken);
    first.client.terminate();
    const second = await connectWith(remote, operatorParams(['operator.read'], { deviceToken: token }), device);
    assert.equal(second.res.payload.auth.method, 'device-token');
    assert.equal(second.res.payload.auth.deviceToken, token);
    assert.equal((await second.client.call('health')).ok, true);
    second.client.terminate();
  });

  it('refuses a device-less operator without operator.admin the approval of a node', async () => {
    const { requestId } = await requestFromRemote(newTestDevice(), nodeParams());
    const pairingOnly = await adminClient(local, ['operator.pairing']);
    const refused = await pairingOnly.call('device.pair.approve', { requestId });
    assert.deepEqual(refused.error, { code: 'INVALID_REQUEST', message: 'device pairing approval denied' });
    pairingOnly.terminate();
    assert.equal((await approve(local, requestId)).ok, true);
  });

  it('asks an approved device that wants more scopes for a scope upgrade', async () => {
    const { device, requestId } = await requestFromRemote();
    await approve(local, requestId);
    const upgrade = await requestFromRemote(device, operatorParams(['operator.read', 'operator.write']));
    assert.equal(upgrade.res.error?.message, 'pairing required: device is asking for more scopes than currently approved');
    assert.equal(upgrade.res.error?.details?.reason, 'scope-upgrade');
    assert.deepEqual(upgrade.res.error?.details?.approvedScopes, ['operator.read']);
    assert.deepEqual(upgrade.res.error?.details?.approvedRoles, ['operator']);
  });

  it('refuses a device-bound operator without operator.pairing the pairing methods', async () => {
    const { device, requestId } = await requestFromRemote();
    await approve(local, requestId);
    const { client } = await connectWith(remote, operatorParams(), device);
    const res = await client.call('device.pair.list');
    assert.equal(res.error?.code, 'FORBIDDEN');
    assert.equal(res.error?.message, 'missing scope: operator.pairing');
    client.terminate();
  });

  it('lets a pending request expire after five minutes', async () => {
    const { requestId } = await requestFromRemote();
    clock.offsetMs += 5 * 60_000;
    try {
      const res = await approve(local, requestId);
      assert.deepEqual(res.error, { code: 'INVALID_REQUEST', message: 'unknown requestId' });
    } finally {
      clock.offsetMs -= 5 * 60_000;
    }
  });

  it('forgets a removed device: its live session closes 4001 and it must pair again', async () => {
    const { device, requestId } = await requestFromRemote();
    await approve(local, requestId);
    const { client } = await connectWith(remote, operatorParams(), device);
    const admin = await adminClient(local);
    assert.deepEqual((await admin.call('device.pair.remove', { deviceId: device.id })).payload, { deviceId: device.id });
    assert.deepEqual(await client.waitClose(), { code: 4001, reason: 'device removed' });
    admin.terminate();
    assert.equal((await requestFromRemote(device)).res.error?.details?.reason, 'not-paired');
  });

  it('refuses a device proof replayed on another connection (nonce mismatch)', async () => {
    const device = newTestDevice();
    const first = await RawClient.open(local);
    const params = withDeviceProof(device, operatorParams(), challengeOf(first));
    first.terminate();
    const replay = await RawClient.open(local);
    const res = await replay.connect(params as unknown as Record<string, unknown>);
    assert.equal(res.error?.details?.code, 'DEVICE_AUTH_NONCE_MISMATCH');
    assert.deepEqual(await replay.waitClose(), { code: 1008, reason: 'device nonce mismatch' });
  });

  it('refuses a proof signed by another key', async () => {
    const device = newTestDevice();
    const c = await RawClient.open(local);
    const forged = withDeviceProof(newTestDevice(), operatorParams(), challengeOf(c));
    const res = await c.connect({ ...forged, device: { ...forged.device, id: device.id, publicKey: device.publicKey } });
    assert.deepEqual(res.error, {
      code: 'INVALID_REQUEST', message: 'device signature invalid', details: { code: 'DEVICE_AUTH_SIGNATURE_INVALID', reason: 'device-signature' },
    });
    assert.equal((await c.waitClose()).code, 1008);
  });
});
