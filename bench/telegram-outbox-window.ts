/**
 * `npm run bench:telegram-window`: the outbox repeat window (issue 16). The Bot API has no
 * idempotency key, so a gateway killed after Telegram accepted a reply and before the outbox
 * recorded it sends that reply again after restart. This measures how long that window stays
 * open: from the fake Bot API writing its accepting answer to the gateway's outbox row being gone
 * (seen from outside by a worker polling the SQLite file every ~0.2 ms, so figures carry up to
 * ~0.5 ms of watcher delay). Quiet: one message at a time. Under load: a burst of --burst users
 * at once, each turn streaming from the fake model, so replies are recorded while other turns,
 * polls and SQLite writes compete for the gateway's event loop.
 *
 * Flags: --n=N serial messages (default 30), --burst=B (default 200).
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { fakeModelConfig } from '../test/helpers/chat-gateway.js';
import { startFakeModel } from '../test/helpers/fake-model.js';
import { startFakeTelegram, type FakeTelegram } from '../test/helpers/fake-telegram.js';
import { startTelegramGateway } from '../test/helpers/telegram-gateway.js';
import { waitFor } from '../test/helpers/wait-for.js';
import { percentile } from './lib/report.js';
import { intArg } from './lib/args.js';

const N = intArg('n', 30);
const BURST = intArg('burst', 200);
let nextUser = 300_000;

/** Sends from `users` (all at once when `together`), waits for every answer; their chat ids. */
async function exchange(tg: FakeTelegram, count: number, together: boolean): Promise<string[]> {
  const users = Array.from({ length: count }, () => ({ id: nextUser++, first_name: 'Window' }));
  if (together) {
    const all = Promise.all(users.map((u) => tg.nextSent(String(u.id))));
    for (const u of users) tg.sendText(u, 'window');
    await all;
  } else {
    for (const u of users) {
      const answered = tg.nextSent(String(u.id));
      tg.sendText(u, 'window');
      await answered;
    }
  }
  return users.map((u) => String(u.id));
}

/** Window per chat (ms): accepted by the fake → gone from the outbox. */
function windows(tg: FakeTelegram, chats: string[], gone: { chatId: string; goneAtMs: number }[]): number[] {
  const goneAt = new Map(gone.map((g) => [g.chatId, g.goneAtMs]));
  return chats.flatMap((c) => {
    const accepted = tg.sent.find((m) => m.chatId === c)?.acceptedAtMs;
    const end = goneAt.get(c);
    return accepted !== undefined && end !== undefined ? [Math.max(0, end - accepted)] : [];
  });
}

async function main(): Promise<void> {
  const model = await startFakeModel();
  model.setFallback({ kind: 'text', chunks: ['the ', 'answer ', 'streams ', 'in ', 'pieces'], delayMs: 5 });
  const tg = await startFakeTelegram();
  const { gateway: _g, ...modelSections } = fakeModelConfig(model);
  const gw = await startTelegramGateway(tg, {
    telegram: { dmPolicy: 'open', allowFrom: ['*'] },
    extra: { ...modelSections, session: { dmScope: 'per-channel-peer' } },
  });
  const stop = new SharedArrayBuffer(4);
  let watcher: Worker | undefined;
  try {
    await waitFor('a long poll', () => tg.calls('getUpdates').some((c) => c.body.timeout === 30), 180_000, 100);
    await exchange(tg, 1, false);
    watcher = new Worker(new URL('./lib/outbox-watcher.js', import.meta.url), { workerData: { dbPath: join(gw.home.stateDir, 'farclaw.sqlite'), stop } });
    const results = new Promise<{ gone: { chatId: string; goneAtMs: number }[]; maxPollGapMs: number }>((resolve, reject) => {
      watcher?.once('message', resolve);
      watcher?.once('error', reject);
    });
    await new Promise((r) => setTimeout(r, 200));
    const quiet = await exchange(tg, N, false);
    const loaded = await exchange(tg, BURST, true);
    await new Promise((r) => setTimeout(r, 200));
    Atomics.store(new Int32Array(stop), 0, 1);
    const { gone, maxPollGapMs } = await results;
    const counts = new Map<string, number>();
    for (const m of tg.sent) counts.set(m.chatId, (counts.get(m.chatId) ?? 0) + 1);
    const repeated = [...counts.values()].filter((n) => n > 1).length;
    const rows: [string, number[]][] = [[`quiet (${N} one at a time)`, windows(tg, quiet, gone)], [`load (burst of ${BURST})`, windows(tg, loaded, gone)]];
    process.stdout.write('Telegram outbox repeat window: Telegram accepted a reply → the outbox recorded it (ms)\n');
    process.stdout.write(`${'case'.padEnd(28)}${'n'.padStart(6)}${'p50'.padStart(9)}${'p99'.padStart(9)}${'max'.padStart(9)}\n`);
    for (const [name, w] of rows) {
      process.stdout.write(`${name.padEnd(28)}${String(w.length).padStart(6)}${percentile(w, 50).toFixed(2).padStart(9)}${percentile(w, 99).toFixed(2).padStart(9)}${Math.max(...w).toFixed(2).padStart(9)}\n`);
    }
    process.stdout.write(`watcher's longest gap between polls: ${maxPollGapMs.toFixed(1)} ms; chats answered more than once: ${repeated}\n`);
  } finally {
    Atomics.store(new Int32Array(stop), 0, 1);
    await gw.stop();
    await tg.close();
    await model.close();
  }
}

await main();
