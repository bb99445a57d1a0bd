import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStateDb } from './db.js';
import { StatementCache } from './statement-cache.js';
import { checkpointWhenIdle } from './wal-checkpoints.js';

test('the database file takes the WAL\'s pages once writes pause, not inside a commit of the burst', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'farclaw-wal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'state.db');
  const db = openStateDb(path);
  t.after(() => db.close());
  checkpointWhenIdle(db, 100);
  const sql = new StatementCache(db);
  const now = Date.now();
  sql.get("INSERT INTO chat_session (key, agent_id, session_id, created_at_ms, updated_at_ms, created_via, last_seq) VALUES ('s', 'main', 'sid', ?, ?, 'test', 0)").run(now, now);
  await sleep(300);
  const before = statSync(path).size;
  // 100 commits of five pages or so each, under SQLite's own threshold of 1,000 WAL pages.
  const message = JSON.stringify({ text: 'x'.repeat(5_000) });
  const append = db.transaction((seq: number) => {
    sql.get('UPDATE chat_session SET last_seq = ? WHERE key = ?').run(seq, 's');
    sql.get("INSERT INTO transcript_row (id, session_key, seq, role, kind, run_id, idempotency_key, in_context, message, created_at_ms) VALUES (?, 's', ?, 'user', 'message', NULL, NULL, 1, ?, ?)")
      .run(randomUUID(), seq, message, now);
  });
  for (let seq = 1; seq <= 100; seq += 1) append(seq);
  assert.equal(statSync(path).size, before, 'no checkpoint ran during the burst');
  assert.ok(statSync(`${path}-wal`).size > 100 * 5_000, 'the burst is in the WAL');
  await sleep(600);
  assert.ok(statSync(path).size > before + 100 * 5_000, `the pause checkpointed the rows into the database file (${before} → ${statSync(path).size} bytes)`);
});
