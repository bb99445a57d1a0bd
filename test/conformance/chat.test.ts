import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { expectationsOf, FRAME_TIMEOUT_MS, frameKey, formatMismatches, matchFrames, replayConnection, type ExtraEvents } from './conn-replay.js';
import { emptyFindings } from './shape-compare.js';
import { connections, isCloseEntry, isObject, loadVector, type VectorEntry } from './vector-file.js';
import { FrameRecorder } from './ws-recorder.js';
import { CONNECTION_TIMEOUT_MS, TOKEN_CONFIG_GATEWAY } from './vector-suite.js';

/**
 * chat.json: CLI calls (sessions.list, chat.history, chat.send, its replay, `agent`, agent.wait,
 * chat.abort, chat.history) against a gateway with no model credentials, and a raw operator
 * "watcher" whose client frames were not captured: it is ours, connected before the first call and
 * closed (1000 "done") when its captured frames are in, as in the capture.
 */
const file = loadVector('chat');
const WATCHER = 'operator-watcher';

/**
 * Watcher frames farclaw does not reproduce, each with the reason (the report lists them):
 * - `sessions.changed` reason `activity-summary`: OpenClaw's session activity summaries, a feature
 *   farclaw does not have (it sends sessions.changed to `sessions.subscribe`rs only);
 * - agent lifecycle `fallback_step`: OpenClaw walked its model fallback chain from its built-in
 *   default (openai) before failing; farclaw has no fallback chain and no built-in default model;
 * - the second chat `error` (seq 1, no agentId, "⚠️ Agent failed before reply…"): OpenClaw's reply
 *   dispatcher repeats the run's terminal error; farclaw ends a run with exactly one terminal event.
 */
function notReproduced(entry: VectorEntry): string | undefined {
  if (isCloseEntry(entry) || entry.dir !== 's2c' || entry.frame.type !== 'event') return undefined;
  const { event, payload } = entry.frame;
  if (!isObject(payload)) return undefined;
  if (event === 'sessions.changed' && payload.reason === 'activity-summary') return 'activity summaries';
  if (event === 'agent' && isObject(payload.data) && payload.data.phase === 'fallback_step') return 'model fallback chain';
  if (event === 'chat' && payload.state === 'error' && payload.agentId === undefined) return 'repeated terminal error';
  return undefined;
}

/**
 * The CLI closes right after chat.send's ack; the real gateway's first event of the send
 * (chat.metadata.changed) came ~0.3 s and its run ~0.5 s later (workspace preparation), so the
 * capture shows none on that socket. Ours come at once and may reach the CLI before its close.
 */
const RUN_EVENTS_BEFORE_CLOSE: ExtraEvents = {
  names: new Set(['chat', 'agent', 'session.message', 'chat.metadata.changed']),
  why: 'events of the send that reached the CLI before its close (the real gateway sent them ~0.3-0.5 s after the ack)',
};

describe('vector chat', () => {
  let gw: RunningGateway | undefined;
  let watcher: FrameRecorder | undefined;

  before(async () => {
    gw = await startGateway(TOKEN_CONFIG_GATEWAY);
    watcher = await FrameRecorder.open(gw.url);
    await watcher.until('watcher challenge', () => watcher?.frames.some((f) => frameKey(f.json) === 'event:connect.challenge'), FRAME_TIMEOUT_MS);
    watcher.sendText(JSON.stringify({
      type: 'req', id: 'watcher-connect', method: 'connect',
      params: { minProtocol: 4, maxProtocol: 4, client: { id: 'cli', version: '0.0.1', platform: 'linux', mode: 'cli' }, role: 'operator', scopes: ['operator.read'], caps: [], auth: { token: TEST_TOKEN } },
    }));
    const res = await watcher.until('watcher hello', () => watcher?.frames.find((f) => frameKey(f.json) === 'res:watcher-connect'), FRAME_TIMEOUT_MS);
    assert.ok(isObject(res.json) && res.json.ok === true, `watcher connect failed: ${res.text.slice(0, 200)}`);
  });
  after(async () => {
    watcher?.terminate();
    await gw?.stop();
  });

  for (const [conn, entries] of connections(file)) {
    if (conn === WATCHER) {
      test('connection operator-watcher gets the captured run events (minus the listed differences) and closes', { timeout: CONNECTION_TIMEOUT_MS }, async (t) => {
        const rec = watcher;
        assert.ok(rec, 'watcher did not connect');
        const kept = entries.filter((e) => {
          const why = notReproduced(e);
          if (why) t.diagnostic(`frame #${e.index}: not reproduced (${why})`);
          return why === undefined;
        });
        const expectations = expectationsOf(kept, false);
        const countOf = (key: string): number => rec.frames.filter((f) => frameKey(f.json) === key).length;
        for (const exp of expectations.filter((e) => !e.optional)) {
          await rec.until(`watcher frame #${exp.entry.index}`, () => countOf(exp.key) > exp.occurrence, FRAME_TIMEOUT_MS).catch(() => undefined);
        }
        rec.close(1000, 'done');
        await rec.waitForClose(FRAME_TIMEOUT_MS);
        // The handshake is ours, not the capture's.
        const received = rec.frames.filter((f) => frameKey(f.json) !== 'event:connect.challenge' && frameKey(f.json) !== 'res:watcher-connect');
        const out = emptyFindings();
        matchFrames(received, expectations, new Map(), new Set(), out);
        for (const note of out.notes) t.diagnostic(note);
        assert.deepEqual([rec.closed?.code, rec.closed?.reason], [1000, 'done']);
        if (out.mismatches.length > 0) assert.fail(formatMismatches(`chat / ${conn}`, out.mismatches));
      });
      continue;
    }
    test(`connection ${conn} gets the captured server frames and close`, { timeout: CONNECTION_TIMEOUT_MS }, async (t) => {
      assert.ok(gw, 'gateway did not start');
      const sendsChat = entries.some((e) => !isCloseEntry(e) && e.dir === 'c2s' && e.frame.method === 'chat.send');
      const result = await replayConnection({ url: gw.url, entries, ...(sendsChat ? { extraEvents: RUN_EVENTS_BEFORE_CLOSE } : {}) });
      for (const note of result.notes) t.diagnostic(note);
      assert.deepEqual(result.skipped, []);
      if (result.mismatches.length > 0) assert.fail(formatMismatches(`chat / ${conn}`, result.mismatches));
    });
  }
});
