import { chmodSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrate.js';
import { checkpointWhenIdle } from './wal-checkpoints.js';

export type { Database } from 'better-sqlite3';

/** Opens (creating if needed) the state database in WAL mode and migrates it. */
export function openStateDb(path: string): Database.Database {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path);
  try {
    chmodSync(path, 0o600);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    checkpointWhenIdle(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Another process holds the state directory. */
export class StateDirLockedError extends Error {}

/**
 * Takes the exclusive lifecycle lock of a state dir for as long as the returned handle is open.
 * It is an SQLite file held in exclusive locking mode: the OS drops the lock if we crash, so a
 * stale lock can never block the next start.
 */
export function lockStateDir(stateDir: string): { release(): void } {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const lockPath = join(stateDir, 'gateway.lock');
  const db = new Database(lockPath);
  chmodSync(lockPath, 0o600);
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS owner (pid INTEGER NOT NULL, started_at_ms INTEGER NOT NULL)');
    db.transaction(() => {
      db.exec('DELETE FROM owner');
      db.prepare('INSERT INTO owner VALUES (?, ?)').run(process.pid, Date.now());
    })();
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
      throw new StateDirLockedError(`another farclaw process owns gateway-lifecycle in ${stateDir}`);
    }
    throw err;
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      db.close();
    },
  };
}
