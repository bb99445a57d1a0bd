import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { ChannelPairingRepo } from './channel-pairing-repo.js';
import { ChannelQueueRepo } from './channel-queue-repo.js';
import { openStateDb, type Database } from './db.js';

describe('channel queues and sender pairing (SQLite)', () => {
  const open: { db: Database; dir: string }[] = [];
  afterEach(() => {
    for (const o of open.splice(0)) {
      o.db.close();
      rmSync(o.dir, { recursive: true, force: true });
    }
  });
  const fresh = (dir = mkdtempSync(join(tmpdir(), 'farclaw-chq-'))) => {
    const db = openStateDb(join(dir, 'state.db'));
    open.push({ db, dir });
    return { db, dir };
  };
  const KEY = { channel: 'telegram', accountId: 'default' };

  it('stores updates with the offset after them and ignores one delivered again, across a reopen', () => {
    const { db, dir } = fresh();
    const q = new ChannelQueueRepo(db, KEY);
    assert.equal(q.nextOffset(), undefined);
    assert.equal(q.storeBatch([{ updateId: 7, chatId: '1', payload: '{}' }, { updateId: 8, chatId: '2', payload: '{}' }], 1), 2);
    assert.equal(q.nextOffset(), 9);
    assert.ok(q.complete(7, [], 2));
    db.close();
    open.pop();
    const again = new ChannelQueueRepo(fresh(dir).db, KEY);
    assert.equal(again.storeBatch([{ updateId: 7, chatId: '1', payload: '{}' }, { updateId: 8, chatId: '2', payload: '{}' }], 3), 0);
    assert.deepEqual(again.pending().map((r) => r.updateId), [8]);
    assert.equal(again.nextOffset(), 9);
  });

  it('lists the chats with pending updates, oldest first, and gives each chat its own oldest update', () => {
    const { db } = fresh();
    const q = new ChannelQueueRepo(db, KEY);
    q.storeBatch([
      { updateId: 10, chatId: 'b', payload: '{"n":10}' }, { updateId: 11, chatId: 'a', payload: '{"n":11}' },
      { updateId: 12, chatId: 'b', payload: '{"n":12}' }, { updateId: 13, chatId: 'c', payload: '{"n":13}' },
    ], 1);
    assert.deepEqual(q.pendingChats(), ['b', 'a', 'c']);
    assert.equal(q.nextPending('b')?.payload, '{"n":10}');
    assert.ok(q.complete(10, [], 2));
    assert.equal(q.nextPending('b')?.updateId, 12);
    assert.deepEqual(q.pendingChats(), ['a', 'b', 'c']);
    assert.ok(q.complete(12, [], 3));
    assert.equal(q.nextPending('b'), undefined);
    assert.deepEqual(q.pendingChats(), ['a', 'c']);
    // Another bot account on the same database sees none of them.
    const other = new ChannelQueueRepo(db, { channel: 'telegram', accountId: 'other' });
    assert.deepEqual(other.pendingChats(), []);
    assert.equal(other.nextPending('a'), undefined);
  });

  it('records drafts, hands them over when their update completes, and retires the ones left as delete rows', () => {
    const q = new ChannelQueueRepo(fresh().db, KEY);
    q.storeBatch([{ updateId: 1, chatId: '5', payload: '{}' }, { updateId: 2, chatId: '6', payload: '{}' }], 1);
    q.recordDraft({ chatId: '5', messageId: 40, updateId: 1 }, 2);
    q.recordDraft({ chatId: '6', messageId: 41, updateId: 2 }, 2);
    q.recordDraft({ chatId: '6', messageId: 42, updateId: 2 }, 3);
    const edit = { op: 'edit' as const, chatId: '5', targetMessageId: 40, html: 'a', plain: 'a', source: 'reply:1:0' };
    assert.ok(q.complete(1, [edit], 4));
    assert.deepEqual(q.drafts().map((d) => d.messageId), [41, 42], 'the completed update no longer owns a draft');
    assert.equal(q.retireDrafts(5, 1), 0);
    assert.equal(q.retireDrafts(5), 2);
    assert.deepEqual(q.drafts(), []);
    assert.deepEqual(q.outbox().map((r) => [r.op, r.chatId, r.targetMessageId]), [['edit', '5', 40], ['delete', '6', 41], ['delete', '6', 42]]);
    q.editBecomesSend(q.outbox()[0]!.id);
    assert.deepEqual([q.outbox()[0]?.op, q.outbox()[0]?.targetMessageId], ['send', null]);
  });

  it('queues the replies of an update exactly once, in the transaction that marks it done', () => {
    const q = new ChannelQueueRepo(fresh().db, KEY);
    q.storeBatch([{ updateId: 1, chatId: '5', payload: '{}' }], 1);
    const reply = { chatId: '5', html: '<b>a</b>', plain: 'a', source: 'reply:1:0' };
    assert.equal(q.complete(1, [reply, { ...reply, source: 'reply:1:1' }], 2), true);
    assert.equal(q.complete(1, [reply], 3), false);
    assert.deepEqual(q.outbox().map((r) => r.source), ['reply:1:0', 'reply:1:1']);
    const first = q.outbox()[0]!;
    q.deferred(first.id, 100, 'boom');
    assert.equal(q.outbox()[0]?.attempts, 1);
    assert.equal(q.outbox()[0]?.lastError, 'boom');
    q.delivered(first.id);
    assert.equal(q.outboxCount(), 1);
  });

  it('keeps handled updates for dedupe within the retention window only', () => {
    const q = new ChannelQueueRepo(fresh().db, KEY);
    q.storeBatch([{ updateId: 1, chatId: '5', payload: '{}' }], 0);
    q.complete(1, [], 0);
    q.prune(1000);
    assert.equal(q.storeBatch([{ updateId: 1, chatId: '5', payload: '{}' }], 1000), 0, 'still remembered');
    q.prune(31 * 24 * 3600 * 1000);
    assert.equal(q.storeBatch([{ updateId: 1, chatId: '5', payload: '{}' }], 2000), 1, 'forgotten after 30 days');
  });

  it('creates one request per sender, at most three per account, expiring after the ttl', () => {
    const p = new ChannelPairingRepo(fresh().db);
    let n = 0;
    const opts = (nowMs: number) => ({ nowMs, ttlMs: 3_600_000, maxPending: 3, newCode: () => `CODE000${++n}` });
    const req = (sender: string, nowMs = 0) => p.request({ ...KEY, senderId: sender, meta: {} }, opts(nowMs));
    assert.equal(req('a').kind, 'created');
    assert.equal(req('a', 5).kind, 'existing');
    assert.equal(req('b').kind, 'created');
    assert.equal(req('c').kind, 'created');
    assert.equal(req('d').kind, 'full');
    assert.equal(p.list('telegram', 10).length, 3);
    assert.equal(p.list('telegram', 3_600_000).length, 0);
    assert.equal(req('d', 3_600_001).kind, 'created');
  });

  it('approves by code (any case) once, and a rejected code allows nobody', () => {
    const p = new ChannelPairingRepo(fresh().db);
    const code = p.request({ ...KEY, senderId: '777', meta: { username: 'ann' } }, { nowMs: 0, ttlMs: 1000, maxPending: 3, newCode: () => 'ABCDEFGH' });
    assert.equal(code.kind, 'created');
    assert.equal(p.approve('telegram', 'abcdefgh', 10)?.senderId, '777');
    assert.equal(p.approve('telegram', 'ABCDEFGH', 10), undefined);
    assert.ok(p.isApproved('telegram', 'default', '777'));
    p.request({ ...KEY, senderId: '888', meta: {} }, { nowMs: 0, ttlMs: 1000, maxPending: 3, newCode: () => 'ZZZZZZZZ' });
    assert.equal(p.reject('telegram', 'ZZZZZZZZ', 10)?.senderId, '888');
    assert.ok(!p.isApproved('telegram', 'default', '888'));
    assert.equal(p.approve('telegram', 'ABCDEFGH', 5000), undefined, 'expired');
  });

  it('an owed follow-up is settled once: its answer is queued with the topic in the transaction that removes it, across a reopen', () => {
    const { db, dir } = fresh();
    const q = new ChannelQueueRepo(db, KEY);
    const owed = { runId: 'exec-event:a', sessionKey: 'agent:main:main', chatId: '-100', chatType: 'supergroup', senderId: '7', threadId: 42, message: 'note' };
    q.addFollowup(owed, 1);
    q.addFollowup({ ...owed, message: 'the same run again' }, 2);
    const { threadId: _topic, ...untopiced } = owed;
    q.addFollowup({ ...untopiced, runId: 'exec-event:b', chatId: '7', chatType: 'private' }, 3);
    assert.deepEqual(q.followups().map((f) => [f.runId, f.message, f.threadId]), [['exec-event:a', 'note', 42], ['exec-event:b', 'note', undefined]]);
    db.close();
    open.pop();
    const again = new ChannelQueueRepo(fresh(dir).db, KEY);
    const reply = { chatId: '-100', html: '<b>done</b>', plain: 'done', source: 'followup:exec-event:a:0', threadId: 42 };
    assert.ok(again.completeFollowup('exec-event:a', [reply], 4));
    assert.ok(!again.completeFollowup('exec-event:a', [reply], 5), 'settled already: nothing queued twice');
    assert.deepEqual(again.outbox().map((r) => [r.chatId, r.html, r.threadId]), [['-100', '<b>done</b>', 42]]);
    assert.deepEqual(again.followups().map((f) => f.runId), ['exec-event:b']);
    assert.ok(again.completeFollowup('exec-event:b', [], 6));
    assert.equal(again.outboxCount(), 1);
  });
});
