import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** Time one short `tailscale` call may take (status, whois, version; OpenClaw uses 5 s). */
export const TAILSCALE_EXEC_TIMEOUT_MS = 5_000;
const MAX_OUTPUT_BYTES = 400_000;

/** A `tailscale` call that failed: the binary is missing, it timed out, or it exited non-zero. */
export class TailscaleCliError extends Error {
  constructor(
    readonly kind: 'missing' | 'timeout' | 'failed',
    readonly argv: readonly string[],
    message: string,
    readonly stderr = '',
  ) {
    super(message);
    this.name = 'TailscaleCliError';
  }
}

/** Finds `tailscale` on `PATH` (absolute, so a `sudo -n` retry runs the same file). */
export function findTailscaleBinary(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, 'tailscale');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether a failed call's output says it needs root (tailscale's "Access denied", EACCES, …). */
export function isPermissionError(text: string): boolean {
  return /access denied|permission denied|operation not permitted|requires root|must be run as root|run with sudo|requires sudo|need sudo|EACCES/i.test(text);
}

/**
 * Parses a JSON object from tailscale output, tolerating warning lines around it (tailscale
 * prints version-skew warnings before the JSON).
 */
export function parseTailscaleJson(stdout: string): Record<string, unknown> {
  const text = stdout.trim();
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  const parsed: unknown = JSON.parse(start >= 0 && end > start ? text.slice(start, end + 1) : text || '{}');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('tailscale printed JSON that is not an object');
  return parsed as Record<string, unknown>;
}

/** Runs short `tailscale` commands with a deadline, retrying once with `sudo -n` on a permission error. */
export class TailscaleCli {
  constructor(readonly binary: string, private readonly env: NodeJS.ProcessEnv) {}

  /** `tailscale <args>`; resolves with stdout. @throws TailscaleCliError */
  async run(args: readonly string[], timeoutMs = TAILSCALE_EXEC_TIMEOUT_MS): Promise<string> {
    try {
      return await this.exec(this.binary, args, timeoutMs);
    } catch (err) {
      if (!(err instanceof TailscaleCliError) || err.kind !== 'failed' || !isPermissionError(err.stderr || err.message)) throw err;
      try {
        return await this.exec('sudo', ['-n', this.binary, ...args], timeoutMs);
      } catch {
        throw err; // the original refusal says more than sudo's "a password is required"
      }
    }
  }

  /** `tailscale <args>` as parsed JSON. */
  async json(args: readonly string[], timeoutMs = TAILSCALE_EXEC_TIMEOUT_MS): Promise<Record<string, unknown>> {
    const out = await this.run(args, timeoutMs);
    try {
      return parseTailscaleJson(out);
    } catch (err) {
      throw new TailscaleCliError('failed', args, `tailscale ${args.join(' ')} printed unreadable JSON: ${(err as Error).message}`);
    }
  }

  private exec(file: string, args: readonly string[], timeoutMs: number): Promise<string> {
    const argv = ['tailscale', ...args];
    return new Promise((resolve, reject) => {
      execFile(file, args, { env: this.env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: unknown };
        if (e.code === 'ENOENT') return reject(new TailscaleCliError('missing', argv, `${file} not found`));
        if (e.killed) return reject(new TailscaleCliError('timeout', argv, `${argv.join(' ')} did not answer within ${timeoutMs} ms`));
        const detail = (stderr || stdout).trim().split('\n')[0] ?? '';
        reject(new TailscaleCliError('failed', argv, `${argv.join(' ')} failed${typeof e.code === 'number' ? ` (exit ${e.code})` : ''}: ${detail || e.message}`, stderr));
      });
    });
  }
}
