import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGateway, type RunningGateway } from '../helpers/gateway-process.js';
import { ReplaySession } from './device-replay.js';
import {
  assertNoMismatch, compareTo, emptyFindings, nth, operatorRecorder, replayConn, serverFrames,
} from './node-replay.js';
import { MANUAL_PAIRING_GATEWAY } from './vector-suite.js';
import { loadVector } from './vector-file.js';
import type { FrameRecorder } from './ws-recorder.js';

// Node host pairing, both steps: the device request (refused connect, approval with the admin
// retry), then the node's capability surface (node.pair.requested while connected, node-side
// calls refused until node.pair.approve, node.pair.resolved to operators and to the node).
// The node's second connection stays open while the operators act, so the steps overlap here
// as they did in the capture; the operator-watcher (captured without its connect) is ours.
describe('vector node-pairing', () => {
  const file = loadVector('node-pairing');
  const session = new ReplaySession(file);
  let gw: RunningGateway | undefined;
  let watcher: FrameRecorder | undefined;

  before(async () => {
    gw = await startGateway(MANUAL_PAIRING_GATEWAY);
    watcher = await operatorRecorder(gw.url, ['operator.read', 'operator.pairing']);
  });
  after(async () => {
    watcher?.terminate();
    await gw?.stop();
  });

  test('device pairing: the node is refused, listed, approved only with operator.admin', { timeout: 120_000 }, async (t) => {
    assert.ok(gw);
    for (const conn of ['node-attempt-1', 'admin-devices#1', 'admin-devices#2', 'admin-devices#3']) {
      await replayConn(t, file, conn, gw.url, session);
    }
  });

  test('surface approval: the connected node waits, operators list and approve, everyone learns it', { timeout: 120_000 }, async (t) => {
    assert.ok(gw && watcher);
    const url = gw.url;
    const node = replayConn(t, file, 'node-attempt-2', url, session);
    // The operators act once the node's request exists, as in the capture.
    await nth(watcher, 'event:node.pair.requested');
    await replayConn(t, file, 'admin-nodes#1', url, session);
    await replayConn(t, file, 'admin-nodes#2', url, session);
    await node;

    const out = emptyFindings();
    const watched = serverFrames(file, 'operator-watcher');
    for (const expected of watched) {
      const name = String(expected.frame.event);
      const n = watched.filter((e) => e.index < expected.index && e.frame.event === name).length;
      // Our watcher also saw the device pairing of the first test: count node events from the start,
      // presence from the node's connect on.
      const actual = name === 'presence' ? await lastPresenceWithNode(watcher) : await nth(watcher, `event:${name}`, n);
      compareTo(expected, actual, undefined, out);
    }
    assertNoMismatch('node-pairing / operator-watcher', out);
  });
});

async function lastPresenceWithNode(rec: FrameRecorder) {
  const frame = await rec.until('presence with the node', () => rec.frames.find((f) => {
    const j = f.json as { event?: string; payload?: { presence?: { mode?: string }[] } };
    return j.event === 'presence' && (j.payload?.presence ?? []).some((p) => p.mode === 'node');
  }), 15_000);
  return frame.json as Record<string, unknown>;
}
