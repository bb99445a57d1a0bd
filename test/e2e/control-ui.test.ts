// The Control UI in real headless Chromium against our real gateway on loopback: getting in
// with the token from `#token=`, the token's whereabouts, the device list, and the origin
// rules for pages of other origins (assistant.md 11, remote-access.md origin rules).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { freshPage, launchChromium } from '../helpers/browser.js';
import { gatewayLogText, goTo, openDashboard, waitForApp } from '../helpers/control-ui-page.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { useDisposers } from '../helpers/disposers.js';

/**
 * Script a hostile page runs: connect as the Control UI with a stolen token; resolves with the
 * connect answer or the close.
 */
const attackScript = (gwUrl: string, token: string): string => `new Promise((resolve) => {
  const ws = new WebSocket(${JSON.stringify(gwUrl)});
  ws.onmessage = (m) => {
    const f = JSON.parse(m.data);
    if (f.event === 'connect.challenge') {
      ws.send(JSON.stringify({ type: 'req', id: '1', method: 'connect', params: { minProtocol: 4, maxProtocol: 4,
        client: { id: 'openclaw-control-ui', version: '1', platform: 'web', mode: 'webchat' }, role: 'operator',
        scopes: ['operator.admin'], auth: { token: ${JSON.stringify(token)} } } }));
    } else if (f.type === 'res') resolve(JSON.stringify(f));
  };
  ws.onclose = (e) => resolve('closed ' + e.code + ' ' + e.reason);
})`;

describe('Control UI in Chromium (loopback)', () => {
  let gw: RunningGateway;
  let browser: Browser;
  let attacker: Server;
  const { defer } = useDisposers();

  before(async () => {
    gw = await startGateway({ config: { gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN } } } });
    // Every name resolves to loopback, so other origins (and rebinding names) reach real servers.
    browser = await launchChromium(['--host-resolver-rules=MAP *.farclaw.test 127.0.0.1']);
    attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>elsewhere</p>'));
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
  });

  after(async () => {
    await browser?.close();
    attacker?.close();
    await gw?.stop();
  });

  it('opens with #token=, strips it from the address bar and shows this browser as a paired device', { timeout: 90_000 }, async () => {
    const { context, page } = await freshPage(browser);
    defer(() => context.close());
    await openDashboard(page, `http://127.0.0.1:${gw.port}`, TEST_TOKEN);
    await waitForApp(page);
    assert.equal(page.url().includes(TEST_TOKEN), false, `token still in ${page.url()}`);
    assert.equal(await page.evaluate('location.hash'), '');
    await goTo(page, 'devices');
    const row = page.locator('[data-testid=paired-device]', { hasText: 'openclaw-control-ui' });
    await row.first().waitFor({ timeout: 15_000 });
    assert.match(await row.first().innerText(), /silent/);
  });

  it('keeps the token out of every request URL and out of the gateway log', { timeout: 90_000 }, async () => {
    const { context, page, requestUrls } = await freshPage(browser);
    defer(() => context.close());
    await openDashboard(page, `http://127.0.0.1:${gw.port}`, TEST_TOKEN);
    await waitForApp(page);
    await goTo(page, 'status');
    await page.locator('[data-testid=server-version]').waitFor();
    await goTo(page, 'logs');
    await page.reload();
    await waitForApp(page);
    assert.ok(requestUrls.length >= 4, `requests seen: ${requestUrls.join(', ')}`);
    assert.deepEqual(requestUrls.filter((u) => u.includes(TEST_TOKEN)), []);
    const log = gatewayLogText(gw.home.stateDir) + gw.stdout() + gw.stderr();
    assert.ok(log.length > 0, 'the gateway wrote no log');
    assert.equal(log.includes(TEST_TOKEN), false, 'the token appears in the gateway log');
  });

  it('reloads into the app without the token in the URL (token kept for this tab only)', { timeout: 60_000 }, async () => {
    const { context, page } = await freshPage(browser);
    defer(() => context.close());
    await openDashboard(page, `http://127.0.0.1:${gw.port}`, TEST_TOKEN);
    await waitForApp(page);
    await page.goto(`http://127.0.0.1:${gw.port}/devices`);
    await waitForApp(page);
    assert.equal(await page.locator('[data-testid=devices-page]').count(), 1);
  });

  it('refuses a page of another origin that knows the token', { timeout: 60_000 }, async () => {
    const { context, page } = await freshPage(browser);
    defer(() => context.close());
    await page.goto(`http://evil.farclaw.test:${(attacker.address() as AddressInfo).port}/`);
    const result = String(await page.evaluate(attackScript(`ws://127.0.0.1:${gw.port}/`, TEST_TOKEN)));
    assert.match(result, /origin not allowed/);
    assert.doesNotMatch(result, /hello-ok/);
  });

  it('refuses the UI reached under a DNS-rebinding name, even with the token', { timeout: 60_000 }, async () => {
    const { context, page } = await freshPage(browser);
    defer(() => context.close());
    // The gateway's own page, but its Host is a name an attacker's DNS points at 127.0.0.1.
    await page.goto(`http://rebind.farclaw.test:${gw.port}/`);
    const result = String(await page.evaluate(attackScript(`ws://rebind.farclaw.test:${gw.port}/`, TEST_TOKEN)));
    assert.match(result, /origin not allowed/);
    assert.doesNotMatch(result, /hello-ok/);
  });
});
