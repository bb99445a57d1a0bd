import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './wait-for.js';

/** A lock dir without an owner file older than this was left by a process that died at once. */
const OWNERLESS_LOCK_STALE_MS = 60_000;
const LOCK_POLL_INTERVAL_MS = 250;

/**
 * Takes a cross-process lock (a directory: mkdir is atomic) and returns its release function.
 *
 * The owner's pid is written inside; a lock whose owner process is gone is removed and taken.
 * Otherwise this waits for the lock to be released, and rejects after `timeoutMs`.
 */
export async function acquireDirLock(lockDir: string, timeoutMs: number): Promise<() => void> {
  const ownerFile = join(lockDir, 'owner.json');
  const tryTake = (): boolean => {
    try {
      mkdirSync(lockDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (isLockStale(lockDir, ownerFile)) rmSync(lockDir, { recursive: true, force: true });
      return false;
    }
    writeFileSync(ownerFile, JSON.stringify({ pid: process.pid }));
    return true;
  };
  await waitFor(`the lock ${lockDir}`, tryTake, timeoutMs, LOCK_POLL_INTERVAL_MS);
  return () => rmSync(lockDir, { recursive: true, force: true });
}

function isLockStale(lockDir: string, ownerFile: string): boolean {
  let owner: unknown;
  try {
    owner = JSON.parse(readFileSync(ownerFile, 'utf8'));
  } catch {
    // The owner writes its pid right after mkdir, so only a long-ownerless lock is abandoned.
    try {
      return Date.now() - statSync(lockDir).mtimeMs > OWNERLESS_LOCK_STALE_MS;
    } catch {
      return false;
    }
  }
  const pid = typeof owner === 'object' && owner !== null ? (owner as { pid?: unknown }).pid : undefined;
  if (typeof pid !== 'number') return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
