import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import {
  expectationsOf,
  FRAME_TIMEOUT_MS,
  frameKey,
  formatMismatches,
  matchFrames,
  type Expectation,
} from './conn-replay.js';
import { emptyFindings, type Findings } from './shape-compare.js';
import { connections, isCloseEntry, isObject, loadVector, type VectorEntry } from './vector-file.js';
import { FrameRecorder } from './ws-recorder.js';
import { CONNECTION_TIMEOUT_MS, TOKEN_GATEWAY } from './vector-suite.js';

/**
 * events.json holds only server frames of two long-lived operator sockets, so the
 * client side is ours: a plain operator connect (as the capture's "throwaway raw
 * client (operator, shared token)"), a second client to cause a presence change,
 * and SIGTERM for the shutdown. Ticks come every 30 s on a real gateway; ours takes
 * FARCLAW_TICK_INTERVAL_MS. FARCLAW_HEALTH_REFRESH_INTERVAL_MS is a proposed knob
 * for the 60 s health refresh (ignored if the gateway does not implement it).
 */
const TICK_INTERVAL_MS = 200;
const HEALTH_REFRESH_INTERVAL_MS = 1_000;

const file = loadVector('events');
const conns = connections(file);

function connFrames(name: string): VectorEntry[] {
  const entries = conns.get(name);
  assert.ok(entries, `events.json has no connection ${name}`);
  return entries;
}

/** Connect params of the raw operator client used in the other raw-client vectors. */
function watcherConnect(id: string): string {
  return JSON.stringify({
    type: 'req', id, method: 'connect',
    params: {
      minProtocol: 4, maxProtocol: 4,
      client: { id: 'cli', version: '0.0.1', platform: 'linux', mode: 'cli' },
      role: 'operator', scopes: ['operator.read'], caps: [], auth: { token: TEST_TOKEN },
    },
  });
}

/**
 * A long-lived app-style client (`openclaw-macos`, mode `ui`). One-shot CLI clients get
 * no presence entry (OpenClaw docs, concepts/presence: `client.mode === "cli"` is
 * skipped; farclaw also skips probe/backend/test), so an app connecting is what makes
 * the gateway broadcast `presence`. Device-less and not cli/backend, it gets no scopes
 * (protocol.md 4.3), which is fine for a trigger.
 */
function presenceTriggerConnect(id: string): string {
  return JSON.stringify({
    type: 'req', id, method: 'connect',
    params: {
      minProtocol: 4, maxProtocol: 4,
      client: {
        id: 'openclaw-macos', displayName: 'conformance presence trigger', version: '2026.9.6', platform: 'darwin',
        deviceFamily: 'Mac', mode: 'ui', instanceId: randomUUID(),
      },
      caps: [], auth: { token: TEST_TOKEN }, role: 'operator', scopes: ['operator.read'],
    },
  });
}

/** Opens a socket and completes the handshake; throws with the server's answer if it fails. */
async function connectClient(url: string, id: string, connectText: string): Promise<FrameRecorder> {
  const rec = await FrameRecorder.open(url);
  await rec.until('connect.challenge', () => rec.frames.some((f) => frameKey(f.json) === 'event:connect.challenge'), FRAME_TIMEOUT_MS);
  rec.sendText(connectText);
  const res = await rec.until(`connect response ${id}`, () => rec.frames.find((f) => frameKey(f.json) === `res:${id}`), FRAME_TIMEOUT_MS);
  if (!isObject(res.json) || res.json.ok !== true) {
    rec.terminate();
    throw new Error(`handshake for ${id} failed: ${res.text.slice(0, 300)}`);
  }
  return rec;
}

/** Waits for every expected event (by name and occurrence), recording the ones that never came. */
async function awaitExpectations(rec: FrameRecorder, expectations: Expectation[]): Promise<Set<Expectation>> {
  const timedOut = new Set<Expectation>();
  for (const exp of expectations) {
    try {
      await rec.until(exp.key, () => {
        if (rec.frames.filter((f) => frameKey(f.json) === exp.key).length > exp.occurrence) return true;
        if (rec.closed) throw new Error('closed');
        return false;
      }, FRAME_TIMEOUT_MS);
    } catch {
      timedOut.add(exp);
    }
  }
  return timedOut;
}

/** Frames after the handshake we drove ourselves (the capture starts after it). */
function afterHandshake(rec: FrameRecorder, connectId: string): FrameRecorder['frames'] {
  return rec.frames.filter((f) => {
    const key = frameKey(f.json);
    return key !== 'event:connect.challenge' && key !== `res:${connectId}`;
  });
}

/** protocol.md 2.3: `seq` counts broadcasts per connection, so it must strictly increase. */
function checkSeqIncreases(frames: FrameRecorder['frames'], out: Findings): void {
  let last = 0;
  for (const f of frames) {
    if (!isObject(f.json) || f.json.type !== 'event' || f.json.seq === undefined) continue;
    const seq = f.json.seq;
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq <= last) {
      out.mismatches.push(`received #${f.seqNo} (event ${String(f.json.event)}): seq ${JSON.stringify(seq)} does not follow ${last}`);
    }
    if (typeof seq === 'number') last = seq;
  }
}

describe('vector events', () => {
  let gw: RunningGateway | undefined;

  before(async () => {
    gw = await startGateway({
      ...TOKEN_GATEWAY,
      env: {
        FARCLAW_TICK_INTERVAL_MS: String(TICK_INTERVAL_MS),
        FARCLAW_HEALTH_REFRESH_INTERVAL_MS: String(HEALTH_REFRESH_INTERVAL_MS),
      },
    });
  });
  after(async () => {
    await gw?.stop();
  });

  test('connection watcher-1 receives tick, health and presence events with the captured shapes', { timeout: CONNECTION_TIMEOUT_MS }, async (t) => {
    assert.ok(gw, 'gateway did not start');
    const entries = connFrames('watcher-1');
    const expectations = expectationsOf(entries, true);
    const watcher = await connectClient(gw.url, 'w1', watcherConnect('w1'));
    const trigger = await connectClient(gw.url, 't1', presenceTriggerConnect('t1'));
    let timedOut: Set<Expectation>;
    try {
      timedOut = await awaitExpectations(watcher, expectations);
    } finally {
      trigger.close(1000, 'done');
      watcher.close(1000, 'done');
      await Promise.allSettled([trigger.waitForClose(FRAME_TIMEOUT_MS), watcher.waitForClose(FRAME_TIMEOUT_MS)]);
    }
    const out = emptyFindings();
    const frames = afterHandshake(watcher, 'w1');
    matchFrames(frames, expectations, new Map(), timedOut, out);
    checkSeqIncreases(frames, out);
    for (const note of out.notes) t.diagnostic(note);
    t.diagnostic(`received ${frames.length} event frame(s) after hello-ok`);
    if (out.mismatches.length > 0) assert.fail(formatMismatches('events / watcher-1', out.mismatches));
  });

  test('connection watcher-shutdown gets a shutdown event then close 1012 "service restart" on SIGTERM', { timeout: CONNECTION_TIMEOUT_MS }, async (t) => {
    assert.ok(gw, 'gateway did not start');
    const entries = connFrames('watcher-shutdown');
    const expectations = expectationsOf(entries, true);
    const closeEntry = entries.find(isCloseEntry);
    assert.ok(closeEntry, 'watcher-shutdown has no close entry');
    const watcher = await connectClient(gw.url, 'w2', watcherConnect('w2'));
    gw.proc.kill('SIGTERM');
    const timedOut = await awaitExpectations(watcher, expectations);
    const out = emptyFindings();
    try {
      await watcher.waitForClose(FRAME_TIMEOUT_MS);
    } catch {
      out.mismatches.push(`close: socket still open ${FRAME_TIMEOUT_MS} ms after SIGTERM`);
      watcher.terminate();
    }
    const frames = afterHandshake(watcher, 'w2');
    matchFrames(frames, expectations, new Map(), timedOut, out);
    checkSeqIncreases(frames, out);
    const got = watcher.closed;
    if (got && (got.code !== closeEntry.code || got.reason !== closeEntry.reason)) {
      out.mismatches.push(
        `close (#${closeEntry.index}): expected ${closeEntry.code} ${JSON.stringify(closeEntry.reason)}, got ${got.code} ${JSON.stringify(got.reason)}`,
      );
    }
    for (const note of out.notes) t.diagnostic(note);
    if (out.mismatches.length > 0) assert.fail(formatMismatches('events / watcher-shutdown', out.mismatches));
  });
});
