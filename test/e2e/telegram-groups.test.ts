// Telegram groups and reply threading with a real gateway, the fake Bot API and the fake model
// (assistant.md 10.1, issue 16): groupPolicy allowlist with `groups` and `groupAllowFrom`,
// groups.<id>.requireMention (mention or reply to the bot wakes it), and replyToMode.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fakeModelConfig } from '../helpers/chat-gateway.js';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.js';
import type { RunningGateway } from '../helpers/gateway-process.js';
import { ANN, startTelegramGateway, telegramStatus } from '../helpers/telegram-gateway.js';
import { waitFor } from '../helpers/wait-for.js';

const BOB = { id: 777002, first_name: 'Bob' };
/** Listed group, mention required (the default). */
const MENTION_GROUP = -100200;
/** Listed group with requireMention false. */
const OPEN_GROUP = -100300;
/** A group the config does not list. */
const UNLISTED_GROUP = -100400;
const TEST_TIMEOUT_MS = 120_000;

describe('Telegram groups and replyToMode (real gateway)', () => {
  let tg: FakeTelegram;
  let model: FakeModel;
  let gw: RunningGateway;
  let messageId = 9000;
  /** The user texts the model has seen so far. */
  const seen = () => model.requests.map((r) => {
    const users = (r.body.messages as { role: string; content: unknown }[]).filter((m) => m.role === 'user');
    return JSON.stringify(users.at(-1)?.content ?? '');
  });
  const settled = () => waitFor('an empty inbound backlog', async () => {
    const s = await telegramStatus(gw);
    return s && tg.pendingUpdates() === 0 && s.backlog.inbound === 0 && s.backlog.outbound === 0;
  }, 60_000);

  before(async () => {
    tg = await startFakeTelegram();
    model = await startFakeModel();
    model.setFallback({ kind: 'text', chunks: ['group answer'] });
    const { gateway: _gateway, ...modelSections } = fakeModelConfig(model);
    gw = await startTelegramGateway(tg, {
      telegram: {
        dmPolicy: 'allowlist',
        allowFrom: ['tg:777001'],
        groupPolicy: 'allowlist',
        groupAllowFrom: ['telegram:777001'],
        groups: { [String(MENTION_GROUP)]: {}, [String(OPEN_GROUP)]: { requireMention: false } },
        replyToMode: 'first',
        textChunkLimit: 120,
      },
      extra: { ...modelSections, session: { dmScope: 'per-channel-peer' } },
    });
  });
  after(async () => {
    await gw?.stop();
    await tg?.close();
    await model?.close();
  });

  test('a listed group answers only when the bot is mentioned or replied to, and threads the reply', { timeout: TEST_TIMEOUT_MS }, async () => {
    tg.sendGroupText(ANN, MENTION_GROUP, 'G1 chatting among ourselves', { message_id: ++messageId });
    const mentionId = ++messageId;
    tg.sendGroupText(ANN, MENTION_GROUP, `G2 @${tg.bot.username} what time is it?`, { message_id: mentionId });
    const reply = await waitFor('the answer to the mention', () => tg.sent.find((m) => m.chatId === String(MENTION_GROUP)), 60_000);
    assert.equal(reply.text, 'group answer');
    assert.equal(reply.replyToMessageId, mentionId, 'replyToMode first threads the answer to the message');
    const texts = seen();
    assert.equal(texts.filter((t) => t.includes('G1')).length, 0, 'an unmentioned message never reaches the model');
    assert.ok(texts.some((t) => t.includes('G2 what time is it?')), `the mention is removed from the text: ${texts.join(' | ')}`);

    // A reply to one of the bot's messages counts as addressing it.
    const before = tg.sent.length;
    tg.sendGroupText(ANN, MENTION_GROUP, 'G3 and tomorrow?', { message_id: ++messageId, reply_to_message: { message_id: reply.messageId, from: { id: tg.bot.id, is_bot: true, first_name: 'bot' } } });
    await waitFor('the answer to the reply', () => tg.sent[before], 60_000);
    assert.ok(seen().some((t) => t.includes('G3 and tomorrow?')));
  });

  test('requireMention false answers every message of an allowed sender; others and unlisted groups are ignored', { timeout: TEST_TIMEOUT_MS }, async () => {
    tg.sendGroupText(BOB, OPEN_GROUP, `G4 @${tg.bot.username} I am not in groupAllowFrom`, { message_id: ++messageId });
    tg.sendGroupText(ANN, UNLISTED_GROUP, `G5 @${tg.bot.username} this group is not listed`, { message_id: ++messageId });
    const annId = ++messageId;
    tg.sendGroupText(ANN, OPEN_GROUP, 'G6 no mention needed here', { message_id: annId });
    const reply = await waitFor('the answer in the open group', () => tg.sent.find((m) => m.chatId === String(OPEN_GROUP)), 60_000);
    assert.equal(reply.replyToMessageId, annId);
    await settled();
    const texts = seen();
    assert.ok(texts.some((t) => t.includes('G6 no mention needed here')));
    assert.equal(texts.filter((t) => t.includes('G4') || t.includes('G5')).length, 0, texts.join(' | '));
    assert.equal(tg.sent.filter((m) => m.chatId === String(UNLISTED_GROUP)).length, 0);
    assert.equal(tg.sent.filter((m) => m.chatId === String(OPEN_GROUP)).length, 1, 'Bob got no answer');
  });

  test('replyToMode first threads only the first chunk of a long answer', { timeout: TEST_TIMEOUT_MS }, async () => {
    model.script({ kind: 'text', chunks: [`${'First paragraph, long enough to need its own message. '.repeat(2)}\n\nSecond paragraph, sent as the next message.`] });
    const dmId = ++messageId;
    const before = tg.sent.length;
    tg.pushUpdate({ message: { message_id: dmId, from: { is_bot: false, ...ANN }, chat: { id: ANN.id, type: 'private', first_name: ANN.first_name }, date: Math.floor(Date.now() / 1000), text: 'G7 a long answer please' } });
    await waitFor('two chunks', () => tg.sent.length >= before + 2, 60_000);
    const [first, second] = tg.sent.slice(before);
    assert.equal(first?.replyToMessageId, dmId);
    assert.equal(second?.replyToMessageId, undefined);
    assert.equal(second?.text, 'Second paragraph, sent as the next message.');
  });
});
