// Chat in the Control UI, real headless Chromium against our real gateway and the fake model
// provider: a streamed answer, abort, model output that tries to be HTML or a javascript: link
// (inert), history paging, a new session, and a message typed while the gateway restarts that
// is sent exactly once when it is back (assistant.md 3, 6, 7, 11).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { fakeModelConfig, operator } from '../helpers/chat-gateway.js';
import { openControlUi } from '../helpers/control-ui-page.js';
import { useDisposers } from '../helpers/disposers.js';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-process.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const HOSTILE = 'Look: <img src=x onerror="window.__pwned=1"> and <script>window.__pwned=2</script>\n\n' +
  '[click me](javascript:window.__pwned=3) or [safe](https://example.com/ok)';

describe('Control UI chat (Chromium, real gateway, fake model)', () => {
  let fake: FakeModel;
  let h: TmpHome;
  let gw: RunningGateway;
  let browser: Browser;
  const { defer } = useDisposers();

  before(async () => {
    fake = await startFakeModel();
    h = tmpHome();
    h.writeConfig(fakeModelConfig(fake));
    gw = await startGateway({ home: h });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await gw?.stop();
    await fake?.close();
    h?.dispose();
  });

  const chatPage = (): Promise<Page> => openControlUi(browser, gw.port, 'chat', defer);

  async function send(page: Page, text: string): Promise<void> {
    await page.fill('[data-testid=composer]', text);
    await page.click('[data-testid=send]');
  }

  /** User rows of a session as the gateway stores them. */
  async function userTexts(sessionKey = 'agent:main:main'): Promise<string[]> {
    const c = await operator(gw.url);
    try {
      const r = await c.call('chat.history', { sessionKey, limit: 1000 });
      return (r.payload.messages as { role: string; content: unknown }[])
        .filter((m) => m.role === 'user')
        .map((m) => (typeof m.content === 'string' ? m.content : (m.content as { text?: string }[]).map((p) => p.text ?? '').join('')));
    } finally {
      c.terminate();
    }
  }

  it('streams the answer while the model writes it, then shows the stored message', { timeout: 90_000 }, async () => {
    const page = await chatPage();
    fake.script({ kind: 'text', chunks: ['Streaming ', 'works ', 'fine.'], holdAfter: 2 });
    await send(page, 'stream something');
    const streaming = page.locator('[data-testid=msg-streaming]');
    await streaming.waitFor({ timeout: 30_000 });
    await waitFor('the first two chunks on screen', async () => (await streaming.innerText()).includes('Streaming works'), 30_000);
    fake.release();
    await streaming.waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('[data-testid=msg-assistant]', { hasText: 'Streaming works fine.' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('[data-testid=msg-user]', { hasText: 'stream something' }).count(), 1);
  });

  it('stops a running answer with the Stop button', { timeout: 90_000 }, async () => {
    const page = await chatPage();
    fake.script({ kind: 'text', chunks: ['partial ', 'never finished'], holdAfter: 1 });
    await send(page, 'start and stop');
    await page.locator('[data-testid=msg-streaming]', { hasText: 'partial' }).waitFor({ timeout: 30_000 });
    await page.click('[data-testid=abort]');
    await page.locator('[data-testid=msg-streaming]').waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('[data-testid=abort]').waitFor({ state: 'detached', timeout: 10_000 });
    fake.release();
  });

  it('renders a hostile model answer inert: no element from its HTML, no javascript: link', { timeout: 90_000 }, async () => {
    const page = await chatPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    fake.script({ kind: 'text', chunks: [HOSTILE] });
    await send(page, 'be hostile');
    const answer = page.locator('[data-testid=msg-assistant]', { hasText: 'click me' });
    await answer.waitFor({ timeout: 30_000 });
    assert.equal(await answer.locator('img, script, iframe').count(), 0);
    assert.match(await answer.innerText(), /<img src=x onerror="window.__pwned=1">/);
    const hrefs = await answer.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(hrefs, ['https://example.com/ok']);
    await answer.getByText('click me').click();
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    assert.deepEqual(dialogs, []);
  });

  it('pages back through a long history', { timeout: 90_000 }, async () => {
    const c = await operator(gw.url);
    const key = 'agent:main:paging';
    for (let i = 0; i < 120; i += 1) await c.call('chat.inject', { sessionKey: key, message: `row ${i}` });
    c.terminate();
    const page = await chatPage();
    await page.locator(`[data-testid=session-link][data-session-key="${key}"]`).click();
    await page.locator('[data-testid=msg-assistant]', { hasText: 'row 119' }).waitFor({ timeout: 30_000 });
    const shown = await page.locator('[data-testid=msg-assistant]').count();
    assert.ok(shown < 120, `all ${shown} rows rendered at once`);
    assert.equal(await page.locator('[data-testid=msg-assistant]', { hasText: /^row 0$/ }).count(), 0);
    while ((await page.locator('[data-testid=load-older]').count()) > 0) {
      const before = await page.locator('[data-testid=msg-assistant]').count();
      await page.click('[data-testid=load-older]');
      await waitFor('older rows', async () => (await page.locator('[data-testid=msg-assistant]').count()) > before, 30_000);
    }
    assert.equal(await page.locator('[data-testid=msg-assistant]').count(), 120);
    assert.equal(await page.locator('[data-testid=msg-assistant]', { hasText: /^row 0$/ }).count(), 1);
  });

  it('starts a new session from the sidebar and chats in it', { timeout: 90_000 }, async () => {
    const page = await chatPage();
    const before = await page.locator('[data-testid=session-link]').count();
    await page.click('[data-testid=new-session]');
    await waitFor('a new session in the sidebar', async () => (await page.locator('[data-testid=session-link]').count()) > before, 30_000);
    const key = await page.locator('[data-testid=session-link].active').getAttribute('data-session-key');
    assert.ok(key && key !== 'agent:main:main', `active session ${key}`);
    fake.script({ kind: 'text', chunks: ['fresh session answer'] });
    await send(page, 'hello new session');
    await page.locator('[data-testid=msg-assistant]', { hasText: 'fresh session answer' }).waitFor({ timeout: 30_000 });
    assert.deepEqual(await userTexts(key), ['hello new session']);
  });

  it('sends a message typed while the gateway restarts exactly once, and loses none', { timeout: 150_000 }, async () => {
    const page = await chatPage();
    fake.script({ kind: 'text', chunks: ['before the restart'] });
    await send(page, 'message one');
    await page.locator('[data-testid=msg-assistant]', { hasText: 'before the restart' }).waitFor({ timeout: 30_000 });

    const port = gw.port;
    await gw.stop();
    await page.locator('[data-testid=reconnect-banner]').waitFor({ timeout: 30_000 });
    await send(page, 'message two, typed offline');
    await page.locator('[data-testid=msg-pending]', { hasText: 'message two' }).waitFor();
    const requestsBefore = fake.requests.length;
    fake.script({ kind: 'text', chunks: ['after the restart'] });
    gw = await startGateway({ home: h, port });

    await page.locator('[data-testid=msg-assistant]', { hasText: 'after the restart' }).waitFor({ timeout: 60_000 });
    await page.locator('[data-testid=msg-pending]').waitFor({ state: 'detached', timeout: 30_000 });
    const users = await userTexts();
    assert.equal(users.filter((t) => t === 'message one').length, 1);
    assert.equal(users.filter((t) => t === 'message two, typed offline').length, 1);
    assert.equal(fake.requests.length, requestsBefore + 1);
    assert.equal(await page.locator('[data-testid=msg-user]', { hasText: 'message two, typed offline' }).count(), 1);
    assert.equal(await page.locator('[data-testid=msg-assistant]', { hasText: 'before the restart' }).count(), 1);
  });
});
