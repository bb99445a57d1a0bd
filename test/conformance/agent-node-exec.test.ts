import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fakeModelConfig } from '../helpers/chat-gateway.js';
import { startFakeModel, type FakeReply } from '../helpers/fake-model.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-process.js';
import { formatMismatches, frameKey, replayConnection } from './conn-replay.js';
import { ReplaySession } from './device-replay.js';
import { callAsAdmin } from './device-setup.js';
import { assertNoMismatch, clientFrames, compareTo, emptyFindings, nth, serverFrames } from './node-replay.js';
import { connections, isObject, loadVector, type FrameEntry, type JsonObject } from './vector-file.js';
import { FrameRecorder } from './ws-recorder.js';

// THE node-exec flow (assistant.md 8.3, 8.4): three overlapping connections. The real node host
// ("node", played here frame by frame) connects and waits for its surface approval; attempt 1
// (approvals-client#1) asks for a shell chain, which the node refuses to prepare, so no approval
// exists; attempt 3 (approvals-client#2) prepares, reads the node's approvals, asks, is allowed
// once, runs, and the model's answer quotes the output. The gateway's frames to the node are
// compared with the capture, and so is what it asks the node to do, in order.
const file = loadVector('agent-node-exec');
const session = new ReplaySession(file, { learnedKeys: ['id'] });
const QUOTE = ['The node ran the command. ', 'Output was: '];

/** The modelFake of the capture: preamble + one exec call, then the quote of the tool result. */
function execTurn(command: string): FakeReply[] {
  return [
    { kind: 'tools', text: 'Running it on the node. ', calls: [{ id: 'call_node_exec_1', name: 'exec', args: { command, host: 'node' } }] },
    // The capture's chunks came ~180 ms apart, each its own chat delta.
    { kind: 'quote-tool', prefix: QUOTE, delayMs: 200 },
  ];
}

/** The `data` fields whose values say what an agent event is (the rest are compared by key). */
const DATA_VALUES = ['phase', 'kind', 'status', 'title', 'name', 'toolCallId', 'itemId', 'isError', 'commandBearing', 'outputTokens', 'exitCode'] as const;

/**
 * The agent stream beyond the envelope shape: the n-th agent event we sent against the n-th
 * captured one, by stream, the keys of `data` (and of a tool result's `details`), and the values
 * that name the event. Run-specific ids (item uuids, preamble ids) are compared by their form.
 */
function agentStreamMismatches(conn: string, received: { json: unknown }[]): string[] {
  const captured = serverFrames(file, conn).filter((e) => e.frame.event === 'agent');
  const ours = received.map((f) => f.json).filter((j): j is JsonObject => isObject(j) && j.event === 'agent');
  const out: string[] = [];
  const form = (v: unknown): unknown => (typeof v === 'string'
    ? v.replace(/^commentary-\d+-[0-9a-f]{24}$/, 'commentary-<n>-<id>').replace(/^[0-9a-f-]{36}:(\d+)$/, '<uuid>:$1') : v);
  captured.forEach((entry, i) => {
    const exp = entry.frame.payload as JsonObject;
    const got = ours[i]?.payload as JsonObject | undefined;
    const label = `agent event #${i + 1} (frame #${entry.index}, ${String(exp.stream)})`;
    if (!got) return void out.push(`${label}: never arrived`);
    if (got.stream !== exp.stream) return void out.push(`${label}: stream ${String(got.stream)}`);
    const expData = exp.data as JsonObject;
    const gotData = got.data as JsonObject;
    const keysOf = (o: JsonObject): string => Object.keys(o).sort().join(',');
    if (keysOf(expData) !== keysOf(gotData)) out.push(`${label}: data keys [${keysOf(gotData)}], captured [${keysOf(expData)}]`);
    for (const k of DATA_VALUES) {
      if (k in expData && JSON.stringify(form(gotData[k])) !== JSON.stringify(form(expData[k]))) {
        out.push(`${label}: data.${k} ${JSON.stringify(gotData[k])}, captured ${JSON.stringify(expData[k])}`);
      }
    }
    const details = (d: JsonObject): JsonObject | undefined => ((d.result as JsonObject | undefined)?.details as JsonObject | undefined);
    const expDetails = details(expData);
    const gotDetails = details(gotData);
    if (expDetails && keysOf(expDetails) !== keysOf(gotDetails ?? {})) out.push(`${label}: result.details keys [${keysOf(gotDetails ?? {})}], captured [${keysOf(expDetails)}]`);
  });
  if (ours.length > captured.length) out.push(`${ours.length - captured.length} agent event(s) beyond the capture`);
  return out;
}

/**
 * Replays an approvals client; fails on any mismatch: responses, chat, session.*, exec.approval.*
 * and the agent stream (envelopes by shape, `data` by agentStreamMismatches).
 */
async function replayClient(conn: string, url: string): Promise<void> {
  const entries = connections(file).get(conn) ?? [];
  const result = await replayConnection({ url, entries, session, signedPayloads: file.signedPayloads.filter((p) => p.conn === conn) });
  assert.deepEqual(result.skipped, [], `${conn}: client frames skipped`);
  const mismatches = [...result.mismatches, ...agentStreamMismatches(conn, result.received)];
  if (mismatches.length > 0) assert.fail(formatMismatches(`agent-node-exec / ${conn}`, mismatches));
}

/** Waits for the client replay and the node side; fails with both failures when both failed. */
async function bothSides(client: Promise<unknown>, node: Promise<void>): Promise<void> {
  const failures = (await Promise.allSettled([client, node])).filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) assert.fail(failures.map((f) => String((f.reason as Error)?.message ?? f.reason)).join('\n---\n'));
}

describe('vector agent-node-exec', () => {
  const nodeIn = serverFrames(file, 'node');
  const nodeOut = clientFrames(file, 'node');
  /** The captured frame at vector index `i` (an entry of the node connection). */
  const at = (entries: FrameEntry[], i: number): FrameEntry => {
    const entry = entries.find((e) => e.index === i);
    assert.ok(entry, `frame #${i} is not on the node connection`);
    return entry;
  };
  let gw: RunningGateway | undefined;
  let node: FrameRecorder | undefined;
  let closeFake: (() => Promise<void>) | undefined;

  before(async () => {
    const fake = await startFakeModel();
    closeFake = () => fake.close();
    fake.script(...execTurn('echo farclaw-node-exec-ok && uname -s'), ...execTurn('echo farclaw-node-exec-ok'));
    gw = await startGateway({ config: { ...fakeModelConfig(fake), tools: { exec: { host: 'node', mode: 'ask' } } } });
  });
  after(async () => {
    node?.terminate();
    await gw?.stop();
    await closeFake?.();
  });

  /** Sends a captured node frame (learned ids substituted), `params` overriding its params. */
  const send = (entry: FrameEntry, params?: JsonObject): void => {
    assert.ok(node && isObject(entry.frame.params));
    node.sendText(session.substitute(JSON.stringify({ ...entry.frame, params: params ?? entry.frame.params })));
  };
  /** The answer to a captured node request, compared with the capture's. */
  const ackOf = async (request: FrameEntry, answer: FrameEntry, method: string, out: ReturnType<typeof emptyFindings>): Promise<JsonObject> => {
    assert.ok(node);
    const got = await nth(node, `res:${String(request.frame.id)}`);
    compareTo(answer, got, method, out);
    return got;
  };
  /** The n-th node.invoke.request, compared with the captured one; resolves with its payload. */
  const invokeRequest = async (n: number, expected: FrameEntry, out: ReturnType<typeof emptyFindings>): Promise<JsonObject> => {
    assert.ok(node);
    const rec = node;
    // The run reaches the node only after the model's first turn: a generous deadline.
    const frame = await rec.until(`node.invoke.request #${n + 1}`, () => rec.frames.filter((f) => frameKey(f.json) === 'event:node.invoke.request')[n], 60_000);
    const got = frame.json as JsonObject;
    compareTo(expected, got, undefined, out);
    const payload = got.payload as JsonObject;
    assert.equal(payload.command, (expected.frame.payload as JsonObject).command, `invoke #${n + 1} asks the node for the captured command`);
    return payload;
  };
  /** Answers the gateway's invoke `request` with the node's recorded result (`nodeOut[result]`) and checks the ack (`nodeIn[ack]`). */
  const answerInvoke = async (request: JsonObject, result: number, ack: number, out: ReturnType<typeof emptyFindings>): Promise<void> => {
    const answer = at(nodeOut, result);
    send(answer, { ...(answer.frame.params as JsonObject), id: request.id as string });
    await ackOf(answer, at(nodeIn, ack), 'node.invoke.result', out);
  };

  test('the node connects, waits for its surface approval, then reports its inventory', { timeout: 120_000 }, async () => {
    assert.ok(gw);
    const out = emptyFindings();
    node = await FrameRecorder.open(gw.url);
    const challenge = await nth(node, 'event:connect.challenge');
    compareTo(at(nodeIn, 0), challenge, undefined, out);
    const connect = at(nodeOut, 1);
    const captured = (at(nodeIn, 0).frame.payload as { nonce: string; ts: number });
    const received = challenge.payload as { nonce: string; ts: number };
    const text = JSON.stringify(connect.frame).replace('<NODE_HOST_PATH_ENV>', '/usr/bin:/bin');
    node.sendText(session.clientText(connect, text, { captured, received }, undefined, false));
    compareTo(at(nodeIn, 2), await nth(node, `res:${String(connect.frame.id)}`), 'connect', out);
    compareTo(at(nodeIn, 3), await nth(node, 'event:voicewake.changed'), undefined, out);
    compareTo(at(nodeIn, 4), await nth(node, 'event:voicewake.routing.changed'), undefined, out);
    for (const i of [5, 6, 7, 8]) send(at(nodeOut, i));
    await ackOf(at(nodeOut, 5), at(nodeIn, 9), 'node.event', out);
    await ackOf(at(nodeOut, 7), at(nodeIn, 10), 'node.skills.update', out);
    const inventoryRefused = await nth(node, `res:${String(at(nodeOut, 6).frame.id)}`);
    await ackOf(at(nodeOut, 8), at(nodeIn, 12), 'node.pluginTools.update', out);
    // `openclaw nodes approve <requestId>` (not recorded): an operator approves the surface.
    const list = await callAsAdmin(gw.url, 'node.pair.list', {});
    const pending = (list.payload as { pending: { requestId: string }[] }).pending;
    assert.equal(pending.length, 1, JSON.stringify(list));
    // The refusal names the pending request: ours, where the capture has its own.
    const capturedRefusal = at(nodeIn, 11);
    const ownRequest = JSON.parse(JSON.stringify(capturedRefusal.frame).replaceAll('f0cf55b3-edeb-4806-b5dd-a1bf8b8e2ce1', pending[0]?.requestId ?? '')) as JsonObject;
    compareTo({ ...capturedRefusal, frame: ownRequest }, inventoryRefused, 'node.runnerInventory.update', out);
    const approved = await callAsAdmin(gw.url, 'node.pair.approve', { requestId: pending[0]?.requestId });
    assert.equal(approved.ok, true, JSON.stringify(approved.error));
    compareTo(at(nodeIn, 13), await nth(node, 'event:node.pair.resolved'), undefined, out);
    send(at(nodeOut, 14));
    await ackOf(at(nodeOut, 14), at(nodeIn, 15), 'node.runnerInventory.update', out);
    assertNoMismatch('agent-node-exec / node (setup)', out);
  });

  test('attempt 1: a shell chain the node cannot bind is refused at prepare, no approval is asked', { timeout: 120_000 }, async () => {
    assert.ok(gw && node);
    const out = emptyFindings();
    const nodeSide = async (): Promise<void> => {
      const prepare = await invokeRequest(0, at(nodeIn, 43), out);
      assert.deepEqual(JSON.parse(String(prepare.paramsJSON)), JSON.parse(String((at(nodeIn, 43).frame.payload as JsonObject).paramsJSON)));
      await answerInvoke(prepare, 44, 45, out);
    };
    await bothSides(replayClient('approvals-client#1', gw.url), nodeSide());
    assertNoMismatch('agent-node-exec / node (attempt 1)', out);
  });

  test('attempt 3: prepare, the node approvals, allow-once, system.run with the plan, the quoted answer', { timeout: 120_000 }, async () => {
    assert.ok(gw && node);
    // `sessions.reset` of agent:main:main via the CLI (not recorded).
    const reset = await callAsAdmin(gw.url, 'sessions.reset', { key: 'agent:main:main' });
    assert.equal(reset.ok, true, JSON.stringify(reset.error));
    const out = emptyFindings();
    const nodeSide = async (): Promise<void> => {
      const prepare = await invokeRequest(1, at(nodeIn, 91), out);
      assert.deepEqual(JSON.parse(String(prepare.paramsJSON)), JSON.parse(String((at(nodeIn, 91).frame.payload as JsonObject).paramsJSON)));
      await answerInvoke(prepare, 92, 93, out);

      const approvalsGet = await invokeRequest(2, at(nodeIn, 94), out);
      assert.equal(approvalsGet.paramsJSON, '{}');
      await answerInvoke(approvalsGet, 95, 96, out);

      const run = await invokeRequest(3, at(nodeIn, 104), out);
      const params = JSON.parse(String(run.paramsJSON)) as JsonObject;
      const capturedParams = JSON.parse(String((at(nodeIn, 104).frame.payload as JsonObject).paramsJSON)) as JsonObject;
      // The approval id is per run; everything else is what the capture asked the node to run.
      assert.equal(typeof params.runId, 'string');
      assert.deepEqual({ ...params, runId: '<approval id>' }, { ...capturedParams, runId: '<approval id>' });
      assert.ok(typeof run.timeoutMs === 'number' && run.timeoutMs > 1_800_000, 'the invoke outlives the command timeout');
      const finished = at(nodeOut, 106);
      const finishedPayload = JSON.parse(String((finished.frame.params as JsonObject).payloadJSON)) as JsonObject;
      send(finished, { ...(finished.frame.params as JsonObject), payloadJSON: JSON.stringify({ ...finishedPayload, runId: params.runId }) });
      await ackOf(finished, at(nodeIn, 107), 'node.event', out);
      await answerInvoke(run, 108, 109, out);
    };
    await bothSides(replayClient('approvals-client#2', gw.url), nodeSide());
    assertNoMismatch('agent-node-exec / node (attempt 3)', out);
  });
});
