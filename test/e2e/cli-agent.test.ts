import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { startChatGateway } from '../helpers/chat-gateway.js';
import { runFarclaw, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';

describe('farclaw agent and farclaw sessions against a gateway with the fake model', () => {
  let fake: FakeModel;
  let gw: RunningGateway;
  const cli = (args: string[]) => runFarclaw([...args, '--url', gw.url, '--token', TEST_TOKEN], gw.home.env, 60_000);

  before(async () => {
    fake = await startFakeModel();
    gw = await startChatGateway(fake);
  });
  after(async () => {
    await gw?.stop();
    await fake?.close();
  });

  test('agent --message streams the answer and exits 0', async () => {
    fake.script({ kind: 'text', chunks: ['Streamed', ' answer', ' here.'] });
    const r = await cli(['agent', '--message', 'hello there']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Streamed answer here.\n');
    assert.match(JSON.stringify(fake.requests.at(-1)?.body), /hello there/);
  });

  test('agent --json prints the final response; --session picks the session', async () => {
    fake.script({ kind: 'text', chunks: ['json reply'] });
    const r = await cli(['agent', '--message', 'q', '--session', 'agent:main:cli', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const payload = JSON.parse(r.stdout) as { status: string; result: { payloads: { text: string }[] } };
    assert.equal(payload.status, 'ok');
    assert.equal(payload.result.payloads[0]?.text, 'json reply');
  });

  test('a failing run exits 1 with the provider error on one line', async () => {
    fake.script({ kind: 'error', status: 400 });
    const r = await cli(['agent', '--message', 'x']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Agent failed: UNAVAILABLE: LLM request failed: provider rejected the request schema or tool payload\./);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test('sessions list, history, reset and delete', async () => {
    const list = await cli(['sessions', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /agent:main:main/);
    assert.match(list.stdout, /agent:main:cli/);
    const hist = await cli(['sessions', 'history', 'agent:main:cli']);
    assert.equal(hist.stdout, 'user: q\nassistant: json reply\n');
    const reset = await cli(['sessions', 'reset', 'agent:main:cli']);
    assert.equal(reset.stdout, 'Reset agent:main:cli\n');
    const after = await cli(['sessions', 'history', 'agent:main:cli']);
    assert.match(after.stdout, /system: Reset\n$/);
    const del = await cli(['sessions', 'delete', 'agent:main:cli']);
    assert.equal(del.stdout, 'Deleted agent:main:cli\n');
    const refused = await cli(['sessions', 'delete', 'main']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Cannot delete the main session \(agent:main:main\)\./);
  });
});
