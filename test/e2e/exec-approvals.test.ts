// Exec approvals with real processes (issue 15 item 2, assistant.md 8.3, 8.5, 8.6): mode ask on
// our gateway, a real `farclaw node run`, and a second operator connection (caps approvals) that
// answers. Headless refusal, allow-once, deny, allow-always with its stored grant, a second
// resolve refused, and a gateway restart while an approval is pending.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { operator, unadvertisedEvents, waitTerminal } from '../helpers/chat-gateway.js';
import { useExecNode } from '../helpers/exec-node.js';
import type { Frame, RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait-for.js';

const TEST_TIMEOUT_MS = 120_000;
const QUOTE = ['Output was: '];

const finalText = (f: Frame): string => f.payload?.message?.content?.[0]?.text ?? '';
const events = (c: RawClient, event: string): Frame[] => c.frames.filter((f) => f.type === 'event' && f.event === event);

describe('exec approvals (mode ask) with a real farclaw node host', () => {
  const lab = useExecNode({ allow: ['echo', 'printenv'], mode: 'ask' });
  let approver: RawClient | undefined;

  /** Scripts an exec call plus a quoting answer and sends the message; returns at once. */
  async function send(runId: string, command: string, env?: Record<string, string>): Promise<void> {
    lab.fake.script(
      { kind: 'tools', calls: [{ id: `call_${runId}`, name: 'exec', args: { host: 'node', command, ...(env ? { env } : {}) } }] },
      { kind: 'quote-tool', prefix: QUOTE },
    );
    await lab.c.call('chat.send', { sessionKey: `agent:main:${runId}`, message: `run ${command}`, idempotencyKey: runId });
  }
  const requestedFor = (c: RawClient, runId: string) =>
    waitFor(`exec.approval.requested of ${runId}`, () => events(c, 'exec.approval.requested').find((f) => f.payload.request.runId === runId), 30_000)
      .catch((err: Error) => {
        const chat = lab.c.frames.filter((f) => f.type === 'event' && f.event === 'chat' && f.payload?.runId === runId).at(-1);
        throw new Error(`${err.message}; the run's last chat event: ${JSON.stringify(chat?.payload)}`);
      });

  after(() => approver?.terminate());

  test('with no approval-capable client connected the run fails fast with OpenClaw’s headless reason', { timeout: TEST_TIMEOUT_MS }, async () => {
    await send('run-headless', 'echo headless');
    const term = await waitTerminal(lab.c, 'run-headless', 60_000);
    assert.equal(term.payload.state, 'final');
    assert.match(finalText(term), /"error": "exec denied: Headless runs cannot wait for interactive exec approval"/);
  });

  test('a second operator (caps approvals) approves once; the node runs it and the answer quotes it', { timeout: TEST_TIMEOUT_MS }, async () => {
    approver = await operator(lab.gw.url, ['approvals']);
    await approver.call('sessions.messages.subscribe', { key: 'agent:main:run-once', includeApprovals: true });
    await send('run-once', 'echo approved-once');
    const requested = await requestedFor(approver, 'run-once');
    const id = requested.payload.id as string;
    assert.equal(requested.payload.approvalKind, 'exec');
    // Our node prepares runs as OpenClaw's does: the binding is the gateway's shell wrapper around the line.
    assert.deepEqual(requested.payload.request.systemRunBinding.argv, ['/bin/sh', '-lc', 'echo approved-once']);
    assert.equal(requested.payload.request.nodeId, lab.nodeId);
    assert.deepEqual(requested.payload.request.allowedDecisions, ['allow-once', 'allow-always', 'deny']);
    assert.equal(requested.payload.expiresAtMs - requested.payload.createdAtMs, 30 * 60_000);
    const pending = events(approver, 'session.approval').find((f) => f.payload.approval.id === id);
    assert.equal(pending?.payload.phase, 'pending');
    assert.equal(pending?.payload.approval.presentation.commandText, '/bin/sh -lc "echo approved-once"');
    assert.equal(pending?.payload.approval.presentation.commandPreview, 'echo approved-once');
    // The asker has no approvals cap: it gets no approval events, and (a node approval, as
    // agent-node-exec.json shows) no lifecycle waiting-approval either: its run just waits.
    assert.equal(events(lab.c, 'exec.approval.requested').length, 0);

    const list = await approver.call('exec.approval.list', {});
    assert.deepEqual(list.payload.map((a: { id: string }) => a.id), [id]);
    const res = await approver.call('exec.approval.resolve', { id, decision: 'allow-once' });
    assert.deepEqual(res.payload, { ok: true });
    const again = await approver.call('exec.approval.resolve', { id, decision: 'deny' });
    assert.equal(again.ok, false);
    assert.equal(again.error?.code, 'INVALID_REQUEST');
    assert.equal(again.error?.message, 'approval already resolved');
    assert.equal((again.error?.details as { reason: string }).reason, 'APPROVAL_ALREADY_RESOLVED');

    const term = await waitTerminal(lab.c, 'run-once', 60_000);
    assert.equal(finalText(term), `Output was: Node: ${lab.nodeId}\n\napproved-once\n`);
    const phases = events(lab.c, 'agent').filter((f) => f.payload.runId === 'run-once' && f.payload.stream === 'lifecycle').map((f) => f.payload.data?.phase);
    assert.deepEqual([phases.includes('end'), phases.includes('waiting-approval'), phases.includes('approval-resolved')], [true, false, false], JSON.stringify(phases));
    const resolved = events(approver, 'exec.approval.resolved').find((f) => f.payload.id === id);
    assert.deepEqual([resolved?.payload.decision, resolved?.payload.resolvedBy], ['allow-once', 'cli']);
    const terminal = events(approver, 'session.approval').find((f) => f.payload.approval.id === id && f.payload.phase === 'terminal');
    assert.deepEqual([terminal?.payload.approval.status, terminal?.payload.approval.decision, terminal?.payload.approval.reason], ['allowed', 'allow-once', 'user']);
    const got = await approver.call('exec.approval.get', { id });
    assert.deepEqual([got.payload.status, got.payload.decision, got.payload.resolvedBy], ['allowed', 'allow-once', 'cli']);
    // Every event either connection got (chat, agent, task, session.*, exec.approval.*) was advertised in its hello-ok.
    assert.deepEqual([unadvertisedEvents(approver), unadvertisedEvents(lab.c)], [[], []]);
  });

  test('a denied command does not run and the model is told', { timeout: TEST_TIMEOUT_MS }, async () => {
    await send('run-deny', 'echo denied-output');
    const { payload } = await requestedFor(approver as RawClient, 'run-deny');
    await (approver as RawClient).call('exec.approval.resolve', { id: payload.id, decision: 'deny' });
    const term = await waitTerminal(lab.c, 'run-deny', 60_000);
    assert.match(finalText(term), /"error": "exec denied: the operator denied this command"/);
    assert.ok(!finalText(term).includes('denied-output\n'));
  });

  test('the approval shows and binds the env the node command gets (OpenClaw’s envHash), and the command gets it', { timeout: TEST_TIMEOUT_MS }, async () => {
    await send('run-env', 'printenv GREETING', { GREETING: 'bound value' });
    const { payload } = await requestedFor(approver as RawClient, 'run-env');
    assert.equal(payload.request.command, `GREETING='bound value' /bin/sh -lc "printenv GREETING"`);
    assert.equal(payload.request.systemRunBinding.envHash, createHash('sha256').update('[["GREETING","bound value"]]').digest('hex'));
    await (approver as RawClient).call('exec.approval.resolve', { id: payload.id, decision: 'allow-once' });
    assert.equal(finalText(await waitTerminal(lab.c, 'run-env', 60_000)), `Output was: Node: ${lab.nodeId}\n\nbound value\n`);
  });

  test('allow-always stores a grant: the same command runs again without asking', { timeout: TEST_TIMEOUT_MS }, async () => {
    const a = approver as RawClient;
    await send('run-always-1', 'echo always');
    const { payload } = await requestedFor(a, 'run-always-1');
    await a.call('exec.approval.resolve', { id: payload.id, decision: 'allow-always' });
    assert.match(finalText(await waitTerminal(lab.c, 'run-always-1', 60_000)), /\n\nalways\n$/);
    const before = events(a, 'exec.approval.requested').length;
    await send('run-always-2', 'echo always');
    assert.equal(finalText(await waitTerminal(lab.c, 'run-always-2', 60_000)), `Output was: Node: ${lab.nodeId}\n\nalways\n`);
    assert.equal(events(a, 'exec.approval.requested').length, before);
    // The grant is for the command without variables: the same command with an env asks again.
    await send('run-always-env', 'echo always', { ALWAYS_X: '1' });
    const again = await requestedFor(a, 'run-always-env');
    await a.call('exec.approval.resolve', { id: again.payload.id, decision: 'deny' });
    assert.match(finalText(await waitTerminal(lab.c, 'run-always-env', 60_000)), /"error": "exec denied: the operator denied this command"/);
  });

  test('a gateway restart while an approval is pending ends the run and closes the approval as expired', { timeout: TEST_TIMEOUT_MS }, async () => {
    await send('run-restart', 'echo after-restart');
    const { payload } = await requestedFor(approver as RawClient, 'run-restart');
    approver?.terminate();
    lab.c.terminate();
    await lab.restartGateway();
    const c = await operator(lab.gw.url, ['approvals']);
    approver = c;
    const got = await c.call('exec.approval.get', { id: payload.id });
    assert.equal(got.payload.status, 'expired', JSON.stringify(got.payload));
    assert.deepEqual((await c.call('exec.approval.list', {})).payload, []);
    const late = await c.call('exec.approval.resolve', { id: payload.id, decision: 'allow-once' });
    assert.equal((late.error?.details as { reason: string }).reason, 'APPROVAL_ALREADY_RESOLVED');
    const wait = await c.call('agent.wait', { runId: 'run-restart', timeoutMs: 5_000 });
    assert.notEqual(wait.payload.status, 'ok');
  });
});
