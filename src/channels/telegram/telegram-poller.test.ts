import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { Api } from 'grammy';
import { startFakeTelegram, type FakeTelegram } from '../../../test/helpers/fake-telegram.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { silentLogger } from '../../infra/logger.js';
import { ChannelQueueRepo } from '../../store/channel-queue-repo.js';
import { openStateDb } from '../../store/db.js';
import type { ChannelAccountStatus } from '../channel.js';
import { runPollLoop } from './telegram-poller.js';

const status = (): ChannelAccountStatus => ({
  channel: 'telegram', accountId: 'default', enabled: true, configured: true, state: 'starting', running: true, mode: 'polling',
  botUsername: null, lastStartAt: null, lastPollAt: null, lastInboundAt: null, lastOutboundAt: null,
  backlog: { inbound: 0, outbound: 0 }, lastError: null, problem: null, restarts: 0,
});

describe('the Telegram poll loop (real SQLite, fake Bot API)', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()?.();
  });

  async function setup(): Promise<{ fake: FakeTelegram; queue: ChannelQueueRepo; st: ChannelAccountStatus; stop: () => Promise<void> }> {
    const fake = await startFakeTelegram();
    cleanup.push(() => fake.close());
    const dir = mkdtempSync(join(tmpdir(), 'farclaw-poll-'));
    const db = openStateDb(join(dir, 'state.db'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanup.push(() => db.close());
    const queue = new ChannelQueueRepo(db, { channel: 'telegram', accountId: 'default' });
    const st = status();
    const ac = new AbortController();
    const loop = runPollLoop({
      api: new Api(fake.token, { apiRoot: fake.apiRoot }), queue, status: st, logger: silentLogger(),
      retry: { minDelayMs: 50, maxDelayMs: 200 }, chatOf: () => '1', onStored: () => undefined,
      pollTimeoutS: 1, stallGraceMs: 300,
    }, ac.signal);
    const stop = async () => {
      ac.abort();
      await loop;
    };
    cleanup.push(stop);
    return { fake, queue, st, stop };
  }

  it('cuts a poll that hangs past its timeout (the watchdog) and goes on polling', async () => {
    const { fake, queue, st } = await setup();
    await waitFor('the first long poll', () => fake.calls('getUpdates').some((c) => c.body.timeout === 1));
    fake.inject('getUpdates', { kind: 'hang' }, 1);
    await waitFor('the stall to be noticed', () => /stall/.test(st.lastError ?? ''), 15_000);
    const id = fake.sendText({ id: 5, first_name: 'A' }, 'after the stall');
    await waitFor('the update stored', () => queue.pending().some((r) => r.updateId === id), 15_000);
    assert.equal(queue.nextOffset(), id + 1);
    assert.ok(st.restarts >= 1);
  });

  it('stores a batch before the next poll confirms it, so a stop in between loses nothing', async () => {
    const { fake, queue, stop } = await setup();
    await waitFor('polling', () => fake.calls('getUpdates').length >= 2);
    const a = fake.sendText({ id: 5, first_name: 'A' }, 'one');
    const b = fake.sendText({ id: 6, first_name: 'B' }, 'two');
    await waitFor('both stored', () => queue.pending().length === 2);
    await stop();
    assert.deepEqual(queue.pending().map((r) => r.updateId), [a, b]);
    assert.equal(queue.nextOffset(), b + 1);
  });
});
