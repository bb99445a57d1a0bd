// The Control UI's Channels page (issue 17), real headless Chromium against our real gateway
// with a Telegram channel on the fake Bot API and the fake model: the account's live state, and
// Telegram pairing requests approved (the sender is answered from then on) or dismissed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { fakeModelConfig, operator } from '../helpers/chat-gateway.js';
import { openControlUi } from '../helpers/control-ui-page.js';
import { useDisposers } from '../helpers/disposers.js';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.js';
import type { RunningGateway } from '../helpers/gateway-process.js';
import { ANN, pairingCodeIn, startTelegramGateway } from '../helpers/telegram-gateway.js';
import { waitFor } from '../helpers/wait-for.js';

const BOB = { id: 777002, first_name: 'Bob', username: 'bob_lab' };
const TEST_TIMEOUT_MS = 120_000;

describe('Control UI channels page (Chromium, real gateway, fake Bot API)', () => {
  let tg: FakeTelegram;
  let model: FakeModel;
  let gw: RunningGateway;
  let browser: Browser;
  const { defer } = useDisposers();

  before(async () => {
    tg = await startFakeTelegram();
    model = await startFakeModel();
    const { gateway: _gateway, ...modelSections } = fakeModelConfig(model);
    gw = await startTelegramGateway(tg, { extra: modelSections });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await gw?.stop();
    await tg?.close();
    await model?.close();
  });

  const channelsPage = (): Promise<Page> => openControlUi(browser, gw.port, 'channels', defer);

  /** An unknown sender writes; resolves with the pairing code the bot sent back. */
  async function pairingCodeFor(user: typeof ANN | typeof BOB): Promise<string> {
    const before = tg.sent.length;
    tg.sendText(user, 'Hello bot');
    const reply = await waitFor(`the pairing reply to ${user.first_name}`, () => tg.sent.slice(before).find((m) => m.chatId === String(user.id)), 60_000);
    const code = pairingCodeIn(reply.text);
    assert.ok(code, reply.text);
    return code;
  }

  it('shows the Telegram account polling with its bot and backlog', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await channelsPage();
    const account = page.locator('[data-testid=channel-account][data-channel=telegram]');
    await waitFor('the account polling', async () => (await account.locator('[data-testid=channel-state]').innerText()).startsWith('polling'), 60_000);
    assert.match(await account.innerText(), new RegExp(`@${tg.bot.username}`));
    assert.equal(await account.locator('[data-testid=channel-backlog]').innerText(), '0 / 0');
  });

  it('approves a sender’s pairing request, after which the sender is answered', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await channelsPage();
    const code = await pairingCodeFor(ANN);
    const row = page.locator(`[data-testid=pairing-request][data-code="${code}"]`);
    await row.waitFor({ timeout: 30_000 });
    assert.match(await row.innerText(), /Ann Lab @ann_lab\s+777001/);
    await row.locator('[data-testid=pairing-approve]').click();
    await row.waitFor({ state: 'detached', timeout: 30_000 });

    model.script({ kind: 'text', chunks: ['Welcome, Ann.'] });
    const before = tg.sent.length;
    tg.sendText(ANN, 'am I in now?');
    const answer = await waitFor('the answer after approval', () => tg.sent[before], 60_000);
    assert.equal(answer.text, 'Welcome, Ann.');
  });

  it('dismisses a request: it leaves the list and its sender is not let in', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await channelsPage();
    const code = await pairingCodeFor(BOB);
    const row = page.locator(`[data-testid=pairing-request][data-code="${code}"]`);
    await row.waitFor({ timeout: 30_000 });
    await row.locator('[data-testid=pairing-dismiss]').click();
    await row.waitFor({ state: 'detached', timeout: 30_000 });
    const c = await operator(gw.url);
    try {
      const list = await c.call('channels.pairing.list', { channel: 'telegram' });
      assert.deepEqual(list.payload.requests.map((r: { code: string }) => r.code), []);
    } finally {
      c.terminate();
    }
    const requestsBefore = model.requests.length;
    const sentBefore = tg.sent.length;
    tg.sendText(BOB, 'let me in');
    // A dismissed sender is still unknown: the bot answers with a fresh pairing code, never the model.
    const reply = await waitFor('the new pairing reply', () => tg.sent.slice(sentBefore).find((m) => m.chatId === String(BOB.id)), 60_000);
    assert.ok(pairingCodeIn(reply.text));
    assert.notEqual(pairingCodeIn(reply.text), code);
    assert.equal(model.requests.length, requestsBefore);
  });
});
