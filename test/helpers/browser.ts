import { chromium, type Browser, type BrowserContext, type LaunchOptions, type Page } from 'playwright-core';

/** Debian's chromium, driven by playwright-core (the house rules' flags). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
];

/** Launches headless Chromium; `extraArgs` e.g. `--ignore-certificate-errors` for a self-signed gateway. */
export async function launchChromium(extraArgs: readonly string[] = [], opts: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs], ...opts });
}

/** A fresh profile (empty storage) and one page in it, recording every request URL it makes. */
export async function freshPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; requestUrls: string[]; consoleErrors: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const requestUrls: string[] = [];
  const consoleErrors: string[] = [];
  page.on('request', (r) => requestUrls.push(r.url()));
  page.on('websocket', (ws) => requestUrls.push(ws.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  return { context, page, requestUrls, consoleErrors };
}

/**
 * Launches Chromium inside a network namespace: playwright-core starts a wrapper script that
 * execs `ip netns exec <ns> chromium …`, so the browser's sockets live in that namespace while
 * playwright drives it over its pipe. Returns the browser and a disposer for the wrapper.
 */
export async function launchChromiumIn(prefix: readonly string[], extraArgs: readonly string[] = []): Promise<Browser> {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'farclaw-chromium-'));
  const wrapper = join(dir, 'chromium-in-netns');
  const quoted = [...prefix, CHROMIUM_PATH].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${quoted} "$@"\n`, { mode: 0o755 });
  const browser = await chromium.launch({ executablePath: wrapper, args: [...CHROMIUM_ARGS, ...extraArgs] });
  browser.once('disconnected', () => rmSync(dir, { recursive: true, force: true }));
  return browser;
}
