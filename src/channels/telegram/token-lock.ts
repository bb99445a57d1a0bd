import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** Another process (or this one) polls with the same bot token; the message says who. */
export class TokenLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenLockedError';
  }
}

/** Tokens this process polls right now (SQLite locks are per process, so check here first). */
const heldHere = new Set<string>();

/**
 * Where the lock of a bot token lives: the machine's temp dir, keyed by a digest of the token,
 * so two gateways under different HOMEs, profiles or state dirs on one machine meet at the same
 * file (issue 16: exactly one poller per bot token). The token itself never appears in the path.
 */
export function tokenLockPath(token: string, dir = tmpdir()): string {
  const digest = createHash('sha256').update(`farclaw-telegram-poller:${token}`).digest('hex').slice(0, 32);
  return join(dir, `farclaw-telegram-${digest}.lock`);
}

/**
 * Takes the exclusive poller lock of a bot token for as long as the handle is open. It is an
 * SQLite file in exclusive locking mode: the OS drops the lock when the holder dies (kill -9
 * included), so a stale lock never blocks a restart. Throws TokenLockedError when held.
 */
export function lockBotToken(token: string, owner: { stateDir: string }, dir?: string): { release(): void } {
  const path = tokenLockPath(token, dir);
  const ownerPath = `${path}.owner`;
  const refuse = (): never => {
    let who = 'another farclaw gateway';
    try {
      const o = JSON.parse(readFileSync(ownerPath, 'utf8')) as { pid?: number; stateDir?: string };
      who = `farclaw gateway pid ${o.pid ?? '?'} (state ${o.stateDir ?? '?'})`;
    } catch {
      // No owner note (yet): the generic wording stays.
    }
    throw new TokenLockedError(`another poller already uses this Telegram bot token: ${who}; this gateway will not poll it`);
  };
  if (heldHere.has(path)) refuse();
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch {
    return refuse();
  }
  try {
    chmodSync(path, 0o600);
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS owner (pid INTEGER NOT NULL)');
    db.transaction(() => {
      db.exec('DELETE FROM owner');
      db.prepare('INSERT INTO owner VALUES (?)').run(process.pid);
    })();
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY') || (err as { code?: string }).code === 'EPERM') refuse();
    throw err;
  }
  heldHere.add(path);
  writeFileSync(ownerPath, JSON.stringify({ pid: process.pid, stateDir: owner.stateDir }), { mode: 0o600 });
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      heldHere.delete(path);
      rmSync(ownerPath, { force: true });
      db.close();
    },
  };
}
