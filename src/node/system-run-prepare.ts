import { realpathSync, statSync } from 'node:fs';
import { checkExecEnv, ExecEnvError } from '../infra/exec-env.js';
import type { ExecApprovalsStore, ExecAsk, ExecSecurity } from './exec-approvals.js';
import type { NodeHostPolicy } from './node-config.js';
import { policySnapshotOf, type PolicySnapshot } from './policy-snapshot.js';
import { formatExecCommand, shellWrapperPayload } from './shell-wrapper.js';
import { allowedExecutable, programArgv } from './system-run.js';
import { CommandError, type ExecutableFinder } from './system-which.js';

/** The plan a gateway binds its approval to and sends back with `system.run` (assistant.md 8.3 step 3). */
export interface SystemRunPlan {
  argv: string[];
  cwd: string;
  /** `/bin/sh -lc "<cmd>"`: the argv as one line. */
  commandText: string;
  /** The command line inside a shell wrapper, as the operator should read it; null without one. */
  commandPreview: string | null;
  agentId: string | null;
  sessionKey: string | null;
  /** The node's policy for the agent now; an approval of this plan holds only while it is unchanged. */
  policySnapshot: PolicySnapshot;
}

/** `system.run.prepare`'s answer, in OpenClaw's shape. */
export interface PreparedRunPayload {
  plan: SystemRunPlan;
  execPolicy: { security: ExecSecurity; ask: ExecAsk };
  /** The executable an allow-always entry would have to name to cover this run. */
  allowAlwaysCoverage: { complete: boolean; patterns: { pattern: string }[] };
}

const optionalText = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

function invalid(message: string): never {
  throw new CommandError('INVALID_REQUEST', message);
}

/** The working directory the run will use, resolved now so the approval names the real one. */
function boundCwd(cwd: unknown): string {
  if (cwd !== undefined && cwd !== null && typeof cwd !== 'string') invalid('system.run.prepare: cwd must be a string');
  try {
    const real = realpathSync(typeof cwd === 'string' && cwd.trim() !== '' ? cwd : process.cwd());
    if (!statSync(real).isDirectory()) throw new Error('not a directory');
    return real;
  } catch {
    return invalid('SYSTEM_RUN_DENIED: working directory does not exist or is inaccessible');
  }
}

/**
 * `system.run.prepare {command, rawCommand?, cwd?, env?, agentId?, sessionKey?}`: checks what the
 * run would do before anyone is asked about it, and answers the plan the approval binds to.
 * A shell wrapper (`/bin/sh -lc "<cmd>"`) is unwrapped for the preview and for the checks, as
 * OpenClaw's node host does, and the plan keeps the wrapper: that argv is what `system.run` runs.
 * Unlike OpenClaw's, this node runs one allowlisted program per command, so a line with shell
 * syntax is refused here, and so is a program outside the owner's allowlist (nobody is asked
 * about a command that would be refused anyway).
 * @throws CommandError `INVALID_REQUEST` (bad params, shell syntax, mismatching rawCommand,
 *   refused env, missing cwd), `NOT_FOUND` / `NOT_ALLOWED` (the program).
 */
export function systemRunPrepare(
  params: unknown, policy: NodeHostPolicy, finder: ExecutableFinder, configPath: string, approvals: ExecApprovalsStore,
): PreparedRunPayload {
  const p = (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown>;
  const argv = p.command;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) invalid('system.run.prepare: command required (an argv)');
  const payload = shellWrapperPayload(argv as string[]);
  const commandText = formatExecCommand(argv as string[]);
  const commandPreview = payload !== null && payload.trim() !== commandText ? payload.trim() : null;
  const raw = optionalText(p.rawCommand);
  // The line the gateway shows must be the one that runs (OpenClaw's RAW_COMMAND_MISMATCH).
  if (raw !== null && raw !== commandText && raw !== commandPreview) invalid('INVALID_REQUEST: rawCommand does not match command');
  const program = programArgv(argv as string[]);
  const executable = allowedExecutable(program[0] ?? '', policy, finder, configPath);
  try {
    checkExecEnv(p.env);
  } catch (err) {
    if (err instanceof ExecEnvError) invalid(`SYSTEM_RUN_DENIED: ${err.message}`);
    throw err;
  }
  const agentId = optionalText(p.agentId);
  const nodePolicy = approvals.policyFor(agentId ?? undefined);
  return {
    plan: {
      argv: argv as string[], cwd: boundCwd(p.cwd), commandText, commandPreview, agentId, sessionKey: optionalText(p.sessionKey),
      policySnapshot: policySnapshotOf(approvals, agentId ?? undefined),
    },
    execPolicy: { security: nodePolicy.security, ask: nodePolicy.ask },
    allowAlwaysCoverage: { complete: true, patterns: [{ pattern: executable }] },
  };
}
