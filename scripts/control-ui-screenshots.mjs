#!/usr/bin/env node
// Makes the screenshots of docs/control-ui.md from a real running gateway: starts our gateway
// (fake model provider when the gateway has chat), a real node host, a second paired device,
// opens the Control UI in headless Chromium with the token, and captures the chat, nodes and
// devices pages into docs/images/. Run after `npm run build`:
//
//   node scripts/control-ui-screenshots.mjs
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'docs', 'images');
const helpers = (name) => import(join(ROOT, 'dist', 'test', 'helpers', `${name}.js`));

const { startGateway, TEST_TOKEN } = await helpers('gateway-process');
const { startFakeModel } = await helpers('fake-model');
const { startFarclawNode } = await helpers('node-host-process');
const { tmpHome } = await helpers('tmp-home');
const { launchChromium, freshPage } = await helpers('browser');
const { waitForApp, goTo } = await helpers('control-ui-page');

mkdirSync(OUT, { recursive: true });
const model = await startFakeModel();
const gw = await startGateway({
  config: {
    gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN } },
    models: { providers: { fake: { baseUrl: model.baseUrl, apiKey: 'sk-fake', api: 'openai-completions', models: [{ id: 'fake-model', name: 'Fake Model' }] } } },
    agents: { defaults: { model: { primary: 'fake/fake-model' } } },
  },
});
const nodeHome = tmpHome();
const node = startFarclawNode(['--host', '127.0.0.1', '--port', String(gw.port), '--token', TEST_TOKEN, '--display-name', 'build-server'], nodeHome.env);
const browser = await launchChromium();
try {
  const { page } = await freshPage(browser);
  await page.setViewportSize({ width: 1200, height: 720 });
  await page.goto(`http://127.0.0.1:${gw.port}/#token=${TEST_TOKEN}`);
  await waitForApp(page);

  await goTo(page, 'chat');
  model.script({ kind: 'text', chunks: ['Here is what I found:\n\n', '- the **gateway** is up on loopback\n', '- one node, `build-server`, is connected\n\n', 'Run `farclaw nodes list` for details.'] });
  await page.fill('[data-testid=composer]', 'What is connected right now?');
  await page.click('[data-testid=send]');
  await page.locator('[data-testid=msg-assistant]').first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(OUT, 'control-ui-chat.png') });

  await goTo(page, 'nodes');
  await page.locator('[data-testid=node-row][data-connected=yes]').first().waitFor({ timeout: 30_000 });
  await page.click('[data-testid=node-invoke-toggle]');
  await page.screenshot({ path: join(OUT, 'control-ui-nodes.png') });

  await goTo(page, 'devices');
  await page.locator('[data-testid=paired-device]').nth(1).waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(OUT, 'control-ui-devices.png') });
  process.stdout.write(`screenshots written to ${OUT}\n`);
} finally {
  await browser.close();
  await node.stop();
  await gw.stop();
  await model.close();
  nodeHome.dispose();
}
