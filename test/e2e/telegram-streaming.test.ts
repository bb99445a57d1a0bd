// Streaming modes of the Telegram channel with real processes: a real `farclaw gateway run`, the
// fake Bot API and the fake model. `partial` edits one preview as the answer grows and finishes it
// in place, `block` shows completed blocks as they finish, `off` sends the answer whole with no
// draft. What the chat finally shows is read from the fake (edits and deletes applied).
// Expectations: shared/spec/assistant.md 10.1 and 10.5, OpenClaw docs concepts/streaming.md.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { renderTelegramChunks } from '../../src/channels/telegram/telegram-format.js';
import { fakeModelConfig } from '../helpers/chat-gateway.js';
import { useDisposers } from '../helpers/disposers.js';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.js';
import type { RunningGateway } from '../helpers/gateway-process.js';
import { ANN, startTelegramGateway } from '../helpers/telegram-gateway.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const CHAT = String(ANN.id);

/** The model part of a config (providers, default model), without the gateway section. */
function modelSections(model: FakeModel): Record<string, unknown> {
  const { gateway: _gateway, ...rest } = fakeModelConfig(model);
  return rest;
}

/** `n` paragraphs of about `size` characters each, numbered. */
const paragraphs = (n: number, size: number): string[] =>
  Array.from({ length: n }, (_, i) => `Paragraph ${i} ${'lorem ipsum dolor sit amet '.repeat(Math.ceil(size / 27))}`.slice(0, size).trim());

/** A text split into `pieces` stream chunks of about equal size. */
function chunked(text: string, pieces: number): string[] {
  const size = Math.ceil(text.length / pieces);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Whether the gateway's state database holds `messageId` as a draft to remove after a restart. */
function isDraftRecorded(home: TmpHome, messageId: number): boolean {
  const db = new Database(join(home.stateDir, 'farclaw.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT 1 FROM channel_draft WHERE message_id = ?').get(messageId) !== undefined;
  } finally {
    db.close();
  }
}

describe('Telegram streaming modes (real gateway, fake Bot API, fake model)', () => {
  const d = useDisposers();
  const setup = async (telegram: Record<string, unknown>, home?: TmpHome): Promise<{ tg: FakeTelegram; model: FakeModel; gw: RunningGateway }> => {
    const tg = await startFakeTelegram();
    const model = await startFakeModel();
    d.defer(() => tg.close());
    d.defer(() => model.close());
    return { tg, model, gw: await gateway(tg, model, telegram, home) };
  };
  const gateway = async (tg: FakeTelegram, model: FakeModel, telegram: Record<string, unknown>, home?: TmpHome): Promise<RunningGateway> => {
    const gw = await startTelegramGateway(tg, {
      telegram: { dmPolicy: 'open', allowFrom: ['*'], ...telegram }, extra: modelSections(model), ...(home ? { home } : {}),
    });
    d.defer(() => gw.stop());
    return gw;
  };
  /** A home kept across a SIGKILL and restart. */
  const keptHome = (): TmpHome => {
    const home = tmpHome();
    d.defer(() => home.dispose());
    return home;
  };

  it('partial: one preview message edited as the answer grows, finished in place as the answer', async () => {
    const { tg, model } = await setup({ streaming: 'partial' });
    const answer = `Here is a **streamed** answer that keeps growing, word after word, ${'until it is done '.repeat(8)}and ends here.`;
    model.script({ kind: 'text', chunks: chunked(answer, 12), delayMs: 400 });
    tg.sendText(ANN, 'stream it please');
    const [expected] = renderTelegramChunks(answer);
    await waitFor('the finished answer in the chat', () => tg.chatView(CHAT)[0]?.text === expected?.html, 60_000);
    assert.equal(tg.calls('sendMessage').length, 1, 'one message: the preview became the answer');
    const edits = tg.calls('editMessageText');
    assert.ok(edits.length >= 1, 'the preview was edited');
    const firstText = String(tg.calls('sendMessage')[0]?.body.text);
    assert.ok(firstText.length < (expected?.html.length ?? 0), `the preview showed part of the answer first: ${firstText}`);
    assert.ok(firstText.length >= 30, 'the first preview waited for some text');
    assert.deepEqual(tg.chatView(CHAT).map((m) => m.parseMode), ['HTML']);
    assert.equal(tg.calls('deleteMessage').length, 0);
  });

  it('partial: an answer longer than one message continues in a new message, every page final', async () => {
    const { tg, model } = await setup({ streaming: 'partial', textChunkLimit: 400 });
    const answer = paragraphs(4, 250).join('\n\n');
    model.script({ kind: 'text', chunks: chunked(answer, 10), delayMs: 300 });
    tg.sendText(ANN, 'a long one');
    const expected = renderTelegramChunks(answer, 400).map((c) => c.html);
    assert.equal(expected.length, 4);
    await waitFor('the whole answer in the chat', () => JSON.stringify(tg.chatView(CHAT).map((m) => m.text)) === JSON.stringify(expected), 60_000);
    assert.equal(tg.calls('sendMessage').length, expected.length, 'each page sent once');
  });

  it('block: completed blocks appear as they finish, each its own message, never a half paragraph', async () => {
    const { tg, model } = await setup({ streaming: 'block' });
    const parts = paragraphs(5, 350);
    const answer = parts.join('\n\n');
    model.script({ kind: 'text', chunks: chunked(answer, 14), delayMs: 300 });
    tg.sendText(ANN, 'blocks please');
    const expected = renderTelegramChunks(answer, 800).map((c) => c.html);
    await waitFor('the whole answer in the chat', () => JSON.stringify(tg.chatView(CHAT).map((m) => m.text)) === JSON.stringify(expected), 60_000);
    // Every text the chat was shown ends at a paragraph end: a block is shown only once complete.
    const shown = [...tg.calls('sendMessage'), ...tg.calls('editMessageText')].map((c) => String(c.body.text));
    for (const text of shown) assert.ok(parts.some((p) => text.endsWith(p)), `a shown text ends mid-paragraph: …${text.slice(-40)}`);
    const firstSend = tg.calls('sendMessage')[0];
    assert.ok(firstSend && model.requests.length === 1);
    assert.equal(tg.calls('sendMessage').length, expected.length);
  });

  it('off: a turn with a tool call gets no draft, no edit: the answer is sent whole, once', async () => {
    const { tg, model } = await setup({ streaming: 'off' });
    model.script(
      { kind: 'tools', text: 'Let me look. ', calls: [{ id: 'call_status', name: 'nodes', args: { action: 'status' } }] },
      { kind: 'text', chunks: ['No nodes ', 'are connected ', 'right now, as far as I can see.'], delayMs: 300 },
    );
    tg.sendText(ANN, 'any nodes?');
    await waitFor('the answer', () => tg.sent[0], 60_000);
    await waitFor('the model asked twice', () => model.requests.length === 2, 10_000);
    assert.equal(tg.sent.length, 1);
    assert.match(tg.sent[0]?.text ?? '', /No nodes are connected right now, as far as I can see\.$/);
    assert.equal(tg.calls('editMessageText').length, 0);
    assert.equal(tg.calls('deleteMessage').length, 0);
  });

  it('progress: the tool line shows in a plain draft, deleted after the answer; the chat keeps only the answer', async () => {
    const { tg, model } = await setup({});
    model.script(
      { kind: 'tools', calls: [{ id: 'call_status', name: 'nodes', args: { action: 'status' } }] },
      { kind: 'text', chunks: ['Nothing is ', 'connected.'], delayMs: 300 },
    );
    tg.sendText(ANN, 'status?');
    const draft = await waitFor('the draft', () => tg.sent[0], 60_000);
    assert.equal(draft.text, 'Working on it…\n⚙ nodes: {"action":"status"}');
    assert.equal(draft.parseMode, undefined);
    await waitFor('only the answer left in the chat', () => {
      const view = tg.chatView(CHAT);
      return view.length === 1 && view[0]?.text === 'Nothing is connected.';
    }, 60_000);
  });

  it('a gateway killed while a partial preview shows leaves no stale preview: the restart removes it and answers once', async () => {
    const home = keptHome();
    const { tg, model, gw } = await setup({ streaming: 'partial' }, home);
    model.script(
      { kind: 'text', chunks: ['This answer starts streaming into a preview ', 'and then the gateway dies ', '(never sent)'], delayMs: 200, holdAfter: 2 },
      { kind: 'text', chunks: ['The answer after the restart, ', 'complete this time.'], delayMs: 200 },
    );
    tg.sendText(ANN, 'tell me something');
    const preview = await waitFor('the preview', () => tg.chatView(CHAT).find((m) => m.text.includes('gateway dies')), 60_000);
    await gw.stop('SIGKILL');
    await gateway(tg, model, { streaming: 'partial' }, home);
    await waitFor('only the final answer in the chat', () => {
      const view = tg.chatView(CHAT);
      return view.length === 1 && view[0]?.text === 'The answer after the restart, complete this time.';
    }, 60_000);
    assert.ok(tg.calls('deleteMessage').some((c) => c.body.message_id === preview.messageId), 'the stale preview was deleted');
  });

  it('a gateway killed while a progress draft shows leaves no stale draft: the restart removes it and answers once', async () => {
    const home = keptHome();
    const { tg, model, gw } = await setup({}, home);
    model.script(
      { kind: 'tools', calls: [{ id: 'call_status', name: 'nodes', args: { action: 'status' } }] },
      { kind: 'text', chunks: ['never ', 'finished'], delayMs: 100, holdAfter: 1 },
      { kind: 'text', chunks: ['Answered ', 'after the restart.'] },
    );
    tg.sendText(ANN, 'status?');
    const draft = await waitFor('the draft', () => tg.chatView(CHAT).find((m) => m.text.startsWith('Working on it…')), 60_000);
    await waitFor('the model asked again after the tool', () => model.requests.length === 2, 30_000);
    // The gateway records the draft once Telegram's answer to sendMessage is back; the tool round
    // trip can be quicker than that, and a kill before the record is another case (nothing to find).
    await waitFor('the draft recorded by the gateway', () => isDraftRecorded(home, draft.messageId), 30_000);
    await gw.stop('SIGKILL');
    await gateway(tg, model, {}, home);
    await waitFor('only the answer in the chat', () => {
      const view = tg.chatView(CHAT);
      return view.length === 1 && view[0]?.text === 'Answered after the restart.';
    }, 60_000);
    assert.ok(tg.calls('deleteMessage').some((c) => c.body.message_id === draft.messageId), 'the stale draft was deleted');
  });
});
