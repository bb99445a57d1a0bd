import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freshPage } from './browser.js';
import { TEST_TOKEN } from './gateway-process.js';

/** Every gateway log line written under `<stateDir>/logs`, as one string. */
export function gatewayLogText(stateDir: string): string {
  const dir = join(stateDir, 'logs');
  try {
    return readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  } catch {
    return '';
  }
}

/** Opens the Control UI with the token in the fragment, as `farclaw dashboard` prints it. */
export async function openDashboard(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/#token=${encodeURIComponent(token)}`);
}

/** Waits for the app shell (connected at least once). */
export async function waitForApp(page: Page, timeoutMs = 30_000): Promise<void> {
  await page.waitForSelector('[data-testid=app]', { timeout: timeoutMs });
}

/** The Control UI's pages, as named in its navigation bar. */
export type ControlUiPage = 'chat' | 'nodes' | 'devices' | 'channels' | 'status' | 'logs';

/** Clicks a page in the navigation bar. */
export async function goTo(page: Page, name: ControlUiPage): Promise<void> {
  await page.click(`[data-testid=nav-${name}]`);
  await page.waitForSelector(`[data-testid=${name}-page]`);
}

/**
 * A fresh browser context on the dashboard of the gateway at `port` (the test token in the
 * fragment), connected, showing `name` (chat is where the app lands). `defer` closes the context.
 */
export async function openControlUi(browser: Browser, port: number, name: ControlUiPage, defer: (dispose: () => unknown) => void): Promise<Page> {
  const { context, page } = await freshPage(browser);
  defer(() => context.close());
  await openDashboard(page, `http://127.0.0.1:${port}`, TEST_TOKEN);
  await waitForApp(page);
  if (name === 'chat') await page.locator('[data-testid=chat-page]').waitFor();
  else await goTo(page, name);
  return page;
}
