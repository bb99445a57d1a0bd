// Issue 12 item 9: a device-less node (shared token) chooses its own id through
// `client.instanceId`. Set to the id of a paired node device, it used to be attached under that
// id: it inherited the device's approved surface and received the invokes meant for it. It is
// now refused with the reason, and the real node keeps its id, approval and invokes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../src/gateway/gateway.js';
import type { ConnectParams } from '../../src/protocol/schema/connect.js';
import { callAsAdmin, pairDevice, NODE_HOST_CONNECT } from '../conformance/device-setup.js';
import { challengeOf } from '../helpers/device-session.js';
import { TEST_TOKEN } from '../helpers/gateway-process.js';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { RawClient, connectParams } from '../helpers/raw-client.js';
import { newTestDevice, withDeviceProof } from '../helpers/test-device.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';

const NODE_CONNECT: ConnectParams = { ...NODE_HOST_CONNECT, commands: ['system.which'], caps: ['system'] };

/** A device-less node connect with the shared token and the given instance id. */
const devicelessNode = (instanceId: string): ConnectParams => ({ ...NODE_CONNECT, client: { ...NODE_CONNECT.client, instanceId } });

describe('device-less node takeover (issue 12 item 9)', () => {
  const device = newTestDevice();
  let home: TmpHome;
  let gateway: Gateway;
  let url: string;
  let realNode: RawClient;
  let operator: RawClient;

  before(async () => {
    home = tmpHome();
    ({ gateway, url } = await startInProcessGateway(home, {
      token: TEST_TOKEN, config: { gateway: { nodes: { pairing: { autoApproveLocal: false } } } },
    }));
    await pairDevice(url, device, NODE_CONNECT);
    realNode = await RawClient.open(url);
    assert.equal((await realNode.connect(withDeviceProof(device, NODE_CONNECT, challengeOf(realNode)) as unknown as Record<string, unknown>)).ok, true);
    const list = await callAsAdmin(url, 'node.pair.list', {});
    const pending = (list.payload as { pending: { requestId: string; nodeId: string }[] }).pending;
    assert.equal(pending[0]?.nodeId, device.id);
    assert.equal((await callAsAdmin(url, 'node.pair.approve', { requestId: pending[0]?.requestId })).ok, true);
    operator = await RawClient.open(url);
    assert.equal((await operator.connect({ ...connectParams(TEST_TOKEN), scopes: ['operator.admin'] })).ok, true);
  });
  after(async () => {
    operator?.terminate();
    realNode?.terminate();
    await gateway?.stop();
    home?.dispose();
  });

  it('refuses a device-less node that claims a paired device’s id, and the invoke reaches the real node', async () => {
    const impostor = await RawClient.open(url);
    const res = await impostor.connect(devicelessNode(device.id) as unknown as Record<string, unknown>);
    assert.equal(res.ok, false);
    assert.equal(res.error?.code, 'INVALID_REQUEST');
    assert.equal(res.error?.details?.code, 'NODE_ID_IN_USE');
    assert.match(res.error?.message ?? '', /node id in use: client.instanceId is the id of a paired device/);
    const close = await impostor.waitClose();
    assert.equal(close.code, 1008);
    assert.match(close.reason, /^node id in use/);

    operator.send({ type: 'req', id: 'inv', method: 'node.invoke', params: { nodeId: device.id, command: 'system.which', params: { bins: ['sh'] }, idempotencyKey: 'takeover-1', timeoutMs: 20_000 } });
    const request = await realNode.waitEvent('node.invoke.request');
    const invokeId = (request.payload as { id: string }).id;
    realNode.send({ type: 'req', id: 'result', method: 'node.invoke.result', params: { id: invokeId, nodeId: device.id, ok: true, payload: { bins: { sh: '/bin/sh' } } } });
    const answer = await operator.waitRes('inv', 20_000);
    assert.equal(answer.ok, true, JSON.stringify(answer.error));
    assert.equal(impostor.frames.some((f) => f.event === 'node.invoke.request'), false);
  });

  it('still refuses the paired device’s id while that node is offline: its approval is not for the taking', async () => {
    realNode.terminate();
    await realNode.waitClose();
    const impostor = await RawClient.open(url);
    const res = await impostor.connect(devicelessNode(device.id) as unknown as Record<string, unknown>);
    assert.equal(res.error?.details?.code, 'NODE_ID_IN_USE');
    const nodes = (await operator.call('node.describe', { nodeId: device.id })).payload as { connected: boolean; commands: string[] };
    assert.equal(nodes.connected, false);
  });

  it('refuses a second device-less node with the instanceId of one connected now; the id is free again once it leaves', async () => {
    const first = await RawClient.open(url);
    assert.equal((await first.connect(devicelessNode('shared-node-1') as unknown as Record<string, unknown>)).ok, true);
    const second = await RawClient.open(url);
    const res = await second.connect(devicelessNode('shared-node-1') as unknown as Record<string, unknown>);
    assert.equal(res.error?.details?.code, 'NODE_ID_IN_USE');
    assert.match(res.error?.message ?? '', /the id of a connected node/);
    first.terminate();
    await first.waitClose();
    // The gateway sees the close a moment after the client does: retry as a real node would.
    let answer: { ok?: boolean; error?: unknown } = {};
    for (let i = 0; answer.ok !== true && i < 100; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      const retry = await RawClient.open(url);
      answer = await retry.connect(devicelessNode('shared-node-1') as unknown as Record<string, unknown>);
      if (answer.ok !== true) retry.terminate();
    }
    assert.equal(answer.ok, true, JSON.stringify(answer.error));
    second.terminate();
  });
});
