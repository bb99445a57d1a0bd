import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TranscriptRecord } from '../store/transcript-repo.js';
import { MISSING_TOOL_RESULT_TEXT, toModelMessages } from './rows.js';

let seq = 0;
function row(role: TranscriptRecord['role'], message: Record<string, unknown>): TranscriptRecord {
  seq += 1;
  return { id: `r${seq}`, sessionKey: 'agent:main:main', seq, role, kind: 'message', inContext: true, message: { role, ...message }, bytes: 0, createdAtMs: seq };
}
const user = (text: string) => row('user', { content: text });
const calls = (...ids: string[]) => row('assistant', { content: ids.map((id) => ({ type: 'toolCall', id, name: 'exec', arguments: { command: id } })) });
const result = (id: string, text: string, isError = false) => row('toolResult', { toolCallId: id, toolName: 'exec', content: [{ type: 'text', text }], isError });
const answer = (text: string) => row('assistant', { content: [{ type: 'text', text }] });

test('each call is answered right behind its assistant message, in call order, errors as error results', () => {
  const got = toModelMessages([user('go'), calls('a', 'b'), result('b', 'B failed', true), result('a', 'A'), answer('done')]);
  assert.deepEqual(got, [
    { role: 'user', content: 'go' },
    { role: 'assistant', content: [
      { type: 'tool-call', toolCallId: 'a', toolName: 'exec', input: { command: 'a' } },
      { type: 'tool-call', toolCallId: 'b', toolName: 'exec', input: { command: 'b' } },
    ] },
    { role: 'tool', content: [
      { type: 'tool-result', toolCallId: 'a', toolName: 'exec', output: { type: 'text', value: 'A' } },
      { type: 'tool-result', toolCallId: 'b', toolName: 'exec', output: { type: 'error-text', value: 'B failed' } },
    ] },
    { role: 'assistant', content: 'done' },
  ]);
});

test('a message stored while the run was still in its tool comes after the tool result, not between', () => {
  const got = toModelMessages([user('go'), calls('a'), user('and then?'), result('a', 'A'), answer('done')]);
  assert.deepEqual(got.map((m) => m.role), ['user', 'assistant', 'tool', 'user', 'assistant']);
});

test('a call whose run ended without its result gets an error result saying so; a result without its call is left out', () => {
  const got = toModelMessages([result('gone', 'cut off by the window'), user('go'), calls('a'), user('again')]);
  assert.deepEqual(got, [
    { role: 'user', content: 'go' },
    { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'a', toolName: 'exec', input: { command: 'a' } }] },
    { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'a', toolName: 'exec', output: { type: 'error-text', value: MISSING_TOOL_RESULT_TEXT } }] },
    { role: 'user', content: 'again' },
  ]);
});

test('an id a provider reuses across turns pairs each result with the oldest call still open', () => {
  const got = toModelMessages([user('1'), calls('call_0'), result('call_0', 'first'), answer('one'), user('2'), calls('call_0'), result('call_0', 'second'), answer('two')]);
  const results = got.filter((m) => m.role === 'tool').map((m) => JSON.stringify(m.content));
  assert.equal(results.length, 2);
  assert.match(results[0] ?? '', /"first"/);
  assert.match(results[1] ?? '', /"second"/);
});
