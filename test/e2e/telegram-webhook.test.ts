// Telegram webhook mode on the gateway's HTTP port: setWebhook with the secret at start, no
// polling, deliveries checked against the secret header, stored (deduped by update_id) before
// the 200, and answered through the outbox. Expectations: assistant.md 10.1, issue 16.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useDisposers } from '../helpers/disposers.js';
import { startFakeTelegram } from '../helpers/fake-telegram.js';
import { ANN, startTelegramGateway, telegramStatus } from '../helpers/telegram-gateway.js';
import { waitFor } from '../helpers/wait-for.js';

const SECRET = 'webhook-secret-0123456789';

describe('Telegram webhook mode (real gateway process, fake Bot API)', () => {
  const d = useDisposers();

  it('registers the webhook, accepts only deliveries with the secret, and handles a redelivered update once', async () => {
    const f = await startFakeTelegram();
    d.defer(() => f.close());
    const gw = await startTelegramGateway(f, {
      telegram: { webhookUrl: 'https://bot.example.com/telegram-webhook', webhookSecret: SECRET },
    });
    d.defer(() => gw.stop());
    await waitFor('setWebhook', () => f.calls('setWebhook').length === 1, 30_000);
    assert.deepEqual(
      { url: f.calls('setWebhook')[0]?.body.url, secret: f.calls('setWebhook')[0]?.body.secret_token },
      { url: 'https://bot.example.com/telegram-webhook', secret: SECRET },
    );
    const url = `http://127.0.0.1:${gw.port}/telegram-webhook`;
    const update = {
      update_id: 424242,
      message: { message_id: 9, from: { id: ANN.id, is_bot: false, first_name: 'Ann' }, chat: { id: ANN.id, type: 'private' }, date: 1, text: 'hi' },
    };
    const post = (headers: Record<string, string>, body: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    await waitFor('the webhook to receive', async () => (await telegramStatus(gw))?.state === 'webhook', 30_000);

    assert.equal((await post({}, JSON.stringify(update))).status, 401);
    assert.equal((await post({ 'x-telegram-bot-api-secret-token': 'wrong' }, JSON.stringify(update))).status, 401);
    assert.equal((await post({ 'x-telegram-bot-api-secret-token': SECRET }, '{not json')).status, 400);
    assert.equal((await post({ 'x-telegram-bot-api-secret-token': SECRET }, '{"no":"update_id"}')).status, 400);
    assert.equal((await post({ 'x-telegram-bot-api-secret-token': SECRET }, 'x'.repeat(1024 * 1024 + 1))).status, 413);
    assert.equal(f.sent.length, 0);

    assert.equal((await post({ 'x-telegram-bot-api-secret-token': SECRET }, JSON.stringify(update))).status, 200);
    assert.equal((await post({ 'x-telegram-bot-api-secret-token': SECRET }, JSON.stringify(update))).status, 200);
    await waitFor('the pairing reply', () => f.sent.length === 1, 30_000);
    assert.match(f.sent[0]?.text ?? '', /Your Telegram user id: 777001/);
    const status = await telegramStatus(gw);
    assert.equal(status?.mode, 'webhook');
    assert.equal(f.calls('getUpdates').length, 0, 'no polling in webhook mode');
    assert.equal(f.sent.length, 1, 'the redelivered update was handled once');
  });
});
