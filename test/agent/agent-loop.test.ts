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

describe('agent loop over the AI SDK provider models against the fake model', () => {
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

  test('a step\'s last tool result is reported once the next request is under way, and before anything of the next step', async () => {
    const fake = await start();
    fake.script({ kind: 'tools', calls: [{ id: 'call_1', name: 'clock', args: { tz: 'UTC' } }] }, { kind: 'text', chunks: ['Noon.'] });
    const order: string[] = [];
    const model = await modelFor(fake);
    const counted = { ...model, create: () => {
      const m = model.create();
      const doStream = m.doStream.bind(m);
      m.doStream = (o) => {
        order.push('request');
        return doStream(o);
      };
      return m;
    } };
    const clock = tool({ description: 'time', inputSchema: z.object({ tz: z.string() }), execute: async () => 'noon' });
    const out = await runAgentLoop({ ...options({ model: counted, tools: { clock } }, []), onEvent: (e) => void (e.type !== 'text' && order.push(e.type)) });
    assert.equal(out.status, 'ok');
    assert.deepEqual(order, ['model', 'request', 'tool-call', 'step-end', 'request', 'tool-result', 'model', 'step-end']);
  });

  test('a failure to report a deferred tool result ends the run with that error', async () => {
    const fake = await start();
    fake.script({ kind: 'tools', calls: [{ id: 'call_1', name: 'clock', args: { tz: 'UTC' } }] }, { kind: 'text', chunks: ['never shown'] });
    const clock = tool({ description: 'time', inputSchema: z.object({ tz: z.string() }), execute: async () => 'noon' });
    const events: LoopEvent[] = [];
    const out = await runAgentLoop({ ...options({ model: await modelFor(fake), tools: { clock } }, []), maxAttempts: 1, onEvent: (e) => {
      if (e.type === 'tool-result') throw new Error('disk full while storing the result');
      events.push(e);
    } });
    assert.equal(out.status, 'error');
    assert.match(out.error?.message ?? '', /disk full while storing the result/);
    assert.equal(events.filter((e) => e.type === 'text').length, 0);
  });

  test('runs a step\'s tool calls side by side and sends every result in the next request', async () => {
    const fake = await start();
    fake.script(
      { kind: 'tools', text: 'Both.', calls: [{ id: 'call_a', name: 'first', args: {} }, { id: 'call_b', name: 'second', args: {} }] },
      { kind: 'text', chunks: ['Done.'] },
    );
    // `first` answers only once `second` has started: run one after the other, it never would.
    let secondStarted!: () => void;
    const started = new Promise<void>((resolve) => (secondStarted = resolve));
    const first = tool({ description: 'a', inputSchema: z.object({}), execute: async () => {
      await started;
      return 'A after B started';
    } });
    const second = tool({ description: 'b', inputSchema: z.object({}), execute: async () => {
      secondStarted();
      return { b: 2 };
    } });
    const events: LoopEvent[] = [];
    const out = await runAgentLoop(options({ model: await modelFor(fake), tools: { first, second } }, events));
    assert.equal(out.status, 'ok');
    assert.deepEqual(events.filter((e) => e.type !== 'text').map((e) => e.type === 'tool-result' ? `result:${e.toolCallId}` : e.type),
      ['model', 'tool-call', 'tool-call', 'step-end', 'result:call_b', 'result:call_a', 'model', 'step-end']);
    const messages = fake.requests[1]?.body.messages as Record<string, unknown>[];
    assert.deepEqual(messages.slice(2), [
      { role: 'assistant', content: 'Both.', tool_calls: [
        { id: 'call_a', type: 'function', function: { name: 'first', arguments: '{}' } },
        { id: 'call_b', type: 'function', function: { name: 'second', arguments: '{}' } },
      ] },
      { role: 'tool', tool_call_id: 'call_b', content: '{"b":2}' },
      { role: 'tool', tool_call_id: 'call_a', content: 'A after B started' },
    ]);
  });

  test('input the tool\'s schema refuses is the tool\'s error the model reads; the tool never runs', async () => {
    const fake = await start();
    fake.script({ kind: 'tools', calls: [{ id: 'call_1', name: 'clock', args: { tz: 5 } }] }, { kind: 'text', chunks: ['Sorry.'] });
    let runs = 0;
    const clock = tool({ description: 'time', inputSchema: z.object({ tz: z.string() }), execute: async () => `${++runs}` });
    const events: LoopEvent[] = [];
    const out = await runAgentLoop(options({ model: await modelFor(fake), tools: { clock } }, events));
    assert.equal(out.status, 'ok');
    assert.equal(runs, 0);
    assert.deepEqual(events.map((e) => e.type).slice(0, 4), ['model', 'tool-call', 'step-end', 'tool-result']);
    assert.deepEqual(events.find((e) => e.type === 'tool-call'), { type: 'tool-call', toolCallId: 'call_1', name: 'clock', args: { tz: 5 }, precedingText: '' });
    const result = events.find((e) => e.type === 'tool-result');
    assert.equal(result?.type === 'tool-result' && result.isError, true);
    const output = result?.type === 'tool-result' ? String(result.output) : '';
    assert.match(output, /^Invalid input for tool clock: Type validation failed: Value: \{"tz":5\}\./);
    const toolMessage = (fake.requests[1]?.body.messages as Record<string, unknown>[]).find((m) => m.role === 'tool');
    assert.deepEqual(toolMessage, { role: 'tool', tool_call_id: 'call_1', content: output });
  });

  test('an unknown tool and a tool that throws are errors the model reads, and the run goes on', async () => {
    const fake = await start();
    fake.script(
      { kind: 'tools', calls: [{ id: 'call_x', name: 'nope', args: { a: 1 } }, { id: 'call_y', name: 'boom', args: {} }] },
      { kind: 'text', chunks: ['Recovered.'] },
    );
    const boom = tool({ description: 'boom', inputSchema: z.object({}), execute: async (): Promise<string> => {
      throw new Error('it broke');
    } });
    const events: LoopEvent[] = [];
    const out = await runAgentLoop(options({ model: await modelFor(fake, 'anthropic-messages'), tools: { boom } }, events));
    assert.equal(out.status, 'ok');
    assert.equal(out.text, 'Recovered.');
    const results = events.filter((e) => e.type === 'tool-result');
    assert.deepEqual(results, [
      { type: 'tool-result', toolCallId: 'call_x', name: 'nope', output: 'Model tried to call unavailable tool \'nope\'. Available tools: boom.', isError: true },
      { type: 'tool-result', toolCallId: 'call_y', name: 'boom', output: 'it broke', isError: true },
    ]);
    const sent = JSON.stringify(fake.requests[1]?.body);
    assert.ok(sent.includes('"tool_use_id":"call_x"') && sent.includes('it broke'), sent);
  });

  test('usage sums input, output and cache tokens over the steps', async () => {
    const fake = await start();
    fake.script(
      { kind: 'tools', calls: [{ id: 'call_1', name: 'noop', args: {} }], usage: { input: 10, output: 5, cacheRead: 100, cacheWrite: 20 } },
      { kind: 'text', chunks: ['ok'], usage: { input: 10, output: 3, cacheRead: 130 } },
    );
    const noop = tool({ description: 'noop', inputSchema: z.object({}), execute: async () => 'done' });
    const out = await runAgentLoop(options({ model: await modelFor(fake, 'anthropic-messages'), tools: { noop } }, []));
    // Anthropic's input total counts the cache reads and writes too.
    assert.deepEqual(out.usage, { input: 130 + 140, output: 8, cacheRead: 230, cacheWrite: 20, totalTokens: 278 });
  });

  test('an abort while a tool runs ends the run as aborted: no result is reported and no further request goes out', async () => {
    const fake = await start();
    fake.script({ kind: 'tools', calls: [{ id: 'call_1', name: 'wait', args: {} }] }, { kind: 'text', chunks: ['never'] });
    let isRunning = false;
    const wait = tool({ description: 'wait', inputSchema: z.object({}), execute: async (_input, { abortSignal }): Promise<string> => {
      isRunning = true;
      await new Promise((resolve) => abortSignal?.addEventListener('abort', resolve, { once: true }));
      throw new Error('stopped');
    } });
    const ctl = new AbortController();
    const events: LoopEvent[] = [];
    const running = runAgentLoop(options({ model: await modelFor(fake), tools: { wait }, signal: ctl.signal }, events));
    await waitFor('the tool to run', () => isRunning);
    ctl.abort();
    const out = await running;
    assert.equal(out.status, 'aborted');
    assert.equal(events.some((e) => e.type === 'tool-result'), false);
    assert.equal(fake.requests.length, 1);
  });

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
