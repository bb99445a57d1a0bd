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
 * 4. Side by side, measured the same way on both: navigation → the newest history row visible
 *    (Playwright), on our UI and on the real OpenClaw 2026.9.6 gateway serving its own Control UI
 *    (same 1,000 rows, same fake model), and that page's heap after the same streamed answer.
 *
 * Gateway and browser share the machine's cores: times are upper bounds.
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { GatewayClient } from '../src/client/gateway-client.js';
import { buildConnectParams } from '../src/client/frames.js';
import { freshPage, launchChromium } from '../test/helpers/browser.js';
import { waitForApp } from '../test/helpers/control-ui-page.js';
import { startFakeModel, type FakeModel } from '../test/helpers/fake-model.js';
import { fakeModelConfig } from '../test/helpers/chat-gateway.js';
import { startGateway, TEST_TOKEN } from '../test/helpers/gateway-process.js';
import { REPO_ROOT } from '../test/helpers/paths.js';
import { peerCacheDir } from '../test/helpers/peer.js';
import { bundleBytesOf, floorBytes, realBootBytes, type BundleBytes } from './lib/ui-bundle.js';
import { intArg } from './lib/args.js';
import { benchOperator } from './lib/operator.js';
import { withOpenclawGateway } from './lib/openclaw-peer.js';
import type { Browser } from 'playwright-core';

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
    await context.close();

    // The method OpenClaw's page allows too (see openclawFigures), for a like-for-like row.
    const seen: number[] = [];
    for (let r = 0; r < RUNS; r += 1) {
      const fresh = await freshPage(browser);
      const started = performance.now();
      await fresh.page.goto(`http://127.0.0.1:${gw.port}/#token=${TEST_TOKEN}`);
      await fresh.page.getByText(`History message ${HISTORY_ROWS - 1}:`).first().waitFor({ timeout: 60_000 });
      seen.push(performance.now() - started);
      await fresh.context.close();
    }
    process.stdout.write(`farclaw UI: newest of ${HISTORY_ROWS} history rows visible (navigation → visible, median of ${RUNS}): ${median(seen).toFixed(0)} ms  [${seen.map((t) => t.toFixed(0)).join(', ')}]\n`);
    await openclawFigures(browser, model);
  } finally {
    await browser.close();
    await client.close();
    await gw.stop();
    await model.close();
  }
}

/**
 * The same page figures for the real OpenClaw 2026.9.6 gateway and its own Control UI, measured
 * the one way that works on both pages (its UI renders inside shadow roots, which a
 * MutationObserver on the document does not see): Playwright's wall time from navigation until
 * the newest history row is visible, and the heap after one streamed answer.
 */
async function openclawFigures(browser: Browser, model: FakeModel): Promise<void> {
  const cfg = fakeModelConfig(model) as { models: unknown; agents: { defaults: Record<string, unknown> } };
  const outcome = await withOpenclawGateway(TEST_TOKEN, async (oc) => {
    const client = await benchOperator(oc.url);
    try {
      // Its chat.inject needs an existing session: one real turn creates it.
      model.script({ kind: 'text', chunks: ['first answer'] });
      await client.request('chat.send', { sessionKey: 'agent:main:main', message: 'hello', idempotencyKey: `bench-${Date.now()}` }, 60_000);
      const deadline = Date.now() + 120_000;
      for (;;) {
        const h = (await client.request('chat.history', { sessionKey: 'agent:main:main', limit: 10 })) as { messages: { role: string }[] };
        if (h.messages.some((m) => m.role === 'assistant')) break;
        if (Date.now() > deadline) throw new Error('the first turn did not finish within 120 s');
        await new Promise((r) => setTimeout(r, 250));
      }
      for (let i = 0; i < HISTORY_ROWS; i += 1) {
        await client.request('chat.inject', { sessionKey: 'agent:main:main', message: `History message ${i}: **some** text with \`code\` and a [link](https://example.com/${i}).` }, 60_000);
      }
    } finally {
      await client.close();
    }
    const last = `History message ${HISTORY_ROWS - 1}:`;
    const times: number[] = [];
    for (let r = 0; r < RUNS; r += 1) {
      const { context, page } = await freshPage(browser);
      const started = performance.now();
      await page.goto(`http://127.0.0.1:${oc.port}/#token=${TEST_TOKEN}`);
      await page.getByText(last).first().waitFor({ timeout: 120_000 });
      times.push(performance.now() - started);
      if (r < RUNS - 1) await context.close();
      else {
        const cdp = await context.newCDPSession(page);
        const heap = async (): Promise<number> => {
          await cdp.send('HeapProfiler.collectGarbage');
          return (await cdp.send('Runtime.getHeapUsage')).usedSize;
        };
        const before = await heap();
        model.script({ kind: 'text', chunks: Array.from({ length: DELTAS }, (_, i) => `d${i} `) });
        const composer = page.getByRole('textbox').last();
        await composer.fill('stream please');
        await composer.press('Enter');
        await page.getByText(`d${DELTAS - 1}`).first().waitFor({ timeout: 300_000 });
        const after = await heap();
        process.stdout.write(`OpenClaw 2026.9.6 UI on its gateway: JS heap (after GC) ${(before / 1048576).toFixed(1)} MB with history → ${(after / 1048576).toFixed(1)} MB after one answer of ${DELTAS} model chunks\n`);
        await context.close();
      }
    }
    process.stdout.write(`OpenClaw 2026.9.6 UI on its gateway: newest of ${HISTORY_ROWS} history rows visible (navigation → visible, median of ${RUNS}): ${median(times).toFixed(0)} ms  [${times.map((t) => t.toFixed(0)).join(', ')}]\n`);
  }, { config: { models: cfg.models, agents: { defaults: { ...cfg.agents.defaults, utilityModel: '' } } } })
    .catch((err: unknown) => ({ na: (err as Error).message.split('\n')[0]?.slice(0, 200) ?? 'failed' }));
  if (outcome !== undefined) process.stdout.write(`OpenClaw 2026.9.6 UI figures: n/a (${outcome.na})\n`);
}

await sizes();
await browserFigures();
