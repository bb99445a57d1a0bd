import { checkExecEnv, ExecEnvError } from '../infra/exec-env.js';
import { runArgv, type ArgvRunResult } from '../infra/argv-run.js';
import { ShellSyntaxError, splitCommand } from '../infra/shell-words.js';
import type { NodeHostPolicy } from './node-config.js';
import { shellWrapperPayload } from './shell-wrapper.js';
import { CommandError, type ExecutableFinder } from './system-which.js';

/** `system.run` params: an argv, optional working directory and time limit. */
export interface RunParams {
  /** The program and its arguments, or a shell wrapper (`/bin/sh -lc "<cmd>"`) around one command line; runs as given. */
  command: string[];
  cwd?: string;
  /** The caller's limit; absent (or 0 on the wire) leaves the owner's `runTimeoutMs`. */
  timeoutMs?: number;
  /** Variables for the program, under the same rule as the gateway host's (`checkExecEnv`). */
  env?: Record<string, string>;
}

/** What the operator gets back: exit status and the (capped) output. */
export type RunResult = ArgvRunResult;

function parseRunParams(params: unknown): RunParams {
  const p = (params ?? {}) as { command?: unknown; cwd?: unknown; timeoutMs?: unknown; env?: unknown };
  if (!Array.isArray(p.command) || p.command.length === 0 || !p.command.every((a) => typeof a === 'string')) {
    throw new CommandError('INVALID_PARAMS', 'system.run needs {"command": ["program", "arg", …]}');
  }
  if (p.cwd !== undefined && typeof p.cwd !== 'string') throw new CommandError('INVALID_PARAMS', 'system.run: cwd must be a string');
  // 0 is OpenClaw's gateway asking for no limit (exec timeoutSeconds 0): the owner's cap still holds.
  if (p.timeoutMs !== undefined && (typeof p.timeoutMs !== 'number' || !(p.timeoutMs >= 0))) {
    throw new CommandError('INVALID_PARAMS', 'system.run: timeoutMs must be a number of milliseconds, 0 or more');
  }
  let env: Record<string, string> | undefined;
  try {
    env = checkExecEnv(p.env);
  } catch (err) {
    if (err instanceof ExecEnvError) throw new CommandError('INVALID_PARAMS', `system.run: ${err.message}`);
    throw err;
  }
  return {
    command: p.command as string[], ...(p.cwd !== undefined ? { cwd: p.cwd } : {}), ...(typeof p.timeoutMs === 'number' && p.timeoutMs > 0 ? { timeoutMs: p.timeoutMs } : {}),
    ...(env ? { env } : {}),
  };
}

/**
 * The program and arguments `command` asks for: itself, or the command line inside a shell
 * wrapper (`/bin/sh -lc "df -h"` → `["df", "-h"]`), split without a shell, for the owner's
 * allowlist to judge.
 * @throws CommandError `INVALID_REQUEST` (`SYSTEM_RUN_DENIED: …`, assistant.md 8.4) when the line
 *   has shell syntax (chains, pipes, redirections, expansions) this node cannot honour.
 */
export function programArgv(command: readonly string[]): string[] {
  const line = shellWrapperPayload(command);
  if (line === null) return [...command];
  try {
    return splitCommand(line);
  } catch (err) {
    if (err instanceof ShellSyntaxError) throw new CommandError('INVALID_REQUEST', `SYSTEM_RUN_DENIED: ${err.message}`);
    throw err;
  }
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

/**
 * Runs `command` exactly as sent (the argv a plan and an approval show), in its own process
 * group so a timeout or a cancel kills everything it started. A shell wrapper runs through its
 * shell, as OpenClaw's node host runs it (assistant.md 8.3 step 7); its line must still be one
 * allowlisted program without shell syntax, which its shell then finds on its login PATH.
 * Resolves with the exit status and capped output.
 * @throws CommandError `INVALID_PARAMS`, `INVALID_REQUEST` (shell syntax), `NOT_FOUND`,
 *   `NOT_ALLOWED` (before anything starts) or `SPAWN_FAILED`.
 */
export async function systemRun(
  params: unknown, policy: NodeHostPolicy, finder: ExecutableFinder, configPath: string, budgetMs: number, signal: AbortSignal,
): Promise<RunResult> {
  const p = parseRunParams(params);
  const [program] = programArgv(p.command);
  const allowed = allowedExecutable(program ?? '', policy, finder, configPath);
  const [first, ...args] = p.command;
  let executable = allowed;
  if (shellWrapperPayload(p.command) !== null) {
    const shell = finder.find(first ?? '');
    if (shell === null) throw new CommandError('NOT_FOUND', `system.run: the shell "${first ?? ''}" was not found on this node`);
    executable = shell;
  }
  const timeoutMs = Math.max(1, Math.min(p.timeoutMs ?? policy.runTimeoutMs, policy.runTimeoutMs, budgetMs));
  try {
    return await runArgv({ executable, args, ...(p.cwd !== undefined ? { cwd: p.cwd } : {}), timeoutMs, maxOutputBytes: policy.maxOutputBytes, signal, ...(p.env ? { env: p.env } : {}) });
  } catch (err) {
    throw new CommandError('SPAWN_FAILED', `system.run: could not start "${first ?? ''}" (${(err as Error).message})`);
  }
}
