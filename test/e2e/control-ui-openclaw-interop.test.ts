// Interop: the Control UI shipped in the real `openclaw` 2026.9.6 package (peer cache), served
// as static files on another loopback port and pointed at our gateway with `?gatewayUrl=`,
// connects with its own device proof, loads the transcript our gateway holds, then sends a message
// and shows the streamed answer (assistant.md 11.2, 11.8).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freshPage, launchChromium } from '../helpers/browser.js';
import { fakeModelConfig, operator } from '../helpers/chat-gateway.js';
import { useDisposers } from '../helpers/disposers.js';
import { startFakeModel } from '../helpers/fake-model.js';
import { startGateway, TEST_TOKEN } from '../helpers/gateway-process.js';
import { ensurePeer } from '../helpers/peer.js';
import { serveStaticSite } from '../helpers/static-site.js';

describe('the real OpenClaw Control UI against farclaw', () => {
  const { defer } = useDisposers();

  it('connects, shows the transcript our gateway holds, sends a message and shows the streamed answer', { timeout: 240_000 }, async () => {
    const peer = await ensurePeer();
    const uiDir = join(peer.cacheDir, 'openclaw', 'node_modules', 'openclaw', 'dist', 'control-ui');
    const site = await serveStaticSite(uiDir);
    defer(() => site.close());
    const fake = await startFakeModel();
    defer(() => fake.close());
    const config = fakeModelConfig(fake) as { gateway: Record<string, unknown> };
    config.gateway.controlUi = { allowedOrigins: [site.url] };
    const gw = await startGateway({ config });
    defer(() => gw.stop());
    const c = await operator(gw.url);
    await c.call('chat.inject', { sessionKey: 'agent:main:main', message: 'injected history row for the real UI' });
    c.terminate();

    const browser = await launchChromium();
    defer(() => browser.close());
    const { page, consoleErrors } = await freshPage(browser);
    await page.goto(`${site.url}/?gatewayUrl=${encodeURIComponent(gw.url)}#token=${TEST_TOKEN}`);
    // A gatewayUrl link pointing elsewhere asks for confirmation first (the real UI's guard).
    await page.getByRole('button', { name: `Switch to 127.0.0.1:${gw.port}` }).click({ timeout: 90_000 });
    await page.getByText('injected history row for the real UI').first().waitFor({ timeout: 90_000 });

    // Booted on our gateway: connected with its own device proof (v2) from an allowed origin.
    assert.match(page.url(), /\/chat\/main$/);
    assert.deepEqual(consoleErrors.filter((e) => /origin not allowed|pairing required|device signature/i.test(e)), []);

    // It sends a message; the answer streams in and stays as the final row.
    fake.script({ kind: 'text', chunks: ['Streamed', ' answer', ' from', ' the', ' fake', ' model'], delayMs: 150 });
    const composer = page.getByRole('textbox').last();
    await composer.fill('hello from the real Control UI');
    await composer.press('Enter');
    await page.getByText('Streamed answer from the fake model').first().waitFor({ timeout: 90_000 });
    const sent = fake.requests.at(-1);
    assert.ok(sent, 'the model got no request');
    assert.match(JSON.stringify(sent.body.messages), /hello from the real Control UI/);
    const check = await operator(gw.url);
    defer(() => check.terminate());
    const hist = await check.call('chat.history', { sessionKey: 'agent:main:main' });
    const texts = (hist.payload.messages as { role: string; content: unknown }[]).map((m) => JSON.stringify(m.content));
    assert.ok(texts.some((t) => t.includes('Streamed answer from the fake model')), 'the answer is in the transcript');
    assert.deepEqual(consoleErrors.filter((e) => /unknown method: chat\.|chat\.send|invalid chat/i.test(e)), []);
  });
});
