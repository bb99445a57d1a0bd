import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Api, GrammyError, HttpError } from 'grammy';
import { useDisposers } from './disposers.js';
import { startFakeTelegram, type FakeTelegram } from './fake-telegram.js';
import { waitFor } from './wait-for.js';

type GrammySignal = Parameters<Api['getMe']>[0];

const ANN = { id: 777001, first_name: 'Ann', username: 'ann_lab' };

describe('fake Telegram Bot API', () => {
  const d = useDisposers();
  const start = async (opts: Parameters<typeof startFakeTelegram>[0] = {}): Promise<{ fake: FakeTelegram; api: Api }> => {
    const fake = await startFakeTelegram(opts);
    d.defer(() => fake.close());
    return { fake, api: new Api(fake.token, { apiRoot: fake.apiRoot }) };
  };

  test('edits and deletes what the chat shows, answering a same-text edit and a gone message as Telegram does', async () => {
    const { fake, api } = await start();
    const m = await api.sendMessage(ANN.id, 'draft');
    await api.editMessageText(ANN.id, m.message_id, '<b>final</b>', { parse_mode: 'HTML' });
    assert.deepEqual(fake.chatView(String(ANN.id)).map((x) => [x.text, x.parseMode]), [['<b>final</b>', 'HTML']]);
    await assert.rejects(api.editMessageText(ANN.id, m.message_id, '<b>final</b>', { parse_mode: 'HTML' }),
      (e: unknown) => e instanceof GrammyError && /message is not modified/.test(e.description));
    await api.deleteMessage(ANN.id, m.message_id);
    assert.deepEqual(fake.chatView(String(ANN.id)), []);
    await assert.rejects(api.editMessageText(ANN.id, m.message_id, 'again'), (e: unknown) => e instanceof GrammyError && /message to edit not found/.test(e.description));
    await assert.rejects(api.deleteMessage(ANN.id, m.message_id), (e: unknown) => e instanceof GrammyError && /message to delete not found/.test(e.description));
  });

  test('answers getMe with the bot and refuses a wrong token with 401', async () => {
    const { fake, api } = await start();
    const me = await api.getMe();
    assert.equal(me.username, fake.bot.username);
    const wrong = new Api('1:wrong', { apiRoot: fake.apiRoot });
    await assert.rejects(wrong.getMe(), (e: unknown) => e instanceof GrammyError && e.error_code === 401);
  });

  test('holds a long poll until an update arrives, and an offset confirms what came before it', async () => {
    const { fake, api } = await start();
    const poll = api.getUpdates({ timeout: 30 });
    await waitFor('the poll to be open', () => fake.calls('getUpdates').length === 1);
    const id = fake.sendText(ANN, 'hello');
    const got = await poll;
    assert.deepEqual(got.map((u) => u.update_id), [id]);
    assert.equal(got[0]?.message?.text, 'hello');
    assert.equal((await api.getUpdates({ timeout: 0 })).length, 1, 'unconfirmed updates are delivered again');
    assert.equal((await api.getUpdates({ timeout: 0, offset: id + 1 })).length, 0);
    assert.equal(fake.pendingUpdates(), 0);
  });

  test('answers an empty list when the long poll times out', async () => {
    const { api } = await start({ maxLongPollMs: 100 });
    assert.deepEqual(await api.getUpdates({ timeout: 30 }), []);
  });

  test('ends the older of two concurrent long polls with 409 Conflict', async () => {
    const { fake, api } = await start();
    const first = api.getUpdates({ timeout: 30 });
    await waitFor('the first poll', () => fake.calls('getUpdates').length === 1);
    const second = api.getUpdates({ timeout: 30 });
    await assert.rejects(first, (e: unknown) => e instanceof GrammyError && e.error_code === 409 && /Conflict/.test(e.description));
    fake.sendText(ANN, 'x');
    assert.equal((await second).length, 1);
  });

  test('injects 429 with retry_after, 5xx, connection resets and hangs, then answers normally', async () => {
    const { fake, api } = await start();
    fake.inject('sendMessage', { kind: 'status', status: 429, description: 'Too Many Requests: retry after 3', retryAfterS: 3 });
    await assert.rejects(api.sendMessage(1, 'a'), (e: unknown) => e instanceof GrammyError && e.error_code === 429 && e.parameters.retry_after === 3);
    fake.inject('*', { kind: 'status', status: 502, description: 'Bad Gateway' });
    await assert.rejects(api.sendMessage(1, 'a'), (e: unknown) => e instanceof GrammyError && e.error_code === 502);
    fake.inject('sendMessage', { kind: 'reset' });
    await assert.rejects(api.sendMessage(1, 'a'), (e: unknown) => e instanceof HttpError);
    fake.inject('sendMessage', { kind: 'hang' });
    const ac = new AbortController();
    const hung = api.sendMessage(1, 'a', undefined, ac.signal as GrammySignal);
    await waitFor('the hung request to arrive', () => fake.calls('sendMessage').length === 4);
    ac.abort();
    await assert.rejects(hung);
    const sent = await api.sendMessage(1, 'fine');
    assert.equal(sent.text, 'fine');
    assert.deepEqual(fake.sent.map((m) => m.text), ['fine']);
  });

  test('an outage fails every call until restored', async () => {
    const { fake, api } = await start();
    fake.outage({ kind: 'reset' });
    await assert.rejects(api.getMe(), (e: unknown) => e instanceof HttpError);
    await assert.rejects(api.sendMessage(1, 'a'), (e: unknown) => e instanceof HttpError);
    fake.restore();
    assert.equal((await api.getMe()).id, fake.bot.id);
  });

  test('refuses HTML Telegram cannot parse and accepts escaped text and supported tags', async () => {
    const { fake, api } = await start();
    await assert.rejects(
      api.sendMessage(1, 'a <tag>b</tag>', { parse_mode: 'HTML' }),
      (e: unknown) => e instanceof GrammyError && e.error_code === 400 && /can't parse entities: Unsupported start tag "tag"/.test(e.description),
    );
    await assert.rejects(api.sendMessage(1, '1 < 2', { parse_mode: 'HTML' }), (e: unknown) => e instanceof GrammyError && e.error_code === 400);
    await assert.rejects(api.sendMessage(1, '<b>open', { parse_mode: 'HTML' }), (e: unknown) => e instanceof GrammyError && e.error_code === 400);
    await api.sendMessage(1, '<b>x</b> 1 &lt; 2 &amp; <a href="https://e.x/?a=1&amp;b=2">l</a>', { parse_mode: 'HTML' });
    await api.sendMessage(1, '<tag> is fine without parse_mode');
    assert.equal(fake.sent.length, 2);
    await assert.rejects(api.sendMessage(1, 'x'.repeat(4097)), (e: unknown) => e instanceof GrammyError && /too long/.test(e.description));
  });
});
