// Live state in the Control UI against real processes: a real node host approved and invoked
// from the Nodes page, its connected state following the process; the reconnect banner and
// recovery when the gateway restarts under the open page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freshPage, launchChromium } from '../helpers/browser.js';
import { goTo, openDashboard, waitForApp } from '../helpers/control-ui-page.js';
import { useDisposers } from '../helpers/disposers.js';
import { startGateway, TEST_TOKEN } from '../helpers/gateway-process.js';
import { startFarclawNode } from '../helpers/node-host-process.js';

/** The few DOM names these page functions use (the test compiles without the DOM lib). */
interface PageGlobals {
  document: { querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> };
}

const CONFIG = { gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN } } };

describe('Control UI live state (Chromium, real gateway and node host)', () => {
  const { defer, home } = useDisposers();

  it('approves a node surface, invokes system.which and follows the node going away', { timeout: 120_000 }, async () => {
    const gw = await startGateway({ config: CONFIG });
    defer(() => gw.stop());
    const nodeHome = home();
    const node = startFarclawNode(['--host', '127.0.0.1', '--port', String(gw.port), '--token', TEST_TOKEN, '--display-name', 'ui-node'], nodeHome.env);
    defer(() => node.stop());
    const browser = await launchChromium();
    defer(() => browser.close());
    const { page } = await freshPage(browser);
    await openDashboard(page, `http://127.0.0.1:${gw.port}`, TEST_TOKEN);
    await waitForApp(page);
    await goTo(page, 'nodes');

    const row = page.locator('[data-testid=node-row]', { hasText: 'ui-node' });
    await page.locator('[data-testid=node-row][data-connected=yes]', { hasText: 'ui-node' }).waitFor({ timeout: 30_000 });
    const pending = page.locator('[data-testid=pending-node]', { hasText: 'ui-node' });
    await pending.waitFor({ timeout: 30_000 });
    await pending.getByRole('button', { name: 'Approve' }).click();
    await pending.waitFor({ state: 'detached', timeout: 20_000 });

    await row.locator('[data-testid=node-invoke-toggle]').click();
    const form = page.locator('[data-testid=invoke-form]');
    await form.locator('[data-testid=invoke-command] option[value="system.which"]').waitFor({ state: 'attached', timeout: 20_000 });
    await form.locator('[data-testid=invoke-command]').selectOption('system.which');
    await form.locator('[data-testid=invoke-params]').fill('{"bins":["sh"]}');
    await form.locator('[data-testid=invoke-run]').click();
    const result = form.locator('[data-testid=invoke-result]');
    await result.waitFor({ timeout: 30_000 });
    assert.match(await result.innerText(), /"sh": "\/(usr\/)?bin\/sh"/);

    await node.stop();
    await page.locator('[data-testid=node-row][data-connected=no]', { hasText: 'ui-node' }).waitFor({ timeout: 60_000 });
  });

  it('shows the reconnect banner while the gateway restarts and comes back by itself', { timeout: 120_000 }, async () => {
    const h = home(CONFIG);
    const gw = await startGateway({ home: h });
    defer(() => gw.stop());
    const browser = await launchChromium();
    defer(() => browser.close());
    const { page } = await freshPage(browser);
    await openDashboard(page, `http://127.0.0.1:${gw.port}`, TEST_TOKEN);
    await waitForApp(page);
    await goTo(page, 'status');
    const firstConn = await page.locator('dd').nth(1).innerText();
    await page.evaluate('window.__sameDocument = true');

    await gw.stop();
    const banner = page.locator('[data-testid=reconnect-banner]');
    await banner.waitFor({ timeout: 30_000 });
    assert.match(await banner.innerText(), /Reconnecting/);

    const again = await startGateway({ home: h, port: gw.port });
    defer(() => again.stop());
    await banner.waitFor({ state: 'detached', timeout: 60_000 });
    // A function, not a string: the page's CSP (no unsafe-eval) refuses string predicates.
    await page.waitForFunction(
      (before) => (globalThis as unknown as PageGlobals).document.querySelectorAll('dd')[1]?.textContent !== before,
      firstConn, { timeout: 30_000 },
    );
    assert.equal(await page.evaluate('window.__sameDocument'), true, 'the page reloaded');
  });
});
