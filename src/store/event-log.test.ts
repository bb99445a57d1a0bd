import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openStateDb, type Database } from './db.js';
import { EventLog } from './event-log.js';

describe('EventLog (durable, per stream)', () => {
  let dir: string;
  let db: Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'farclaw-event-log-'));
    db = openStateDb(join(dir, 'state.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns every entry of a stream after a cursor, in order, with no other stream mixed in', () => {
    const log = new EventLog(db);
    const a1 = log.append('session:a', 'chat', { n: 1 });
    log.append('session:b', 'chat', { n: 99 });
    const a2 = log.append('session:a', 'agent', { n: 2 });
    const a3 = log.append('session:a', 'chat', { n: 3 });
    assert.ok(a1 < a2 && a2 < a3);
    const all = log.since('session:a', 0);
    assert.equal(all.kind, 'entries');
    assert.deepEqual(all.entries.map((e) => [e.cursor, e.event, e.payload]), [[a1, 'chat', { n: 1 }], [a2, 'agent', { n: 2 }], [a3, 'chat', { n: 3 }]]);
    assert.deepEqual(log.since('session:a', a2).entries.map((e) => e.cursor), [a3]);
    assert.deepEqual(log.since('session:a', a3), { kind: 'entries', entries: [], cursor: a3, hasMore: false });
  });

  it('pages with hasMore, and the pages join with no gap and no duplicate', () => {
    const log = new EventLog(db);
    const written = Array.from({ length: 25 }, (_, i) => log.append('s', 'e', i));
    const read: number[] = [];
    let cursor = 0;
    for (;;) {
      const page = log.since('s', cursor, 10);
      read.push(...page.entries.map((e) => e.cursor));
      cursor = page.cursor;
      if (!page.hasMore) break;
    }
    assert.deepEqual(read, written);
  });

  it('keeps at most maxEntriesPerStream and answers reset to a cursor that fell out of retention', () => {
    const log = new EventLog(db, { maxEntriesPerStream: 3, maxAgeMs: 60_000, pruneEveryAppends: 1 });
    const c = Array.from({ length: 6 }, (_, i) => log.append('s', 'e', i));
    const behind = log.since('s', c[1] ?? 0);
    assert.equal(behind.kind, 'reset');
    assert.deepEqual(behind.entries.map((e) => e.payload), [3, 4, 5]);
    const current = log.since('s', c[2] ?? 0);
    assert.equal(current.kind, 'entries');
    assert.deepEqual(current.entries.map((e) => e.payload), [3, 4, 5]);
  });

  it('removes entries older than maxAgeMs and resets readers behind them', () => {
    let now = 1_000_000;
    const log = new EventLog(db, { maxEntriesPerStream: 100, maxAgeMs: 1_000, pruneEveryAppends: 1 }, () => now);
    const old = log.append('s', 'e', 'old');
    now += 5_000;
    log.append('s', 'e', 'new');
    const res = log.since('s', 0);
    assert.equal(res.kind, 'reset');
    assert.deepEqual(res.entries.map((e) => e.payload), ['new']);
    assert.equal(log.since('s', old).kind, 'entries');
  });

  it('prunes in batches by default, never keeping more than a batch over the cap', () => {
    const log = new EventLog(db, { maxEntriesPerStream: 10, maxAgeMs: 60_000, pruneEveryAppends: 5 });
    for (let i = 0; i < 40; i++) log.append('s', 'e', i);
    const kept = log.since('s', 0).entries.length;
    assert.ok(kept >= 10 && kept < 15, `${kept} kept`);
  });

  it('answers reset to a cursor it never issued', () => {
    const log = new EventLog(db);
    log.append('s', 'e', 1);
    assert.equal(log.since('s', 10_000).kind, 'reset');
    assert.equal(log.since('s', -1).kind, 'reset');
  });

  it('never hands out a pruned cursor again, across a reopen', () => {
    const log = new EventLog(db, { maxEntriesPerStream: 1, maxAgeMs: 60_000, pruneEveryAppends: 1 });
    log.append('s', 'e', 1);
    const second = log.append('s', 'e', 2);
    db.close();
    db = openStateDb(join(dir, 'state.sqlite'));
    const third = new EventLog(db, { maxEntriesPerStream: 1, maxAgeMs: 60_000, pruneEveryAppends: 1 }).append('s', 'e', 3);
    assert.ok(third > second);
  });

  it('writes nothing for a payload that cannot be serialised', () => {
    const log = new EventLog(db);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => log.append('s', 'e', cyclic));
    assert.deepEqual(log.since('s', 0).entries, []);
  });
});
