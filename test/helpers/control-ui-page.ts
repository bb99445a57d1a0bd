import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

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

/** Clicks a page in the navigation bar. */
export async function goTo(page: Page, name: 'chat' | 'nodes' | 'devices' | 'channels' | 'status' | 'logs'): Promise<void> {
  await page.click(`[data-testid=nav-${name}]`);
  await page.waitForSelector(`[data-testid=${name}-page]`);
}
