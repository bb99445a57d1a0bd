// The durable event log under SIGKILL (issue 13): a writer process is killed mid-append, over
// and over; every entry it acknowledged is still there with its payload, cursors have no gap
// and no duplicate, and the database passes integrity_check.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStateDb } from '../../src/store/db.js';
import { EventLog } from '../../src/store/event-log.js';
import { REPO_ROOT } from '../helpers/paths.js';

const WRITER = join(REPO_ROOT, 'dist', 'test', 'helpers', 'event-log-writer.js');

/** Runs the writer until it has acknowledged `acks` entries, then SIGKILLs it. */
async function killAfter(dbPath: string, acks: number): Promise<Array<{ cursor: number; i: number }>> {
  const child = spawn(process.execPath, [WRITER, dbPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked: Array<{ cursor: number; i: number }> = [];
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => resolve());
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [cursor, i] = line.split(' ').map(Number);
        acked.push({ cursor: cursor ?? NaN, i: i ?? NaN });
      }
      if (acked.length >= acks && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
  });
  return acked;
}

describe('event log durability under SIGKILL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'farclaw-event-log-kill-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loses no acknowledged entry and is never half-written across 5 kills mid-append', { timeout: 180_000 }, async () => {
    const dbPath = join(dir, 'state.sqlite');
    const acknowledged: Array<{ cursor: number; i: number }> = [];
    for (let round = 0; round < 5; round++) {
      const acked = await killAfter(dbPath, 500 + round * 300);
      assert.ok(acked.length >= 500, `round ${round}: ${acked.length} acks`);
      acknowledged.push(...acked);
      const db = openStateDb(dbPath);
      try {
        assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
        const entries: Array<{ cursor: number; payload: unknown }> = [];
        const log = new EventLog(db, { maxEntriesPerStream: 1_000_000, maxAgeMs: 24 * 60 * 60_000 });
        let cursor = 0;
        for (;;) {
          const page = log.since('kill-test', cursor);
          assert.equal(page.kind, 'entries');
          entries.push(...page.entries);
          cursor = page.cursor;
          if (!page.hasMore) break;
        }
        const byCursor = new Map(entries.map((e) => [e.cursor, e.payload]));
        for (const a of acknowledged) {
          const payload = byCursor.get(a.cursor) as { i: number; pad: string } | undefined;
          assert.ok(payload, `acknowledged cursor ${a.cursor} is missing after round ${round}`);
          assert.equal(payload.i, a.i);
          assert.equal(payload.pad, 'x'.repeat(a.i % 512));
        }
        const cursors = entries.map((e) => e.cursor);
        assert.equal(new Set(cursors).size, cursors.length, 'no duplicate cursor');
        for (let k = 1; k < cursors.length; k++) assert.equal(cursors[k], (cursors[k - 1] ?? 0) + 1, 'no gap between cursors');
      } finally {
        db.close();
      }
    }
  });
});
