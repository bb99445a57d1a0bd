import assert from 'node:assert/strict';
import { resolvePaths } from '../../src/infra/paths.js';
import { describe, test } from 'node:test';
import { openStateDb } from '../../src/store/db.js';
import { SessionRepo } from '../../src/store/session-repo.js';
import { TranscriptRepo } from '../../src/store/transcript-repo.js';
import { chatEvents, fakeModelConfig, operator } from '../helpers/chat-gateway.js';
import { useDisposers } from '../helpers/disposers.js';
import { startFakeModel } from '../helpers/fake-model.js';
import { startGateway } from '../helpers/gateway-process.js';
import { waitFor } from '../helpers/wait-for.js';

describe('chat state across gateway restarts and at scale', () => {
  const { defer, home } = useDisposers();

  test('a gateway SIGKILLed mid-run restarts with no session stuck running, the reason in history, and the key not rerun', async () => {
    const fake = await startFakeModel();
    defer(() => fake.close());
    const h = home(fakeModelConfig(fake));
    fake.script({ kind: 'text', chunks: ['started ', 'never finished'], holdAfter: 1 });
    const gw1 = await startGateway({ home: h });
    defer(() => gw1.stop('SIGKILL'));
    const c1 = await operator(gw1.url);
    defer(() => c1.terminate());
    await c1.call('chat.send', { sessionKey: 'main', message: 'long answer please', idempotencyKey: 'run-killed' });
    await waitFor('first delta', () => chatEvents(c1, 'run-killed').some((f) => f.payload.state === 'delta'), 30_000);
    await gw1.stop('SIGKILL');

    const gw2 = await startGateway({ home: h, port: gw1.port });
    defer(() => gw2.stop());
    const c2 = await operator(gw2.url);
    defer(() => c2.terminate());
    const list = await c2.call('sessions.list', {});
    const main = list.payload.sessions.find((s: { key: string }) => s.key === 'agent:main:main');
    assert.equal(main.status, 'failed');
    assert.equal(main.hasActiveRun, false);
    const hist = await c2.call('chat.history', { sessionKey: 'main' });
    const texts = hist.payload.messages.map((m: { role: string; content: unknown }) => [m.role, typeof m.content === 'string' ? m.content : (m.content as { text: string }[])[0]?.text]);
    assert.deepEqual(texts, [['user', 'long answer please'], ['assistant', 'Run interrupted: the gateway stopped while this reply was being generated.']]);
    const requests = fake.requests.length;
    const replay = await c2.call('chat.send', { sessionKey: 'main', message: 'long answer please', idempotencyKey: 'run-killed' });
    assert.equal(replay.ok, false, 'a replay of a failed run answers ok:false (chat.json cli-2#1)');
    assert.equal(replay.payload.status, 'error');
    assert.equal(fake.requests.length, requests, 'the interrupted key never starts a second run');
    fake.script({ kind: 'text', chunks: ['fresh'] });
    await c2.call('chat.send', { sessionKey: 'main', message: 'again', idempotencyKey: 'run-after' });
    const wait = await c2.call('agent.wait', { runId: 'run-after', timeoutMs: 30_000 });
    assert.equal(wait.payload.status, 'ok');
  });

  test('a 10,000-message session pages through every row exactly once, newest page first', async () => {
    const fake = await startFakeModel();
    defer(() => fake.close());
    const h = home(fakeModelConfig(fake));
    const db = openStateDb(resolvePaths(h.env).dbPath);
    const sessions = new SessionRepo(db);
    const rows = new TranscriptRepo(db);
    db.transaction(() => {
      sessions.ensure('agent:main:big', 'main', 'operator');
      for (let i = 1; i <= 10_000; i += 1) {
        rows.append('agent:main:big', { role: i % 2 ? 'user' : 'assistant', kind: 'message', inContext: true, message: { role: i % 2 ? 'user' : 'assistant', content: `message ${i}` } });
      }
    })();
    db.close();
    const gw = await startGateway({ home: h });
    defer(() => gw.stop());
    const c = await operator(gw.url);
    defer(() => c.terminate());
    const seen: number[] = [];
    for (let offset = 0; ; offset += 200) {
      const page = await c.call('chat.history', { sessionKey: 'agent:main:big', limit: 200, offset });
      assert.equal(page.ok, true);
      assert.equal(page.payload.totalMessages, 10_000);
      const seqs = page.payload.messages.map((m: { __openclaw: { seq: number } }) => m.__openclaw.seq);
      seen.unshift(...seqs);
      if (!page.payload.hasMore) break;
      assert.equal(seqs.length, 200);
    }
    assert.deepEqual(seen, Array.from({ length: 10_000 }, (_, i) => i + 1));
    const small = await c.call('chat.history', { sessionKey: 'agent:main:big', limit: 1000, maxBytes: 4096 });
    assert.ok(small.payload.messages.length > 0 && small.payload.messages.length < 1000);
    assert.ok(Buffer.byteLength(JSON.stringify(small.payload.messages)) <= 4096 + 1024);
    assert.equal(small.payload.messages.at(-1).__openclaw.seq, 10_000);
    assert.equal(small.payload.hasMore, true);
  });
});
