import { mkdirSync } from 'node:fs';
import { runArgv, type ArgvRunResult } from '../../infra/argv-run.js';
import type { SystemRunPayload } from './exec-result.js';
import { ToolRefusal } from './node-target.js';
import type { ProcessRegistry, ProcessSession } from './process-registry.js';

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
    return gatewayRunPayload(r);
  } catch (err) {
    throw startRefusal(err, program, req.cwd);
  }
}

/** A gateway-host run's end in the shape a node's `system.run` answer has. */
export function gatewayRunPayload(r: ArgvRunResult): SystemRunPayload {
  return {
    exitCode: r.exitCode, timedOut: r.timedOut, success: r.success, stdout: r.stdout, stderr: r.stderr,
    ...(r.signal !== null ? { signal: r.signal } : {}), ...(r.truncated ? { truncated: true } : {}),
  };
}

/**
 * Starts an argv on the gateway host as a session of `registry` (exec `host: "gateway"` that may
 * go on in the background): the same program, cwd, environment, group and cap rules as
 * `runOnGatewayHost`; with `hasStdinPipe`, stdin a pipe the `process` tool can write to. Resolves once it runs.
 * @throws ToolRefusal when the program is not found or cannot start.
 */
export async function startOnGatewayHost(
  req: { argv: string[]; cwd?: string; env?: Record<string, string>; timeoutMs: number; command: string; scopeKey: string; hasStdinPipe?: boolean },
  opts: { defaultCwd: string; registry: ProcessRegistry; maxOutputBytes?: number },
): Promise<ProcessSession> {
  if (!req.cwd) mkdirSync(opts.defaultCwd, { recursive: true });
  if (opts.registry.isStopping) throw new ToolRefusal('exec: the gateway is stopping; nothing was started');
  const session = opts.registry.start({
    argv: req.argv, cwd: req.cwd ?? opts.defaultCwd, timeoutMs: req.timeoutMs, maxOutputBytes: opts.maxOutputBytes ?? GATEWAY_EXEC_MAX_OUTPUT_BYTES,
    scopeKey: req.scopeKey, command: req.command, ...(req.env ? { env: req.env } : {}), ...(req.hasStdinPipe ? { hasStdinPipe: true } : {}),
  });
  try {
    await session.started;
  } catch (err) {
    throw startRefusal(err, req.argv[0], req.cwd);
  }
  return session;
}

function startRefusal(err: unknown, program: string | undefined, cwd: string | undefined): ToolRefusal {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new ToolRefusal(`exec: "${program ?? ''}" was not found on the gateway host${cwd ? ` (or workdir ${cwd} does not exist)` : ''}`);
  return new ToolRefusal(`exec: could not start "${program ?? ''}" on the gateway host (${code ?? 'spawn failed'})`);
}
