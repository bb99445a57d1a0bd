import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tool } from 'ai';
import { z } from 'zod';
import { runAgentLoop, type LoopEvent, type LoopOptions } from '../../src/agent/agent-loop.js';
import { resolveModel } from '../../src/agent/providers.js';
import { chatErrorKind } from '../../src/chat/chat-run.js';
import { useDisposers } from '../helpers/disposers.js';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { waitFor } from '../helpers/wait-for.js';

async function modelFor(fake: FakeModel, api: 'openai-completions' | 'anthropic-messages' = 'openai-completions') {
  return resolveModel({
    models: { providers: { fake: { baseUrl: fake.baseUrl, apiKey: 'sk-test', api, models: [{ id: 'fake-model' }] } } },
    agents: { defaults: { model: { primary: 'fake/fake-model' } } },
  }, {});
}

function options(over: Partial<LoopOptions> & Pick<LoopOptions, 'model'>, events: LoopEvent[]): LoopOptions {
  return {
    system: 'You are a test.', messages: [{ role: 'user', content: 'hi' }], maxSteps: 4, timeoutMs: 60_000,
    signal: new AbortController().signal, maxAttempts: 3, retryBaseMs: 10, onEvent: (e) => events.push(e), ...over,
  };
}

describe('agent loop on the AI SDK against the fake model', () => {
  const { defer } = useDisposers();
  const start = async () => {
    const fake = await startFakeModel();
    defer(() => fake.close());
    return fake;
  };

  for (const api of ['openai-completions', 'anthropic-messages'] as const) {
    test(`streams text chunk by chunk and reports usage (${api})`, async () => {
      const fake = await start();
      fake.script({ kind: 'text', chunks: ['Hello', ' from', ' fake.'], usage: { input: 12, output: 3 } });
      const events: LoopEvent[] = [];
      const out = await runAgentLoop(options({ model: await modelFor(fake, api) }, events));
      assert.equal(out.status, 'ok');
      assert.equal(out.text, 'Hello from fake.');
      assert.deepEqual(events.filter((e) => e.type === 'text').map((e) => (e as { delta: string }).delta), ['Hello', ' from', ' fake.']);
      assert.equal(out.usage.output, 3);
      assert.equal(fake.requests[0]?.body.stream, true);
      const sent = JSON.stringify(fake.requests[0]?.body);
      assert.ok(sent.includes('You are a test.') && sent.includes('"hi"'));
    });

    test(`runs tool calls over several steps and starts a new text block after them (${api})`, async () => {
      const fake = await start();
      fake.script(
        { kind: 'tools', text: 'Checking.', calls: [{ id: 'call_1', name: 'clock', args: { tz: 'UTC' } }] },
        { kind: 'text', chunks: ['It is noon.'] },
      );
      const events: LoopEvent[] = [];
      const clock = tool({ description: 'time', inputSchema: z.object({ tz: z.string() }), execute: async ({ tz }) => `12:00 ${tz}` });
      const out = await runAgentLoop(options({ model: await modelFor(fake, api), tools: { clock } }, events));
      assert.equal(out.status, 'ok');
      assert.deepEqual(out.blocks, ['Checking.', 'It is noon.']);
      assert.equal(out.text, 'Checking.\n\nIt is noon.');
      const call = events.find((e) => e.type === 'tool-call');
      assert.deepEqual(call, { type: 'tool-call', toolCallId: 'call_1', name: 'clock', args: { tz: 'UTC' }, precedingText: 'Checking.' });
      assert.deepEqual(events.find((e) => e.type === 'tool-result'), { type: 'tool-result', toolCallId: 'call_1', name: 'clock', output: '12:00 UTC', isError: false });
      assert.equal(fake.requests.length, 2);
      assert.match(JSON.stringify(fake.requests[1]?.body), /12:00 UTC/);
    });

    test(`announces each model step and ends it, with the run's output tokens, before its tools run (${api})`, async () => {
      const fake = await start();
      fake.script(
        { kind: 'tools', text: 'Checking.', calls: [{ id: 'call_1', name: 'clock', args: { tz: 'UTC' } }] },
        { kind: 'text', chunks: ['It is', ' noon.'] },
      );
      const order: string[] = [];
      const ends: number[] = [];
      const clock = tool({ description: 'time', inputSchema: z.object({ tz: z.string() }), execute: async () => {
        order.push('execute');
        return 'noon';
      } });
      const onEvent = (e: LoopEvent): void => {
        if (e.type === 'step-end') ends.push(e.outputTokens);
        if (e.type !== 'text') order.push(e.type === 'step-end' ? `step-end:${e.toolCalls}` : e.type);
      };
      const out = await runAgentLoop({ ...options({ model: await modelFor(fake, api), tools: { clock } }, []), onEvent });
      assert.equal(out.status, 'ok');
      // OpenClaw reports a step's usage as soon as the model's answer is complete, then runs its tools.
      assert.deepEqual(order, ['model', 'tool-call', 'step-end:1', 'execute', 'tool-result', 'model', 'step-end:0']);
      assert.equal(ends.length, 2);
      assert.ok((ends[0] ?? 0) > 0 && (ends[1] ?? 0) > (ends[0] ?? 0), `cumulative output tokens: ${ends.join(', ')}`);
      if (api === 'openai-completions') assert.deepEqual(ends, [5, 7]);
      assert.equal(out.usage.output, ends[1]);
    });
  }

  test('stops at the step limit even when the model keeps calling tools', async () => {
    const fake = await start();
    fake.setFallback({ kind: 'tools', calls: [{ id: 'c', name: 'noop', args: {} }] });
    const noop = tool({ description: 'noop', inputSchema: z.object({}), execute: async () => 'done' });
    const out = await runAgentLoop(options({ model: await modelFor(fake), tools: { noop }, maxSteps: 3 }, []));
    assert.equal(out.status, 'ok');
    assert.equal(fake.requests.length, 3);
  });

  test('retries 429 and 500 with backoff, then succeeds', async () => {
    const fake = await start();
    fake.script({ kind: 'error', status: 429 }, { kind: 'error', status: 500 }, { kind: 'text', chunks: ['fine'] });
    const events: LoopEvent[] = [];
    const out = await runAgentLoop(options({ model: await modelFor(fake) }, events));
    assert.equal(out.status, 'ok');
    assert.equal(out.text, 'fine');
    const retries = events.filter((e) => e.type === 'retry');
    assert.deepEqual(retries.map((e) => [e.attempt, e.reason, e.delayMs]), [[2, 'rate_limit', 10], [3, 'server', 20]]);
  });

  test('gives up after maxAttempts 5xx answers with errorKind server', async () => {
    const fake = await start();
    fake.setFallback({ kind: 'error', status: 500 });
    const out = await runAgentLoop(options({ model: await modelFor(fake), maxAttempts: 2 }, []));
    assert.equal(out.status, 'error');
    assert.equal(out.error?.kind, 'server');
    assert.equal(out.error?.message, 'LLM request failed: the provider answered HTTP 500.');
    assert.equal(fake.requests.length, 2);
  });

  test('a provider that refuses connections (ECONNREFUSED) is a network error, which chat reports as errorKind timeout', async () => {
    // A port that was just free: nothing listens there (a real refused connect, no stub).
    const fake = await start();
    const model = await modelFor(fake);
    await fake.close();
    const out = await runAgentLoop(options({ model, maxAttempts: 1 }, []));
    assert.equal(out.status, 'error');
    assert.equal(out.error?.kind, 'network');
    assert.equal(out.error?.message, 'LLM request failed: could not reach the provider.');
    assert.equal(chatErrorKind('network'), 'timeout');
    assert.equal(chatErrorKind('server'), 'unknown');
    assert.equal(chatErrorKind('rate_limit'), 'rate_limit');
  });

  test('does not retry a 400 and reports the format failure', async () => {
    const fake = await start();
    fake.setFallback({ kind: 'error', status: 400, message: 'bad tool schema' });
    const out = await runAgentLoop(options({ model: await modelFor(fake) }, []));
    assert.equal(out.error?.kind, 'format');
    assert.equal(out.error?.message, 'LLM request failed: provider rejected the request schema or tool payload.');
    assert.deepEqual(out.error?.detail, { provider: 'fake', model: 'fake-model', failoverReason: 'format', providerRuntimeFailureKind: 'schema' });
    assert.equal(fake.requests.length, 1);
  });

  test('a hanging model ends the run as timeout', async () => {
    const fake = await start();
    fake.script({ kind: 'hang' });
    const out = await runAgentLoop(options({ model: await modelFor(fake), timeoutMs: 300 }, []));
    assert.equal(out.status, 'timeout');
    assert.equal(out.error?.kind, 'timeout');
  });

  test('a stream cut mid-answer ends in error and keeps the partial text', async () => {
    const fake = await start();
    fake.script({ kind: 'cut', chunks: ['partial'] });
    const out = await runAgentLoop(options({ model: await modelFor(fake) }, []));
    assert.equal(out.status, 'error');
    assert.equal(out.text, 'partial');
    assert.equal(fake.requests.length, 1, 'no retry after output was streamed');
  });

  test('abort ends the run as aborted with the partial text', async () => {
    const fake = await start();
    fake.script({ kind: 'text', chunks: ['one ', 'two'], holdAfter: 1 });
    const ctl = new AbortController();
    const events: LoopEvent[] = [];
    const running = runAgentLoop(options({ model: await modelFor(fake), signal: ctl.signal }, events));
    await waitFor('first delta', () => events.some((e) => e.type === 'text'));
    ctl.abort();
    const out = await running;
    assert.equal(out.status, 'aborted');
    assert.equal(out.stopReason, 'rpc');
    assert.equal(out.text, 'one ');
  });
});
