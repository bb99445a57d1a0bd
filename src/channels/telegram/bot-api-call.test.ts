import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { GrammyError, HttpError } from 'grammy';
import { startFakeTelegram, type FakeTelegram } from '../../../test/helpers/fake-telegram.js';
import { callBotApi } from './bot-api-call.js';
import { classifyApiError } from './telegram-errors.js';

describe('callBotApi (the outbox send path)', () => {
  const fakes: FakeTelegram[] = [];
  afterEach(async () => {
    for (const f of fakes.splice(0)) await f.close();
  });
  const fake = async () => {
    const f = await startFakeTelegram();
    fakes.push(f);
    return f;
  };
  const signal = () => AbortSignal.timeout(10_000);

  it('runs onAccepted with the result before the promise settles', async () => {
    const tg = await fake();
    const order: string[] = [];
    const call = callBotApi(tg, 'sendMessage', { chat_id: 5, text: 'hi' }, {
      signal: signal(), onAccepted: (r) => order.push(`accepted ${(r as { message_id: number }).message_id}`),
    }).then(() => order.push('resolved'));
    await call;
    assert.deepEqual(order, [`accepted ${tg.sent[0]?.messageId}`, 'resolved']);
    assert.equal(tg.sent[0]?.text, 'hi');
  });

  it('rejects a Bot API refusal as GrammyError (429 keeps retry_after) and never calls onAccepted', async () => {
    const tg = await fake();
    tg.inject('sendMessage', { kind: 'status', status: 429, description: 'Too Many Requests: retry after 7', retryAfterS: 7 });
    let accepted = false;
    const err = await callBotApi(tg, 'sendMessage', { chat_id: 5, text: 'hi' }, { signal: signal(), onAccepted: () => (accepted = true) })
      .then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof GrammyError);
    assert.deepEqual(classifyApiError(err), { kind: 'rate-limited', retryAfterMs: 7_000, message: 'sendMessage: 429 Too Many Requests: retry after 7' });
    assert.equal(accepted, false);
  });

  it('rejects a reset connection and an abort as HttpError, without the token in the message', async () => {
    const tg = await fake();
    tg.inject('sendMessage', { kind: 'reset' });
    const reset = await callBotApi(tg, 'sendMessage', { chat_id: 5, text: 'a' }, { signal: signal(), onAccepted: () => undefined }).catch((e: unknown) => e);
    assert.ok(reset instanceof HttpError);
    assert.equal(classifyApiError(reset).kind, 'transient');
    tg.inject('sendMessage', { kind: 'hang' });
    const ac = new AbortController();
    const hung = callBotApi(tg, 'sendMessage', { chat_id: 5, text: 'b' }, { signal: ac.signal, onAccepted: () => undefined }).catch((e: unknown) => e);
    setTimeout(() => ac.abort(), 50);
    const aborted = await hung;
    assert.ok(aborted instanceof HttpError);
    for (const e of [reset, aborted]) assert.ok(!String((e as Error).message).includes(tg.token));
  });
});
