// Inline exec approvals in the Control UI (issue 17, assistant.md 8.3, 8.6), real headless
// Chromium against our real gateway (tools.exec.mode ask), a real `farclaw node run` and the fake
// model: the approval appears in the chat with the command, "Allow once" lets the node run it and
// the answer quotes the output; "Deny" runs nothing and the model is told.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { openControlUi } from '../helpers/control-ui-page.js';
import { useDisposers } from '../helpers/disposers.js';
import { useExecNode } from '../helpers/exec-node.js';

const TEST_TIMEOUT_MS = 120_000;

describe('Control UI inline exec approvals (Chromium, real gateway and node, fake model)', () => {
  const lab = useExecNode({ allow: ['echo'], mode: 'ask' });
  let browser: Browser;
  const { defer } = useDisposers();

  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  /** A chat page, connected (so the gateway knows an approval-capable client is there). */
  const chatPage = (): Promise<Page> => openControlUi(browser, lab.gw.port, 'chat', defer);

  async function askToRun(page: Page, command: string): Promise<void> {
    lab.fake.script(
      { kind: 'tools', calls: [{ id: `call_${command.length}`, name: 'exec', args: { host: 'node', command } }] },
      { kind: 'quote-tool', prefix: ['Output was: '] },
    );
    await page.fill('[data-testid=composer]', `please run ${command}`);
    await page.click('[data-testid=send]');
  }

  it('shows the command inline; Allow once runs it on the node and the answer carries the output', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await chatPage();
    await askToRun(page, 'echo allowed-in-the-browser');
    const approval = page.locator('[data-testid=approval]');
    await approval.waitFor({ timeout: 60_000 });
    assert.match(await approval.innerText(), /echo allowed-in-the-browser/);
    await page.click('[data-testid=approval-allow]');
    // The final answer (the tool call row above it also names the command).
    const answer = page.locator('[data-testid=msg-assistant]', { hasText: 'Output was:' });
    await answer.waitFor({ timeout: 60_000 });
    assert.match(await answer.innerText(), new RegExp(`Output was: Node: ${lab.nodeId}\\s+allowed-in-the-browser`));
    await approval.waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('Deny runs nothing and the assistant says the operator refused', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await chatPage();
    await askToRun(page, 'echo denied-in-the-browser');
    await page.locator('[data-testid=approval]', { hasText: 'denied-in-the-browser' }).waitFor({ timeout: 60_000 });
    await page.click('[data-testid=approval-deny]');
    const answer = page.locator('[data-testid=msg-assistant]', { hasText: 'the operator denied this command' });
    await answer.waitFor({ timeout: 60_000 });
    assert.doesNotMatch(await answer.innerText(), /Node: /);
    assert.equal(await page.locator('[data-testid=approval]').count(), 0);
  });
});
