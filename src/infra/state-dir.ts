import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { removeFile } from './remove-file.js';

/** A directory the gateway must write to cannot be created or written; `reason` is the OS's word. */
export class StateDirUnwritableError extends Error {
  constructor(readonly dir: string, readonly reason: string) {
    super(`${dir} is not a writable directory (${reason})`);
    this.name = 'StateDirUnwritableError';
  }
}

const WORDS: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no entries can be created there',
  ENOTDIR: 'a parent is not a directory',
  ENOSPC: 'no space left on device',
};

/** The errno code with a few words, e.g. `EROFS: read-only file system`. */
const codeOf = (err: unknown): string => {
  const code = (err as NodeJS.ErrnoException).code;
  if (!code) return (err as Error).message;
  return WORDS[code] ? `${code}: ${WORDS[code]}` : code;
};

/**
 * Creates `dir` and its missing parents one level at a time. Unlike `mkdirSync({recursive})`,
 * which retries forever where a parent exists but refuses children (`/proc/self/fdinfo`), every
 * step here either succeeds or throws.
 * @throws StateDirUnwritableError
 */
function makeDir(dir: string, mode: number): void {
  try {
    if (statSync(dir).isDirectory()) return;
    throw new StateDirUnwritableError(dir, 'not a directory');
  } catch (err) {
    if (err instanceof StateDirUnwritableError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new StateDirUnwritableError(dir, codeOf(err));
  }
  const parent = dirname(dir);
  if (parent !== dir) makeDir(parent, mode);
  try {
    mkdirSync(dir, { mode });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new StateDirUnwritableError(dir, codeOf(err));
  }
}

/**
 * Makes sure each directory exists and a file can be created in it (mode 0700 for new ones),
 * before anything else touches them: a read-only or pseudo file system fails here, once, with
 * the directory named, instead of deep inside the logger or the database.
 * @throws StateDirUnwritableError
 */
export function ensureWritableDirs(dirs: readonly string[]): void {
  for (const dir of dirs) {
    makeDir(dir, 0o700);
    const probe = join(dir, `.write-check-${process.pid}`);
    try {
      closeSync(openSync(probe, 'wx', 0o600));
    } catch (err) {
      throw new StateDirUnwritableError(dir, codeOf(err));
    }
    removeFile(probe);
  }
}
