// Issue 12 item 2: deeply nested JSON after auth. JSON.parse accepts 100k levels but
// JSON.stringify throws past ~6k, so an operator's nested node.invoke params or a node's nested
// node.invoke.result error used to throw where nothing caught it and the process exited. Every
// inbound frame is now bounded in depth before it is parsed; the gateway stays up.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_FRAME_DEPTH } from '../../src/gateway/rpc/frame-limits.js';
import { ReplaySession } from '../conformance/device-replay.js';
import { connectApprovedNode, nth } from '../conformance/node-replay.js';
import { MANUAL_PAIRING_GATEWAY } from '../conformance/vector-suite.js';
import { loadVector } from '../conformance/vector-file.js';
import { FrameRecorder } from '../conformance/ws-recorder.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { connectParams, RawClient } from '../helpers/raw-client.js';

/** `{"a":{"a":…1…}}` nested `levels` deep, as text (JSON.stringify itself cannot build it). */
const deepJson = (levels: number): string => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

describe('deeply nested frames after auth (issue 12 item 2, real gateway process)', () => {
  const session = new ReplaySession(loadVector('node-invoke'));
  const device = session.deviceFor('bSOQiAvHKZfAqu-cwbQliSqIMErbsFWne02nCQ8h8Ek');
  let gw: RunningGateway;
  let node: FrameRecorder;
  let operator: RawClient;
  let nodeId: string;

  before(async () => {
    gw = await startGateway(MANUAL_PAIRING_GATEWAY);
    node = await connectApprovedNode(gw.url, device);
    operator = await RawClient.open(gw.url);
    assert.equal((await operator.connect({ ...connectParams(TEST_TOKEN), scopes: ['operator.admin'] })).ok, true);
    const nodes = (await operator.call('node.list', {}, 'list')).payload as { nodes: { nodeId: string }[] };
    nodeId = nodes.nodes[0]?.nodeId ?? '';
    assert.ok(nodeId);
  });
  after(async () => {
    operator?.terminate();
    node?.terminate();
    await gw?.stop();
  });

  it('answers an operator node.invoke with 10k-deep params INVALID_REQUEST (FRAME_TOO_DEEP) under its own id', async () => {
    operator.send(`{"type":"req","id":"deep-invoke","method":"node.invoke","params":{"nodeId":${JSON.stringify(nodeId)},"command":"system.which","idempotencyKey":"deep-1","params":${deepJson(10_000)}}}`);
    const res = await operator.waitRes('deep-invoke');
    assert.equal(res.ok, false);
    assert.equal(res.error?.code, 'INVALID_REQUEST');
    assert.equal(res.error?.details?.code, 'FRAME_TOO_DEEP');
    assert.match(res.error?.message ?? '', new RegExp(`deeper than ${MAX_FRAME_DEPTH} levels`));
    assert.equal((await operator.call('health', {}, 'alive-1')).ok, true);
  });

  it('refuses a node.invoke.result whose error is nested 10k deep, and the operator still gets an answer', async () => {
    operator.send({ type: 'req', id: 'inv', method: 'node.invoke', params: { nodeId, command: 'system.which', params: { bins: ['sh'] }, idempotencyKey: 'deep-2', timeoutMs: 3000 } });
    const request = await nth(node, 'event:node.invoke.request');
    const invokeId = (request.payload as { id: string }).id;
    node.sendText(`{"type":"req","id":"deep-result","method":"node.invoke.result","params":{"id":${JSON.stringify(invokeId)},"nodeId":${JSON.stringify(nodeId)},"ok":false,"error":${deepJson(10_000)}}}`);
    const ack = await nth(node, 'res:deep-result');
    assert.equal(ack.ok, false);
    assert.equal((ack.error as { details?: { code?: string } }).details?.code, 'FRAME_TOO_DEEP');
    const res = await operator.waitRes('inv', 20_000);
    assert.equal(res.ok, false);
    assert.equal((await operator.call('health', {}, 'alive-2')).ok, true);
  });

  it('still accepts nesting up to the bound', async () => {
    operator.send(`{"type":"req","id":"ok-depth","method":"health","params":{"pad":${deepJson(MAX_FRAME_DEPTH - 2)}}}`);
    assert.equal((await operator.waitRes('ok-depth')).ok, true);
  });
});
