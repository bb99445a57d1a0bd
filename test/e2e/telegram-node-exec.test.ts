// The seed's flow end to end with real processes (issue 16, assistant.md 8 and 10): a Telegram DM
// from an approved user → the agent (fake model) asks for `exec` on a real `farclaw node run` →
// the node runs it → the reply in the chat carries the command's output. Once with
// tools.exec.mode full, once with mode ask and the approval resolved by a second operator.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fakeModelConfig, operator } from '../helpers/chat-gateway.js';
import { startApprovedNode } from '../helpers/exec-node.js';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.js';
import type { RunningGateway } from '../helpers/gateway-process.js';
import type { NodeHostProcess } from '../helpers/node-host-process.js';
import type { Frame, RawClient } from '../helpers/raw-client.js';
import { ANN, startTelegramGateway } from '../helpers/telegram-gateway.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const TEST_TIMEOUT_MS = 180_000;
const QUOTE = ['The node ran it. ', 'Output was: '];

/** One gateway with a Telegram channel (Ann allowlisted), the fake model, and an approved node. */
async function seedSetup(mode: 'full' | 'ask'): Promise<{ tg: FakeTelegram; model: FakeModel; gw: RunningGateway; node: NodeHostProcess; nodeId: string; nodeHome: TmpHome }> {
  const tg = await startFakeTelegram();
  const model = await startFakeModel();
  const { gateway: _gateway, ...modelSections } = fakeModelConfig(model);
  const gw = await startTelegramGateway(tg, {
    telegram: { dmPolicy: 'allowlist', allowFrom: ['tg:777001'] },
    extra: { ...modelSections, tools: { exec: { host: 'node', mode } } },
  });
  const nodeHome = tmpHome();
  nodeHome.writeConfig({ nodeHost: { systemRun: { allow: ['echo', 'uname'] } } });
  const { node, nodeId } = await startApprovedNode(gw, nodeHome, 'home-server');
  return { tg, model, gw, node, nodeId, nodeHome };
}

const DRAFT = 'Working on it…';
/** The answer among what was sent since `before` (progress drafts start with DRAFT). */
const answerSince = (tg: FakeTelegram, before: number) => tg.sent.slice(before).find((m) => !m.text.startsWith(DRAFT));

/** Scripts one exec call plus an answer quoting its result, and sends `text` from Ann. */
function askForExec(tg: FakeTelegram, model: FakeModel, command: string, text: string): number {
  model.script(
    { kind: 'tools', text: 'Running it on your server. ', calls: [{ id: `call_${command.length}`, name: 'exec', args: { host: 'node', command } }] },
    { kind: 'quote-tool', prefix: QUOTE },
  );
  const before = tg.sent.length;
  tg.sendText(ANN, text);
  return before;
}

describe('Telegram → agent → exec on a real node → Telegram (mode full)', () => {
  let s: Awaited<ReturnType<typeof seedSetup>>;
  before(async () => {
    s = await seedSetup('full');
  });
  after(async () => {
    await s?.node.stop();
    await s?.gw.stop();
    await s?.tg.close();
    await s?.model.close();
    s?.nodeHome.dispose();
  });

  test('the reply in the chat carries the command output from the node', { timeout: TEST_TIMEOUT_MS }, async () => {
    const before = askForExec(s.tg, s.model, 'echo seed-flow-from-telegram', 'SEED please run echo on my server');
    const reply = await waitFor('the reply in the chat', () => answerSince(s.tg, before), 90_000);
    assert.equal(reply.chatId, '777001');
    assert.equal(reply.parseMode, 'HTML');
    assert.equal(reply.text, `Running it on your server. \n\n${QUOTE.join('')}Node: ${s.nodeId}\n\nseed-flow-from-telegram`);
    // The model saw Ann's message, then the node's real output as the tool result.
    const messages = s.model.requests.at(-1)?.body.messages as { role: string; content: unknown }[];
    assert.ok(JSON.stringify(messages).includes('SEED please run echo on my server'));
    assert.equal(messages.find((m) => m.role === 'tool')?.content, `Node: ${s.nodeId}\n\nseed-flow-from-telegram\n`);
    // The progress draft: sent at the tool call, before the answer, and deleted once the answer was accepted.
    const [draft, ...rest] = s.tg.sent.slice(before);
    assert.equal(draft?.text, `${DRAFT}\n⚙ exec: echo seed-flow-from-telegram`);
    assert.equal(draft?.parseMode, undefined);
    assert.deepEqual(rest, [reply], 'one answer for one message');
    const deleted = await waitFor('the draft deleted', () => s.tg.calls('deleteMessage').find((c) => c.body.message_id === draft?.messageId), 30_000);
    const answerCall = s.tg.calls('sendMessage').find((c) => c.body.text === reply.text);
    assert.ok(answerCall && deleted.seq > answerCall.seq, 'the draft goes after the answer was sent');
  });
});

describe('Telegram → agent → exec approved by a second operator → Telegram (mode ask)', () => {
  let s: Awaited<ReturnType<typeof seedSetup>>;
  let approver: RawClient;
  const requested = (runText: string) =>
    waitFor(`exec.approval.requested for ${runText}`, () =>
      approver.frames.find((f: Frame) => f.type === 'event' && f.event === 'exec.approval.requested' && JSON.stringify(f.payload.request.systemRunBinding?.argv ?? []).includes(runText)), 60_000);
  before(async () => {
    s = await seedSetup('ask');
    approver = await operator(s.gw.url, ['approvals']);
  });
  after(async () => {
    approver?.terminate();
    await s?.node.stop();
    await s?.gw.stop();
    await s?.tg.close();
    await s?.model.close();
    s?.nodeHome.dispose();
  });

  test('allow-once: the node runs the command and the chat gets its output', { timeout: TEST_TIMEOUT_MS }, async () => {
    const before = askForExec(s.tg, s.model, 'echo approved-from-telegram', 'SEED run it once I approve');
    const req = await requested('approved-from-telegram');
    assert.deepEqual(req.payload.request.systemRunBinding.argv, ['/bin/sh', '-lc', 'echo approved-from-telegram']);
    assert.equal(req.payload.request.nodeId, s.nodeId);
    assert.equal(answerSince(s.tg, before), undefined, 'no answer before the decision');
    const res = await approver.call('exec.approval.resolve', { id: req.payload.id, decision: 'allow-once' });
    assert.deepEqual(res.payload, { ok: true });
    const reply = await waitFor('the reply in the chat', () => answerSince(s.tg, before), 90_000);
    assert.equal(reply.text, `Running it on your server. \n\n${QUOTE.join('')}Node: ${s.nodeId}\n\napproved-from-telegram`);
    assert.equal(s.tg.sent.slice(before).filter((m) => !m.text.startsWith(DRAFT)).length, 1);
  });

  test('deny: nothing runs and the chat is told the operator refused', { timeout: TEST_TIMEOUT_MS }, async () => {
    const before = askForExec(s.tg, s.model, 'echo denied-from-telegram', 'SEED run this one too');
    const req = await requested('denied-from-telegram');
    await approver.call('exec.approval.resolve', { id: req.payload.id, decision: 'deny' });
    const reply = await waitFor('the reply in the chat', () => answerSince(s.tg, before), 90_000);
    assert.match(reply.text, /exec denied: the operator denied this command/);
    assert.ok(!reply.text.includes('denied-from-telegram\n'));
    const tool = (s.model.requests.at(-1)?.body.messages as { role: string; content: unknown }[]).findLast((m) => m.role === 'tool');
    assert.doesNotMatch(String(tool?.content), /Node: /, 'the node never ran it');
  });
});
