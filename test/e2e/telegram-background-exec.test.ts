// A background command started from Telegram, with real processes: a real `farclaw gateway run`,
// the fake Bot API and the fake model. When the command ends, the gateway wakes the session with
// its completion note (a turn of its own); the chat the session last heard from gets the answer,
// once, as OpenClaw delivers such turns to the session's last route, also across a gateway
// restart between the note and its answer. An operator's turn in the same session stays off
// Telegram (the Control UI sends deliver:false, assistant.md 3.1).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeModelConfig, operator, waitTerminal } from '../helpers/chat-gateway.js';
import { useDisposers } from '../helpers/disposers.js';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.js';
import type { RunningGateway } from '../helpers/gateway-process.js';
import { ANN, startTelegramGateway, telegramStatus } from '../helpers/telegram-gateway.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const CHAT = String(ANN.id);
const STARTED = 'Started it: ';
const GROUP = -100500;
const TOPIC = 42;

/** The model part of a config (providers, default model), without the gateway section. */
function modelSections(model: FakeModel): Record<string, unknown> {
  const { gateway: _gateway, ...rest } = fakeModelConfig(model);
  return rest;
}

/** The model's replies to a request for `command` in the background: the exec call, then its quote. */
function scriptBackgroundExec(model: FakeModel, id: string, command: string): void {
  model.script(
    { kind: 'tools', calls: [{ id: `call_${id}`, name: 'exec', args: { command, background: true } }] },
    { kind: 'quote-tool', prefix: [STARTED] },
  );
}

/** Telegram messages with exactly this text. */
const sentWith = (tg: FakeTelegram, text: string) => tg.sent.filter((m) => m.text === text);

describe('Telegram hears when a background command ends (real gateway, fake Bot API, fake model)', () => {
  const d = useDisposers();
  const fakes = async (): Promise<{ tg: FakeTelegram; model: FakeModel; home: TmpHome }> => {
    const tg = await startFakeTelegram();
    const model = await startFakeModel();
    const home = tmpHome();
    d.defer(() => tg.close());
    d.defer(() => model.close());
    d.defer(() => home.dispose());
    return { tg, model, home };
  };
  const gateway = async (tg: FakeTelegram, model: FakeModel, home: TmpHome): Promise<RunningGateway> => {
    const gw = await startTelegramGateway(tg, {
      telegram: {
        dmPolicy: 'allowlist', allowFrom: ['tg:777001'],
        groupPolicy: 'allowlist', groupAllowFrom: ['777001'], groups: { [String(GROUP)]: { requireMention: false } },
      },
      extra: { ...modelSections(model), tools: { exec: { host: 'gateway', mode: 'full' } } },
      home,
    });
    d.defer(() => gw.stop());
    return gw;
  };
  /** Waits until nothing is left to send or handle, so a second copy would have gone out by now. */
  const settled = (gw: RunningGateway, tg: FakeTelegram) => waitFor('an empty backlog', async () => {
    const s = await telegramStatus(gw);
    return s && tg.pendingUpdates() === 0 && s.backlog.inbound === 0 && s.backlog.outbound === 0;
  }, 60_000);

  it('the DM that started the command gets the answer to its completion note once; an operator turn in that session does not', async () => {
    const { tg, model, home } = await fakes();
    const gw = await gateway(tg, model, home);
    const relay = 'Your command finished and printed bg-done.';
    scriptBackgroundExec(model, 'dm', "sh -c 'sleep 1; echo bg-done'");
    model.script({ kind: 'text', chunks: [relay] });
    tg.sendText(ANN, 'run the build in the background');

    const started = await waitFor('the answer to the request', () => tg.sent.find((m) => m.text.startsWith(STARTED)), 60_000);
    assert.equal(started.chatId, CHAT);
    assert.match(started.text, /^Started it: Command still running \(session [a-z0-9-]+, pid \d+\)\./);
    const answer = await waitFor('the answer to the completion note', () => sentWith(tg, relay)[0], 60_000);
    assert.equal(answer.chatId, CHAT);
    assert.equal(answer.parseMode, 'HTML');
    assert.equal(answer.threadId, undefined);
    const noteRequest = JSON.stringify(model.requests.at(-1)?.body.messages ?? []);
    assert.match(noteRequest, /Exec completed \([0-9a-z-]{8}, code 0\) :: bg-done/);

    // The default dmScope puts the DM in the main session, which an operator may use too.
    const c = await operator(gw.url);
    d.defer(() => c.terminate());
    model.script({ kind: 'text', chunks: ['An operator answer.'] });
    await c.call('chat.send', { sessionKey: 'agent:main:main', message: 'from the Control UI', idempotencyKey: 'op-1', deliver: false });
    assert.equal((await waitTerminal(c, 'op-1', 60_000)).payload.state, 'final');
    await settled(gw, tg);
    assert.equal(sentWith(tg, relay).length, 1, 'the answer went out once');
    assert.equal(sentWith(tg, 'An operator answer.').length, 0, 'an operator turn stays off Telegram');
  });

  it('a forum topic that started the command gets the answer in that topic', async () => {
    const { tg, model, home } = await fakes();
    const gw = await gateway(tg, model, home);
    const relay = 'Topic command done.';
    scriptBackgroundExec(model, 'topic', "sh -c 'sleep 1; echo topic-done'");
    model.script({ kind: 'text', chunks: [relay] });
    tg.sendGroupText(ANN, GROUP, 'run it here', { is_topic_message: true, message_thread_id: TOPIC });
    const answer = await waitFor('the answer in the topic', () => sentWith(tg, relay)[0], 60_000);
    assert.equal(answer.chatId, String(GROUP));
    assert.equal(answer.threadId, TOPIC);
    await settled(gw, tg);
    assert.equal(sentWith(tg, relay).length, 1);
  });

  it('a note the model cannot answer reaches the chat as one apology that says why, not as silence', async () => {
    const { tg, model, home } = await fakes();
    const gw = await gateway(tg, model, home);
    scriptBackgroundExec(model, 'fail', "sh -c 'sleep 1; echo fail-done'");
    model.script({ kind: 'error', status: 400, message: 'the model refused the note' });
    tg.sendText(ANN, 'run something that ends soon');
    await waitFor('the answer to the request', () => tg.sent.find((m) => m.text.startsWith(STARTED)), 60_000);
    const sorry = await waitFor('the apology', () => tg.sent.find((m) => m.text.startsWith('Sorry, I could not answer about a finished background command')), 60_000);
    assert.equal(sorry.chatId, CHAT);
    assert.match(sorry.text, /\(LLM request failed: provider rejected the request/);
    await settled(gw, tg);
    assert.equal(tg.sent.filter((m) => m.text.startsWith('Sorry')).length, 1);
  });

  it('a gateway restart between the note and its answer still delivers the answer, once', async () => {
    const { tg, model, home } = await fakes();
    let gw = await gateway(tg, model, home);
    scriptBackgroundExec(model, 'restart', 'sleep 60');
    tg.sendText(ANN, 'start a long job');
    await waitFor('the answer to the request', () => tg.sent.find((m) => m.text.startsWith(STARTED)), 60_000);
    await settled(gw, tg);
    // The stop kills the command; its note is queued with the stop and answered after the start.
    assert.equal(await gw.stop(), 0);
    const relay = 'The long job was stopped by the gateway restart.';
    model.script({ kind: 'text', chunks: [relay] });
    gw = await gateway(tg, model, home);
    const answer = await waitFor('the answer after the restart', () => sentWith(tg, relay)[0], 60_000);
    assert.equal(answer.chatId, CHAT);
    const noteRequest = JSON.stringify(model.requests.at(-1)?.body.messages ?? []);
    assert.match(noteRequest, /The gateway stopped, which killed the command\./);
    await settled(gw, tg);
    assert.equal(sentWith(tg, relay).length, 1);
  });

  it('a gateway killed while the note is being answered answers it again after the start, in the chat, once', async () => {
    const { tg, model, home } = await fakes();
    let gw = await gateway(tg, model, home);
    scriptBackgroundExec(model, 'kill', "sh -c 'sleep 1; echo kill-done'");
    model.script({ kind: 'hang' });
    tg.sendText(ANN, 'start a short job');
    await waitFor('the answer to the request', () => tg.sent.find((m) => m.text.startsWith(STARTED)), 60_000);
    const isNoteRequest = (r: FakeModel['requests'][number] | undefined) => JSON.stringify(r?.body.messages ?? []).includes(':: kill-done');
    await waitFor('the note before the model', () => isNoteRequest(model.requests.at(-1)), 60_000);
    await gw.stop('SIGKILL');
    const relay = 'The short job printed kill-done.';
    model.script({ kind: 'text', chunks: [relay] });
    gw = await gateway(tg, model, home);
    const answer = await waitFor('the answer after the start', () => sentWith(tg, relay)[0], 60_000);
    assert.equal(answer.chatId, CHAT);
    await settled(gw, tg);
    assert.equal(sentWith(tg, relay).length, 1);
    assert.ok(isNoteRequest(model.requests.at(-1)), 'the rerun answers the same note');
  });
});
