import { unlinkSync } from 'node:fs';

/**
 * Removes the file at `path`, and does nothing when there is none: `rmSync(path, { force: true })`
 * for a file. Node 20's `rmSync` loads its recursive remover (`internal/fs/rimraf`) on its first
 * call, even for one file; on the gateway's start path that built-in would be compiled after V8's
 * flags changed (infra/heap-tuning.ts), from source and with a fresh code cache that an idle
 * gateway then keeps (issue 13: idle RSS).
 * @throws the unlink error (EISDIR, EACCES…) for anything but a missing file
 */
export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
