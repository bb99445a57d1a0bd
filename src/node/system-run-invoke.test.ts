import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ExecApprovalsStore } from './exec-approvals.js';
import type { NodeHostPolicy } from './node-config.js';
import { eventOutput, handleSystemRun, type SystemRunHost } from './system-run-invoke.js';
import { systemRunPrepare } from './system-run-prepare.js';
import { CommandError, ExecutableFinder } from './system-which.js';

const policy: NodeHostPolicy = { runAllow: ['echo', 'touch', 'sleep'], runTimeoutMs: 10_000, maxOutputBytes: 4096 };
const finder = new ExecutableFinder(process.env.PATH ?? '');
const isError = (code: string, message: string) => (err: CommandError) => err instanceof CommandError && err.code === code && err.message === message;

describe('system.run requests on the node host', () => {
  let dir: string;
  let host: SystemRunHost;
  let events: { event: string; payload: Record<string, unknown> }[];
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'farclaw-run-')));
    events = [];
    host = {
      policy, finder, configPath: '/cfg.json5', approvals: new ExecApprovalsStore(dir),
      sendEvent: async (event, payload) => {
        events.push({ event, payload });
      },
    };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const run = (params: Record<string, unknown>) => handleSystemRun(params, host, 10_000, new AbortController().signal);
  /** The plan our node prepares for `line` in `dir`, as a gateway sends it back. */
  const planFor = (line: string) => systemRunPrepare(
    { command: ['/bin/sh', '-lc', line], rawCommand: line, cwd: dir, agentId: 'main', sessionKey: 'agent:main:main' }, policy, finder, '/cfg.json5', host.approvals,
  ).plan;

  it('tells the gateway how an approved run ended with exec.finished, in OpenClaw’s payload, before answering', async () => {
    const plan = planFor('echo farclaw-node-exec-ok');
    const r = await run({
      command: plan.argv, rawCommand: 'echo farclaw-node-exec-ok', systemRunPlan: plan, cwd: dir, agentId: 'main', sessionKey: 'agent:main:main',
      runId: 'approval-1', approved: true, approvalDecision: 'allow-once',
    });
    // The answer is the real node's payload, key for key (agent-node-exec.json).
    assert.deepEqual(r, { exitCode: 0, timedOut: false, success: true, stdout: 'farclaw-node-exec-ok\n', stderr: '', error: null });
    assert.deepEqual(Object.keys(r), ['exitCode', 'timedOut', 'success', 'stdout', 'stderr', 'error']);
    assert.deepEqual(events, [{
      event: 'exec.finished',
      payload: {
        sessionKey: 'agent:main:main', runId: 'approval-1', host: 'node', command: '/bin/sh -lc "echo farclaw-node-exec-ok"',
        exitCode: 0, timedOut: false, success: true, output: 'farclaw-node-exec-ok', suppressNotifyOnExit: false,
      },
    }]);
    // Key order as the real node host's JSON (agent-node-exec.json).
    assert.deepEqual(Object.keys(events[0]?.payload ?? {}), ['sessionKey', 'runId', 'host', 'command', 'exitCode', 'timedOut', 'success', 'output', 'suppressNotifyOnExit']);
  });

  it('names a run without session or run id as the real node does: session "node" and a fresh id', async () => {
    await run({ command: ['echo', 'plain'], suppressNotifyOnExit: true });
    const payload = events[0]?.payload;
    assert.equal(payload?.sessionKey, 'node');
    assert.match(String(payload?.runId), /^[0-9a-f-]{36}$/);
    assert.equal(payload?.command, 'echo plain');
    assert.equal(payload?.suppressNotifyOnExit, true);
  });

  it('runs the plan’s shell wrapper through its shell: the approved line is what runs', async () => {
    // Without a shell the program would also print "#not-an-argument"; sh reads it as a comment.
    const r = await run({ command: ['/bin/sh', '-lc', 'echo visible #not-an-argument'] });
    assert.equal(r.stdout, 'visible\n');
  });

  it('refuses a run that claims an approval with another command, cwd, agent or session than its plan, and starts nothing', async () => {
    const marker = join(dir, 'should-not-exist');
    const plan = planFor('echo approved');
    const approvedRun = { command: plan.argv, systemRunPlan: plan, cwd: dir, agentId: 'main', sessionKey: 'agent:main:main', approved: true };
    const refused = isError('INVALID_REQUEST', 'explicit approval requires matching systemRunPlan');
    await assert.rejects(run({ ...approvedRun, command: ['/bin/sh', '-lc', `touch ${marker}`] }), refused);
    await assert.rejects(run({ ...approvedRun, command: ['touch', marker] }), refused);
    await assert.rejects(run({ ...approvedRun, cwd: tmpdir() }), refused);
    await assert.rejects(run({ ...approvedRun, agentId: 'other' }), refused);
    await assert.rejects(run({ ...approvedRun, sessionKey: 'agent:main:other' }), refused);
    await assert.rejects(run({ ...approvedRun, systemRunPlan: { ...plan, commandText: 'echo approved' } }), refused);
    const { systemRunPlan: _plan, ...withoutPlan } = approvedRun;
    await assert.rejects(run({ ...withoutPlan, approvalDecision: 'allow-always', approved: undefined }), refused);
    await assert.rejects(run({ ...approvedRun, approvalSource: 'auto-review' }), isError('INVALID_REQUEST', 'approvalSource cannot be combined with explicit approval'));
    await assert.rejects(run({ ...approvedRun, systemRunPlan: { argv: [] } }), isError('INVALID_REQUEST', 'systemRunPlan invalid'));
    await assert.rejects(run({ command: ['echo', 'a'], rawCommand: 'echo b' }), isError('INVALID_REQUEST', 'INVALID_REQUEST: rawCommand does not match command'));
    assert.equal(existsSync(marker), false);
    assert.deepEqual(events, [], 'a malformed request is no run: no exec event');
    const { policySnapshot: _snapshot, ...planWithoutSnapshot } = plan;
    await assert.rejects(run({ ...approvedRun, systemRunPlan: planWithoutSnapshot }), isError('INVALID_REQUEST', 'delayed approval requires a prepared policy snapshot'));
    const r = await run(approvedRun);
    assert.equal(r.stdout, 'approved\n');
  });

  it('refuses an approved run when the node’s policy changed since the plan was prepared, with exec.denied first', async () => {
    host.approvals.set({ file: { version: 1, agents: { main: { allowlist: [{ pattern: '/usr/bin/echo' }] } } } });
    const plan = planFor('echo approved');
    assert.deepEqual(plan.policySnapshot.allowlistRules, [{ pattern: '/usr/bin/echo' }]);
    const approvedRun = { command: plan.argv, systemRunPlan: plan, cwd: dir, agentId: 'main', sessionKey: 'agent:main:main', runId: 'r2', approved: true };
    // A rule the approval was given under is gone (a rule added since would not matter).
    host.approvals.set({ file: { version: 1, agents: { main: { allowlist: [{ pattern: '/usr/bin/printf' }] } } }, baseHash: host.approvals.get().hash });
    await assert.rejects(run(approvedRun), isError('SYSTEM_RUN_DENIED', 'SYSTEM_RUN_DENIED: exec approval policy changed; request approval again'));
    assert.deepEqual(events, [{
      event: 'exec.denied',
      payload: { sessionKey: 'agent:main:main', runId: 'r2', host: 'node', command: '/bin/sh -lc "echo approved"', reason: 'approval-required', suppressNotifyOnExit: false },
    }]);
    // Prepared again under the new policy, the same approval holds.
    const again = planFor('echo approved');
    assert.deepEqual(again.policySnapshot.allowlistRules, [{ pattern: '/usr/bin/printf' }]);
    assert.equal((await run({ ...approvedRun, systemRunPlan: again })).stdout, 'approved\n');
  });

  it('refuses by this node’s policy with exec.denied first: security deny, ask always without approval, a program outside the owner’s allowlist', async () => {
    host.approvals.set({ file: { version: 1, defaults: { security: 'deny' } } });
    await assert.rejects(run({ command: ['echo', 'x'], runId: 'r1', sessionKey: 'agent:main:main' }), isError('SYSTEM_RUN_DENIED', 'SYSTEM_RUN_DISABLED: security=deny'));
    assert.deepEqual(events.at(-1), {
      event: 'exec.denied',
      payload: { sessionKey: 'agent:main:main', runId: 'r1', host: 'node', command: 'echo x', reason: 'security=deny', suppressNotifyOnExit: false },
    });
    host.approvals.set({ file: { version: 1, defaults: { ask: 'always' } }, baseHash: host.approvals.get().hash });
    await assert.rejects(run({ command: ['echo', 'x'] }), isError('SYSTEM_RUN_DENIED', 'SYSTEM_RUN_DENIED: approval required'));
    assert.equal(events.at(-1)?.payload.reason, 'approval-required');
    host.approvals.set({ file: { version: 1 }, baseHash: host.approvals.get().hash });
    await assert.rejects(run({ command: ['uname'] }), (err: CommandError) => err.code === 'NOT_ALLOWED');
    assert.equal(events.at(-1)?.event, 'exec.denied');
    assert.equal(events.at(-1)?.payload.reason, 'allowlist-miss');
    assert.equal(events.length, 3);
  });

  it('marks capped output in-band as the real node does (any gateway’s model sees it), on stderr when that has text', async () => {
    const capped: SystemRunHost = { ...host, policy: { ...policy, runAllow: ['echo', 'ls', 'sleep'], maxOutputBytes: 8, runTimeoutMs: 100 } };
    const out = await handleSystemRun({ command: ['echo', 'a-long-enough-line'] }, capped, 10_000, new AbortController().signal);
    assert.deepEqual(out, { exitCode: 0, timedOut: false, success: true, stdout: 'a-long-e\n... (truncated)', stderr: '', error: null, truncated: true });
    assert.equal(events.at(-1)?.payload.output, 'a-long-e\n... (truncated)', 'exec.finished carries the mark too');
    const err = await handleSystemRun({ command: ['ls', join(dir, 'no-such-entry')] }, capped, 10_000, new AbortController().signal);
    assert.equal(err.stdout, '');
    assert.match(err.stderr, /^.{8}\n\.\.\. \(truncated\)$/s);
    // A command its limit killed says so, with the signal that ended it.
    const killed = await handleSystemRun({ command: ['sleep', '30'] }, capped, 10_000, new AbortController().signal);
    assert.deepEqual(killed, { exitCode: null, timedOut: true, success: false, stdout: '', stderr: '', error: null, signal: 'SIGKILL' });
  });

  it('sends nothing for a run cancelled before it ended', async () => {
    const ac = new AbortController();
    const running = handleSystemRun({ command: ['sleep', '30'] }, host, 60_000, ac.signal);
    ac.abort();
    const r = await running;
    assert.equal(r.success, false);
    assert.deepEqual(events, []);
  });
});

describe('exec event output', () => {
  it('is trimmed and keeps only its last 20 000 characters behind a mark', () => {
    assert.equal(eventOutput('  hi\n'), 'hi');
    assert.equal(eventOutput(''), '');
    assert.equal(eventOutput('\n'), '\n', 'whitespace alone is left as it came (OpenClaw)');
    const long = `${'a'.repeat(5)}${'b'.repeat(20_000)}`;
    assert.equal(eventOutput(long), `... (truncated) ${'b'.repeat(20_000)}`);
    // 20 003 UTF-16 units: the cut at unit 3 would fall between the halves of the second emoji.
    assert.equal(eventOutput(`${'😀'.repeat(10_001)}z`), `... (truncated) ${'😀'.repeat(9_999)}z`);
  });
});
