import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes a file so that readers see either the old or the new content, never half of it:
 * temp file (mode 0600) → fsync → rename (or link, with `exclusive`, which fails when the file
 * already exists). Returns false only when `exclusive` and the file existed.
 */
export function writeFileAtomic(path: string, content: string, opts: { exclusive?: boolean; mode?: number } = {}): boolean {
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', opts.mode ?? 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (opts.exclusive) {
      try {
        linkSync(tmp, path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw err;
      }
    } else {
      renameSync(tmp, path);
    }
    return true;
  } finally {
    rmSync(tmp, { force: true });
  }
}
