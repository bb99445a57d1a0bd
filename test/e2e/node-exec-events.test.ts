// What our node host tells the gateway about a run, and what it refuses to run (issue 15,
// assistant.md 8.3 steps 7-8): a real `farclaw node run` behind a recording proxy in front of
// our gateway. The node sends `node.event exec.finished` (or `exec.denied`) before its result,
// runs exactly the plan's argv (the gateway's `/bin/sh -lc` wrapper, through its shell), and
// refuses a run that claims an approval with another command than the plan it was approved for.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { operator, waitTerminal } from '../helpers/chat-gateway.js';
import { useExecNode } from '../helpers/exec-node.js';
import type { Frame, RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait-for.js';
import type { RecordedFrame } from '../helpers/ws-recorder.js';

const TEST_TIMEOUT_MS = 120_000;
const QUOTE = ['Output was: '];

const finalText = (f: Frame): string => f.payload?.message?.content?.[0]?.text ?? '';

describe('exec events and run plans of a real farclaw node host', () => {
  const lab = useExecNode({ allow: ['echo', 'touch'], mode: 'ask', record: true });
  let approver: RawClient | undefined;
  after(() => approver?.terminate());

  const recorded = (): RecordedFrame[] => lab.recorder?.frames ?? [];
  /** Index of the node's `node.event <event>` request whose payload `match` accepts, with its payload. */
  const nodeEvent = (event: string, match: (payload: any) => boolean): { at: number; payload: any } | undefined => {
    const at = recorded().findIndex((r) => r.dir === 'c2s' && r.frame.method === 'node.event' && r.frame.params?.event === event && match(JSON.parse(r.frame.params.payloadJSON)));
    return at < 0 ? undefined : { at, payload: JSON.parse(recorded()[at]?.frame.params.payloadJSON) };
  };
  /** Index of the node's `node.invoke.result` for the gateway's `system.run` request whose params `match` accepts. */
  const runResultAt = (match: (params: any) => boolean): number => {
    const request = recorded().find((r) => r.dir === 's2c' && r.frame.event === 'node.invoke.request' && r.frame.payload?.command === 'system.run' && match(JSON.parse(r.frame.payload.paramsJSON)));
    return recorded().findIndex((r) => r.dir === 'c2s' && r.frame.method === 'node.invoke.result' && r.frame.params?.id === request?.frame.payload.id);
  };
  const invoke = (command: string, params: Record<string, unknown>) =>
    lab.c.call('node.invoke', { nodeId: lab.nodeId, command, params, idempotencyKey: `${command}-${Date.now()}-${Math.random()}` });

  test('an approved run: the node runs the approved shell line and sends exec.finished, in OpenClaw’s payload, before its result', { timeout: TEST_TIMEOUT_MS }, async () => {
    approver = await operator(lab.gw.url, ['approvals']);
    // Run without a shell, "#comment" would be an argument that echo prints; sh reads a comment.
    const line = 'echo approved-line #comment';
    lab.fake.script(
      { kind: 'tools', calls: [{ id: 'call_events', name: 'exec', args: { host: 'node', command: line } }] },
      { kind: 'quote-tool', prefix: QUOTE },
    );
    await lab.c.call('chat.send', { sessionKey: 'agent:main:run-events', message: `run ${line}`, idempotencyKey: 'run-events' });
    const requested = await waitFor('the approval request', () => approver?.frames.find((f) => f.type === 'event' && f.event === 'exec.approval.requested'), 60_000);
    const approvalId = requested.payload.id as string;
    assert.equal(requested.payload.request.systemRunPlan.commandText, `/bin/sh -lc "${line}"`);
    assert.deepEqual((await approver.call('exec.approval.resolve', { id: approvalId, decision: 'allow-once' })).payload, { ok: true });
    const term = await waitTerminal(lab.c, 'run-events', 60_000);
    assert.equal(finalText(term), `${QUOTE.join('')}Node: ${lab.nodeId}\n\napproved-line\n`, `${finalText(term)}\n${lab.node.output()}`);

    const finished = nodeEvent('exec.finished', (p) => p.runId === approvalId);
    assert.ok(finished, JSON.stringify(recorded().filter((r) => r.frame.method === 'node.event').map((r) => r.frame.params)));
    assert.deepEqual(finished.payload, {
      sessionKey: 'agent:main:run-events', runId: approvalId, host: 'node', command: `/bin/sh -lc "${line}"`,
      exitCode: 0, timedOut: false, success: true, output: 'approved-line', suppressNotifyOnExit: false,
    });
    const resultAt = runResultAt((p) => p.runId === approvalId);
    assert.ok(resultAt > finished.at, `exec.finished (#${finished.at}) comes before the node.invoke.result (#${resultAt})`);
    // The gateway acknowledges the note as the real one does (agent-node-exec.json).
    const ack = recorded().find((r) => r.dir === 's2c' && r.frame.type === 'res' && r.frame.id === recorded()[finished.at]?.frame.id);
    assert.deepEqual(ack?.frame.payload, { ok: true });
  });

  test('a run that claims an approval for another command than its plan is refused by the node, and nothing runs', { timeout: TEST_TIMEOUT_MS }, async () => {
    const marker = join(lab.nodeHome.home, 'should-not-exist');
    const prepared = await invoke('system.run.prepare', { command: ['/bin/sh', '-lc', 'echo harmless'], rawCommand: 'echo harmless', agentId: 'main', sessionKey: 'agent:main:plan' });
    assert.equal(prepared.ok, true, JSON.stringify(prepared));
    const plan = prepared.payload.payload.plan as { argv: string[]; cwd: string; agentId: string; sessionKey: string };
    const claimed = { systemRunPlan: plan, cwd: plan.cwd, agentId: 'main', sessionKey: 'agent:main:plan', approved: true, approvalDecision: 'allow-once' };
    // touch is in the owner's allowlist: only the plan stands between the claim and the run.
    const swapped = await invoke('system.run', { ...claimed, command: ['/bin/sh', '-lc', `touch ${marker}`], runId: 'swapped' });
    assert.equal(swapped.ok, false);
    assert.match(JSON.stringify(swapped.error), /explicit approval requires matching systemRunPlan/);
    for (const other of [{ agentId: 'ops' }, { sessionKey: 'agent:main:other' }, { cwd: '/' }]) {
      const moved = await invoke('system.run', { ...claimed, ...other, command: plan.argv, runId: 'moved' });
      assert.match(JSON.stringify(moved.error), /explicit approval requires matching systemRunPlan/, JSON.stringify(other));
    }
    assert.equal(existsSync(marker), false);
    assert.equal(nodeEvent('exec.finished', (p) => p.runId === 'swapped' || p.runId === 'moved'), undefined, 'a refused request is no run');

    const matching = await invoke('system.run', { ...claimed, command: plan.argv, runId: 'matching' });
    assert.equal(matching.ok, true, JSON.stringify(matching));
    assert.equal(matching.payload.payload.stdout, 'harmless\n');
    await waitFor('exec.finished of the matching run', () => nodeEvent('exec.finished', (p) => p.runId === 'matching'), 30_000);
  });

  test('a system.run sent without a run id gets one from the gateway, and the node’s exec.finished under it is taken', { timeout: TEST_TIMEOUT_MS }, async () => {
    const plain = await invoke('system.run', { command: ['echo', 'no-run-id'] });
    assert.equal(plain.ok, true, JSON.stringify(plain));
    const sent = recorded().find((r) => r.dir === 's2c' && r.frame.event === 'node.invoke.request' && r.frame.payload?.paramsJSON?.includes('no-run-id'));
    const runId = JSON.parse(sent?.frame.payload.paramsJSON).runId as string;
    assert.match(runId, /^[0-9a-f-]{36}$/);
    const finished = await waitFor('exec.finished of the run', () => nodeEvent('exec.finished', (p) => p.runId === runId), 30_000);
    assert.equal(finished.payload.sessionKey, 'node');
    const ack = await waitFor('the gateway’s answer', () => recorded().find((r) => r.dir === 's2c' && r.frame.type === 'res' && r.frame.id === recorded()[finished.at]?.frame.id), 30_000);
    assert.deepEqual(ack.frame.payload, { ok: true });
  });

  test('a program outside the owner’s allowlist: exec.denied first, then the refusal', { timeout: TEST_TIMEOUT_MS }, async () => {
    const refused = await invoke('system.run', { command: ['uname', '-s'], runId: 'denied-run', sessionKey: 'agent:main:denied' });
    assert.equal(refused.ok, false);
    assert.match(JSON.stringify(refused.error), /NOT_ALLOWED/);
    const denied = nodeEvent('exec.denied', (p) => p.runId === 'denied-run');
    assert.deepEqual(denied?.payload, { sessionKey: 'agent:main:denied', runId: 'denied-run', host: 'node', command: 'uname -s', reason: 'allowlist-miss', suppressNotifyOnExit: false });
    assert.ok(runResultAt((p) => p.runId === 'denied-run') > (denied?.at ?? Infinity));
  });
});
