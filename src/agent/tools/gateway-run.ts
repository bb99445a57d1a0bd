import { mkdirSync } from 'node:fs';
import { runArgv } from '../../infra/argv-run.js';
import type { SystemRunPayload } from './exec-result.js';
import { ToolRefusal } from './node-target.js';

/** Output kept per stream of a gateway-host run: the node host's default cap. */
export const GATEWAY_EXEC_MAX_OUTPUT_BYTES = 65_536;

/**
 * Runs an argv on the gateway host (exec `host: "gateway"`): no shell, its own process group
 * (a timeout, unless `timeoutMs` is 0, or the run's end kills all of it), the gateway's environment minus its
 * credentials plus the checked `env`, in `cwd` or else `defaultCwd` (the agent workspace, created when missing).
 * @throws ToolRefusal when the program is not found or cannot start.
 */
export async function runOnGatewayHost(
  req: { argv: string[]; cwd?: string; env?: Record<string, string>; timeoutMs: number; signal?: AbortSignal },
  opts: { defaultCwd: string; maxOutputBytes?: number },
): Promise<SystemRunPayload> {
  const [program, ...args] = req.argv;
  if (!req.cwd) mkdirSync(opts.defaultCwd, { recursive: true });
  try {
    const r = await runArgv({
      executable: program ?? '', args, cwd: req.cwd ?? opts.defaultCwd, timeoutMs: req.timeoutMs,
      maxOutputBytes: opts.maxOutputBytes ?? GATEWAY_EXEC_MAX_OUTPUT_BYTES, signal: req.signal ?? new AbortController().signal, ...(req.env ? { env: req.env } : {}),
    });
    return {
      exitCode: r.exitCode, timedOut: r.timedOut, success: r.success, stdout: r.stdout, stderr: r.stderr,
      ...(r.signal !== null ? { signal: r.signal } : {}), ...(r.truncated ? { truncated: true } : {}),
    };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ToolRefusal(`exec: "${program ?? ''}" was not found on the gateway host${req.cwd ? ` (or workdir ${req.cwd} does not exist)` : ''}`);
    throw new ToolRefusal(`exec: could not start "${program ?? ''}" on the gateway host (${code ?? 'spawn failed'})`);
  }
}
