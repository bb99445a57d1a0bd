import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeModel, type FakeModel, type FakeReply } from '../helpers/fake-model.js';
import { chatEvents, operator, startChatGateway, waitTerminal } from '../helpers/chat-gateway.js';
import type { RunningGateway } from '../helpers/gateway-process.js';
import type { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait-for.js';

describe('chat over the gateway with the fake model (assistant.md 3, 4, 6, 7)', () => {
  let fake: FakeModel;
  let gw: RunningGateway;
  const clients: RawClient[] = [];
  const open = async (caps: string[] = []) => {
    const c = await operator(gw.url, caps);
    clients.push(c);
    return c;
  };

  before(async () => {
    fake = await startFakeModel();
    gw = await startChatGateway(fake, { agentDefaults: { timeoutSeconds: 6 } });
  });
  after(async () => {
    for (const c of clients) c.terminate();
    await gw?.stop();
    await fake?.close();
  });

  test('chat.send acks at once, streams cumulative deltas, ends final, and history holds both rows', async () => {
    const c = await open(['tool-events']);
    fake.script({ kind: 'text', chunks: ['Hello', ' from', ' fake.'] });
    const ack = await c.call('chat.send', { sessionKey: 'main', message: 'say hello', idempotencyKey: 'run-a' });
    assert.deepEqual(ack.payload, { runId: 'run-a', status: 'started', messageSeq: 1 });
    const final = await waitTerminal(c, 'run-a');
    assert.equal(final.payload.state, 'final');
    assert.equal(final.payload.sessionKey, 'agent:main:main');
    assert.equal(final.payload.message.content[0].text, 'Hello from fake.');
    const deltas = chatEvents(c, 'run-a').filter((f) => f.payload.state === 'delta');
    // The first chunk goes out at once; the two that follow within 75 ms fold into later deltas.
    assert.equal(deltas[0]?.payload.deltaText, 'Hello');
    assert.ok(deltas.length >= 2 && deltas.length <= 3, `deltas: ${deltas.length}`);
    assert.equal(deltas.map((d) => d.payload.deltaText).join(''), 'Hello from fake.');
    assert.equal(deltas.at(-1)?.payload.message.content[0].text, 'Hello from fake.');
    const phases = chatEvents(c, 'run-a').filter((f) => f.payload.state === 'status').map((f) => f.payload.phase);
    assert.deepEqual(phases, ['preparing_workspace', 'preparing_context', 'starting_model']);
    const hist = await c.call('chat.history', { sessionKey: 'agent:main:main', limit: 20 });
    assert.deepEqual(hist.payload.messages.map((m: { role: string }) => m.role), ['user', 'assistant']);
    assert.deepEqual(hist.payload.messages.map((m: { __openclaw: { seq: number } }) => m.__openclaw.seq), [1, 2]);
    assert.equal(hist.payload.messages[0].idempotencyKey, 'run-a:user');
    assert.ok(hist.payload.deltaCursor);
    const delta = await c.call('chat.history', { sessionKey: 'main', cursor: hist.payload.deltaCursor });
    assert.deepEqual([delta.payload.kind, delta.payload.messages.length, delta.payload.deltaCursor], ['delta', 0, hist.payload.deltaCursor]);
  });

  test('deltas are paced: chunks 400 ms apart each give one, 200 fast chunks fold into far fewer with the exact text', async () => {
    const c = await open(['tool-events']);
    fake.script({ kind: 'text', chunks: ['one', ' two', ' three', ' four'], delayMs: 400 });
    await c.call('chat.send', { sessionKey: 'agent:main:paced-slow', message: 'slow', idempotencyKey: 'run-paced-slow' });
    assert.equal((await waitTerminal(c, 'run-paced-slow')).payload.state, 'final');
    const slow = chatEvents(c, 'run-paced-slow').filter((f) => f.payload.state === 'delta');
    assert.deepEqual(slow.map((d) => d.payload.deltaText), ['one', ' two', ' three', ' four']);

    const chunks = [...Array.from({ length: 199 }, (_, i) => `w${i} `), 'end.'];
    fake.script({ kind: 'text', chunks });
    await c.call('chat.send', { sessionKey: 'agent:main:paced-fast', message: 'fast', idempotencyKey: 'run-paced-fast' });
    const final = await waitTerminal(c, 'run-paced-fast');
    const text = chunks.join('');
    assert.equal(final.payload.message.content[0].text, text);
    const fast = chatEvents(c, 'run-paced-fast').filter((f) => f.payload.state === 'delta');
    assert.ok(fast.length < 50, `200 fast chunks gave ${fast.length} deltas`);
    assert.equal(fast.map((d) => d.payload.deltaText).join(''), text);
    assert.equal(fast.at(-1)?.payload.message.content[0].text, text);
    // Each chat delta shares its seq with the agent assistant event that carries the same text.
    const assistant = c.frames.filter((f) => f.event === 'agent' && f.payload?.runId === 'run-paced-fast' && f.payload.stream === 'assistant');
    assert.deepEqual(assistant.map((a) => a.payload.seq), fast.map((d) => d.payload.seq));
    assert.equal(assistant.map((a) => a.payload.data.delta).join(''), text);
    assert.equal(assistant.at(-1)?.payload.data.text, text);
  });

  test('a replay of a finished key answers ok and starts nothing; a foreign cursor answers reset', async () => {
    const c = await open();
    const before = fake.requests.length;
    const replay = await c.call('chat.send', { sessionKey: 'main', message: 'say hello', idempotencyKey: 'run-a' });
    assert.deepEqual(replay.payload, { runId: 'run-a', status: 'ok' });
    const reset = await c.call('chat.history', { sessionKey: 'main', cursor: 'not-a-cursor' });
    assert.equal(reset.payload.kind, 'reset');
    assert.equal(fake.requests.length, before);
  });

  test('one idempotency key sent 100 times concurrently starts one run', async () => {
    const c = await open();
    fake.script({ kind: 'text', chunks: ['once'] });
    const before = fake.requests.length;
    for (let i = 0; i < 100; i += 1) c.send({ type: 'req', id: `dup-${i}`, method: 'chat.send', params: { sessionKey: 'agent:main:dup', message: 'hi', idempotencyKey: 'run-dup' } });
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => c.waitRes(`dup-${i}`)));
    const statuses = answers.map((a) => a.payload.status);
    assert.equal(statuses.filter((s) => s === 'started').length, 1);
    assert.ok(statuses.every((s) => s === 'started' || s === 'in_flight' || s === 'ok'), statuses.join(','));
    await waitTerminal(c, 'run-dup');
    assert.equal(fake.requests.length, before + 1);
    const hist = await c.call('chat.history', { sessionKey: 'agent:main:dup' });
    assert.equal(hist.payload.messages.filter((m: { role: string }) => m.role === 'user').length, 1);
  });

  test('chat.abort stops a streaming run with its partial text; a replay then answers aborted', async () => {
    const c = await open();
    fake.script({ kind: 'text', chunks: ['partial ', 'never'], holdAfter: 1 });
    await c.call('chat.send', { sessionKey: 'agent:main:abort', message: 'go', idempotencyKey: 'run-abort' });
    await waitFor('first delta', () => chatEvents(c, 'run-abort').some((f) => f.payload.state === 'delta'));
    const res = await c.call('chat.abort', { sessionKey: 'agent:main:abort' });
    assert.deepEqual(res.payload, { ok: true, aborted: true, runIds: ['run-abort'] });
    const term = await waitTerminal(c, 'run-abort');
    assert.deepEqual([term.payload.state, term.payload.stopReason, term.payload.message.content[0].text], ['aborted', 'rpc', 'partial ']);
    fake.release();
    const replay = await c.call('chat.send', { sessionKey: 'agent:main:abort', message: 'go', idempotencyKey: 'run-abort' });
    assert.deepEqual([replay.payload.status, replay.payload.summary, replay.payload.stopReason], ['timeout', 'aborted', 'rpc']);
    const none = await c.call('chat.abort', { sessionKey: 'agent:main:abort' });
    assert.deepEqual(none.payload, { ok: true, aborted: false, runIds: [] });
  });

  test('queueMode: a followup waits for the active run and then answers; interrupt aborts it and answers next', async () => {
    const c = await open();
    const key = 'agent:main:queue';
    const userTexts = (i: number): string[] => (fake.requests[i]?.body.messages as { role: string; content: unknown }[])
      .filter((m) => m.role === 'user').map((m) => String(m.content));
    fake.script({ kind: 'text', chunks: ['first ', 'answer'], holdAfter: 1 }, { kind: 'text', chunks: ['second answer'] });
    await c.call('chat.send', { sessionKey: key, message: 'one', idempotencyKey: 'q-1' });
    await waitFor('q-1 streaming', () => chatEvents(c, 'q-1').some((f) => f.payload.state === 'delta'));
    const base = fake.requests.length;
    const follow = await c.call('chat.send', { sessionKey: key, message: 'two', idempotencyKey: 'q-2', queueMode: 'followup' });
    assert.deepEqual(follow.payload, { runId: 'q-2', status: 'started', messageSeq: 2 });
    fake.release();
    assert.equal((await waitTerminal(c, 'q-1')).payload.state, 'final');
    assert.equal((await waitTerminal(c, 'q-2')).payload.state, 'final');
    const firstOfQ2 = c.frames.findIndex((f) => f.event === 'chat' && f.payload?.runId === 'q-2');
    const endOfQ1 = c.frames.findIndex((f) => f.event === 'chat' && f.payload?.runId === 'q-1' && f.payload.state === 'final');
    assert.ok(endOfQ1 < firstOfQ2, 'the followup started only after the active run ended');
    // One model call for the followup, which sees both user messages.
    assert.equal(fake.requests.length, base + 1);
    assert.deepEqual(userTexts(base - 1), ['one']);
    assert.deepEqual(userTexts(base), ['one', 'two']);

    fake.script({ kind: 'text', chunks: ['long ', 'story'], holdAfter: 1 }, { kind: 'text', chunks: ['queued answer'] }, { kind: 'text', chunks: ['urgent answer'] });
    await c.call('chat.send', { sessionKey: key, message: 'three', idempotencyKey: 'q-3' });
    await waitFor('q-3 streaming', () => chatEvents(c, 'q-3').some((f) => f.payload.state === 'delta'));
    await c.call('chat.send', { sessionKey: key, message: 'four', idempotencyKey: 'q-4' });
    const urgent = await c.call('chat.send', { sessionKey: key, message: 'five', idempotencyKey: 'q-5', queueMode: 'interrupt' });
    assert.equal(urgent.payload.interruptedActiveRun, true);
    const aborted = await waitTerminal(c, 'q-3');
    assert.deepEqual([aborted.payload.state, aborted.payload.message?.content[0].text], ['aborted', 'long ']);
    fake.release();
    // The interrupting message is answered before the one queued earlier.
    assert.equal((await waitTerminal(c, 'q-5')).payload.state, 'final');
    assert.equal((await waitTerminal(c, 'q-4')).payload.state, 'final');
    const startOf = (runId: string): number => c.frames.findIndex((f) => f.event === 'chat' && f.payload?.runId === runId);
    assert.ok(startOf('q-5') < startOf('q-4'));
    const hist = await c.call('chat.history', { sessionKey: key });
    const users = hist.payload.messages.filter((m: { role: string }) => m.role === 'user').map((m: { content: unknown }) => m.content);
    assert.deepEqual(users, ['one', 'two', 'three', 'four', 'five']);
    const bad = await c.call('chat.send', { sessionKey: key, message: 'x', idempotencyKey: 'q-bad', queueMode: 'later' });
    assert.equal(bad.ok, false);
  });

  for (const [name, reply, kind] of [
    ['a 500 from the model (after retries)', { kind: 'error', status: 500 }, 'unknown'],
    ['a model that hangs past the run timeout', { kind: 'hang' }, 'timeout'],
    // A dropped connection is transient: errorKind timeout, as OpenClaw's clients know it (assistant.md 3.5).
    ['a stream cut mid-answer', { kind: 'cut', chunks: ['half'] }, 'timeout'],
  ] as [string, FakeReply, string][]) {
    test(`${name} ends the run in the error state and the session is not left running`, async () => {
      const c = await open();
      fake.setFallback(reply);
      const runId = `run-fault-${kind}-${name.length}`;
      await c.call('chat.send', { sessionKey: `agent:main:${runId}`, message: 'x', idempotencyKey: runId });
      const term = await waitTerminal(c, runId, 60_000);
      fake.setFallback({ kind: 'text', chunks: ['ok'] });
      assert.equal(term.payload.state, 'error');
      assert.equal(term.payload.errorKind, kind);
      assert.match(term.payload.errorMessage, /^LLM request/);
      const list = await c.call('sessions.list', {});
      const row = list.payload.sessions.find((s: { key: string }) => s.key === `agent:main:${runId}`);
      assert.notEqual(row.status, 'running');
      assert.equal(row.hasActiveRun, false);
    });
  }

  test('agent answers twice under one id; agent.wait returns the outcome; an unknown run times out', async () => {
    const c = await open();
    fake.script({ kind: 'text', chunks: ['Agent', ' says hi'] });
    c.send({ type: 'req', id: 'ag1', method: 'agent', params: { message: 'hello', idempotencyKey: 'agent-1', sessionKey: 'main' } });
    const accepted = await c.waitRes('ag1');
    assert.equal(accepted.payload.status, 'accepted');
    const wait = await c.call('agent.wait', { runId: 'agent-1', timeoutMs: 30_000 });
    assert.equal(wait.payload.status, 'ok');
    assert.equal(wait.payload.terminalReply.text, 'Agent says hi');
    const second = await waitFor('second agent response', () => c.frames.filter((f) => f.type === 'res' && f.id === 'ag1')[1], 30_000);
    assert.equal(second.ok, true);
    assert.equal(second.payload.result.payloads[0].text, 'Agent says hi');
    assert.ok(!chatEvents(c, 'agent-1').some((f) => f.payload.state === 'status'), 'agent runs emit no status phases');
    const unknown = await c.call('agent.wait', { runId: 'no-such-run', timeoutMs: 200 });
    assert.deepEqual(unknown.payload, { runId: 'no-such-run', status: 'timeout' });
  });

  test('a failing agent run answers ok:false with payload and UNAVAILABLE', async () => {
    const c = await open();
    fake.script({ kind: 'error', status: 400 });
    c.send({ type: 'req', id: 'ag2', method: 'agent', params: { message: 'x', idempotencyKey: 'agent-2', sessionKey: 'agent:main:failing' } });
    const second = await waitFor('second agent response', () => c.frames.filter((f) => f.type === 'res' && f.id === 'ag2')[1], 30_000);
    assert.equal(second.ok, false);
    assert.equal(second.error?.code, 'UNAVAILABLE');
    assert.equal(second.error?.message, 'LLM request failed: provider rejected the request schema or tool payload.');
    assert.deepEqual(second.payload, { runId: 'agent-2', status: 'error', summary: second.error?.message });
  });

  test('a caller that drops mid-stream catches up from its cursor with no gap and no duplicate', async () => {
    const a = await open();
    const key = 'agent:main:dropper';
    await a.call('sessions.create', { key });
    const first = await a.call('chat.history', { sessionKey: key });
    assert.ok(first.payload.deltaCursor, 'a stored session has a cursor');
    fake.script({ kind: 'text', chunks: ['one ', 'two ', 'three'], holdAfter: 1 });
    await a.call('chat.send', { sessionKey: key, message: 'count', idempotencyKey: 'run-drop' });
    await waitFor('first delta', () => chatEvents(a, 'run-drop').some((f) => f.payload.state === 'delta'));
    a.terminate();
    fake.release();
    const b = await open();
    await waitFor('run finished', async () => (await b.call('agent.wait', { runId: 'run-drop', timeoutMs: 1000 })).payload.status === 'ok', 30_000);
    // The first cursor predates the user row: the catch-up holds the user row and the answer once each.
    const delta = await b.call('chat.history', { sessionKey: key, cursor: first.payload.deltaCursor });
    assert.equal(delta.payload.kind, 'delta');
    const seqs = delta.payload.messages.map((m: { messageSeq: number }) => m.messageSeq);
    assert.deepEqual(seqs, [1, 2]);
    assert.equal(delta.payload.messages[1].message.content[0].text, 'one two three');
    const again = await b.call('chat.history', { sessionKey: key, cursor: delta.payload.deltaCursor });
    assert.deepEqual(again.payload.messages, []);
  });

  test('sessions: create, patch, preview, reset boundary, refused delete of main, delete', async () => {
    const c = await open();
    await c.call('sessions.subscribe', {});
    const created = await c.call('sessions.create', { label: 'scratch' });
    assert.match(created.payload.key, /^agent:main:dashboard:[0-9a-f-]{36}$/);
    const patched = await c.call('sessions.patch', { key: created.payload.key, label: 'renamed' });
    assert.equal(patched.payload.entry.label, 'renamed');
    // sessions.list filters: label, and spawnedBy (children of a session, as the Control UI asks).
    const child = await c.call('sessions.create', { label: 'child', parentSessionKey: 'main' });
    const keysOf = (r: { payload?: { sessions?: { key: string }[] } }): string[] => (r.payload?.sessions ?? []).map((s) => s.key);
    assert.deepEqual(keysOf(await c.call('sessions.list', { label: 'renamed' })), [created.payload.key]);
    assert.deepEqual(keysOf(await c.call('sessions.list', { spawnedBy: 'agent:main:main' })), [child.payload.key]);
    assert.deepEqual(keysOf(await c.call('sessions.list', { spawnedBy: created.payload.key })), []);
    await c.call('sessions.delete', { key: child.payload.key });
    const preview = await c.call('sessions.preview', { keys: ['main', created.payload.key, 'agent:main:nope'] });
    assert.deepEqual(preview.payload.previews.map((p: { status: string }) => p.status), ['ok', 'empty', 'missing']);
    await c.call('sessions.reset', { key: 'main' });
    const hist = await c.call('chat.history', { sessionKey: 'main' });
    const last = hist.payload.messages.at(-1);
    assert.deepEqual([last.role, last.content[0].text, last.__openclaw.kind], ['system', 'Reset', 'reset']);
    const refused = await c.call('sessions.delete', { key: 'main' });
    assert.deepEqual([refused.ok, refused.error?.code, refused.error?.message], [false, 'INVALID_REQUEST', 'Cannot delete the main session (agent:main:main).']);
    const del = await c.call('sessions.delete', { key: created.payload.key });
    assert.equal(del.payload.deleted, true);
    assert.ok(c.frames.some((f) => f.event === 'sessions.changed' && f.payload.reason === 'delete'));
    const list = await c.call('sessions.list', {});
    assert.ok(!list.payload.sessions.some((s: { key: string }) => s.key === created.payload.key));
  });

  test('bad chat.send params are refused; chat.inject appends a labelled row and its final event', async () => {
    const c = await open();
    const bad = await c.call('chat.send', { sessionKey: 'main', message: 'x', idempotencyKey: 'k', bogus: 1 });
    assert.equal(bad.error?.code, 'INVALID_REQUEST');
    assert.match(bad.error?.message ?? '', /^invalid chat\.send params/);
    const inj = await c.call('chat.inject', { sessionKey: 'main', message: 'note', label: 'ci' });
    assert.equal(inj.payload.ok, true);
    const ev = await waitFor('inject final', () => c.frames.find((f) => f.event === 'chat' && f.payload.runId === `inject-${inj.payload.messageId}`));
    assert.equal(ev.payload.message.content[0].text, '[ci]\n\nnote');
  });
});
