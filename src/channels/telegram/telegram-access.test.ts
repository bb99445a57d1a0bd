import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideAccess, mayFollowUp, readInboundMessage, type InboundMessage } from './telegram-access.js';
import { resolveTelegramSettings, type TelegramSettings } from './telegram-config.js';

const BOT = { id: 8000000001, username: 'farclaw_test_bot' };

function settings(extra: Record<string, unknown>): TelegramSettings {
  const s = resolveTelegramSettings({ botToken: '1:x', ...extra } as never, {});
  assert.ok(s);
  return s;
}

function groupMessage(senderId: number, chatId: number, text: string, replyToBot = false): InboundMessage {
  const m = readInboundMessage({
    update_id: 1,
    message: {
      message_id: 5, from: { id: senderId, is_bot: false, first_name: 'U' }, chat: { id: chatId, type: 'supergroup' }, date: 0, text,
      ...(replyToBot ? { reply_to_message: { message_id: 4, from: { id: BOT.id, is_bot: true } } } : {}),
    },
  }, BOT.id);
  assert.ok(m);
  return m;
}

const decide = (s: TelegramSettings, m: InboundMessage) => decideAccess(m, s, { isPairedSender: false, botUsername: BOT.username });

describe('Telegram group access (assistant.md 10.1)', () => {
  it('groupPolicy allowlist (the default) ignores a group not in `groups`, even when mentioned', () => {
    const d = decide(settings({}), groupMessage(1, -1001, '@farclaw_test_bot hi'));
    assert.deepEqual(d, { kind: 'ignore', why: 'group not in channels.telegram.groups' });
  });

  it('a listed group answers a mention (text without the mention) or a reply to the bot, and nothing else', () => {
    const s = settings({ groups: { '-1001': {} } });
    assert.deepEqual(decide(s, groupMessage(1, -1001, 'hey @Farclaw_Test_Bot status?')), { kind: 'answer', text: 'hey status?' });
    assert.deepEqual(decide(s, groupMessage(1, -1001, 'thanks', true)), { kind: 'answer', text: 'thanks' });
    assert.deepEqual(decide(s, groupMessage(1, -1001, 'just chatting')), { kind: 'ignore', why: 'not mentioned' });
    assert.deepEqual(decide(s, groupMessage(1, -1001, 'mail @farclaw_test_botany')), { kind: 'ignore', why: 'not mentioned' });
  });

  it('groupAllowFrom limits who may wake the bot; `*` in groups covers every group', () => {
    const s = settings({ groups: { '*': { requireMention: false } }, groupAllowFrom: ['tg:42'] });
    assert.equal(decide(s, groupMessage(42, -1002, 'anything')).kind, 'answer');
    assert.deepEqual(decide(s, groupMessage(43, -1002, '@farclaw_test_bot hi')), { kind: 'ignore', why: 'sender not in groupAllowFrom' });
  });

  it('groupPolicy open answers mentions in any group; disabled answers none', () => {
    assert.equal(decide(settings({ groupPolicy: 'open' }), groupMessage(9, -1003, '@farclaw_test_bot hi')).kind, 'answer');
    assert.equal(decide(settings({ groupPolicy: 'open' }), groupMessage(9, -1003, 'hi')).kind, 'ignore');
    assert.deepEqual(decide(settings({ groupPolicy: 'disabled', groups: { '-1003': { requireMention: false } } }), groupMessage(9, -1003, 'hi')), { kind: 'ignore', why: 'groupPolicy disabled' });
  });
});

describe('Telegram follow-ups to a chat unasked (a background command ended)', () => {
  const dm = { chatId: '42', chatType: 'private', senderId: '42' };
  const group = { chatId: '-1004', chatType: 'supergroup', senderId: '42' };

  it('a DM is written to while its sender is still allowed, listed or paired, and not once DMs are disabled', () => {
    assert.ok(mayFollowUp(dm, settings({ dmPolicy: 'allowlist', allowFrom: ['tg:42'] }), false));
    assert.ok(mayFollowUp(dm, settings({ dmPolicy: 'pairing' }), true));
    assert.ok(!mayFollowUp(dm, settings({ dmPolicy: 'pairing' }), false), 'no longer listed nor paired');
    assert.ok(!mayFollowUp(dm, settings({ dmPolicy: 'disabled', allowFrom: ['*'] }), true));
  });

  it('a group is written to without a mention while it and its sender are still allowed', () => {
    assert.ok(mayFollowUp(group, settings({ groups: { '-1004': {} } }), false), 'requireMention does not apply');
    assert.ok(!mayFollowUp(group, settings({ groups: { '-1005': {} } }), false), 'group no longer listed');
    assert.ok(!mayFollowUp(group, settings({ groups: { '*': {} }, groupAllowFrom: ['7'] }), false), 'sender no longer in groupAllowFrom');
    assert.ok(!mayFollowUp(group, settings({ groupPolicy: 'disabled', groups: { '*': {} } }), false));
    assert.ok(mayFollowUp(group, settings({ groupPolicy: 'open' }), false));
  });
});
