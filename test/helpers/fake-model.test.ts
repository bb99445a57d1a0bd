import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useDisposers } from './disposers.js';
import { startFakeModel } from './fake-model.js';

async function post(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

describe('fake model server', () => {
  const { defer } = useDisposers();

  test('streams OpenAI chat.completion.chunk SSE with usage and [DONE]', async () => {
    const fake = await startFakeModel();
    defer(() => fake.close());
    fake.script({ kind: 'text', chunks: ['Hel', 'lo'] });
    const { status, text } = await post(`${fake.baseUrl}/chat/completions`, { model: 'm', stream: true, messages: [] });
    assert.equal(status, 200);
    const lines = text.split('\n\n').filter(Boolean);
    assert.equal(lines.at(-1), 'data: [DONE]');
    const chunks = lines.slice(0, -1).map((l) => JSON.parse(l.slice(6)) as { choices: { delta: { content?: string }; finish_reason: string | null }[]; usage?: unknown });
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'Hello');
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'stop');
    assert.ok(chunks.at(-1)?.usage);
    assert.equal(fake.requests[0]?.api, 'openai');
  });

  test('streams Anthropic message events with a tool_use block', async () => {
    const fake = await startFakeModel();
    defer(() => fake.close());
    fake.script({ kind: 'tools', text: 'Let me check.', calls: [{ id: 'toolu_1', name: 'clock', args: { tz: 'UTC' } }] });
    const { text } = await post(`${fake.baseUrl}/messages`, { model: 'm', stream: true, messages: [] });
    const types = text.split('\n\n').filter(Boolean).map((l) => l.split('\n')[0]);
    assert.deepEqual(types, [
      'event: message_start', 'event: content_block_start', 'event: content_block_delta', 'event: content_block_stop',
      'event: content_block_start', 'event: content_block_delta', 'event: content_block_stop', 'event: message_delta', 'event: message_stop',
    ]);
    assert.match(text, /"stop_reason":"tool_use"/);
    assert.match(text, /"partial_json":"\{\\"tz\\":\\"UTC\\"\}"/);
  });

  test('answers scripted HTTP errors with the provider error body and Retry-After', async () => {
    const fake = await startFakeModel();
    defer(() => fake.close());
    fake.script({ kind: 'error', status: 429, retryAfterS: 1 });
    const res = await fetch(`${fake.baseUrl}/chat/completions`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.deepEqual(await res.json(), { error: { message: 'fake error 429', type: 'rate_limit_error' } });
  });

  test('a cut stream ends the response without [DONE]', async () => {
    const fake = await startFakeModel();
    defer(() => fake.close());
    fake.script({ kind: 'cut', chunks: ['part'] });
    const res = await fetch(`${fake.baseUrl}/chat/completions`, { method: 'POST', body: '{}' });
    await assert.rejects(res.text());
  });

  test('a held stream continues only after release()', async () => {
    const fake = await startFakeModel();
    defer(() => fake.close());
    fake.script({ kind: 'text', chunks: ['a', 'b'], holdAfter: 1 });
    const res = await fetch(`${fake.baseUrl}/chat/completions`, { method: 'POST', body: '{}' });
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('"content":"a"')) seen += new TextDecoder().decode((await reader.read()).value);
    assert.ok(!seen.includes('"content":"b"'));
    fake.release();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    assert.ok(seen.includes('"content":"b"') && seen.includes('[DONE]'));
  });
});
