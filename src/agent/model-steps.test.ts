import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelMessage } from 'ai';
import { convertToLanguageModelPrompt } from 'ai/internal';
import { stepPrompt } from './model-steps.js';

/** What the AI SDK's own conversion gives for the same messages (undefined keys dropped, as on the wire). */
async function sdkPrompt(messages: ModelMessage[]): Promise<unknown> {
  return JSON.parse(JSON.stringify(await convertToLanguageModelPrompt({ prompt: { messages }, supportedUrls: {}, download: undefined })));
}

test('a step\'s answer and tool results become the prompt the AI SDK would build from them', async () => {
  const next: ModelMessage[] = [
    {
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'thinking', providerOptions: { fake: { signature: 's1' } } },
        { type: 'text', text: 'Let me look.' },
        { type: 'tool-call', toolCallId: 'call_1', toolName: 'nodes', input: { action: 'status' } },
        { type: 'tool-call', toolCallId: 'call_2', toolName: 'exec', input: { command: 'df -h' }, providerOptions: { fake: { id: 'x' } } },
        { type: 'tool-call', toolCallId: 'call_3', toolName: 'web_search', input: {}, providerExecuted: true },
      ],
    },
    {
      role: 'tool',
      content: [
        { type: 'tool-result', toolCallId: 'call_1', toolName: 'nodes', output: { type: 'text', value: '{"nodes":[]}' } },
        { type: 'tool-result', toolCallId: 'call_2', toolName: 'exec', output: { type: 'error-text', value: 'exec denied' } },
        { type: 'tool-result', toolCallId: 'call_4', toolName: 'clock', output: { type: 'json', value: { now: 12 } } },
      ],
    },
  ];
  const ours = stepPrompt(next);
  assert.ok(ours);
  assert.deepEqual(JSON.parse(JSON.stringify(ours)), await sdkPrompt(next));
});

test('a tool result with content parts (which may name URLs to fetch) is left to the AI SDK', () => {
  const next: ModelMessage[] = [
    { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'call_1', toolName: 'snap', input: {} }] },
    { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call_1', toolName: 'snap', output: { type: 'content', value: [{ type: 'text', text: 'a picture' }] } }] },
  ];
  assert.equal(stepPrompt(next), undefined);
});
