// exec host=gateway with real processes (issue 15, assistant.md 8.2, 8.5): the fake model asks
// for `exec` and our gateway runs the command on its own host under tools.exec.mode (full, deny,
// allowlist, ask) exactly as it does for a node; ask offers allow-once and deny only. An unset
// mode asks (secure by default) and a configured host=node is not overridden by the model.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FakeModel } from '../helpers/fake-model.js';
import { gatewayWith, operator, waitTerminal } from '../helpers/chat-gateway.js';
import type { Frame, RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait-for.js';

const TEST_TIMEOUT_MS = 120_000;
const QUOTE = 'Output was: ';
const SECRET = 'gateway-secret-value-7f3a';
/** The gateway's environment carries a secret no command it runs may see. */
const SECRET_ENV = { FARCLAW_TEST_SECRET: SECRET };

const finalText = (f: Frame): string => f.payload?.message?.content?.[0]?.text ?? '';
const events = (c: RawClient, event: string): Frame[] => c.frames.filter((f) => f.type === 'event' && f.event === event);

/** Scripts one exec call plus a quoting answer and sends the message; returns at once. */
async function send(ctx: { fake: FakeModel; c: RawClient }, runId: string, args: Record<string, unknown>): Promise<void> {
  ctx.fake.script({ kind: 'tools', calls: [{ id: `call_${runId}`, name: 'exec', args }] }, { kind: 'quote-tool', prefix: [QUOTE] });
  await ctx.c.call('chat.send', { sessionKey: `agent:main:${runId}`, message: `run ${String(args.command)}`, idempotencyKey: runId });
}

async function turn(ctx: { fake: FakeModel; c: RawClient }, runId: string, args: Record<string, unknown>): Promise<string> {
  await send(ctx, runId, args);
  const term = await waitTerminal(ctx.c, runId, 90_000);
  assert.equal(term.payload.state, 'final', JSON.stringify(term.payload));
  return finalText(term);
}

describe('exec host=gateway, mode full', () => {
  const ctx = gatewayWith({ exec: { host: 'gateway', mode: 'full' }, env: SECRET_ENV });

  test('the command runs on the gateway host in the agent workspace and the answer quotes it', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.equal(await turn(ctx, 'gw-echo', { command: 'echo farclaw-gateway-exec-ok' }), `${QUOTE}\nfarclaw-gateway-exec-ok\n`);
    assert.equal(await turn(ctx, 'gw-pwd', { command: 'pwd' }), `${QUOTE}\n${join(ctx.home.stateDir, 'workspace')}\n`);
    assert.equal(await turn(ctx, 'gw-false', { command: 'false', host: 'auto' }), `${QUOTE}\n\n(Command exited with code 1)`);
  });

  test('the tool run streams items, tool events and command output to tool-events clients only (assistant.md 4.3, 8.6)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const plain = await operator(ctx.gw.url, []);
    try {
      ctx.fake.script({ kind: 'tools', text: 'Looking. ', calls: [{ id: 'call_gw-stream', name: 'exec', args: { command: 'echo streamed' } }] }, { kind: 'quote-tool', prefix: [QUOTE] });
      await ctx.c.call('chat.send', { sessionKey: 'agent:main:gw-stream', message: 'run echo streamed', idempotencyKey: 'gw-stream' });
      await waitTerminal(ctx.c, 'gw-stream', 90_000);
      await waitTerminal(plain, 'gw-stream', 90_000);
      const streamOf = (c: RawClient) => events(c, 'agent').filter((f) => f.payload.runId === 'gw-stream')
        .map((f) => [f.payload.stream, f.payload.data.kind ?? '', f.payload.data.phase ?? ''].join(':'));
      const toolish = ['item:preamble:update', 'item:preamble:end', 'item:tool:start', 'tool::start', 'tool::result', 'item:tool:end', 'command_output::end'];
      const got = streamOf(ctx.c);
      // In the captured order, with usage right after the first model step, before the tools run.
      assert.deepEqual(got.filter((s) => toolish.includes(s) || s.startsWith('usage') || s === 'lifecycle::model'),
        ['lifecycle::model', 'item:preamble:update', 'usage::', 'item:preamble:end', 'item:tool:start', 'tool::start', 'tool::result', 'item:tool:end', 'command_output::end', 'lifecycle::model', 'usage::', 'lifecycle::model'], JSON.stringify(got));
      assert.deepEqual(streamOf(plain).filter((s) => toolish.includes(s)), []);
      const output = events(ctx.c, 'agent').find((f) => f.payload.runId === 'gw-stream' && f.payload.stream === 'command_output')?.payload.data;
      assert.deepEqual([output?.output, output?.status, output?.exitCode, typeof output?.durationMs], ['streamed\n', 'completed', 0, 'number']);
      const start = events(ctx.c, 'agent').find((f) => f.payload.runId === 'gw-stream' && f.payload.stream === 'tool' && f.payload.data.phase === 'start')?.payload;
      assert.deepEqual([start?.session?.key, start?.kind, start?.sessionKey], ['agent:main:gw-stream', 'direct', 'agent:main:gw-stream']);
      const history = await ctx.c.call('chat.history', { sessionKey: 'agent:main:gw-stream' });
      assert.deepEqual(history.payload.activity.map((a: { items: { status: string; title: string }[] }) => a.items.map((i) => `${i.title}:${i.status}`)), [['Exec:completed'], ['Exec:completed']]);
    } finally {
      plain.terminate();
    }
  });

  test('the program does not see the gateway’s own FARCLAW_ variables', { timeout: TEST_TIMEOUT_MS }, async () => {
    const text = await turn(ctx, 'gw-env', { command: 'env' });
    assert.match(text, /\nHOME=/);
    assert.ok(!text.includes(SECRET));
  });

  test('the model’s env reaches the command; a variable that changes how programs load is refused and nothing runs', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.equal(await turn(ctx, 'gw-env-pass', { command: 'printenv GREETING', env: { GREETING: 'hello from the model' } }), `${QUOTE}\nhello from the model\n`);
    const marker = join(ctx.home.home, 'env-refused-ran');
    const text = await turn(ctx, 'gw-env-refused', { command: `touch ${marker}`, env: { GREETING: 'x', LD_PRELOAD: '/tmp/evil.so' } });
    assert.match(text, /"error": "INVALID_REQUEST: env variable \\"LD_PRELOAD\\" is refused: it changes how programs load or run on the host"/);
    assert.equal(existsSync(marker), false);
    assert.match(await turn(ctx, 'gw-env-own', { command: 'env', env: { FARCLAW_GATEWAY_TOKEN: 'stolen' } }), /env variable \\"FARCLAW_GATEWAY_TOKEN\\" is refused/);
    // A value of the wrong type is the tool's own error the model can read, not a schema dump.
    const typed = await turn(ctx, 'gw-env-number', { command: `touch ${marker}`, env: { RETRIES: 3 } });
    assert.match(typed, /"error": "INVALID_REQUEST: env variable \\"RETRIES\\" must have a string value"/);
    assert.equal(existsSync(marker), false);
  });

  test('a timeout kills the command and the model is told in a failed result (not an error); an unknown program is its error', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.match(await turn(ctx, 'gw-timeout', { command: 'sleep 30', timeoutSeconds: 1 }), /exec on the gateway host timed out; the command was killed\. The command was terminated, but external side effects/);
    const result = events(ctx.c, 'agent').find((f) => f.payload.runId === 'gw-timeout' && f.payload.stream === 'tool' && f.payload.data.phase === 'result')?.payload.data;
    assert.deepEqual([result?.isError, result?.result.details.status, result?.result.details.timedOut], [false, 'failed', true]);
    assert.match(await turn(ctx, 'gw-missing', { command: 'no-such-program-farclaw' }), /exec: \\"no-such-program-farclaw\\" was not found on the gateway host/);
  });

  test('host sandbox is refused: this gateway has no sandbox runtime', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.match(await turn(ctx, 'gw-sandbox', { command: 'echo x', host: 'sandbox' }), /exec host not allowed \(requested sandbox; configured host is gateway; set tools\.exec\.host=sandbox or auto/);
  });
});

describe('exec host=gateway, mode deny', () => {
  const ctx = gatewayWith({ exec: { host: 'gateway', mode: 'deny' }, env: SECRET_ENV });

  test('nothing runs and the model quotes the refusal', { timeout: TEST_TIMEOUT_MS }, async () => {
    const marker = join(ctx.home.home, 'deny-ran');
    const text = await turn(ctx, 'gw-deny', { command: `touch ${marker}` });
    assert.match(text, /"error": "exec denied: tools\.exec\.mode is \\"deny\\" on this gateway"/);
    assert.equal(existsSync(marker), false);
  });
});

describe('exec host=gateway, mode allowlist', () => {
  const ctx = gatewayWith({ exec: { host: 'gateway', mode: 'allowlist', allow: ['echo'] }, env: SECRET_ENV });

  test('an allowlisted program runs; any other is refused without running', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.equal(await turn(ctx, 'gw-allow', { command: 'echo allowed' }), `${QUOTE}\nallowed\n`);
    const marker = join(ctx.home.home, 'allowlist-ran');
    assert.match(await turn(ctx, 'gw-miss', { command: `touch ${marker}` }), /exec denied: \\"touch\\" is not in tools\.exec\.allow \(mode allowlist\)/);
    assert.equal(existsSync(marker), false);
  });
});

describe('exec host=gateway, mode ask', () => {
  const ctx = gatewayWith({ exec: { host: 'gateway', mode: 'ask', allow: ['echo'] }, env: SECRET_ENV });
  let approver: RawClient;
  before(async () => {
    approver = await operator(ctx.gw.url, ['approvals']);
  });
  after(() => approver?.terminate());

  const requestedFor = (runId: string) =>
    waitFor(`exec.approval.requested of ${runId}`, () => events(approver, 'exec.approval.requested').find((f) => f.payload.request.runId === runId), 30_000);

  test('allow-once runs it; allow-always is not offered for the gateway host', { timeout: TEST_TIMEOUT_MS }, async () => {
    const marker = join(ctx.home.home, 'ask-ran');
    await send(ctx, 'gw-ask', { command: `touch ${marker}` });
    const { payload } = await requestedFor('gw-ask');
    assert.equal(payload.request.host, 'gateway');
    assert.equal(payload.request.systemRunBinding, null);
    assert.deepEqual(payload.request.allowedDecisions, ['allow-once', 'deny']);
    assert.deepEqual(payload.request.unavailableDecisions, ['allow-always']);
    // The operator sees which file would run (assistant.md 8.5 resolvedPath), found on the gateway's PATH.
    // A gateway-host approval shows in the run's own stream (assistant.md 4.3), unlike a node's.
    const lifecycle = (phase: string) => events(ctx.c, 'agent').find((f) => f.payload.runId === 'gw-ask' && f.payload.stream === 'lifecycle' && f.payload.data?.phase === phase);
    const waiting = await waitFor('lifecycle waiting-approval of gw-ask', () => lifecycle('waiting-approval'), 30_000);
    assert.deepEqual([waiting.payload.data.approvalId, waiting.payload.data.host], [payload.id, 'gateway']);
    assert.match(payload.request.resolvedPath, /^\/.*\/touch$/);
    assert.ok(existsSync(payload.request.resolvedPath));
    assert.equal(existsSync(marker), false);
    const always = await approver.call('exec.approval.resolve', { id: payload.id, decision: 'allow-always' });
    assert.equal(always.ok, false);
    assert.equal(always.error?.code, 'INVALID_REQUEST');
    assert.equal((always.error?.details as { reason: string }).reason, 'APPROVAL_DECISION_UNAVAILABLE');
    assert.deepEqual((await approver.call('exec.approval.resolve', { id: payload.id, decision: 'allow-once' })).payload, { ok: true });
    const term = await waitTerminal(ctx.c, 'gw-ask', 60_000);
    assert.equal(finalText(term), `${QUOTE}\n`);
    assert.deepEqual([lifecycle('approval-resolved')?.payload.data.decision, lifecycle('approval-resolved')?.payload.data.status], ['allow-once', 'allowed']);
    assert.equal(existsSync(marker), true);
  });

  test('the approval shows the env the command gets', { timeout: TEST_TIMEOUT_MS }, async () => {
    await send(ctx, 'gw-ask-env', { command: 'printenv GREETING', env: { GREETING: "it's approved" } });
    const { payload } = await requestedFor('gw-ask-env');
    assert.equal(payload.request.command, `GREETING='it'\\''s approved' printenv GREETING`);
    assert.deepEqual(payload.request.env, { GREETING: "it's approved" });
    assert.deepEqual(payload.request.commandArgv, ['printenv', 'GREETING']);
    await approver.call('exec.approval.resolve', { id: payload.id, decision: 'allow-once' });
    assert.equal(finalText(await waitTerminal(ctx.c, 'gw-ask-env', 60_000)), `${QUOTE}\nit's approved\n`);
    // A refused variable is the tool's error at once: nobody is asked about it.
    const asked = events(approver, 'exec.approval.requested').length;
    assert.match(await turn(ctx, 'gw-ask-env-refused', { command: 'printenv PATH', env: { PATH: '/tmp/evil' } }), /env variable \\"PATH\\" is refused/);
    assert.equal(events(approver, 'exec.approval.requested').length, asked);
  });

  test('deny: the command does not run', { timeout: TEST_TIMEOUT_MS }, async () => {
    const marker = join(ctx.home.home, 'ask-denied');
    await send(ctx, 'gw-ask-deny', { command: `touch ${marker}` });
    const { payload } = await requestedFor('gw-ask-deny');
    await approver.call('exec.approval.resolve', { id: payload.id, decision: 'deny' });
    assert.match(finalText(await waitTerminal(ctx.c, 'gw-ask-deny', 60_000)), /"error": "exec denied: the operator denied this command"/);
    assert.equal(existsSync(marker), false);
  });

  test('a run aborted while its command awaits approval leaves the session usable: the next turn tells the model the call has no result', { timeout: TEST_TIMEOUT_MS }, async () => {
    const marker = join(ctx.home.home, 'ask-aborted');
    await send(ctx, 'gw-ask-abort', { command: `touch ${marker}` });
    await requestedFor('gw-ask-abort');
    await ctx.c.call('chat.abort', { sessionKey: 'agent:main:gw-ask-abort' });
    assert.equal((await waitTerminal(ctx.c, 'gw-ask-abort', 60_000)).payload.state, 'aborted');
    // The aborted run never took its quoting reply, so the next turn gets it; the fake model
    // refuses an unanswered tool call as the real APIs do (HTTP 400).
    await ctx.c.call('chat.send', { sessionKey: 'agent:main:gw-ask-abort', message: 'did it run?', idempotencyKey: 'gw-ask-abort-2' });
    const next = await waitTerminal(ctx.c, 'gw-ask-abort-2', 60_000);
    assert.equal(next.payload.state, 'final', JSON.stringify(next.payload));
    assert.match(finalText(next), /^Output was: \[farclaw\] this tool call has no result in the session history/);
    assert.equal(existsSync(marker), false);
  });

  test('a program in tools.exec.allow runs without asking', { timeout: TEST_TIMEOUT_MS }, async () => {
    const before = events(approver, 'exec.approval.requested').length;
    assert.equal(await turn(ctx, 'gw-ask-allowed', { command: 'echo no-question' }), `${QUOTE}\nno-question\n`);
    assert.equal(events(approver, 'exec.approval.requested').length, before);
  });
});

describe('exec on a gateway with no tools.exec settings', () => {
  const ctx = gatewayWith({ env: SECRET_ENV });

  test('host auto is the gateway, which asks by default: with nobody to answer it is refused, nothing runs', { timeout: TEST_TIMEOUT_MS }, async () => {
    const marker = join(ctx.home.home, 'default-ran');
    const text = await turn(ctx, 'gw-default', { command: `touch ${marker}` });
    assert.match(text, /"error": "exec denied: Headless runs cannot wait for interactive exec approval"/);
    assert.equal(existsSync(marker), false);
  });
});

describe('exec with tools.exec.host node', () => {
  const ctx = gatewayWith({ exec: { host: 'node', mode: 'full' }, env: SECRET_ENV });

  test('the model cannot move the command to the gateway host', { timeout: TEST_TIMEOUT_MS }, async () => {
    const marker = join(ctx.home.home, 'override-ran');
    const text = await turn(ctx, 'gw-override', { command: `touch ${marker}`, host: 'gateway' });
    assert.match(text, /exec host not allowed \(requested gateway; configured host is node; set tools\.exec\.host=gateway or auto to allow this override\)/);
    assert.equal(existsSync(marker), false);
  });
});
