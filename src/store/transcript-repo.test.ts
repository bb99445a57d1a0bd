import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { ChatRunRepo } from './chat-run-repo.js';
import { openStateDb, type Database } from './db.js';
import { SessionRepo } from './session-repo.js';
import { TranscriptRepo } from './transcript-repo.js';

describe('session, transcript and run repos on a real SQLite file', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    while (cleanup.length) cleanup.pop()?.();
  });
  const open = (dir = mkdtempSync(join(tmpdir(), 'farclaw-transcript-'))): { db: Database; dir: string } => {
    const db = openStateDb(join(dir, 'state.db'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanup.push(() => db.close());
    return { db, dir };
  };
  const user = (text: string, idem?: string) => ({ role: 'user' as const, kind: 'message' as const, inContext: true, message: { role: 'user', content: text }, ...(idem ? { idempotencyKey: idem } : {}) });

  test('rows get stable ids and consecutive per-session seqs that survive reopening', () => {
    const { db, dir } = open();
    const sessions = new SessionRepo(db);
    const rows = new TranscriptRepo(db);
    sessions.ensure('agent:main:main', 'main', 'operator');
    sessions.ensure('agent:main:other', 'main', 'operator');
    const a = rows.append('agent:main:main', user('one'));
    rows.append('agent:main:other', user('x'));
    const b = rows.append('agent:main:main', user('two'));
    assert.deepEqual([a.seq, b.seq], [1, 2]);
    db.close();
    const again = openStateDb(join(dir, 'state.db'));
    cleanup.push(() => again.close());
    const reread = new TranscriptRepo(again).latest('agent:main:main', 10);
    assert.deepEqual(reread.map((r) => [r.id, r.seq, r.message.content]), [[a.id, 1, 'one'], [b.id, 2, 'two']]);
    assert.equal(new SessionRepo(again).get('agent:main:main')?.lastSeq, 2);
  });

  test('an append hands its session the row it stamped, the same a fresh read gives, unless a caller\'s transaction may still roll it back', () => {
    let clock = 1_000;
    const { db } = open();
    const sessions = new SessionRepo(db, () => clock);
    const rows = new TranscriptRepo(db, () => clock, sessions);
    sessions.ensure('agent:main:main', 'main', 'operator');
    clock = 2_000;
    rows.append('agent:main:main', user('one'));
    const kept = sessions.get('agent:main:main');
    assert.deepEqual([kept?.lastSeq, kept?.updatedAtMs], [1, 2_000]);
    assert.deepEqual(kept, new SessionRepo(db).get('agent:main:main'));
    assert.ok(Object.isFrozen(kept));
    // An append inside a transaction that rolls back leaves nothing behind, in the file or in memory.
    clock = 3_000;
    assert.throws(() => db.transaction(() => {
      rows.append('agent:main:main', user('two'));
      throw new Error('roll back');
    })(), /roll back/);
    assert.deepEqual([sessions.get('agent:main:main')?.lastSeq, sessions.get('agent:main:main')?.updatedAtMs], [1, 2_000]);
    assert.equal(rows.latest('agent:main:main', 10).length, 1);
  });

  test('an idempotency key stores the row once', () => {
    const { db } = open();
    new SessionRepo(db).ensure('k', 'main', 'operator');
    const rows = new TranscriptRepo(db);
    const first = rows.append('k', user('hi', 'run-1:user'));
    const second = rows.append('k', user('hi', 'run-1:user'));
    assert.equal(second.id, first.id);
    assert.equal(rows.count('k'), 1);
  });

  test('latest() pages backwards and since() returns every later row', () => {
    const { db } = open();
    new SessionRepo(db).ensure('k', 'main', 'operator');
    const rows = new TranscriptRepo(db);
    for (let i = 1; i <= 25; i += 1) rows.append('k', user(`m${i}`));
    assert.deepEqual(rows.latest('k', 3).map((r) => r.seq), [23, 24, 25]);
    assert.deepEqual(rows.latest('k', 3, 23).map((r) => r.seq), [20, 21, 22]);
    assert.deepEqual(rows.since('k', 22, 100).map((r) => r.seq), [23, 24, 25]);
  });

  test('the model context starts after the last reset boundary and skips rows out of context', () => {
    const { db } = open();
    new SessionRepo(db).ensure('k', 'main', 'operator');
    const rows = new TranscriptRepo(db);
    rows.append('k', user('old'));
    rows.append('k', { role: 'system', kind: 'reset', inContext: false, message: { role: 'system', content: [{ type: 'text', text: 'Reset' }] } });
    rows.append('k', user('new'));
    rows.append('k', { role: 'assistant', kind: 'aborted', inContext: false, message: { role: 'assistant', content: 'partial' } });
    assert.deepEqual(rows.context('k', 50).map((r) => r.message.content), ['new']);
  });

  test('deleting a session removes its transcript; patch merges and null removes', () => {
    const { db } = open();
    const sessions = new SessionRepo(db);
    const rows = new TranscriptRepo(db);
    sessions.ensure('k', 'main', 'operator', { label: 'a' });
    rows.append('k', user('x'));
    assert.deepEqual(sessions.patch('k', { pinned: true, label: null })?.patch, { pinned: true });
    assert.equal(sessions.delete('k'), true);
    assert.equal(rows.count('k'), 0);
  });

  test('runs insert once per id and keep their outcome', () => {
    const { db } = open();
    const runs = new ChatRunRepo(db);
    assert.equal(runs.insert({ runId: 'r', sessionKey: 'k', kind: 'chat', status: 'queued', request: { message: 'hi' } }), true);
    assert.equal(runs.insert({ runId: 'r', sessionKey: 'k', kind: 'chat', status: 'queued', request: {} }), false);
    runs.markStarted('r');
    assert.deepEqual(runs.withStatus('running').map((r) => r.runId), ['r']);
    runs.finish('r', 'ok', { text: 'done' });
    assert.deepEqual(runs.get('r')?.outcome, { text: 'done' });
    assert.equal(runs.get('r')?.status, 'ok');
  });

  test("the context's reset boundary is read from an index, not by visiting every row of the session", () => {
    const { db } = open();
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT max(seq) AS s FROM transcript_row WHERE session_key = ? AND kind = 'reset'").all('k') as { detail: string }[];
    assert.ok(plan.some((p) => p.detail.includes('transcript_row_resets')), JSON.stringify(plan));
    const sessions = new SessionRepo(db);
    const rows = new TranscriptRepo(db);
    sessions.ensure('agent:main:main', 'main', 'operator');
    rows.append('agent:main:main', user('before'));
    rows.append('agent:main:main', { role: 'system', kind: 'reset', inContext: false, message: { role: 'system', content: 'reset' } });
    rows.append('agent:main:main', user('after'));
    assert.deepEqual(rows.context('agent:main:main', 10).map((r) => r.message.content), ['after']);
  });
});
