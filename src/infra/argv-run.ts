import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';

/** How one argv run ended: exit status and its (capped) output. */
export interface ArgvRunResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  success: boolean;
  stdout: string;
  stderr: string;
  /** Some output was dropped at `maxOutputBytes` (per stream). */
  truncated: boolean;
}

/** One program to start without a shell. */
export interface ArgvRunRequest {
  /** Resolved path or bare name (looked up on PATH by spawn). */
  executable: string;
  args: readonly string[];
  cwd?: string;
  /** Kill after this long; 0 means no limit (an abort still kills). */
  timeoutMs: number;
  /** Cap per stream, in bytes. */
  maxOutputBytes: number;
  signal: AbortSignal;
  /** Variables set over `childEnv()` (already checked by `checkExecEnv`). */
  env?: Readonly<Record<string, string>>;
}

/**
 * The environment of this process minus farclaw's and OpenClaw's own variables, so a program
 * an agent or an operator runs cannot print the gateway credentials they may carry.
 */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FARCLAW_') && !k.startsWith('OPENCLAW_')) env[k] = v;
  return env;
}

/**
 * The file `program` would start as, the way spawn finds it: a name with a slash relative to
 * `cwd`, a bare name on `pathEnv`. Undefined when nothing executable is there.
 */
export function resolveExecutable(program: string, cwd: string, pathEnv: string = process.env.PATH ?? ''): string | undefined {
  const isFile = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (program === '') return undefined;
  if (program.includes('/')) {
    const full = isAbsolute(program) ? program : resolve(cwd, program);
    return isFile(full) ? full : undefined;
  }
  for (const dir of pathEnv.split(delimiter)) {
    if (dir === '') continue;
    const full = join(isAbsolute(dir) ? dir : resolve(cwd, dir), program);
    if (isFile(full)) return full;
  }
  return undefined;
}

/** Keeps the first `max` bytes of a stream and notes whether more came. */
class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly max: number) {}

  /** Keeps what fits; returns the part kept (empty once the cap is reached). */
  push(chunk: Buffer): Buffer {
    const room = this.max - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return chunk.subarray(0, 0);
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
    return kept;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** A program started by `startArgv`, running or ended. */
export interface ArgvRun {
  /** Undefined when the program could not start. */
  readonly pid: number | undefined;
  /** Its stdin when started with `stdin: 'pipe'`, else null. */
  readonly stdin: Writable | null;
  /** Resolves once the program runs. @throws Error (the spawn error, e.g. code ENOENT) when it cannot start. */
  readonly started: Promise<void>;
  /** Its end: exit status and capped output. @throws Error as `started` does. */
  readonly done: Promise<ArgvRunResult>;
  /** Kills its whole process group (SIGKILL); harmless once it has ended. */
  kill(): void;
}

/** How `startArgv` wires the program beyond `ArgvRunRequest`. */
export interface ArgvStartOptions {
  /** `ignore` (default): stdin reads as empty; `pipe`: the caller may write to it. */
  stdin?: 'ignore' | 'pipe';
  /** Each piece of output as it is kept (within the per-stream cap), in arrival order. */
  onOutput?: (stream: 'stdout' | 'stderr', kept: Buffer) => void;
}

/**
 * Runs one program without a shell, in its own process group so a timeout or an abort kills
 * everything it started, with the environment of `childEnv()` plus `req.env`. Resolves with the exit status
 * and capped output.
 * @throws Error (the spawn error, e.g. code ENOENT) when the program cannot start.
 */
export async function runArgv(req: ArgvRunRequest): Promise<ArgvRunResult> {
  return await startArgv(req).done;
}

/**
 * Starts one program as `runArgv` does and hands back the live run: its pid, stdin, and a kill
 * for its process group, so a caller can keep following it after it stops waiting.
 */
export function startArgv(req: ArgvRunRequest, opts: ArgvStartOptions = {}): ArgvRun {
  const stdout = new CappedBuffer(req.maxOutputBytes);
  const stderr = new CappedBuffer(req.maxOutputBytes);
  const child = spawn(req.executable, req.args, {
    cwd: req.cwd, env: req.env ? { ...childEnv(), ...req.env } : childEnv(), stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'], detached: true,
  });
  // A write after the program closed its stdin must not take the gateway down (EPIPE).
  child.stdin?.on('error', () => undefined);
  const killGroup = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const started = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  // `started` may be left unread by callers that only await `done`.
  started.catch(() => undefined);
  const done = new Promise<ArgvRunResult>((resolve, reject) => {
    let timedOut = false;
    const timer = req.timeoutMs > 0 ? setTimeout(() => {
      timedOut = true;
      killGroup();
    }, req.timeoutMs) : undefined;
    const onAbort = (): void => killGroup();
    req.signal.addEventListener('abort', onAbort, { once: true });
    const take = (stream: 'stdout' | 'stderr', buf: CappedBuffer) => (d: Buffer): void => {
      const kept = buf.push(d);
      if (kept.length > 0) opts.onOutput?.(stream, kept);
    };
    child.stdout?.on('data', take('stdout', stdout));
    child.stderr?.on('data', take('stderr', stderr));
    child.once('error', (err) => {
      clearTimeout(timer);
      req.signal.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      req.signal.removeEventListener('abort', onAbort);
      resolve({
        exitCode: code, signal: sig, timedOut, success: code === 0 && !timedOut,
        stdout: stdout.text(), stderr: stderr.text(), truncated: stdout.truncated || stderr.truncated,
      });
    });
  });
  return { pid: child.pid, stdin: child.stdin, started, done, kill: killGroup };
}
