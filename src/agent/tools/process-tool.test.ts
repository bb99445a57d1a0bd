import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { isProcessAlive } from '../../infra/process-alive.js';
import { createExecTool, EXEC_TIMEOUT_GUIDANCE, type ExecAuditEntry, type ExecSettings, type ExecToolDeps } from './exec-tool.js';
import { execEventMessage, exitNoteOf, EXEC_EVENT_PROMPT, yieldWindowMs } from './exec-background.js';
import { runOnGatewayHost, startOnGatewayHost } from './gateway-run.js';
import { finishedSessionTtlMs, ProcessRegistry } from './process-registry.js';
import { createProcessTool, type ProcessAuditEntry } from './process-tool.js';

const workspace = mkdtempSync(join(tmpdir(), 'process-tool-'));
after(() => rmSync(workspace, { recursive: true, force: true }));

const registries: ProcessRegistry[] = [];
afterEach(async () => {
  for (const r of registries.splice(0)) await r.stop();
});

type Call = (args: Record<string, unknown>) => Promise<string>;
const callOf = (t: ReturnType<typeof createExecTool>): Call => {
  let n = 0;
  const execute = t.execute as (a: unknown, o: { toolCallId: string; messages: [] }) => Promise<string>;
  return async (args) => await execute(args, { toolCallId: `call-${++n}`, messages: [] });
};

/** exec (mode full, gateway host, with background runs) and process for one session, over one real registry. */
function tools(sessionKey = 'agent:main:a', registry = new ProcessRegistry(), settings: Partial<ExecSettings> = {}) {
  registries.push(registry);
  const audits: (ExecAuditEntry | ProcessAuditEntry)[] = [];
  const notes: { note: string; key: string }[] = [];
  const deps: ExecToolDeps = {
    settings: () => ({ host: 'gateway', mode: 'full', allow: [], ...settings }),
    nodes: () => [],
    runOnNode: () => Promise.reject(new Error('no node in this test')),
    runOnGateway: (req) => runOnGatewayHost(req, { defaultCwd: workspace }),
    startOnGateway: (req) => startOnGatewayHost({ ...req, scopeKey: sessionKey }, { defaultCwd: workspace, registry }),
    keepInBackground: (s, onEnd) => registry.background(s, onEnd),
    notifyExit: (note, key) => notes.push({ note, key }),
    audit: (e) => audits.push(e),
    runId: 'run-1', agentId: 'main', sessionKey,
  };
  const process = callOf(createProcessTool({ registry, sessionKey, audit: (e) => audits.push(e) }));
  return { exec: callOf(createExecTool(deps)), process, audits, notes, registry };
}

const sessionIdOf = (text: string): string => {
  const m = /^Command still running \(session ([a-z0-9-]+), pid (\d+)\)\. Use process \(list\/poll\/log\/write\/kill\/clear\/remove\) for follow-up\.$/.exec(text);
  assert.ok(m, text);
  return m[1] as string;
};

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('exec in the background and the process tool', () => {
  it('a command that ends within its yield window is a foreground run, listed nowhere', async () => {
    const t = tools();
    assert.equal(await t.exec({ command: 'echo quick', yieldMs: 5000 }), '\nquick\n');
    assert.equal(await t.process({ action: 'list' }), 'No running or recent sessions.');
    assert.deepEqual(t.notes, []);
  });

  it('background:true answers at once; poll shows new output, then the end; the session gets one note and the call is audited with the exit code', async () => {
    const t = tools();
    const id = sessionIdOf(await t.exec({ command: "sh -c 'echo first; read x; echo got-$x; exit 3'", background: true }));
    assert.match(await t.process({ action: 'list' }), new RegExp(`^${id} running   \\d+(ms|s) :: sh -c 'echo first; read x; echo got-\\$x; exit 3'$`));
    assert.equal(await t.process({ action: 'poll', sessionId: id, timeout: 5000 }), 'first\n\nProcess still running.');
    assert.equal(await t.process({ action: 'poll', sessionId: id }), '(no new output)\n\nProcess still running.');
    assert.equal(await t.process({ action: 'write', sessionId: id, data: 'yes\n', eof: true }), `Wrote 4 bytes to session ${id} (stdin closed).`);
    await until(() => t.notes.length === 1);
    assert.equal(await t.process({ action: 'poll', sessionId: id }), 'got-yes\n\nProcess exited with code 3.');
    assert.equal(t.notes[0]?.note, `Exec completed (${id.slice(0, 8)}, code 3) :: first got-yes`);
    assert.deepEqual(t.audits.filter((a) => 'tool' in a).map((a) => [(a as ExecAuditEntry).outcome, (a as ExecAuditEntry).exitCode]), [['failed', 3]]);
    assert.equal(await t.process({ action: 'log', sessionId: id }), 'first\ngot-yes');
    assert.equal(await t.process({ action: 'log', sessionId: id, offset: 1, limit: 1 }), 'got-yes');
    assert.match(await t.process({ action: 'list' }), new RegExp(`^${id} completed \\d+(ms|s) :: `));
    assert.equal(await t.process({ action: 'clear', sessionId: id }), `Cleared session ${id}.`);
    assert.equal(await t.process({ action: 'poll', sessionId: id }), `No session found for ${id}`);
  });

  it('a command still running after yieldMs goes on in the background; its time limit still applies and the note carries the guidance', async () => {
    const t = tools();
    const id = sessionIdOf(await t.exec({ command: 'sh -c "echo started; sleep 30"', yieldMs: 50, timeoutSeconds: 1 }));
    await until(() => t.notes.length === 1);
    assert.equal(t.notes[0]?.note, `Exec failed (${id.slice(0, 8)}, signal SIGKILL) :: started\n\n${EXEC_TIMEOUT_GUIDANCE}`);
    assert.equal(await t.process({ action: 'poll', sessionId: id }), `started\n\nProcess exited with signal SIGKILL.\n\n${EXEC_TIMEOUT_GUIDANCE}`);
    assert.match(await t.process({ action: 'list' }), / failed {4}\d+s \[overall-timeout\] :: /);
  });

  it('kill ends the process group without a note (the model asked for it); remove forgets it', async () => {
    const t = tools();
    const id = sessionIdOf(await t.exec({ command: 'sleep 30', background: true }));
    const pid = t.registry.list('agent:main:a')[0]?.pid as number;
    assert.ok(isProcessAlive(pid));
    assert.equal(await t.process({ action: 'kill', sessionId: id }), `Termination requested for session ${id}.`);
    await until(() => !isProcessAlive(pid));
    await until(() => t.registry.list('agent:main:a')[0]?.end !== undefined);
    assert.equal(await t.process({ action: 'poll', sessionId: id }), '(no new output)\n\nProcess exited with signal SIGKILL.');
    assert.deepEqual(t.notes, []);
    assert.equal(await t.process({ action: 'kill', sessionId: id }), `No active session found for ${id}`);
    assert.equal(await t.process({ action: 'remove', sessionId: id }), `Removed session ${id}.`);
    assert.equal(await t.process({ action: 'list' }), 'No running or recent sessions.');
  });

  it('another session’s process tool neither sees nor kills it', async () => {
    const registry = new ProcessRegistry();
    const a = tools('agent:main:a', registry);
    const b = tools('agent:main:b', registry);
    const id = sessionIdOf(await a.exec({ command: 'sleep 30', background: true }));
    assert.equal(await b.process({ action: 'list' }), 'No running or recent sessions.');
    assert.equal(await b.process({ action: 'kill', sessionId: id }), `No active session found for ${id}`);
    assert.equal(await b.process({ action: 'poll', sessionId: id }), `No session found for ${id}`);
    assert.match(await a.process({ action: 'list' }), new RegExp(`^${id} running `));
  });

  it('stop kills every running process group; the end is audited and noted as the gateway’s stop', async () => {
    const t = tools();
    const id = sessionIdOf(await t.exec({ command: 'sh -c "echo up; sleep 30"', background: true }));
    await until(() => t.registry.list('agent:main:a')[0]?.output === 'up\n');
    const pid = t.registry.list('agent:main:a')[0]?.pid as number;
    await t.registry.stop();
    assert.equal(isProcessAlive(pid), false);
    assert.equal(t.notes[0]?.note, `Exec failed (${id.slice(0, 8)}, signal SIGKILL) :: up\n\nThe gateway stopped, which killed the command.`);
    assert.deepEqual(t.audits.map((a) => (a as ExecAuditEntry).outcome), ['failed']);
    await assert.rejects(t.exec({ command: 'echo late', background: true }), /could not start|stopping/);
  });

  it('a clean exit without output leaves no note (OpenClaw’s notifyOnExitEmptySuccess default)', async () => {
    const t = tools();
    sessionIdOf(await t.exec({ command: 'true', background: true }));
    await until(() => t.registry.list('agent:main:a')[0]?.end !== undefined);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(t.notes, []);
    assert.deepEqual(t.audits.map((a) => [(a as ExecAuditEntry).outcome, (a as ExecAuditEntry).exitCode]), [['completed', 0]]);
  });

  it('a call that names neither background nor yieldMs keeps stdin empty (cat ends at once); backgrounded by tools.exec.backgroundMs, it takes no write', async () => {
    const t = tools('agent:main:a', new ProcessRegistry(), { backgroundMs: 50 });
    assert.equal(await t.exec({ command: 'cat' }), '\n');
    const id = sessionIdOf(await t.exec({ command: 'sleep 30' }));
    assert.equal(await t.process({ action: 'write', sessionId: id, data: 'x' }), `Session ${id} stdin is not writable.`);
    assert.equal(await t.process({ action: 'remove', sessionId: id }), `Removed session ${id} (termination requested).`);
  });

  it('refuses actions without a session id, and an unknown program is the exec tool’s error as before', async () => {
    const t = tools();
    assert.equal(await t.process({ action: 'poll' }), 'sessionId is required for this action.');
    await assert.rejects(t.exec({ command: 'no-such-program-farclaw', background: true }), /was not found on the gateway host/);
  });
});

describe('background exec settings and texts', () => {
  it('holds the yield window as OpenClaw does', () => {
    assert.equal(yieldWindowMs({ background: true, yieldMs: 5000 }, undefined), 0);
    assert.equal(yieldWindowMs({}, undefined), 10_000);
    assert.equal(yieldWindowMs({}, 2_000), 2_000);
    assert.equal(yieldWindowMs({ yieldMs: 1 }, undefined), 10);
    assert.equal(yieldWindowMs({ yieldMs: 10_000_000 }, undefined), 120_000);
    assert.equal(finishedSessionTtlMs(undefined), 1_800_000);
    assert.equal(finishedSessionTtlMs(1), 60_000);
    assert.equal(finishedSessionTtlMs(1e12), 10_800_000);
  });

  it('squeezes the note’s output to one line of at most 180 characters', () => {
    const s = { id: 'calm-heron', output: `${'x'.repeat(300)}\n  tail end\n` } as Parameters<typeof exitNoteOf>[0];
    const note = exitNoteOf(s, { exitCode: 0, signal: null, reason: 'exit', result: {} as never }) as string;
    assert.equal(note, `Exec completed (calm-her, code 0) :: ${'x'.repeat(179)}…`);
    assert.equal(execEventMessage('Exec completed (calm-her, code 0)', Date.UTC(2026, 11, 2, 14, 5, 9)), `System: [2026-12-02 14:05:09 UTC] Exec completed (calm-her, code 0)\n\n${EXEC_EVENT_PROMPT}`);
  });
});
