// Which exec notes our gateway takes from a node (issue 15, protocol.md 9.3): as OpenClaw's, only
// `exec.*` events of a `system.run` it sent that node connection, with the same run id and
// session; any other is answered `handled:false, reason:"unmatched_exec_event"`. A raw node
// connection plays the node so it can also say what a real node never would.
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

const NODE_CONNECT: ConnectParams = { ...NODE_HOST_CONNECT, commands: ['system.run'], caps: ['system'] };
const UNMATCHED = { ok: true, event: 'exec.finished', handled: false, reason: 'unmatched_exec_event' };

describe('exec events our gateway takes from a node', () => {
  const device = newTestDevice();
  let home: TmpHome;
  let gateway: Gateway;
  let node: RawClient;
  let operator: RawClient;
  let nextId = 0;
  const finished = (payload: Record<string, unknown>) => {
    nextId += 1;
    return node.call('node.event', { event: 'exec.finished', payloadJSON: JSON.stringify({ host: 'node', command: 'echo x', exitCode: 0, timedOut: false, success: true, output: 'x', suppressNotifyOnExit: false, ...payload }) }, `ev${nextId}`);
  };

  before(async () => {
    home = tmpHome();
    let url: string;
    ({ gateway, url } = await startInProcessGateway(home, { token: TEST_TOKEN, config: { gateway: { nodes: { pairing: { autoApproveLocal: false } } } } }));
    await pairDevice(url, device, NODE_CONNECT);
    node = await RawClient.open(url);
    assert.equal((await node.connect(withDeviceProof(device, NODE_CONNECT, challengeOf(node)) as unknown as Record<string, unknown>)).ok, true);
    const pending = ((await callAsAdmin(url, 'node.pair.list', {})).payload as { pending: { requestId: string }[] }).pending;
    assert.equal((await callAsAdmin(url, 'node.pair.approve', { requestId: pending[0]?.requestId })).ok, true);
    operator = await RawClient.open(url);
    assert.equal((await operator.connect({ ...connectParams(TEST_TOKEN), scopes: ['operator.admin'] })).ok, true);
  });
  after(async () => {
    operator?.terminate();
    node?.terminate();
    await gateway?.stop();
    home?.dispose();
  });

  it('answers a note for a run it never sent as unmatched', async () => {
    assert.deepEqual((await finished({ sessionKey: 'agent:main:main', runId: 'never-sent' })).payload, UNMATCHED);
    assert.deepEqual((await finished({ sessionKey: 'agent:main:main' })).payload, UNMATCHED, 'no run id');
  });

  it('takes the note of a run it sent, once, and only with its session', async () => {
    operator.send({ type: 'req', id: 'inv', method: 'node.invoke', params: { nodeId: device.id, command: 'system.run', params: { command: ['echo', 'x'], sessionKey: 'agent:main:main', timeoutMs: 30_000 }, idempotencyKey: 'inv-1' } });
    const request = await node.waitEvent('node.invoke.request');
    const runId = JSON.parse(String(request.payload.paramsJSON)).runId as string;
    assert.match(runId, /^[0-9a-f-]{36}$/, 'the gateway gave the run an id');
    assert.deepEqual((await finished({ sessionKey: 'agent:main:other', runId })).payload, UNMATCHED, 'another session');
    assert.deepEqual((await finished({ sessionKey: 'agent:main:main', runId })).payload, { ok: true });
    assert.deepEqual((await finished({ sessionKey: 'agent:main:main', runId })).payload, UNMATCHED, 'a terminal note uses the run up');
    const result = await node.call('node.invoke.result', { id: request.payload.id, nodeId: device.id, ok: true, payloadJSON: '{"exitCode":0,"timedOut":false,"success":true,"stdout":"x\\n","stderr":"","error":null}' }, 'res1');
    assert.deepEqual(result.payload, { ok: true });
    assert.equal((await operator.waitRes('inv')).ok, true);
  });
});
