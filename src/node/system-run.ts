import { spawn } from 'node:child_process';
import type { NodeHostPolicy } from './node-config.js';
import { CommandError, type ExecutableFinder } from './system-which.js';

/** `system.run` params: an argv (no shell), optional working directory and time limit. */
export interface RunParams {
  command: string[];
  cwd?: string;
  timeoutMs?: number;
}

/** What the operator gets back: exit status and the (capped) output. */
export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  success: boolean;
  stdout: string;
  stderr: string;
  /** Some output was dropped at `maxOutputBytes` (per stream). */
  truncated: boolean;
}

function parseRunParams(params: unknown): RunParams {
  const p = (params ?? {}) as { command?: unknown; cwd?: unknown; timeoutMs?: unknown };
  if (!Array.isArray(p.command) || p.command.length === 0 || !p.command.every((a) => typeof a === 'string')) {
    throw new CommandError('INVALID_PARAMS', 'system.run needs {"command": ["program", "arg", …]}');
  }
  if (p.cwd !== undefined && typeof p.cwd !== 'string') throw new CommandError('INVALID_PARAMS', 'system.run: cwd must be a string');
  if (p.timeoutMs !== undefined && (typeof p.timeoutMs !== 'number' || !(p.timeoutMs > 0))) {
    throw new CommandError('INVALID_PARAMS', 'system.run: timeoutMs must be a positive number');
  }
  return { command: p.command as string[], ...(p.cwd !== undefined ? { cwd: p.cwd } : {}), ...(p.timeoutMs !== undefined ? { timeoutMs: p.timeoutMs } : {}) };
}

/**
 * The executable `program` resolves to, if the owner's allowlist names it (by bare name or by
 * absolute path). A refusal says why and where to change it; nothing is started.
 */
export function allowedExecutable(program: string, policy: NodeHostPolicy, finder: ExecutableFinder, configPath: string): string {
  const resolved = finder.find(program);
  if (resolved === null) throw new CommandError('NOT_FOUND', `system.run: "${program}" was not found on this node`);
  const byName = !program.includes('/') && policy.runAllow.includes(program);
  const byPath = policy.runAllow.some((a) => a.includes('/') && a === resolved);
  if (!byName && !byPath) {
    throw new CommandError(
      'NOT_ALLOWED',
      `system.run refused: "${program}" is not in nodeHost.systemRun.allow of this node (${configPath})`,
    );
  }
  return resolved;
}

/** The node host's environment minus its gateway credentials: an allowed `env` must not print them. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FARCLAW_') && !k.startsWith('OPENCLAW_')) env[k] = v;
  return env;
}

/** Keeps the first `max` bytes of a stream and notes whether more came. */
class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    const room = this.max - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * Runs one allowlisted program without a shell, in its own process group so a timeout or a
 * cancel kills everything it started. Resolves with the exit status and capped output.
 */
export async function systemRun(
  params: unknown, policy: NodeHostPolicy, finder: ExecutableFinder, configPath: string, budgetMs: number, signal: AbortSignal,
): Promise<RunResult> {
  const p = parseRunParams(params);
  const [program, ...args] = p.command;
  const executable = allowedExecutable(program ?? '', policy, finder, configPath);
  const timeoutMs = Math.max(1, Math.min(p.timeoutMs ?? policy.runTimeoutMs, policy.runTimeoutMs, budgetMs));
  const stdout = new CappedBuffer(policy.maxOutputBytes);
  const stderr = new CappedBuffer(policy.maxOutputBytes);
  return await new Promise<RunResult>((resolve, reject) => {
    const child = spawn(executable, args, { cwd: p.cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let timedOut = false;
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const onAbort = (): void => killGroup();
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    child.once('error', (err) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      reject(new CommandError('SPAWN_FAILED', `system.run: could not start "${program ?? ''}" (${err.message})`));
    });
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve({
        exitCode: code,
        signal: sig,
        timedOut,
        success: code === 0 && !timedOut,
        stdout: stdout.text(),
        stderr: stderr.text(),
        truncated: stdout.truncated || stderr.truncated,
      });
    });
  });
}
