import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activitySummary, commandSummary, flattenedRow, ToolActivity } from './tool-activity.js';

test('an exec command reads as one phrase per command (agent-node-exec.json titles)', () => {
  assert.equal(commandSummary('echo farclaw-node-exec-ok'), 'print text');
  assert.equal(commandSummary('echo farclaw-node-exec-ok && uname -s'), 'print text → run uname');
  assert.equal(commandSummary('/usr/bin/df -h | sort'), 'run df → run sort');
  assert.equal(commandSummary('   '), 'run command');
});

test('a completed exec call: items, result details and command output as captured', () => {
  const a = new ToolActivity('call_1', 'exec', { command: 'echo hi', host: 'node' }, 1000);
  assert.deepEqual(a.startItem(), {
    itemId: 'tool:call_1', toolCallId: 'call_1', name: 'exec', kind: 'tool', phase: 'start', title: 'Exec print text', status: 'running',
    meta: 'print text', commandBearing: true, startedAt: 1000,
  });
  const details = { exitCode: 0, durationMs: 12, aggregated: 'hi\n', nodeId: 'n1' };
  const result = a.result('Node: n1\n\nhi\n', false, details);
  assert.deepEqual(result.result, { content: [{ type: 'text', text: 'Node: n1\n\nhi\n' }], details: { status: 'completed', ...details } });
  assert.deepEqual(a.endItem('Node: n1\n\nhi\n', false, 2000), { ...a.startItem(), phase: 'end', status: 'completed', endedAt: 2000 });
  assert.deepEqual(a.commandOutput('Node: n1\n\nhi\n', false, details), {
    itemId: 'command:call_1', phase: 'end', title: 'command print text', toolCallId: 'call_1', name: 'exec', output: 'hi\n', status: 'completed', exitCode: 0, durationMs: 12,
  });
});

test('a failed exec call: the error JSON is the details, the item names its first line, the output is the text', () => {
  const a = new ToolActivity('call_2', 'exec', { command: 'uname -s' }, 1000);
  const text = JSON.stringify({ status: 'error', tool: 'exec', error: 'INVALID_REQUEST: SYSTEM_RUN_DENIED: nope\nmore' }, null, 2);
  assert.deepEqual((a.result(text, true, undefined).result as { details: unknown }).details, { status: 'error', tool: 'exec', error: 'INVALID_REQUEST: SYSTEM_RUN_DENIED: nope\nmore' });
  const end = a.endItem(text, true, 1500);
  assert.deepEqual([end.status, end.error], ['failed', 'INVALID_REQUEST: SYSTEM_RUN_DENIED: nope']);
  assert.deepEqual(a.commandOutput(text, true, undefined), { itemId: 'command:call_2', phase: 'end', title: 'command run uname', toolCallId: 'call_2', name: 'exec', output: text, status: 'failed' });
});

test('a tool that runs no command has no meta and no command output', () => {
  const a = new ToolActivity('call_3', 'nodes', { action: 'status' }, 1);
  assert.deepEqual([a.startItem().title, 'meta' in a.startItem(), a.startItem().commandBearing], ['Nodes', false, false]);
  assert.equal(a.commandOutput('{}', false, undefined), undefined);
});

test('chat.history activity: one entry per tool-call row and per tool-result row; none without tools', () => {
  const rows = [
    { role: 'user', content: 'run it', __openclaw: { id: 'u1' } },
    { role: 'assistant', content: [{ type: 'text', text: 'Running.' }, { type: 'toolCall', id: 'call_1', name: 'exec', arguments: {} }], __openclaw: { id: 'a1' } },
    { role: 'toolResult', toolCallId: 'call_1', toolName: 'exec', isError: false, content: [], __openclaw: { id: 't1' } },
    { role: 'assistant', content: [{ type: 'text', text: 'Done.' }], __openclaw: { id: 'a2' } },
  ];
  const item = { itemId: 'tool:call_1', toolCallId: 'call_1', name: 'exec', kind: 'tool', phase: 'end', title: 'Exec', status: 'completed', commandBearing: true };
  assert.deepEqual(activitySummary(rows), [{ messageId: 'a1', items: [item] }, { messageId: 't1', items: [item] }]);
  assert.deepEqual(activitySummary([rows[0] as Record<string, unknown>, rows[3] as Record<string, unknown>]), []);
  // A call whose result is not on the page yet still shows, as running.
  assert.deepEqual(activitySummary([rows[1] as Record<string, unknown>])[0]?.items, [{ ...item, phase: 'start', status: 'running' }]);
});

test('a tool event flattens the row without its key or classification fields', () => {
  const flat = flattenedRow({ key: 'agent:main:main', kind: 'direct', classification: 'main', isMain: true, sessionId: 's', hasActiveRun: true, updatedAt: 5 });
  assert.deepEqual(flat, { kind: 'direct', sessionId: 's', updatedAt: 5 });
});
