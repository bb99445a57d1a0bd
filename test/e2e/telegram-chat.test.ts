// Telegram → assistant → Telegram with real processes: a real `farclaw gateway run`, the fake
// Bot API and the fake model. Pairing end to end through the CLI, the reply formats of the
// vector (typing, HTML, chunks), and exactly-once answers across SIGKILLs of the gateway.
// Expectations: shared/spec/assistant.md 10, vector telegram-bot-api, issue 16.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertExit } from '../helpers/cli-output.js';
import { fakeModelConfig, operator } from '../helpers/chat-gateway.js';
import { useDisposers } from '../helpers/disposers.js';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.js';
import { runFarclaw, type RunningGateway } from '../helpers/gateway-process.js';
import { ANN, pairingCodeIn, startTelegramGateway, telegramStatus } from '../helpers/telegram-gateway.js';
import { checkTelegramHtml } from '../helpers/telegram-html-check.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

/** The model part of a config (providers, default model), without the gateway section. */
function modelSections(model: FakeModel): Record<string, unknown> {
  const { gateway: _gateway, ...rest } = fakeModelConfig(model);
  return rest;
}

describe('Telegram to the assistant and back (real gateway, fake Bot API, fake model)', () => {
  const d = useDisposers();
  const fakes = async (): Promise<{ tg: FakeTelegram; model: FakeModel }> => {
    const tg = await startFakeTelegram();
    const model = await startFakeModel();
    d.defer(() => tg.close());
    d.defer(() => model.close());
    return { tg, model };
  };
  const gateway = async (tg: FakeTelegram, model: FakeModel, telegram: Record<string, unknown> = {}, home?: TmpHome, session?: Record<string, unknown>) => {
    const gw = await startTelegramGateway(tg, { telegram, extra: { ...modelSections(model), ...(session ? { session } : {}) }, ...(home ? { home } : {}) });
    d.defer(() => gw.stop());
    return gw;
  };

  it('pairs an unknown sender with farclaw pairing approve, then answers its next message with typing and HTML', async () => {
    const { tg, model } = await fakes();
    const gw = await gateway(tg, model);
    tg.sendText(ANN, 'Hello bot');
    const pairing = await waitFor('the pairing reply', () => tg.sent[0], 30_000);
    const code = pairingCodeIn(pairing.text);
    assert.ok(code);
    assert.equal(model.requests.length, 0, 'an unknown sender never reaches the model');
    assertExit(await runFarclaw(['pairing', 'approve', 'telegram', code], gw.home.env), 0);

    model.script({ kind: 'text', chunks: ['Hi **Ann**! ', 'This is the fake model ', 'replying on Telegram.'], delayMs: 300 });
    const sentBefore = tg.sent.length;
    tg.sendText(ANN, 'TG_HELLO are you there?');
    const answer = await waitFor('the answer', () => tg.sent[sentBefore], 60_000);
    assert.equal(answer.text, 'Hi <b>Ann</b>! This is the fake model replying on Telegram.');
    assert.equal(answer.parseMode, 'HTML');
    assert.equal(answer.chatId, '777001');
    const typing = tg.calls('sendChatAction');
    assert.ok(typing.length >= 1);
    assert.deepEqual(typing[0]?.body, { chat_id: 777001, action: 'typing' });
    const lastUser = JSON.stringify(model.requests.at(-1)?.body.messages ?? []);
    assert.ok(lastUser.includes('TG_HELLO are you there?'), lastUser);
    assert.equal(tg.sent.length, sentBefore + 1, 'one message for one answer');
  });

  it('splits a long Markdown answer at paragraphs and keeps raw tags inert (vector LONGMD / MDTAG)', async () => {
    const { tg, model } = await fakes();
    await gateway(tg, model, { dmPolicy: 'allowlist', allowFrom: ['tg:777001'] });
    const paragraphs = Array.from({ length: 70 }, (_, n) => `${n}. Paragraph with **bold**, \`code\`, a <tag> & ampersand, and [a link](https://example.com).`);
    const long = ['# Title', ...paragraphs].join('\n\n');
    const chunks: string[] = [];
    for (let i = 0; i < long.length; i += 500) chunks.push(long.slice(i, i + 500));
    model.script({ kind: 'text', chunks });
    tg.sendText(ANN, 'LONGMD write a long answer please');
    await waitFor('three messages', () => tg.sent.length === 3, 60_000);
    for (const m of tg.sent) {
      assert.ok(m.text.length <= 4000);
      assert.equal(checkTelegramHtml(m.text), undefined);
      assert.equal(m.parseMode, 'HTML');
    }
    assert.ok(tg.sent[0]?.text.startsWith('Title\n\n0. Paragraph with <b>bold</b>, <code>code</code>, a  &amp; ampersand'));
    assert.ok(tg.sent[2]?.text.includes('69. Paragraph'));

    model.script({ kind: 'text', chunks: ['Here is **bold**, a raw <tag>inside</tag> element, 1 < 2 & 3 > 2.\n\n```\ncode <b>not bold</b>\n```'] });
    tg.sendText(ANN, 'MDTAG show me formatting');
    const md = await waitFor('the formatted answer', () => tg.sent[3], 60_000);
    assert.equal(md.text, 'Here is <b>bold</b>, a raw inside element, 1 &lt; 2 &amp; 3 &gt; 2.\n\n<pre><code>code &lt;b&gt;not bold&lt;/b&gt;\n</code></pre>');
  });

  it('falls back to plain text when Telegram cannot parse the HTML', async () => {
    const { tg, model } = await fakes();
    await gateway(tg, model, { dmPolicy: 'open', allowFrom: ['*'] });
    // Telegram refuses the first (HTML) attempt as it would a malformed entity; the reply still arrives once, as plain text.
    tg.inject('sendMessage', { kind: 'status', status: 400, description: "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 0" });
    model.script({ kind: 'text', chunks: ['**hello** there'] });
    tg.sendText(ANN, 'hi');
    const m = await waitFor('the reply', () => tg.sent[0], 60_000);
    assert.equal(m.text, 'hello there');
    assert.equal(m.parseMode, undefined);
    assert.equal(tg.sent.length, 1);
  });

  it('channels.stop ends polling (messages wait at Telegram), channels.start answers them; logout is refused with what to do', async () => {
    const { tg, model } = await fakes();
    const gw = await gateway(tg, model, { dmPolicy: 'allowlist', allowFrom: ['tg:777001'] });
    await waitFor('a long poll', () => tg.calls('getUpdates').some((c) => c.body.timeout === 30), 60_000);
    const c = await operator(gw.url);
    d.defer(() => c.terminate());
    const stopped = await c.call('channels.stop', { channel: 'telegram' });
    assert.deepEqual(stopped.payload, { channel: 'telegram', accountId: 'default', stopped: true });
    assert.equal((await telegramStatus(gw))?.state, 'stopped');
    const pollsBefore = tg.calls('getUpdates').length;
    model.script({ kind: 'text', chunks: ['back again'] });
    tg.sendText(ANN, 'are you stopped?');
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(tg.calls('getUpdates').length, pollsBefore, 'a stopped channel does not poll');
    assert.equal(tg.sent.length, 0);

    const started = await c.call('channels.start', { channel: 'telegram' });
    assert.deepEqual(started.payload, { channel: 'telegram', accountId: 'default', started: true, outcome: 'started' });
    const answer = await waitFor('the answer after the start', () => tg.sent[0], 60_000);
    assert.equal(answer.text, 'back again');
    assert.equal(tg.calls('deleteMyCommands').length, 2, 'a channel restart leaves the command menu alone');
    const again = await c.call('channels.start', { channel: 'telegram', accountId: 'default' });
    assert.equal(again.payload.outcome, 'already-running');

    const logout = await c.call('channels.logout', { channel: 'telegram' });
    assert.equal(logout.ok, false);
    assert.equal(logout.error?.code, 'INVALID_REQUEST');
    assert.match(logout.error?.message ?? '', /^channel telegram does not support logout: remove channels\.telegram\.botToken from the config, or use channels\.stop$/);
    const unknown = await c.call('channels.stop', { channel: 'telegram', accountId: 'other' });
    assert.equal(unknown.error?.message, 'channel telegram has no account "other"');
    const nope = await c.call('channels.start', { channel: 'discord' });
    assert.match(nope.error?.message ?? '', /^unknown channel "discord"/);
  });

  it('answers every message across SIGKILLs at random moments, repeating only a reply in flight at a kill', async () => {
    const { tg, model } = await fakes();
    model.setFallback({ kind: 'text', chunks: ['answer ', 'for you'], delayMs: 40 });
    const home = tmpHome();
    d.defer(() => home.dispose());
    const telegram = { dmPolicy: 'open', allowFrom: ['*'] };
    const session = { dmScope: 'per-channel-peer' };
    const EXCHANGES = 50;
    const users = Array.from({ length: EXCHANGES }, (_, i) => ({ id: 880000 + i, first_name: `U${i}` }));
    let gw: RunningGateway = await gateway(tg, model, telegram, home, session);
    let next = 0;
    const kills: number[] = [];
    // Messages arrive in bursts while the gateway is killed at a random moment after each burst.
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < EXCHANGES / 5; i++) tg.sendText(users[next++]!, `message ${next}`);
      const answered = tg.sent.length;
      await waitFor('some progress before the kill', () => tg.sent.length > answered || model.requests.length > 0, 60_000);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400)));
      kills.push(tg.sent.length);
      await gw.stop('SIGKILL');
      gw = await gateway(tg, model, telegram, home, session);
    }
    await waitFor(`all ${EXCHANGES} chats answered`, () => new Set(tg.sent.map((m) => m.chatId)).size === EXCHANGES, 180_000);
    // Let anything still queued go out, then check nothing went twice.
    await waitFor('an empty backlog', async () => {
      const r = await runFarclaw(['channels', 'status', '--json'], home.env);
      const a = r.code === 0 ? JSON.parse(r.stdout).channelAccounts?.telegram?.[0] : undefined;
      return a && a.backlog.inbound === 0 && a.backlog.outbound === 0;
    }, 60_000);
    const perChat = new Map<string, number>();
    for (const m of tg.sent) perChat.set(m.chatId, (perChat.get(m.chatId) ?? 0) + 1);
    // The Bot API has no idempotency key: a kill after Telegram accepted a reply and before the
    // outbox recorded it sends that reply again after the restart. The outbox sends one row at a
    // time, so each kill can repeat at most one send; nothing else may be repeated, nothing lost.
    const repeated = [...perChat].filter(([, n]) => n > 1);
    const extraSends = repeated.reduce((sum, [, n]) => sum + n - 1, 0);
    const how = `answers per chat ${JSON.stringify(repeated)} (kills after ${kills.join(', ')} replies)`;
    assert.equal(perChat.size, EXCHANGES, how);
    assert.ok(extraSends <= kills.length, how);
    for (const m of tg.sent) assert.equal(m.text, 'answer for you');
  });
});
