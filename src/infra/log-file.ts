import { closeSync, openSync, writeSync } from 'node:fs';

/** How long a log line may wait in memory before it is appended to the file. */
export const LOG_FLUSH_MS = 100;

/** Buffered text past this many characters is written at once instead of at the next flush. */
const MAX_BUFFERED_CHARS = 64 * 1024;

/** pino's level number for `error`: such records (and `fatal`) are written at once. */
const ERROR_LEVEL = 50;

/** pino's metadata protocol: a destination with this flag is told each record's level. */
const kPinoMetadata = Symbol.for('pino.metadata');

/** Open log files, flushed by one `exit` listener (not one per file: tests open many). */
const openFiles = new Set<BatchedLogFile>();
let exitHooked = false;

function flushAllOnExit(): void {
  for (const file of openFiles) file.flush();
}

/**
 * The gateway's file log as a pino destination: whole lines appended to one file, in batches.
 *
 * A synchronous append per record cost a write(2) per connection on the connect path (about 3%
 * of the gateway's CPU in `npm run bench`'s handshake rounds). Here records wait in memory for at
 * most LOG_FLUSH_MS and leave together in one synchronous append, so `logs.tail` stays live
 * (issue 19 item 5: within a second). Error and fatal records are written at once, and whatever
 * waits is written on `end()` and when the process exits, so an uncaught error or a stop loses
 * nothing; only a SIGKILL can lose the last LOG_FLUSH_MS of lines. A line is never split: the
 * buffer only ever holds whole records.
 */
export class BatchedLogFile {
  readonly [kPinoMetadata] = true;
  /** Set by pino just before each `write`. */
  lastLevel = 30;
  private fd: number;
  private buffered = '';
  private timer: NodeJS.Timeout | undefined;

  /** Opens (or creates, mode 0600) `path` for appending. */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'a', 0o600);
    openFiles.add(this);
    if (!exitHooked) process.on('exit', flushAllOnExit);
    exitHooked = true;
  }

  /** Takes one record's JSON line (with its newline). */
  write(line: string): void {
    if (this.fd < 0) return;
    this.buffered += line;
    if (this.lastLevel >= ERROR_LEVEL || this.buffered.length > MAX_BUFFERED_CHARS) this.flush();
    else this.timer ??= setTimeout(BatchedLogFile.onTimer, LOG_FLUSH_MS, this).unref();
  }

  private static onTimer(file: BatchedLogFile): void {
    file.timer = undefined;
    file.flush();
  }

  /** Appends every waiting line now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffered === '' || this.fd < 0) return;
    const bytes = Buffer.from(this.buffered, 'utf8');
    this.buffered = '';
    try {
      // A regular file takes the whole buffer in one call; the loop only guards a short write.
      for (let off = 0; off < bytes.length;) off += writeSync(this.fd, bytes, off);
    } catch (err) {
      // Disk full or the like: the log cannot report its own failure, and must not crash the gateway.
      process.stderr.write(`gateway log: lines lost (${(err as Error).message})\n`);
    }
  }

  /** Writes what waits and closes the file; later records are dropped. */
  end(): void {
    if (this.fd < 0) return;
    this.flush();
    openFiles.delete(this);
    closeSync(this.fd);
    this.fd = -1;
  }
}
