import { mkdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line (style B2: tokens out of logs). */
const REDACT_PATHS = [
  'token', 'password', 'deviceToken', 'bootstrapToken', 'auth.token', 'auth.password',
  'auth.deviceToken', '*.token', '*.password', '*.deviceToken', 'params.auth', 'setupCode', '*.setupCode', '*.bootstrapToken',
];

/**
 * Renders pino's JSON lines as short human lines on stderr. Per-connection records (they carry
 * `conn`) below warn stay in the file log only: a busy gateway's console would otherwise scroll
 * with every CLI call, and each line is a synchronous write on the connect path.
 */
export class HumanLines extends Writable {
  constructor(private readonly out: NodeJS.WritableStream) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    try {
      const rec = JSON.parse(chunk.toString()) as { time?: number; level?: number; msg?: string; conn?: string };
      if (rec.conn !== undefined && (rec.level ?? 30) < 40) return done();
      const time = new Date(rec.time ?? Date.now()).toISOString().slice(11, 19);
      const level = (rec.level ?? 30) >= 50 ? 'error' : (rec.level ?? 30) >= 40 ? 'warn' : 'info';
      this.out.write(`${time} ${level} ${rec.msg ?? ''}\n`);
    } catch {
      this.out.write(chunk);
    }
    done();
  }
}

export interface GatewayLogger {
  logger: Logger;
  file: string;
  /** Closes the file destination (every line is already written). */
  close(): void;
}

/**
 * The gateway's logger: structured JSON lines in `<logDir>/gateway.log` (what `logs.tail`
 * serves) and a human line per record on stderr.
 */
export function createGatewayLogger(logDir: string, opts: { quiet?: boolean; level?: pino.Level } = {}): GatewayLogger {
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const file = join(logDir, 'gateway.log');
  // Synchronous, unbuffered appends: every line is in the file when the log call returns, so
  // `logs.tail` is live and a crash (even SIGKILL) loses nothing already logged. Lines on the
  // connect path are debug or one per connection, so the cost is one write(2) each.
  const fileDest = pino.destination({ dest: file, sync: true, mode: 0o600 });
  const level = opts.level ?? 'info';
  const streams: pino.StreamEntry[] = [{ stream: fileDest, level }];
  if (!opts.quiet) streams.push({ stream: new HumanLines(process.stderr), level: 'info' });
  const logger = pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { pid: process.pid } },
    pino.multistream(streams),
  );
  const close = (): void => fileDest.end();
  return { logger, file, close };
}

/** A logger that drops everything (unit tests, CLI). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
