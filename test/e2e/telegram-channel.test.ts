// The Telegram channel of a real `farclaw gateway run` process against the fake Bot API:
// start-up calls, pairing of an unknown sender through the CLI, one poller per bot token, and
// recovery from Bot API faults (outage, 429 storm, 409 from another poller) without a restart.
// Expectations: shared/spec/assistant.md 10, vector telegram-bot-api, issue 16.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertExit, show } from '../helpers/cli-output.js';
import { useDisposers } from '../helpers/disposers.js';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.js';
import { runFarclaw, type RunningGateway } from '../helpers/gateway-process.js';
import { ANN, pairingCodeIn, startTelegramGateway, telegramStatus } from '../helpers/telegram-gateway.js';
import { waitFor } from '../helpers/wait-for.js';

const BOB = { id: 777002, first_name: 'Bob' };
const CAROL = { id: 777003, first_name: 'Carol' };

describe('Telegram channel (real gateway process, fake Bot API)', () => {
  const d = useDisposers();
  const fake = async (opts: Parameters<typeof startFakeTelegram>[0] = {}): Promise<FakeTelegram> => {
    const f = await startFakeTelegram(opts);
    d.defer(() => f.close());
    return f;
  };
  const gateway = async (f: FakeTelegram, opts: Parameters<typeof startTelegramGateway>[1] = {}): Promise<RunningGateway> => {
    const gw = await startTelegramGateway(f, opts);
    d.defer(() => gw.stop());
    return gw;
  };
  const repliesTo = (f: FakeTelegram, user: { id: number }) => f.sent.filter((m) => m.chatId === String(user.id));

  it('starts like the real gateway and pairs an unknown sender through farclaw pairing list/approve', async () => {
    const f = await fake();
    const gw = await gateway(f);
    await waitFor('a long poll', () => f.calls('getUpdates').some((c) => c.body.timeout === 30), 30_000);
    const methods = f.requests.map((r) => r.method);
    assert.deepEqual(methods.slice(0, 5), ['getMe', 'deleteWebhook', 'deleteMyCommands', 'deleteMyCommands', 'getUpdates']);
    assert.deepEqual(f.calls('deleteWebhook')[0]?.body, { drop_pending_updates: false });
    // farclaw has no slash commands: the menu is cleared (as the real gateway does first) and nothing is registered.
    assert.deepEqual(f.calls('deleteMyCommands').map((c) => c.body), [{}, { scope: { type: 'all_group_chats' } }]);
    assert.equal(f.calls('setMyCommands').length, 0);
    assert.equal(f.calls('getUpdates')[0]?.body.timeout, 0);
    assert.equal((f.calls('getUpdates')[0]?.body.allowed_updates as string[]).length, 24);

    const first = f.sendText(ANN, 'Hello bot');
    const reply = await waitFor('the pairing reply', () => repliesTo(f, ANN)[0], 30_000);
    assert.equal(reply.parseMode, 'HTML');
    assert.match(reply.text, /^farclaw: access not configured\.\n\nYour Telegram user id: 777001\nPairing code:/);
    const code = pairingCodeIn(reply.text);
    assert.ok(code, reply.text);
    assert.ok(reply.text.includes(`farclaw pairing approve telegram ${code}`));
    // The next poll confirmed the update (offset = update_id + 1).
    await waitFor('the offset to move on', () => f.calls('getUpdates').some((c) => c.body.offset === first + 1), 30_000);

    // A second message from a sender who already has a live request gets no second reply.
    f.sendText(ANN, 'Hello again');
    await waitFor('the second message to be confirmed', () => f.calls('getUpdates').some((c) => c.body.offset === first + 2), 30_000);
    const list = await runFarclaw(['pairing', 'list', 'telegram', '--json'], gw.home.env);
    assertExit(list, 0);
    const listed = JSON.parse(list.stdout) as { channel: string; requests: { id: string; code: string; meta: Record<string, string> }[] };
    assert.equal(listed.channel, 'telegram');
    assert.deepEqual(listed.requests.map((r) => [r.id, r.code]), [['777001', code]]);
    assert.equal(listed.requests[0]?.meta.username, 'ann_lab');
    assert.equal(repliesTo(f, ANN).length, 1, 'one reply per new request');

    const table = await runFarclaw(['pairing', 'list', 'telegram'], gw.home.env);
    assert.match(table.stdout, new RegExp(`│ ${code} +│ 777001 `), show(table));

    const wrong = await runFarclaw(['pairing', 'approve', 'telegram', 'ZZZZZZZZ'], gw.home.env);
    assert.equal(wrong.code, 1, show(wrong));
    assert.match(wrong.stderr, /No pending pairing request found for code: ZZZZZZZZ/);
    const approve = await runFarclaw(['pairing', 'approve', 'telegram', code.toLowerCase()], gw.home.env);
    assertExit(approve, 0);
    assert.equal(approve.stdout.trim(), 'Approved telegram sender 777001.');
    const after = await runFarclaw(['pairing', 'list', 'telegram', '--json'], gw.home.env);
    assert.deepEqual(JSON.parse(after.stdout).requests, []);
    assert.equal(repliesTo(f, ANN).length, 1, 'the sender is not notified on approval');
  });

  it('creates at most three pending requests per account and says nothing to a fourth stranger', async () => {
    const f = await fake();
    await gateway(f);
    const strangers = [ANN, BOB, CAROL, { id: 777004, first_name: 'Dan' }];
    let last = 0;
    for (const s of strangers) last = f.sendText(s, 'hi');
    await waitFor('all four confirmed', () => f.calls('getUpdates').some((c) => c.body.offset === last + 1), 30_000);
    await waitFor('three pairing replies', () => f.sent.length === 3, 30_000);
    const gw2Status = new Set(f.sent.map((m) => m.chatId));
    assert.deepEqual([...gw2Status].sort(), ['777001', '777002', '777003']);
  });

  it('lets only one gateway poll a bot token: a second one under another HOME refuses and says why', async () => {
    const f = await fake();
    const first = await gateway(f);
    await waitFor('the first long poll', () => f.calls('getUpdates').length >= 2, 30_000);
    const second = await gateway(f);
    await waitFor('the refusal in the second log', () => /another poller already uses this Telegram bot token/.test(second.stderr()), 30_000);
    const status = await waitFor('the second status', async () => {
      const s = await telegramStatus(second);
      return s?.state === 'locked' ? s : undefined;
    }, 30_000);
    assert.match(String(status.problem), /another poller already uses this Telegram bot token: farclaw gateway pid \d+/);
    assert.ok(!String(status.problem).includes(f.token), 'the token is never shown');
    assert.equal((await telegramStatus(first))?.state, 'polling');
    // Nobody fought: Telegram never had to end a poll with 409.
    assert.equal(f.requests.filter((r) => r.status === 409).length, 0);
    f.sendText(BOB, 'hello');
    await waitFor('one pairing reply, from the first gateway', () => f.sent.length === 1, 30_000);
    assert.equal(f.calls('getMe').length, 1, 'the second gateway never started the bot');

    // When the first stops, the second takes over (its lock retry is the backoff cap, 2 s here).
    await first.stop();
    await waitFor('the second to poll', async () => (await telegramStatus(second))?.state === 'polling', 60_000);
  });

  it('backs off on 409 Conflict from another poller, reports it, and resumes when it ends', async () => {
    const f = await fake();
    const gw = await gateway(f);
    await waitFor('polling', async () => (await telegramStatus(gw))?.state === 'polling', 30_000);
    f.inject('getUpdates', { kind: 'status', status: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' }, 12);
    f.sendText(BOB, 'wake the poll');
    const conflicted = await waitFor('the conflict in status', async () => {
      const s = await telegramStatus(gw);
      return s?.state === 'conflict' ? s : undefined;
    }, 30_000);
    assert.match(String(conflicted.problem), /409 Conflict: another poller/);
    await waitFor('polling again', async () => (await telegramStatus(gw))?.state === 'polling', 120_000);
    await waitFor('the message answered', () => repliesTo(f, BOB).length === 1, 30_000);
    // Backing off: the 409s were not retried back to back (at least the 5 s floor between them).
    const conflicts = f.requests.filter((r) => r.status === 409);
    for (let i = 1; i < conflicts.length; i++) assert.ok(conflicts[i]!.atMs - conflicts[i - 1]!.atMs >= 1_500, JSON.stringify(conflicts.map((c) => c.atMs)));
  });

  it('recovers by itself after the Bot API is down for longer than the backoff cap', async () => {
    const f = await fake();
    const gw = await gateway(f);
    await waitFor('polling', async () => (await telegramStatus(gw))?.state === 'polling', 30_000);
    f.outage({ kind: 'reset' });
    const down = await waitFor('the outage in status', async () => {
      const s = await telegramStatus(gw);
      return s?.state === 'backoff' ? s : undefined;
    }, 30_000);
    assert.ok(down.lastError, JSON.stringify(down));
    // Seven failed polls (200, 400, 800, 1600 ms, then the 2 s cap configured here): the retry
    // delay has converged to the cap, so a longer outage (60 s) changes only the attempt count.
    const from = f.requests.length;
    await waitFor('seven failed polls during the outage', () => f.requests.slice(from).filter((r) => r.method === 'getUpdates').length >= 7, 60_000);
    f.restore();
    f.sendText(CAROL, 'are you back?');
    await waitFor('the message answered after the outage', () => repliesTo(f, CAROL).length === 1, 60_000);
    assert.equal((await telegramStatus(gw))?.state, 'polling');
  });

  it('delivers through a 429 storm exactly once, waiting retry_after between attempts', async () => {
    const f = await fake();
    await gateway(f);
    await waitFor('a long poll', () => f.calls('getUpdates').some((c) => c.body.timeout === 30), 30_000);
    f.inject('sendMessage', { kind: 'status', status: 429, description: 'Too Many Requests: retry after 1', retryAfterS: 1 }, 4);
    f.sendText(ANN, 'hi');
    f.sendText(BOB, 'hi');
    await waitFor('both replies', () => f.sent.length === 2, 60_000);
    const attempts = f.calls('sendMessage');
    assert.equal(attempts.filter((a) => a.status === 429).length, 4);
    for (let i = 1; i < attempts.length; i++) {
      if (attempts[i - 1]!.status === 429) assert.ok(attempts[i]!.atMs - attempts[i - 1]!.atMs >= 950, JSON.stringify(attempts.map((a) => [a.atMs, a.status])));
    }
    assert.deepEqual(f.sent.map((m) => m.chatId).sort(), ['777001', '777002']);
  });

  it('refuses an apiRoot that ends in /bot<token> at start with a clear config error', async () => {
    const f = await fake();
    const gw = await startTelegramGateway(f, { telegram: { apiRoot: `${f.apiRoot}/bot${f.token}` } }).catch((e: Error) => e);
    assert.ok(gw instanceof Error);
    assert.match(gw.message, /apiRoot must be the Bot API root without \/bot<token>/);
    assert.ok(!gw.message.includes(f.token));
  });
});
