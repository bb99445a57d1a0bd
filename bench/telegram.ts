/**
 * `npm run bench:telegram`: a Telegram message end to end with the fake Bot API and the fake
 * model (one text chunk, no delay): update queued → first `sendMessage` of the answer, one
 * message at a time (p50/p99), and messages/s with `--burst` messages from as many users at once.
 * Side by side in one run: farclaw, the real OpenClaw 2026.9.6 gateway (when the peer cache holds
 * it) with the same fakes and config, and a bare floor (an in-process grammY loop that answers
 * each update at once, without a model: the fakes' own cost).
 *
 * Flags: --n=N serial messages (default 40; OpenClaw gets the same), --burst=B (default 100).
 */
import { Api } from 'grammy';
import { TEST_TOKEN } from '../test/helpers/gateway-process.js';
import { fakeModelConfig } from '../test/helpers/chat-gateway.js';
import { startFakeModel, type FakeModel } from '../test/helpers/fake-model.js';
import { startFakeTelegram, type FakeTelegram } from '../test/helpers/fake-telegram.js';
import { startTelegramGateway } from '../test/helpers/telegram-gateway.js';
import { waitFor } from '../test/helpers/wait-for.js';
import { withOpenclawGateway } from './lib/openclaw-peer.js';
import { percentile } from './lib/report.js';
import { intArg } from './lib/args.js';

const N = intArg('n', 40);
const BURST = intArg('burst', 100);

interface Result {
  p50Ms: number;
  p99Ms: number;
  perSec: number;
}

let nextUser = 100_000;

/** Serial latency, then a burst from distinct users; every message must be answered. */
async function measure(tg: FakeTelegram): Promise<Result> {
  const latencies: number[] = [];
  for (let i = 0; i < N; i++) {
    const user = { id: nextUser++, first_name: 'Bench' };
    const answered = tg.nextSent(String(user.id));
    const t0 = performance.now();
    tg.sendText(user, `bench ${i}`);
    await answered;
    latencies.push(performance.now() - t0);
  }
  const users = Array.from({ length: BURST }, () => ({ id: nextUser++, first_name: 'Burst' }));
  const all = Promise.all(users.map((u) => tg.nextSent(String(u.id))));
  const t0 = performance.now();
  for (const u of users) tg.sendText(u, 'burst');
  await all;
  const seconds = (performance.now() - t0) / 1000;
  return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), perSec: BURST / seconds };
}

/** Waits until the gateway long-polls (start-up calls done), then warms the path with one message. */
async function ready(tg: FakeTelegram): Promise<void> {
  await waitFor('a long poll', () => tg.calls('getUpdates').some((c) => c.body.timeout === 30), 180_000, 100);
  const warm = { id: nextUser++, first_name: 'Warm' };
  const answered = tg.nextSent(String(warm.id));
  tg.sendText(warm, 'warm up');
  await answered;
}

async function farclaw(model: FakeModel): Promise<Result> {
  const tg = await startFakeTelegram();
  const { gateway: _g, ...modelSections } = fakeModelConfig(model);
  const gw = await startTelegramGateway(tg, {
    telegram: { dmPolicy: 'open', allowFrom: ['*'] },
    extra: { ...modelSections, session: { dmScope: 'per-channel-peer' } },
  });
  try {
    await ready(tg);
    return await measure(tg);
  } finally {
    await gw.stop();
    await tg.close();
  }
}

async function openclaw(model: FakeModel): Promise<Result | { na: string }> {
  const tg = await startFakeTelegram();
  try {
    const { gateway: _g, ...modelSections } = fakeModelConfig(model);
    return await withOpenclawGateway(TEST_TOKEN, async () => {
      await ready(tg);
      return await measure(tg);
    }, {
      config: {
        gateway: { mode: 'local' },
        ...modelSections,
        session: { dmScope: 'per-channel-peer' },
        channels: { telegram: { enabled: true, botToken: tg.token, apiRoot: tg.apiRoot, dmPolicy: 'open', allowFrom: ['*'] } },
        bindings: [{ agentId: 'main', match: { channel: 'telegram', accountId: 'default' } }],
      },
    });
  } finally {
    await tg.close();
  }
}

/** The floor: an in-process grammY long-poll loop that answers each update at once. */
async function floor(): Promise<Result> {
  const tg = await startFakeTelegram();
  const api = new Api(tg.token, { apiRoot: tg.apiRoot });
  const stop = new AbortController();
  const loop = (async () => {
    let offset: number | undefined;
    while (!stop.signal.aborted) {
      const updates = await api.getUpdates({ timeout: 30, ...(offset !== undefined ? { offset } : {}) }, stop.signal as never).catch(() => []);
      for (const u of updates) {
        offset = u.update_id + 1;
        if (u.message) await api.sendMessage(u.message.chat.id, 'ok');
      }
    }
  })();
  try {
    await ready(tg);
    return await measure(tg);
  } finally {
    stop.abort();
    await tg.close();
    await loop;
  }
}

const fmt = (r: Result | { na: string }, key: keyof Result, digits: number): string =>
  'na' in r ? `n/a (${r.na})` : r[key].toFixed(digits);

async function main(): Promise<void> {
  const model = await startFakeModel();
  model.setFallback({ kind: 'text', chunks: ['ok'] });
  try {
    const ours = await farclaw(model);
    const theirs = await openclaw(model).catch((err: Error) => ({ na: err.message.split('\n')[0] ?? 'failed' }));
    const bare = await floor();
    const rows: [string, string, string, string][] = [
      ['update → first sendMessage p50 (ms)', fmt(ours, 'p50Ms', 1), fmt(theirs, 'p50Ms', 1), fmt(bare, 'p50Ms', 1)],
      ['update → first sendMessage p99 (ms)', fmt(ours, 'p99Ms', 1), fmt(theirs, 'p99Ms', 1), fmt(bare, 'p99Ms', 1)],
      [`messages/s (burst of ${BURST} users)`, fmt(ours, 'perSec', 1), fmt(theirs, 'perSec', 1), fmt(bare, 'perSec', 1)],
    ];
    process.stdout.write(`Telegram end to end, fake Bot API + fake model, ${N} serial messages, burst ${BURST}\n`);
    process.stdout.write(`${'metric'.padEnd(40)}${'farclaw'.padStart(12)}${'openclaw'.padStart(12)}${'floor'.padStart(12)}\n`);
    for (const r of rows) process.stdout.write(`${r[0].padEnd(40)}${r[1].padStart(12)}${r[2].padStart(12)}${r[3].padStart(12)}\n`);
  } finally {
    await model.close();
  }
}

await main();
