/**
 * `npm run bench:webui`: the Control UI measured in headless Chromium.
 *
 * 1. JS and CSS bytes, gzipped: our bundle (budget 150 KB of JS) beside the floor (Preact
 *    rendering one element) and what the real OpenClaw 2026.9.6 Control UI downloads to boot
 *    into the chat (the assets vector control-ui-boot recorded), when the peer cache holds it.
 * 2. Time from navigation to the first rendered chat message with 1,000 messages of history
 *    (median of --runs fresh browser profiles; chat.inject fills the transcript).
 * 3. The page's JS heap (after a forced GC) before and after one answer streamed as --deltas
 *    (default 10,000) chunks by the fake model provider; the gateway paces them (75 ms), so the
 *    page gets fewer chat deltas: the bench prints how many.
 *
 * Gateway and browser share the machine's cores: times are upper bounds.
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { GatewayClient } from '../src/client/gateway-client.js';
import { buildConnectParams } from '../src/client/frames.js';
import { freshPage, launchChromium } from '../test/helpers/browser.js';
import { waitForApp } from '../test/helpers/control-ui-page.js';
import { startFakeModel } from '../test/helpers/fake-model.js';
import { startGateway, TEST_TOKEN } from '../test/helpers/gateway-process.js';
import { REPO_ROOT } from '../test/helpers/paths.js';
import { peerCacheDir } from '../test/helpers/peer.js';
import { bundleBytesOf, floorBytes, realBootBytes, type BundleBytes } from './lib/ui-bundle.js';
import { intArg } from './lib/args.js';

const JS_BUDGET_BYTES = 150 * 1024;
const HISTORY_ROWS = 1_000;
/** Streamed deltas of the heap figure (`--deltas=N`, default 10,000). */
const DELTAS = intArg('deltas', 10_000);
const RUNS = intArg('runs', 3);

/** The few page globals the bench reads (it compiles without the DOM lib). */
interface PageGlobals {
  firstMsgAtMs?: number;
  document: { querySelectorAll(selector: string): { length: number }; querySelector(selector: string): unknown };
}

/** Page script: records when the first chat message element appears (ms since navigation). */
const FIRST_MESSAGE_PROBE = `new MutationObserver((_, obs) => {
  if (document.querySelector('[data-testid^=msg-]')) { window.firstMsgAtMs = performance.now(); obs.disconnect(); }
}).observe(document, { childList: true, subtree: true });`;

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function printSizes(rows: [string, BundleBytes | string][]): void {
  process.stdout.write('\nControl UI bytes (gzip -9)\n');
  for (const [name, b] of rows) {
    process.stdout.write(typeof b === 'string'
      ? `  ${name.padEnd(34)} n/a (${b})\n`
      : `  ${name.padEnd(34)} JS ${kb(b.jsGz).padStart(9)}   CSS ${kb(b.cssGz).padStart(8)}   files ${b.files}\n`);
  }
}

async function sizes(): Promise<BundleBytes> {
  const ours = bundleBytesOf(join(REPO_ROOT, 'dist', 'control-ui', 'assets'));
  const uiDir = join(peerCacheDir(), 'openclaw', 'node_modules', 'openclaw', 'dist', 'control-ui');
  const vector = join(REPO_ROOT, '..', 'shared', 'vectors', 'control-ui-boot.json');
  const vectorFile = existsSync(vector) ? vector : '/work/shared/vectors/control-ui-boot.json';
  const real: BundleBytes | string = existsSync(uiDir) && existsSync(vectorFile) ? realBootBytes(uiDir, vectorFile) : 'peer cache or vector missing';
  printSizes([['floor (Preact, one element)', await floorBytes()], ['farclaw Control UI', ours], ['OpenClaw 2026.9.6 UI (boot set)', real]]);
  if (typeof real !== 'string') process.stdout.write(`  farclaw / OpenClaw JS: ${(ours.jsGz / real.jsGz).toFixed(3)}\n`);
  process.stdout.write(`  JS budget ${kb(JS_BUDGET_BYTES)}: ${ours.jsGz <= JS_BUDGET_BYTES ? 'within' : 'EXCEEDED'}\n`);
  return ours;
}

async function browserFigures(): Promise<void> {
  const model = await startFakeModel();
  const gw = await startGateway({
    config: {
      gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN } },
      models: { providers: { fake: { baseUrl: model.baseUrl, apiKey: 'sk-fake', api: 'openai-completions', models: [{ id: 'fake-model', name: 'Fake' }] } } },
      agents: { defaults: { model: { primary: 'fake/fake-model' } } },
    },
  });
  const client = new GatewayClient();
  const browser = await launchChromium();
  try {
    await client.connect(gw.url, buildConnectParams({ clientId: 'cli', mode: 'cli', version: 'bench', scopes: ['operator.admin'], token: TEST_TOKEN }), 10_000);
    try {
      await client.request('chat.history', { sessionKey: 'agent:main:main', limit: 1 });
    } catch (err) {
      process.stdout.write(`\nBrowser figures: n/a (chat.history failed: ${(err as Error).message})\n`);
      return;
    }
    for (let i = 0; i < HISTORY_ROWS; i += 1) {
      await client.request('chat.inject', { sessionKey: 'agent:main:main', message: `History message ${i}: **some** text with \`code\` and a [link](https://example.com/${i}).` });
    }
    const times: number[] = [];
    for (let r = 0; r < RUNS; r += 1) {
      const { context, page } = await freshPage(browser);
      await page.addInitScript(FIRST_MESSAGE_PROBE);
      await page.goto(`http://127.0.0.1:${gw.port}/#token=${TEST_TOKEN}`);
      // Functions, not strings: the page's CSP (no unsafe-eval) refuses string predicates.
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).firstMsgAtMs !== undefined, undefined, { timeout: 60_000 });
      times.push(Number(await page.evaluate('window.firstMsgAtMs')));
      await context.close();
    }
    process.stdout.write(`\nFirst rendered chat message, ${HISTORY_ROWS} rows of history (navigation → paint, median of ${RUNS}): ${median(times).toFixed(0)} ms  [${times.map((t) => t.toFixed(0)).join(', ')}]\n`);

    const { context, page } = await freshPage(browser);
    const cdp = await context.newCDPSession(page);
    const heap = async (): Promise<number> => {
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    };
    // The gateway paces live text (75 ms), so the model's chunks reach the page as fewer deltas: count them.
    let pageDeltas = 0;
    page.on('websocket', (ws) => ws.on('framereceived', (f) => {
      if (typeof f.payload === 'string' && f.payload.includes('"event":"chat"') && f.payload.includes('"state":"delta"')) pageDeltas += 1;
    }));
    await page.goto(`http://127.0.0.1:${gw.port}/#token=${TEST_TOKEN}`);
    await waitForApp(page);
    await page.locator('[data-testid^=msg-]').first().waitFor({ timeout: 60_000 });
    const before = await heap();
    model.script({ kind: 'text', chunks: Array.from({ length: DELTAS }, (_, i) => `d${i} `) });
    const assistantRows = await page.locator('[data-testid=msg-assistant]').count();
    await page.fill('[data-testid=composer]', 'stream please');
    await page.click('[data-testid=send]');
    await page.waitForFunction((n) => {
      const doc = (globalThis as unknown as PageGlobals).document;
      return doc.querySelectorAll('[data-testid=msg-assistant]').length > n && doc.querySelector('[data-testid=msg-streaming]') === null;
    }, assistantRows, { timeout: 300_000 });
    const after = await heap();
    process.stdout.write(`JS heap (after GC): ${(before / 1048576).toFixed(1)} MB loaded with history → ${(after / 1048576).toFixed(1)} MB after one answer of ${DELTAS} model chunks (${pageDeltas} chat deltas reached the page)\n`);
    process.stdout.write('OpenClaw side by side for these two: n/a (needs the real gateway holding a 1,000-row transcript; not measured in this run)\n');
    await context.close();
  } finally {
    await browser.close();
    await client.close();
    await gw.stop();
    await model.close();
  }
}

await sizes();
await browserFigures();
