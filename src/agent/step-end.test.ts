import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ToolGate } from './step-end.js';

test('a tool call waits at the gate until its step is reported, then runs', async () => {
  const gate = new ToolGate();
  const order: string[] = [];
  const waiting = gate.wait('call_1', undefined).then(() => order.push('ran'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(order.length, 0);
  order.push('step-end');
  gate.open('call_1');
  await waiting;
  assert.deepEqual(order, ['step-end', 'ran']);
});

test('a call opened before it waits runs at once', async () => {
  const gate = new ToolGate();
  gate.open('call_2');
  await gate.wait('call_2', undefined);
});

test('an aborted run releases a waiting call, and guarded tools then refuse to run', async () => {
  const gate = new ToolGate();
  const abort = new AbortController();
  const waiting = gate.wait('call_3', abort.signal);
  abort.abort(new Error('stop'));
  await waiting;
  let ran = false;
  const tools = gate.guard({ t: { inputSchema: { type: 'object' } as never, execute: async () => { ran = true; return 'x'; } } });
  const execute = tools.t?.execute as (input: unknown, options: { toolCallId: string; messages: []; abortSignal: AbortSignal }) => Promise<unknown>;
  await assert.rejects(execute({}, { toolCallId: 'call_4', messages: [], abortSignal: abort.signal }), /stop/);
  assert.equal(ran, false);
});
