// Interop: the real OpenClaw 2026.9.6 CLI sends, streams and reads chat against farclaw with the
// fake model behind it (issue 14, "Interop with OpenClaw's own clients").
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jsonOut } from '../helpers/cli-output.js';
import { startChatGateway } from '../helpers/chat-gateway.js';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { ensurePeer, runOpenclaw, type OpenclawResult, type Peer } from '../helpers/peer.js';
import { tmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

// The real CLI alone spends 10–40 s on its own start-up on a busy 2-core box.
const CLI_TIMEOUT_MS = 150_000;
const TEST_TIMEOUT_MS = 3 * CLI_TIMEOUT_MS;
const PEER_INSTALL_TIMEOUT_MS = 15 * 60_000;

function show(r: OpenclawResult): string {
  return `openclaw exit ${String(r.code ?? r.signal)}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

describe('the real OpenClaw CLI chats through farclaw', () => {
  let peer: Peer;
  let fake: FakeModel;
  let gw: RunningGateway;
  const openclaw = async (args: string[], remote = false): Promise<OpenclawResult> => {
    const home = tmpHome('farclaw-openclaw-chat-');
    try {
      if (remote) {
        const dir = join(home.home, '.openclaw');
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        writeFileSync(join(dir, 'openclaw.json'), JSON.stringify({ gateway: { mode: 'remote', remote: { url: gw.url, token: TEST_TOKEN } } }), { mode: 0o600 });
      }
      return await runOpenclaw(args, peer.env(home.env), CLI_TIMEOUT_MS);
    } finally {
      home.dispose();
    }
  };
  const call = (method: string, params: unknown, extra: string[] = []) =>
    openclaw(['gateway', 'call', method, '--url', gw.url, '--token', TEST_TOKEN, '--json', '--params', JSON.stringify(params), ...extra]);

  before(async () => {
    peer = await ensurePeer();
    fake = await startFakeModel();
    gw = await startChatGateway(fake);
  }, { timeout: PEER_INSTALL_TIMEOUT_MS });
  after(async () => {
    await gw?.stop();
    await fake?.close();
  });

  test('`gateway call chat.send` starts a run and `gateway call chat.history` shows the final answer', { timeout: TEST_TIMEOUT_MS }, async () => {
    fake.script({ kind: 'text', chunks: ['Interop', ' works.'] });
    const sent = await call('chat.send', { sessionKey: 'main', message: 'hello from openclaw', idempotencyKey: 'oc-run-1' });
    assert.equal(sent.code, 0, show(sent));
    assert.deepEqual(jsonOut(sent), { runId: 'oc-run-1', status: 'started', messageSeq: 1 });
    let history: OpenclawResult | undefined;
    await waitFor('the answer in history', async () => {
      history = await call('chat.history', { sessionKey: 'main', limit: 20 });
      const messages = (jsonOut(history) as { messages: { role: string; content: unknown }[] }).messages;
      return messages.length === 2 && JSON.stringify(messages[1]?.content).includes('Interop works.');
    }, 2 * CLI_TIMEOUT_MS, 500);
    const messages = (jsonOut(history!) as { messages: { role: string; content: unknown }[] }).messages;
    assert.deepEqual(messages.map((m) => m.role), ['user', 'assistant'], show(history!));
    assert.equal(messages[0]?.content, 'hello from openclaw');
  });

  test('`gateway call agent --expect-final` waits past `accepted` and prints the final answer', { timeout: TEST_TIMEOUT_MS }, async () => {
    fake.script({ kind: 'text', chunks: ['Final', ' via agent.'] });
    const r = await call('agent', { message: 'run please', idempotencyKey: 'oc-agent-1', sessionKey: 'agent:main:interop' }, ['--expect-final', '--timeout', '120000']);
    assert.equal(r.code, 0, show(r));
    const out = jsonOut(r) as { status: string; result: { payloads: { text: string }[] } };
    assert.equal(out.status, 'ok', show(r));
    assert.equal(out.result.payloads[0]?.text, 'Final via agent.');
  });

  test('`openclaw agent --message` in remote mode runs a turn on farclaw and prints the reply', { timeout: TEST_TIMEOUT_MS }, async () => {
    fake.script({ kind: 'text', chunks: ['Hello', ' from', ' farclaw.'] });
    const r = await openclaw(['agent', '--message', 'greet me', '--session-key', 'agent:main:main', '--json'], true);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /Hello from farclaw\./, show(r));
    assert.match(JSON.stringify(fake.requests.at(-1)?.body), /greet me/);
  });
});
