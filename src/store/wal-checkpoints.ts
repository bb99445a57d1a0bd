import type { Database } from 'better-sqlite3';
import { onWrites } from './statement-cache.js';

/** A checkpoint runs once no write has come for this long. */
const IDLE_MS = 1_000;

/**
 * Moves WAL checkpoints out of the commits. SQLite checkpoints inside the commit that takes the
 * WAL past `wal_autocheckpoint` pages, and a checkpoint fsyncs the WAL and the database: a stall
 * of the event loop of 5–12 ms on this kind of disk, every couple of hundred commits (a run with
 * a tool call makes six), wherever it falls (in a tool round trip, between two deltas). Here a
 * passive checkpoint runs when the database has had no write for a second, so it lands in a
 * quiet moment, and the WAL it empties rarely reaches SQLite's threshold; writes that never
 * pause for a second still meet SQLite's own checkpoint at its usual 1,000 pages (a bigger
 * threshold only makes that stall longer). Durability is unchanged (WAL with
 * synchronous=NORMAL: a commit is durable at the next checkpoint or close, as before). The timer
 * is unref'd and only armed by writes, so an idle gateway wakes for nothing.
 */
export function checkpointWhenIdle(db: Database, idleMs = IDLE_MS): void {
  let lastWriteAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number): void => {
    timer = setTimeout(check, ms);
    timer.unref();
  };
  function check(): void {
    timer = undefined;
    if (!db.open) return;
    const quietMs = performance.now() - lastWriteAt;
    if (quietMs < idleMs || db.inTransaction) return arm(Math.max(1, idleMs - quietMs));
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // A checkpoint that cannot run now (the database busy or closing) is retried by the next write.
    }
  }
  onWrites(db, () => {
    lastWriteAt = performance.now();
    if (timer === undefined) arm(idleMs);
  });
}
