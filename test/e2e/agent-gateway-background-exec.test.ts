// exec host=gateway in the background and the `process` tool, with real processes (issue 15
// leftover; OpenClaw's docs/gateway/background-process.md): a command still running after its
// yield window (or with background:true) goes on while the turn ends, the model follows it with
// `process`, its end wakes the session with OpenClaw's "Exec completed" note (once), another
// session cannot see or kill it, and a gateway stop kills its whole process group.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FakeModel } from '../helpers/fake-model.js';
import { chatEvents, gatewayWith, operator, waitTerminal } from '../helpers/chat-gateway.js';
import { startGateway } from '../helpers/gateway-process.js';
import type { Frame, RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait-for.js';
import { isProcessAlive } from '../../src/infra/process-alive.js';
import { childProcess, groupMember } from '../helpers/exec-node.js';

const TEST_TIMEOUT_MS = 120_000;
const QUOTE = 'Output was: ';
const RELAY = 'The command you started has finished.';
const EXEC_EVENT_PROMPT = 'An async command you ran earlier has completed. The result is shown in the system messages above. Please relay the command output to the user in a helpful way. If the command succeeded, share the relevant output. If it failed, explain what went wrong.';

const finalText = (f: Frame): string => f.payload?.message?.content?.[0]?.text ?? '';

/** One turn in `session` where the model calls `tool` with `args` and quotes the result; returns the quoted text. */
async function toolTurn(ctx: { fake: FakeModel; c: RawClient }, session: string, runId: string, tool: string, args: Record<string, unknown>): Promise<string> {
  ctx.fake.script({ kind: 'tools', calls: [{ id: `call_${runId}`, name: tool, args }] }, { kind: 'quote-tool', prefix: [QUOTE] });
  await ctx.c.call('chat.send', { sessionKey: `agent:main:${session}`, message: `${tool} ${JSON.stringify(args)}`, idempotencyKey: runId });
  const term = await waitTerminal(ctx.c, runId, 90_000);
  assert.equal(term.payload.state, 'final', JSON.stringify(term.payload));
  const text = finalText(term);
  assert.ok(text.startsWith(`${QUOTE}`), text);
  return text.slice(QUOTE.length);
}

/** The session id and pid of exec's "still running" answer. */
function runningOf(text: string): { id: string; pid: number } {
  const m = /^Command still running \(session ([a-z0-9-]+), pid (\d+)\)\. Use process \(list\/poll\/log\/write\/kill\/clear\/remove\) for follow-up\.$/.exec(text);
  assert.ok(m, text);
  return { id: m[1] as string, pid: Number(m[2]) };
}

/** The runs of exec events (completion notes) a client saw end in `session`. */
const eventRuns = (c: RawClient, session: string): Frame[] => c.frames.filter((f) => f.type === 'event' && f.event === 'chat'
  && f.payload?.sessionKey === `agent:main:${session}` && String(f.payload.runId).startsWith('exec-event:') && f.payload.state === 'final');

describe('background exec on the gateway host', () => {
  const ctx = gatewayWith({ exec: { host: 'gateway', mode: 'full' } });

  test('background:true answers at once; the model polls and writes; the end wakes the session with one note, and the run is audited with its exit code', { timeout: TEST_TIMEOUT_MS }, async () => {
    const started = await toolTurn(ctx, 'bg', 'bg-start', 'exec', { command: "sh -c 'echo begin; read line; echo got-$line; exit 4'", background: true });
    const { id, pid } = runningOf(started);
    assert.ok(isProcessAlive(pid));
    const result = ctx.c.frames.find((f) => f.event === 'agent' && f.payload?.runId === 'bg-start' && f.payload.stream === 'tool' && f.payload.data?.phase === 'result')?.payload.data;
    assert.deepEqual([result?.isError, result?.result.details.status, result?.result.details.sessionId, result?.result.details.pid], [false, 'running', id, pid]);

    assert.equal(await toolTurn(ctx, 'bg', 'bg-poll', 'process', { action: 'poll', sessionId: id, timeout: 10_000 }), 'begin\n\nProcess still running.');
    assert.match(await toolTurn(ctx, 'bg', 'bg-list', 'process', { action: 'list' }), new RegExp(`^${id} running   \\d+m?\\d*s :: sh -c 'echo begin; read line; echo got-\\$line; exit 4'$`));

    // The write ends the command while this turn still runs: its note waits for the turn, then wakes the session.
    ctx.fake.script(
      { kind: 'tools', calls: [{ id: 'call_bg-write', name: 'process', args: { action: 'write', sessionId: id, data: 'hello\n', eof: true } }] },
      { kind: 'quote-tool', prefix: [QUOTE] },
      { kind: 'text', chunks: [RELAY] },
    );
    await ctx.c.call('chat.send', { sessionKey: 'agent:main:bg', message: 'answer it', idempotencyKey: 'bg-write' });
    assert.equal(finalText(await waitTerminal(ctx.c, 'bg-write', 90_000)), `${QUOTE}Wrote 6 bytes to session ${id} (stdin closed).`);
    const woke = await waitFor('the completion note’s run', () => eventRuns(ctx.c, 'bg')[0], 60_000);
    assert.equal(finalText(woke), RELAY);
    const note = `Exec completed (${id.slice(0, 8)}, code 4) :: begin got-hello`;
    const lastRequest = ctx.fake.requests.at(-1)?.body.messages as { role: string; content: unknown }[];
    const userText = JSON.stringify(lastRequest.filter((m) => m.role === 'user').at(-1)?.content);
    assert.match(userText, new RegExp(`System: \\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\] ${note.replace(/[()]/g, '\\$&')}`));
    assert.ok(userText.includes(EXEC_EVENT_PROMPT), userText);
    assert.equal(isProcessAlive(pid), false);

    // After the end: poll reports it, the note is in the transcript once, the audit line has the exit code.
    assert.equal(await toolTurn(ctx, 'bg', 'bg-poll-end', 'process', { action: 'poll', sessionId: id }), 'got-hello\n\nProcess exited with code 4.');
    const history = await ctx.c.call('chat.history', { sessionKey: 'agent:main:bg' });
    const notes = (history.payload.messages as { role: string; content: unknown }[]).filter((m) => m.role === 'user' && JSON.stringify(m.content).includes('Exec completed ('));
    assert.equal(notes.length, 1);
    assert.equal(eventRuns(ctx.c, 'bg').length, 1);
    const audit = await ctx.c.call('farclaw.audit.log', {});
    const line = (audit.payload.entries as { toolCallId?: string; outcome?: string; exitCode?: number; host?: string }[]).find((e) => e.toolCallId === 'call_bg-start');
    assert.deepEqual([line?.host, line?.outcome, line?.exitCode], ['gateway', 'failed', 4]);
  });

  test('a command still running after a small yieldMs goes on; another session neither sees nor kills it; kill through process ends its group with no note', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { id, pid } = runningOf(await toolTurn(ctx, 'yield-a', 'yield-start', 'exec', { command: 'sleep 45', yieldMs: 300 }));
    assert.ok(isProcessAlive(pid));
    assert.equal(await toolTurn(ctx, 'yield-b', 'yield-b-list', 'process', { action: 'list' }), 'No running or recent sessions.');
    assert.equal(await toolTurn(ctx, 'yield-b', 'yield-b-kill', 'process', { action: 'kill', sessionId: id }), `No active session found for ${id}`);
    assert.equal(await toolTurn(ctx, 'yield-b', 'yield-b-log', 'process', { action: 'log', sessionId: id }), `No session found for ${id}`);
    assert.ok(isProcessAlive(pid));
    assert.equal(await toolTurn(ctx, 'yield-a', 'yield-kill', 'process', { action: 'kill', sessionId: id }), `Termination requested for session ${id}.`);
    await waitFor('the killed command gone', () => (isProcessAlive(pid) ? undefined : true), 10_000);
    assert.equal(await toolTurn(ctx, 'yield-a', 'yield-poll', 'process', { action: 'poll', sessionId: id }), '(no new output)\n\nProcess exited with signal SIGKILL.');
    assert.deepEqual(eventRuns(ctx.c, 'yield-a'), []);
    assert.deepEqual(chatEvents(ctx.c, 'yield-start').filter((f) => f.payload.state === 'error'), []);
  });
});

describe('a gateway stop with a background command alive', () => {
  const ctx = gatewayWith({ exec: { host: 'gateway', mode: 'full' } });

  test('kills the command’s whole process group and the gateway exits cleanly; the next start tells the session', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { id, pid } = runningOf(await toolTurn(ctx, 'stop', 'stop-start', 'exec', { command: "sh -c 'sleep 61 & sleep 62'", background: true }));
    const grandchild = await waitFor('the backgrounded sleep of the group', () => childProcess(pid, /(^|\/)sleep 61$/), 10_000);
    assert.ok(isProcessAlive(pid) && isProcessAlive(grandchild));
    ctx.c.terminate();
    assert.equal(await ctx.gw.stop(), 0);
    // Killed at stop: gone at once, bar the moment their new parent takes to reap them.
    await waitFor('the group gone', () => (isProcessAlive(pid) || isProcessAlive(grandchild) ? undefined : true), 5_000);

    // The note was stored with the stop (a queued run in SQLite): the next start runs it, once.
    ctx.fake.script({ kind: 'text', chunks: [RELAY] });
    ctx.gw = await startGateway({ home: ctx.home, config: ctx.config });
    ctx.c = await operator(ctx.gw.url, []);
    const messages = await waitFor('the woken session’s answer', async () => {
      const history = await ctx.c.call('chat.history', { sessionKey: 'agent:main:stop' });
      const rows = history.payload.messages as { role: string; content: unknown }[];
      return JSON.stringify(rows.at(-1)?.content ?? '').includes(RELAY) ? rows : undefined;
    }, 60_000);
    const notes = messages.filter((m) => m.role === 'user' && JSON.stringify(m.content).includes(`Exec failed (${id.slice(0, 8)}, signal SIGKILL)`));
    assert.equal(notes.length, 1);
    assert.ok(JSON.stringify(notes[0]?.content).includes('The gateway stopped, which killed the command.'));
  });
});

describe('a gateway killed (SIGKILL) with a background command alive', () => {
  const ctx = gatewayWith({ exec: { host: 'gateway', mode: 'full' } });

  test('the next start kills the process group the dead gateway left behind, also when its first process had exited, audits each call and tells each session, once', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { id, pid } = runningOf(await toolTurn(ctx, 'crash', 'crash-start', 'exec', { command: 'sleep 63', background: true }));
    // The shell exits at once; the sleep it started lives on in its group, holding the output pipes.
    const left = runningOf(await toolTurn(ctx, 'crash-left', 'crash-left-start', 'exec', { command: "sh -c 'sleep 64 & exit 0'", background: true }));
    const survivor = await waitFor('the sleep left in the group', () => groupMember(left.pid, /(^|\/)sleep 64$/), 10_000);
    await waitFor('the shell gone', () => (isProcessAlive(left.pid) ? undefined : true), 10_000);
    ctx.c.terminate();
    await ctx.gw.stop('SIGKILL');
    // Nothing of the dead gateway ran: the commands live on as orphans.
    assert.ok(isProcessAlive(pid) && isProcessAlive(survivor));
    ctx.fake.script({ kind: 'text', chunks: [RELAY] }, { kind: 'text', chunks: [RELAY] });
    ctx.gw = await startGateway({ home: ctx.home, config: ctx.config });
    ctx.c = await operator(ctx.gw.url, []);
    await waitFor('the orphans killed by the new gateway', () => (isProcessAlive(pid) || isProcessAlive(survivor) ? undefined : true), 10_000);
    // Each session is told, once, as after a clean stop.
    for (const [session, sid] of [['crash', id], ['crash-left', left.id]] as const) {
      const messages = await waitFor(`the woken answer of ${session}`, async () => {
        const rows = (await ctx.c.call('chat.history', { sessionKey: `agent:main:${session}` })).payload.messages as { role: string; content: unknown }[];
        return JSON.stringify(rows.at(-1)?.content ?? '').includes(RELAY) ? rows : undefined;
      }, 60_000);
      const notes = messages.filter((m) => m.role === 'user' && JSON.stringify(m.content).includes(`Exec failed (${sid.slice(0, 8)}, signal SIGKILL)`));
      assert.equal(notes.length, 1, session);
      assert.ok(JSON.stringify(notes[0]?.content).includes('its next start killed the command'), session);
    }
    const audit = await ctx.c.call('farclaw.audit.log', {});
    const lines = (audit.payload.entries as { toolCallId?: string; outcome?: string; error?: string; command?: string; sessionKey?: string }[])
      .filter((e) => e.toolCallId === 'call_crash-start' || e.toolCallId === 'call_crash-left-start');
    assert.deepEqual(lines.map((e) => [e.toolCallId, e.outcome, e.error, e.command, e.sessionKey]).sort(), [
      ['call_crash-left-start', 'failed', 'killed at gateway start: the gateway that ran it had died', "sh -c 'sleep 64 & exit 0'", 'agent:main:crash-left'],
      ['call_crash-start', 'failed', 'killed at gateway start: the gateway that ran it had died', 'sleep 63', 'agent:main:crash'],
    ]);
  });
});
