import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line (style B2: tokens out of logs). */
const REDACT_PATHS = [
  'token', 'password', 'deviceToken', 'bootstrapToken', 'auth.token', 'auth.password',
  'auth.deviceToken', '*.token', '*.password', '*.deviceToken', 'params.auth', 'setupCode', '*.setupCode', '*.bootstrapToken',
];

/** pino's metadata protocol: a destination with this flag gets each record's parts besides its JSON. */
const kPinoMetadata = Symbol.for('pino.metadata');

/**
 * The console side of the gateway log: a pino destination that prints a short human line per
 * record on `out`. It reads the record's level, message, time and merge object from pino's
 * metadata fields (`lastLevel`, `lastMsg`, `lastTime`, `lastObj`), which pino sets just before
 * each `write`, so the JSON text is never parsed back. Per-connection records (their fields carry
 * `conn`) below warn stay in the file log only: a busy gateway's console would otherwise scroll
 * with every CLI call, and each line is a synchronous write on the connect path.
 */
export class HumanLines {
  readonly [kPinoMetadata] = true;
  lastLevel = 30;
  lastMsg: unknown;
  lastTime = '';
  lastObj: Record<string, unknown> | undefined;

  constructor(private readonly out: NodeJS.WritableStream) {}

  /** Takes one record (its JSON text is not needed: pino set the fields above for it). */
  write(_json: string): void {
    const level = this.lastLevel;
    const fields = this.lastObj;
    if (level < 40 && fields?.conn !== undefined) return;
    const ms = Number(this.lastTime);
    const time = new Date(Number.isFinite(ms) && this.lastTime !== '' ? ms : Date.now()).toISOString().slice(11, 19);
    const label = level >= 50 ? 'error' : level >= 40 ? 'warn' : 'info';
    // A message given only as the merge object's `msg` field is the record's message too.
    const msg = this.lastMsg ?? fields?.msg ?? '';
    this.out.write(`${time} ${label} ${String(msg)}\n`);
  }

  /** The console outlives the logger: nothing to close. */
  end(): void {}
}

export interface GatewayLogger {
  logger: Logger;
  file: string;
  /** Closes the file destination (every line is already written). */
  close(): void;
}

/**
 * The gateway's logger: structured JSON lines in `<logDir>/gateway.log` (what `logs.tail`
 * serves) and a human line per record on stderr (or `opts.console`).
 */
export function createGatewayLogger(
  logDir: string,
  opts: { quiet?: boolean; level?: pino.Level; console?: NodeJS.WritableStream } = {},
): GatewayLogger {
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const file = join(logDir, 'gateway.log');
  // Synchronous, unbuffered appends: every line is in the file when the log call returns, so
  // `logs.tail` is live and a crash (even SIGKILL) loses nothing already logged. Lines on the
  // connect path are debug or one per connection, so the cost is one write(2) each.
  const fileDest = pino.destination({ dest: file, sync: true, mode: 0o600 });
  const level = opts.level ?? 'info';
  const streams: pino.StreamEntry[] = [{ stream: fileDest, level }];
  if (!opts.quiet) streams.push({ stream: new HumanLines(opts.console ?? process.stderr), level: 'info' });
  const logger = pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { pid: process.pid } },
    pino.multistream(streams),
  );
  const close = (): void => fileDest.end();
  return { logger, file, close };
}

/** A logger that drops everything (unit tests, CLI). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
