import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGateway, type RunningGateway } from '../helpers/gateway-process.js';
import { ReplaySession } from './device-replay.js';
import {
  assertNoMismatch, clientFrames, compareTo, connectApprovedNode, emptyFindings, nth, replayConn, serverFrames,
} from './node-replay.js';
import { MANUAL_PAIRING_GATEWAY } from './vector-suite.js';
import { isObject, loadVector, type JsonObject } from './vector-file.js';
import { FrameRecorder } from './ws-recorder.js';

// Operators list, describe and invoke a node; the node (captured mid-session, without its
// connect) is played here with the real node host's connect from node-pairing, paired and
// approved first as an operator would. Its side of the invoke is compared frame by frame.
describe('vector node-invoke', () => {
  const file = loadVector('node-invoke');
  const session = new ReplaySession(file);
  const nodeKey = 'bSOQiAvHKZfAqu-cwbQliSqIMErbsFWne02nCQ8h8Ek';
  const device = session.deviceFor(nodeKey);
  let gw: RunningGateway | undefined;
  let node: FrameRecorder | undefined;

  before(async () => {
    gw = await startGateway(MANUAL_PAIRING_GATEWAY);
    node = await connectApprovedNode(gw.url, device);
  });
  after(async () => {
    node?.terminate();
    await gw?.stop();
  });

  test('node.list and node.describe show the connected, approved node', { timeout: 60_000 }, async (t) => {
    assert.ok(gw);
    await replayConn(t, file, 'operator#1', gw.url, session);
    await replayConn(t, file, 'operator#2', gw.url, session);
  });

  test('node.invoke reaches the node as node.invoke.request and returns its node.invoke.result', { timeout: 60_000 }, async (t) => {
    assert.ok(gw && node);
    const rec = node;
    const out = emptyFindings();
    const [request, resultAck, eventAck] = serverFrames(file, 'node');
    const [result, event] = clientFrames(file, 'node');
    assert.ok(request && resultAck && eventAck && result && event);
    const operator = replayConn(t, file, 'operator#3', gw.url, session);
    const got = await nth(rec, 'event:node.invoke.request');
    compareTo(request, got, undefined, out);
    const payload = got.payload as JsonObject;
    assert.equal(payload.command, 'system.which');
    assert.equal(payload.paramsJSON, '{"bins":["uname","sh"]}');
    assert.ok(typeof payload.timeoutMs === 'number' && payload.timeoutMs <= 15_000 && payload.timeoutMs > 0, 'timeoutMs is the remaining budget');
    const send = (frame: JsonObject, params: JsonObject): void => rec.sendText(session.substitute(JSON.stringify({ ...frame, params })));
    assert.ok(isObject(result.frame.params) && isObject(event.frame.params));
    send(result.frame, { ...result.frame.params, id: payload.id });
    compareTo(resultAck, await nth(rec, `res:${String(result.frame.id)}`), 'node.invoke.result', out);
    await operator;
    send(event.frame, event.frame.params);
    compareTo(eventAck, await nth(rec, `res:${String(event.frame.id)}`), 'node.event', out);
    assertNoMismatch('node-invoke / node', out);
  });

  test('a command outside the gateway policy is refused with the reason', { timeout: 60_000 }, async (t) => {
    assert.ok(gw);
    await replayConn(t, file, 'operator-rejected', gw.url, session);
  });
});
