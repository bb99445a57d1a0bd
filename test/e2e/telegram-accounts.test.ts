// Two Telegram bots on one gateway (channels.telegram.accounts.<id>), each on its own fake Bot
// API: each account polls with its own token, answers from its own queue and outbox, keys its DM
// sessions by account (session.dmScope per-account-channel-peer), and shows in channels.status;
// stopping one leaves the other running. Expectations: shared/spec/assistant.md 1.1 and 10.1.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeModelConfig, operator } from '../helpers/chat-gateway.js';
import { useDisposers } from '../helpers/disposers.js';
import { startFakeModel } from '../helpers/fake-model.js';
import { startFakeTelegram } from '../helpers/fake-telegram.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw, startGateway } from '../helpers/gateway-process.js';
import { ANN } from '../helpers/telegram-gateway.js';
import { waitFor } from '../helpers/wait-for.js';

describe('Telegram with two accounts (real gateway, two fake Bot APIs)', () => {
  const d = useDisposers();

  it('answers each bot from its own account and session, lists both in status, and stops one alone', async () => {
    const home = await startFakeTelegram({ token: '8000000001:AAHomeBotTokenForTests_abcdefghijk' });
    const work = await startFakeTelegram({ token: '8000000002:AAWorkBotTokenForTests_abcdefghijk' });
    const model = await startFakeModel();
    d.defer(() => home.close());
    d.defer(() => work.close());
    d.defer(() => model.close());
    model.setFallback({ kind: 'text', chunks: ['answered'] });
    const port = await freePort();
    const gw = await startGateway({
      port,
      config: {
        ...fakeModelConfig(model),
        session: { dmScope: 'per-account-channel-peer' },
        channels: {
          telegram: {
            enabled: true, dmPolicy: 'open', allowFrom: ['*'], retry: { minDelayMs: 200, maxDelayMs: 2_000 },
            accounts: {
              default: { botToken: home.token, apiRoot: home.apiRoot },
              work: { botToken: work.token, apiRoot: work.apiRoot, streaming: 'off' },
            },
          },
        },
      },
    });
    d.defer(() => gw.stop());

    home.sendText(ANN, 'hello home bot');
    work.sendText(ANN, 'hello work bot');
    await waitFor('both bots answered', () => home.sent.length === 1 && work.sent.length === 1, 60_000);
    assert.equal(home.sent[0]?.text, 'answered');
    assert.equal(work.sent[0]?.text, 'answered');

    const c = await operator(gw.url);
    d.defer(() => c.terminate());
    const sessions = await c.call('sessions.list', {});
    const keys = (sessions.payload.sessions as { key: string }[]).map((s) => s.key).sort();
    assert.deepEqual(keys, ['agent:main:telegram:default:direct:777001', 'agent:main:telegram:work:direct:777001']);

    const status = await runFarclaw(['channels', 'status', '--json'], gw.home.env);
    assert.equal(status.code, 0, status.stderr);
    const accounts = JSON.parse(status.stdout).channelAccounts.telegram as { accountId: string; state: string; botUsername: string }[];
    assert.deepEqual(accounts.map((a) => [a.accountId, a.state]), [['default', 'polling'], ['work', 'polling']]);
    assert.equal(JSON.parse(status.stdout).channelDefaultAccountId.telegram, 'default');

    const stopped = await c.call('channels.stop', { channel: 'telegram', accountId: 'work' });
    assert.deepEqual(stopped.payload, { channel: 'telegram', accountId: 'work', stopped: true });
    home.sendText(ANN, 'still there?');
    await waitFor('the home bot answers while work is stopped', () => home.sent.length === 2, 60_000);
    const after = JSON.parse((await runFarclaw(['channels', 'status', '--json'], gw.home.env)).stdout).channelAccounts.telegram as { accountId: string; state: string }[];
    assert.deepEqual(after.map((a) => [a.accountId, a.state]), [['default', 'polling'], ['work', 'stopped']]);
    assert.equal(work.sent.length, 1);
  });
});
