import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { startArgv, type ArgvRun, type ArgvRunRequest, type ArgvRunResult } from '../../infra/argv-run.js';
import { processStart, type ProcessStart } from '../../infra/proc-stat.js';
import { reapPidRecords, writePidRecord, type OrphanContext, type ReapedRecord } from './process-records.js';

/** OpenClaw's `tools.exec.cleanupMs` default: a finished background session is kept 30 min. */
export const FINISHED_SESSION_TTL_MS = 1_800_000;
/** OpenClaw holds the finished-session TTL within 1 min … 3 h. */
const MIN_TTL_MS = 60_000;
const MAX_TTL_MS = 3 * 60 * 60 * 1000;

/** `tools.exec.cleanupMs` as OpenClaw reads it: unset is 30 min, held within 1 min … 3 h. */
export function finishedSessionTtlMs(configuredMs: number | undefined): number {
  const ms = configuredMs !== undefined && Number.isFinite(configuredMs) ? configuredMs : FINISHED_SESSION_TTL_MS;
  return Math.min(MAX_TTL_MS, Math.max(MIN_TTL_MS, Math.floor(ms)));
}

/** How long `stop()` waits for killed process groups to report their end. */
const STOP_WAIT_MS = 5_000;

/** Why a session ended: its own exit, its time limit, the `process` tool's kill, or the gateway's stop. */
export type ProcessEndReason = 'exit' | 'timeout' | 'killed' | 'gateway-stop';

/** How a session ended. */
export interface ProcessEnd {
  exitCode: number | null;
  signal: string | null;
  reason: ProcessEndReason;
  /** The capped per-stream output, as a foreground run reports it. */
  result: ArgvRunResult;
}

/** What to start: an argv without a shell, as `runArgv` takes it, plus who started it. */
export interface ProcessStartRequest {
  argv: readonly string[];
  cwd: string;
  env?: Readonly<Record<string, string>>;
  /** Kill after this long; 0 means no limit. */
  timeoutMs: number;
  maxOutputBytes: number;
  /** The chat session whose agent started it: only that session's `process` tool sees it. */
  scopeKey: string;
  /** The command line as the model wrote it. */
  command: string;
  /**
   * A stdin the `process` tool can write to; else stdin reads as empty, as a foreground run's
   * always did (a pipe costs ~2 ms a spawn on bench:tools, so only calls that ask for continuation get one).
   */
  hasStdinPipe?: boolean;
}

/** Adjectives and nouns of session ids ("calm-heron"), short enough to type. */
const ID_ADJECTIVES = ['amber', 'brisk', 'calm', 'clear', 'crisp', 'deft', 'eager', 'fair', 'fleet', 'glad', 'keen', 'lucid', 'mellow', 'neat', 'nimble', 'plain', 'quick', 'quiet', 'rapid', 'steady', 'sunny', 'swift', 'tidy', 'warm'];
const ID_NOUNS = ['alder', 'badger', 'brook', 'cedar', 'comet', 'dune', 'ember', 'fern', 'finch', 'fjord', 'grove', 'harbor', 'heron', 'island', 'lark', 'maple', 'meadow', 'otter', 'pine', 'reef', 'ridge', 'river', 'summit', 'willow'];

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;

/**
 * One command the exec tool started on the gateway host: its output so far (each stream capped
 * as a foreground run's), where the next poll reads from, and how it ended.
 */
export class ProcessSession {
  /** Unique for the gateway's life (the completion note's key); `id` is the short public name. */
  readonly key = randomUUID();
  readonly startedAt = Date.now();
  endedAt: number | undefined;
  end: ProcessEnd | undefined;
  /** Whether the exec tool stopped waiting for it (only these are listed and kept after their end). */
  backgrounded = false;
  /** stdout and stderr interleaved as they came, within the per-stream caps. */
  output = '';
  /** Where the next `poll` starts reading `output`. */
  pollOffset = 0;
  /** Resolves at its end (never rejects once started). */
  readonly done: Promise<ProcessEnd>;
  /** @internal Why the registry killed it, when it did. */
  killReason: 'killed' | 'gateway-stop' | undefined;
  /**
   * @internal What names its first process for good (Linux), read at spawn: once that process
   * exits and is reaped its pid may go to another, and only the group it started lives on.
   */
  processStart: ProcessStart | undefined;

  constructor(
    readonly id: string,
    readonly request: ProcessStartRequest,
    private readonly run: ArgvRun,
    done: Promise<ArgvRunResult>,
  ) {
    this.done = done.then((result) => {
      this.endedAt = Date.now();
      this.end = {
        exitCode: result.exitCode, signal: result.signal, result,
        reason: this.killReason ?? (result.timedOut ? 'timeout' : 'exit'),
      };
      return this.end;
    });
  }

  get pid(): number | undefined {
    return this.run.pid;
  }

  get stdin(): Writable | null {
    return this.run.stdin;
  }

  /** Resolves once the program runs. @throws Error (the spawn error) when it cannot start. */
  get started(): Promise<void> {
    return this.run.started;
  }

  /** Whether some output was dropped at the cap. */
  get truncated(): boolean {
    return this.end?.result.truncated ?? false;
  }

  /** @internal Kills its process group, remembering why. */
  kill(reason: 'killed' | 'gateway-stop'): void {
    if (this.end) return;
    this.killReason ??= reason;
    this.run.kill();
  }

  /** @internal Appends a piece of output. */
  append(text: string): void {
    this.output += text;
  }
}

/**
 * The gateway's background commands (OpenClaw's process registry; docs/gateway/background-process.md):
 * every gateway-host exec starts here; one the exec tool stops waiting for (`yieldMs`,
 * `background`) stays listed for the `process` tool of the session that started it, and after its
 * end for `cleanupMs`. `stop()` kills every process group still running.
 */
export class ProcessRegistry {
  private readonly sessions = new Map<string, ProcessSession>();
  private readonly expiries = new Map<string, NodeJS.Timeout>();
  private isStopped = false;
  private isExitHooked = false;
  private readonly ttlMs: () => number;
  private readonly recordsDir: string | undefined;
  private readonly onProcessExit = (): void => {
    for (const s of this.sessions.values()) s.kill('gateway-stop');
  };

  /**
   * @param opts.ttlMs how long a finished background session stays (read at each end: config may change).
   * @param opts.recordsDir where background commands leave pid records, so the next start kills
   *   what a gateway that died without `stop()` (SIGKILL, a crash) left running.
   */
  constructor(opts: { ttlMs?: () => number; recordsDir?: string } = {}) {
    this.ttlMs = opts.ttlMs ?? (() => FINISHED_SESSION_TTL_MS);
    this.recordsDir = opts.recordsDir;
  }

  /**
   * Kills the process groups of background commands a dead gateway left behind (see
   * `reapPidRecords`); returns the records found. Call at start, with the state dir locked.
   */
  reapOrphans(): ReapedRecord[] {
    return this.recordsDir ? reapPidRecords(this.recordsDir) : [];
  }

  /** Whether `stop()` was called (nothing starts any more). */
  get isStopping(): boolean {
    return this.isStopped;
  }

  /**
   * Starts a command in its own process group; `started` of the answer says whether it runs.
   * A session that ends before it is backgrounded is forgotten at its end.
   * @throws Error when the registry is stopped.
   */
  start(req: ProcessStartRequest): ProcessSession {
    if (this.isStopped) throw new Error('the gateway is stopping');
    if (!this.isExitHooked) {
      // A gateway that exits without stop() (a crash in its own code) still takes its commands along.
      this.isExitHooked = true;
      process.on('exit', this.onProcessExit);
    }
    const [executable, ...args] = req.argv;
    const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
    let session: ProcessSession | undefined;
    const runReq: ArgvRunRequest = {
      executable: executable ?? '', args, cwd: req.cwd, timeoutMs: req.timeoutMs, maxOutputBytes: req.maxOutputBytes,
      signal: new AbortController().signal, ...(req.env ? { env: req.env } : {}),
    };
    const run = startArgv(runReq, { stdin: req.hasStdinPipe ? 'pipe' : 'ignore', onOutput: (stream, kept) => session?.append(decoders[stream].write(kept)) });
    const done = run.done.then((result) => {
      session?.append(decoders.stdout.end() + decoders.stderr.end());
      return result;
    });
    session = new ProcessSession(this.freeId(), req, run, done);
    const s = session;
    // Read before this tick ends: the child cannot be reaped (and its pid reused) until then.
    s.processStart = this.recordsDir !== undefined && run.pid !== undefined ? processStart(run.pid) : undefined;
    this.sessions.set(s.id, s);
    s.done.then(() => {
      if (!s.backgrounded) this.forget(s);
      else this.expireLater(s);
    }, () => this.forget(s));
    return s;
  }

  /**
   * Keeps following a running session the exec tool stopped waiting for; `onEnd` runs once, at
   * its end (also when `stop()` kills it). `orphan` is kept with its pid record for a start that
   * finds it orphaned (its audit line and where its note goes).
   */
  background(s: ProcessSession, onEnd: (s: ProcessSession, end: ProcessEnd) => void, orphan?: OrphanContext): void {
    s.backgrounded = true;
    const record = this.recordsDir && s.pid !== undefined ? writePidRecord(this.recordsDir, s.pid, s.request.argv, s.startedAt, orphan, s.processStart) : undefined;
    void s.done.then((end) => {
      if (record) rmSync(record, { force: true });
      onEnd(s, end);
    }, () => undefined);
  }

  /** The background sessions of `scopeKey`, oldest first. */
  list(scopeKey: string): ProcessSession[] {
    return [...this.sessions.values()].filter((s) => s.backgrounded && s.request.scopeKey === scopeKey);
  }

  /** A background session of `scopeKey` (another session's id reads as unknown). */
  get(id: string, scopeKey: string): ProcessSession | undefined {
    const s = this.sessions.get(id);
    return s?.backgrounded && s.request.scopeKey === scopeKey ? s : undefined;
  }

  /** Kills a running session's process group (the `process` tool's kill). */
  kill(s: ProcessSession): void {
    s.kill('killed');
  }

  /** Drops a session from the registry (its process, if running, is the caller's to kill first). */
  remove(s: ProcessSession): void {
    this.forget(s);
  }

  /** Kills every running process group and waits (bounded) until each has reported its end. Idempotent. */
  async stop(): Promise<void> {
    this.isStopped = true;
    process.off('exit', this.onProcessExit);
    for (const t of this.expiries.values()) clearTimeout(t);
    this.expiries.clear();
    const running = [...this.sessions.values()].filter((s) => !s.end);
    for (const s of running) s.kill('gateway-stop');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => (timer = setTimeout(r, STOP_WAIT_MS)));
    await Promise.race([Promise.allSettled(running.map((s) => s.done)), deadline]);
    clearTimeout(timer);
    this.sessions.clear();
  }

  /** Drops `s` (never a later session that took its id after a remove). */
  private forget(s: ProcessSession): void {
    if (this.sessions.get(s.id) !== s) return;
    this.sessions.delete(s.id);
    clearTimeout(this.expiries.get(s.id));
    this.expiries.delete(s.id);
  }

  private expireLater(s: ProcessSession): void {
    if (this.isStopped || this.sessions.get(s.id) !== s) return;
    const timer = setTimeout(() => this.forget(s), this.ttlMs());
    timer.unref();
    this.expiries.set(s.id, timer);
  }

  /** A two-word id no live or kept session has. */
  private freeId(): string {
    for (let i = 0; i < 20; i++) {
      const id = `${pick(ID_ADJECTIVES)}-${pick(ID_NOUNS)}`;
      if (!this.sessions.has(id)) return id;
    }
    for (let n = 2; ; n++) {
      const id = `${pick(ID_ADJECTIVES)}-${pick(ID_NOUNS)}-${n}`;
      if (!this.sessions.has(id)) return id;
    }
  }
}
