// Issue 12, the resource cases under load, against a real gateway process: the bounds hold
// (refusal with a reason, RSS below a ceiling read from /proc/<pid>/status), never timings.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_INVOKE_LIMITS } from '../../src/gateway/nodes/invoke-budget.js';
import { MAX_INVOKE_TIMEOUT_MS } from '../../src/gateway/nodes/node-service.js';
import { callAsAdmin, NODE_HOST_CONNECT, pairDevice } from '../conformance/device-setup.js';
import { MANUAL_PAIRING_GATEWAY } from '../conformance/vector-suite.js';
import { challengeOf } from '../helpers/device-session.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { rssBytes } from '../helpers/proc-rss.js';
import { connectParams, RawClient, type Frame } from '../helpers/raw-client.js';
import { newTestDevice, withDeviceProof } from '../helpers/test-device.js';
import { waitFor } from '../helpers/wait-for.js';

const MB = 1024 * 1024;

async function operator(url: string): Promise<RawClient> {
  const c = await RawClient.open(url);
  const res = await c.connect({ ...connectParams(TEST_TOKEN), scopes: ['operator.admin'] });
  assert.equal(res.ok, true, JSON.stringify(res.error));
  return c;
}

/**
 * A paired node device with an approved `system.which`, on a socket without permessage-deflate
 * (its pongs never wait behind compressed megabytes). Returns the node's client and id.
 */
async function approvedNode(url: string): Promise<{ node: RawClient; nodeId: string }> {
  const device = newTestDevice();
  const params = { ...NODE_HOST_CONNECT, commands: ['system.which'], caps: ['system'] };
  await pairDevice(url, device, params);
  const node = await RawClient.open(url);
  const res = await node.connect(withDeviceProof(device, params, challengeOf(node)) as unknown as Record<string, unknown>);
  assert.equal(res.ok, true, JSON.stringify(res.error));
  const pending = ((await callAsAdmin(url, 'node.pair.list', {})).payload as { pending: { requestId: string }[] }).pending;
  assert.equal((await callAsAdmin(url, 'node.pair.approve', { requestId: pending[0]?.requestId })).ok, true);
  return { node, nodeId: device.id };
}

/** `node.invoke.request` events the node has received so far. */
const invokeRequests = (node: RawClient): { id: string }[] =>
  node.frames.flatMap((f) => (f.type === 'event' && f.event === 'node.invoke.request' ? [f.payload as { id: string }] : []));

describe('resource bounds under load (issue 12, real gateway process)', () => {
  let gw: RunningGateway;
  let node: RawClient;
  let nodeId: string;
  let watcher: RawClient;

  before(async () => {
    gw = await startGateway(MANUAL_PAIRING_GATEWAY);
    ({ node, nodeId } = await approvedNode(gw.url));
    watcher = await operator(gw.url);
  });
  after(async () => {
    watcher?.terminate();
    node?.terminate();
    await gw?.stop();
  });

  it('12.5 and 12.7: 300 sockets holding wrong-token connects with 15 × 60 KB frames queued, and 200 silent sockets, neither lock out a well-behaved client nor pin memory', { timeout: 300_000 }, async () => {
    const pid = gw.proc.pid ?? 0;
    const rssBefore = rssBytes(pid);
    const pad = 'y'.repeat(60 * 1024);
    const attackers: RawClient[] = [];
    for (let i = 0; i < 300; i++) {
      const c = await RawClient.open(gw.url).catch(() => undefined);
      if (!c) continue;
      attackers.push(c);
      c.send({ type: 'req', id: 'c', method: 'connect', params: { ...connectParams('wrong-token-0123456789abcdef'), scopes: ['operator.read'] } });
      for (let j = 0; j < 15; j++) c.send(`{"type":"req","id":"q${j}","method":"health","params":{"pad":"${pad}"}}`);
    }
    for (let i = 0; i < 200; i++) {
      const c = await RawClient.open(gw.url).catch(() => undefined);
      if (c) attackers.push(c);
    }
    const good = await operator(gw.url);
    assert.equal((await good.call('health', {})).ok, true);
    good.terminate();
    // Each attacker is refused with a reason: its connect answered, or its socket closed 1008
    // (queue over 64 KiB behind an undecided connect) or evicted at the per-address cap.
    const refused = attackers.flatMap((c) => c.frames.filter((f) => f.type === 'res' && f.id === 'c'));
    const reasons = new Set(attackers.flatMap((c) => (c.close ? [`${c.close.code} ${c.close.reason}`] : [])));
    assert.ok([...reasons].some((r) => /^1008 .+/.test(r)), `close reasons: ${[...reasons].join(' | ')}`);
    const grown = rssBytes(pid) - rssBefore;
    // Unbounded, 512 such sockets peaked at +589 MB (the issue); the pre-auth queue caps hold 64 KiB each.
    assert.ok(grown < 150 * MB, `gateway RSS grew by ${Math.round(grown / MB)} MB`);
    for (const r of refused) {
      assert.equal(r.ok, false);
      assert.match(r.error?.message ?? '', /token/i, JSON.stringify(r.error));
    }
    for (const c of attackers) c.terminate();
  });

  it('12.12: refuses a timeoutMs over the documented maximum', async () => {
    const res = await watcher.call('node.invoke', { nodeId, command: 'system.which', params: { bins: ['sh'] }, idempotencyKey: 'too-long', timeoutMs: 99_999_999_999 });
    assert.equal(res.ok, false);
    assert.equal(res.error?.code, 'INVALID_REQUEST', JSON.stringify(res.error));
    assert.equal(res.error?.message, `timeoutMs must be at most ${MAX_INVOKE_TIMEOUT_MS} (2 h)`);
  });

  it('12.12: 300 pending 1 MB invokes are refused past the caps (retryable, with the reason) and RSS stays bounded', { timeout: 300_000 }, async () => {
    const callers = await Promise.all(Array.from({ length: 10 }, () => operator(gw.url)));
    const rssBefore = rssBytes(gw.proc.pid ?? 0);
    const blob = 'x'.repeat(MB);
    const answered = (): Frame[] => callers.flatMap((c) => c.frames.filter((f) => f.type === 'res' && String(f.id).startsWith('inv-')));
    // One call at a time, each sent once the previous one was refused or reached the node, so
    // this process (which also plays the node) keeps answering the gateway's pings.
    for (let j = 0; j < 30; j++) {
      for (const [i, c] of callers.entries()) {
        const seen = answered().length + invokeRequests(node).length;
        c.send(`{"type":"req","id":"inv-${j}","method":"node.invoke","params":{"nodeId":${JSON.stringify(nodeId)},"command":"system.which","idempotencyKey":"flood-${i}-${j}","timeoutMs":600000,"params":{"bins":["sh"],"pad":"${blob}"}}}`);
        await waitFor('the call refused or at the node', () => answered().length + invokeRequests(node).length > seen, 60_000, 5);
      }
    }
    await waitFor('every invoke either refused or waiting at the node', () => answered().length + invokeRequests(node).length === 300, 60_000, 100).catch((e) => {
      throw new Error(`${(e as Error).message}: ${answered().length} answered, ${invokeRequests(node).length} at the node, node closed: ${JSON.stringify(node.close)}`);
    });
    assert.equal(node.close, undefined, 'the node stays connected');
    const waiting = invokeRequests(node).length;
    const refusals = answered();
    assert.ok(waiting > 0, 'some invokes reach the node');
    assert.ok(waiting <= Math.floor(DEFAULT_INVOKE_LIMITS.totalBytes / MB), `${waiting} invokes waiting is over the byte cap`);
    assert.ok(waiting <= DEFAULT_INVOKE_LIMITS.totalCalls);
    for (const c of callers) {
      const held = 30 - c.frames.filter((f) => f.type === 'res' && String(f.id).startsWith('inv-')).length;
      assert.ok(held <= DEFAULT_INVOKE_LIMITS.perCallerCalls, `one caller holds ${held}`);
    }
    for (const r of refusals) {
      assert.equal(r.ok, false);
      assert.equal(r.error?.code, 'UNAVAILABLE');
      assert.equal(r.error?.retryable, true);
      assert.equal(r.error?.details?.code, 'NODE_INVOKE_BUSY', JSON.stringify(r.error));
      assert.match(r.error?.message ?? '', /^node\.invoke refused: .* retry when earlier calls have finished$/);
    }
    // Unbounded, 300 × 1 MB held +341 MB (the issue); the caps hold about 64 MB of params. The
    // refused frames are garbage that V8 returns when it next collects (its memory reducer runs
    // ~8 s after the burst), so the bound is on what stays, not on when the collector ran.
    let grown = 0;
    await waitFor('gateway RSS growth to settle under 200 MB', () => (grown = rssBytes(gw.proc.pid ?? 0) - rssBefore) < 200 * MB, 30_000, 250)
      .catch(() => assert.fail(`gateway RSS grew by ${Math.round(grown / MB)} MB and stayed there`));
    assert.equal((await watcher.call('health', {})).ok, true);

    // A caller's close frees all of its slots: the next call reaches the node and is answered.
    for (const c of callers) c.terminate();
    const before = invokeRequests(node).length;
    const call = { nodeId, command: 'system.which', params: { bins: ['sh'] }, idempotencyKey: 'after-flood', timeoutMs: 60_000 };
    // The gateway sees the closes a moment after this process: try again while refused as busy.
    let id = '';
    for (let i = 0; invokeRequests(node).length === before; i++) {
      id = `after-${i}`;
      watcher.send({ type: 'req', id, method: 'node.invoke', params: call });
      const sent = id;
      const refused = await waitFor('the call refused or at the node', () =>
        invokeRequests(node).length > before ? 'at-node' : watcher.frames.find((f) => f.type === 'res' && f.id === sent), 60_000, 5);
      if (refused !== 'at-node') {
        assert.equal(refused.error?.details?.code, 'NODE_INVOKE_BUSY', JSON.stringify(refused.error));
        assert.ok(i < 100, 'slots never freed');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const request = invokeRequests(node)[before];
    node.send({ type: 'req', id: 'answer', method: 'node.invoke.result', params: { id: request?.id, nodeId, ok: true, payload: { bins: {} } } });
    assert.equal((await watcher.waitRes(id, 60_000)).ok, true);
  });
});
