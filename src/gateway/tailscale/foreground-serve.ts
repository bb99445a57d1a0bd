import { spawn, type ChildProcess } from 'node:child_process';
import { isPermissionError } from './tailscale-cli.js';

/** The line a foreground `tailscale serve`/`funnel` prints once its claim is live (assistant.md 12.2). */
export const SERVE_READY_LINE = 'Press Ctrl+C to exit.';
/** How long the claim may take to become ready (OpenClaw: 15 s). */
export const SERVE_READY_TIMEOUT_MS = 15_000;
/** After SIGTERM at shutdown, how long before the claim is killed outright. */
const STOP_GRACE_MS = 5_000;

/** Why a foreground claim did not come up; `output` is what it printed. */
export class ServeClaimError extends Error {
  constructor(message: string, readonly output: string, readonly isPermission: boolean) {
    super(message);
    this.name = 'ServeClaimError';
  }
}

const live = new Set<ChildProcess>();
let isExitHookInstalled = false;

/** A gateway that dies without stopping must not leave its tailnet claim behind. */
function releaseOnExit(child: ChildProcess): void {
  if (!isExitHookInstalled) {
    isExitHookInstalled = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGTERM');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/**
 * A foreground `tailscale serve|funnel --yes --bg=false <port>`: tailscale holds the claim as
 * long as this process runs, so stopping it (SIGTERM) releases it with no `serve reset`.
 */
export class ForegroundServe {
  private exited = false;
  private readonly exit: Promise<void>;
  /** Called once if the claim ends while the gateway still runs. */
  onUnexpectedExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  private stopping = false;

  private constructor(private readonly child: ChildProcess) {
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.exited = true;
      if (!this.stopping) this.onUnexpectedExit?.(code, signal);
      resolve();
    }));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isRunning(): boolean {
    return !this.exited;
  }

  /**
   * Starts the claim and resolves once it printed the ready line. Retries once under `sudo -n`
   * when tailscale refuses for lack of permission. @throws ServeClaimError
   */
  static async start(binary: string, kind: 'serve' | 'funnel', port: number, env: NodeJS.ProcessEnv, readyTimeoutMs = SERVE_READY_TIMEOUT_MS): Promise<ForegroundServe> {
    const args = [kind, '--yes', '--bg=false', String(port)];
    try {
      return await ForegroundServe.spawnReady(binary, args, env, readyTimeoutMs);
    } catch (err) {
      if (!(err instanceof ServeClaimError) || !err.isPermission) throw err;
      try {
        return await ForegroundServe.spawnReady('sudo', ['-n', binary, ...args], env, readyTimeoutMs);
      } catch {
        throw err;
      }
    }
  }

  private static spawnReady(file: string, args: string[], env: NodeJS.ProcessEnv, readyTimeoutMs: number): Promise<ForegroundServe> {
    const shown = `tailscale ${args.slice(file === 'sudo' ? 2 : 0).join(' ')}`;
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      releaseOnExit(child);
      let output = '';
      let isSettled = false;
      const settle = (fn: () => void) => {
        if (isSettled) return;
        isSettled = true;
        clearTimeout(timer);
        fn();
      };
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes(SERVE_READY_LINE)) {
          settle(() => {
            // Keep draining its output so a chatty claim never blocks on a full pipe.
            child.stdout?.resume();
            child.stderr?.resume();
            resolve(new ForegroundServe(child));
          });
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      const timer = setTimeout(() => settle(() => {
        child.kill('SIGKILL');
        reject(new ServeClaimError(`${shown} did not report ready ("${SERVE_READY_LINE}") within ${readyTimeoutMs / 1000} s`, output, false));
      }), readyTimeoutMs);
      child.once('error', (err) => settle(() => reject(new ServeClaimError(`${shown} could not start: ${err.message}`, output, false))));
      child.once('exit', (code, signal) => settle(() => {
        const detail = output.trim().split('\n').find((l) => l.trim() !== '') ?? '';
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        reject(new ServeClaimError(`${shown} ${how}${detail ? `: ${detail}` : ''}`, output, isPermissionError(output)));
      }));
    });
  }

  /** SIGTERM (as OpenClaw does at shutdown), then SIGKILL after a grace period. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exit;
    clearTimeout(timer);
  }
}
