import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tool, type ToolSet } from 'ai';
import { z } from 'zod';
import { executeToolCall, type ToolCall } from './tool-calls.js';

const call = (toolName: string): ToolCall => ({ toolCallId: 'call_1', toolName, input: { n: 2 } });
const input = z.object({ n: z.number() });
const run = (tools: ToolSet, name: string) => executeToolCall(call(name), tools, [], new AbortController().signal);

test('a tool\'s answer is what its execute resolves to, and its options name the call', async () => {
  let seenId = '';
  const tools = { double: tool({ inputSchema: input, execute: async ({ n }, { toolCallId }) => ((seenId = toolCallId), n * 2) }) };
  assert.deepEqual(await run(tools, 'double'), { call: call('double'), output: 4, isError: false });
  assert.equal(seenId, 'call_1');
});

test('a streaming tool\'s answer is its last value', async () => {
  const tools = {
    count: tool({ inputSchema: input, execute: async function* ({ n }) { for (let i = 1; i <= n + 1; i++) yield `step ${i}`; } }),
  };
  assert.deepEqual(await run(tools, 'count'), { call: call('count'), output: 'step 3', isError: false });
});

test('a tool that throws, at once or later, answers the error\'s message as its error', async () => {
  const tools = {
    now: tool({ inputSchema: input, execute: (): string => { throw new Error('refused at once'); } }),
    later: tool({ inputSchema: input, execute: async (): Promise<string> => { throw new Error('refused later'); } }),
    midway: tool({ inputSchema: input, execute: async function* () { yield 'partial'; throw new Error('stream broke'); } }),
  };
  assert.deepEqual(await run(tools, 'now'), { call: call('now'), output: 'refused at once', isError: true });
  assert.deepEqual(await run(tools, 'later'), { call: call('later'), output: 'refused later', isError: true });
  assert.deepEqual(await run(tools, 'midway'), { call: call('midway'), output: 'stream broke', isError: true });
});
