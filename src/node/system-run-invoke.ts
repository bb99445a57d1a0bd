import { randomUUID } from 'node:crypto';
import type { ExecApprovalsStore } from './exec-approvals.js';
import type { NodeHostPolicy } from './node-config.js';
import { isSnapshotCurrent, parsePolicySnapshot, policySnapshotOf, type PolicySnapshot } from './policy-snapshot.js';
import { formatExecCommand, shellWrapperPayload } from './shell-wrapper.js';
import { systemRun, type RunResult } from './system-run.js';
import { CommandError, type ExecutableFinder } from './system-which.js';
import { trimmedText } from '../infra/text.js';

/** What the `system.run` flow needs from the node host around it. */
export interface SystemRunHost {
  policy: NodeHostPolicy;
  finder: ExecutableFinder;
  configPath: string;
  approvals: ExecApprovalsStore;
  /** Sends `node.event {event, payloadJSON}` and waits for the answer; never throws (a lost note loses nothing). */
  sendEvent(event: 'exec.finished' | 'exec.denied', payload: Record<string, unknown>): Promise<void>;
}

/** The run as `exec.*` events name it (OpenClaw's node host: `sessionKey` defaults to "node"). */
interface Execution {
  sessionKey: string;
  runId: string;
  commandText: string;
  suppressNotifyOnExit: boolean;
}

/** The fields of a `systemRunPlan` the node binds an approval to (assistant.md 8.3 step 3). */
interface BoundPlan {
  argv: string[];
  cwd: string | undefined;
  commandText: string;
  agentId: string | undefined;
  sessionKey: string | undefined;
  policySnapshot: PolicySnapshot | undefined;
}

/**
 * `system.run`'s answer on the wire: the real node host's payload (agent-node-exec.json), plus
 * `signal` and `truncated` when they say something (OpenClaw's gateway reads neither).
 */
export interface SystemRunAnswer {
  exitCode: number | null;
  timedOut: boolean;
  success: boolean;
  stdout: string;
  stderr: string;
  error: null;
  signal?: string;
  truncated?: true;
}

/** The mark OpenClaw's node host puts at the end of capped output, so any gateway's model sees it. */
export const TRUNCATED_MARK = '... (truncated)';

/** The real node host keeps this much of the output's tail in `exec.finished`. */
const EVENT_OUTPUT_TAIL_CHARS = 20_000;
const APPROVAL_DECISIONS = new Set(['allow-once', 'allow-always']);
const APPROVAL_SOURCES = new Set(['ask-fallback', 'auto-review']);

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((a) => typeof a === 'string');

function invalid(message: string): never {
  throw new CommandError('INVALID_REQUEST', message);
}

/** A run's answer, its capped output marked in-band as the real node marks it: on stderr when that has text, else on stdout. */
function answerOf(r: RunResult): SystemRunAnswer {
  let { stdout, stderr } = r;
  if (r.truncated) {
    if (stderr.trim() !== '') stderr = `${stderr}\n${TRUNCATED_MARK}`;
    else stdout = `${stdout}\n${TRUNCATED_MARK}`;
  }
  return {
    exitCode: r.exitCode, timedOut: r.timedOut, success: r.success, stdout, stderr, error: null,
    ...(r.signal !== null ? { signal: r.signal } : {}), ...(r.truncated ? { truncated: true } : {}),
  };
}

/** A plan as OpenClaw's node normalises it, or null when it is not one (no argv or no command text). */
function boundPlanOf(value: unknown): BoundPlan | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (!isStringList(v.argv) || v.argv.length === 0) return null;
  const commandText = trimmedText(v.commandText) ?? trimmedText(v.rawCommand);
  if (commandText === undefined) return null;
  const policySnapshot = v.policySnapshot === undefined ? undefined : parsePolicySnapshot(v.policySnapshot);
  if (policySnapshot === null) return null;
  return { argv: v.argv, cwd: trimmedText(v.cwd), commandText, agentId: trimmedText(v.agentId), sessionKey: trimmedText(v.sessionKey), policySnapshot };
}

/**
 * OpenClaw's `exec.finished`/`exec.denied` output: trimmed, and only its last 20 000 characters
 * behind a `... (truncated) ` mark when longer (never splitting a surrogate pair).
 */
export function eventOutput(output: string): string {
  const trimmed = output.trim();
  if (trimmed === '' || trimmed.length <= EVENT_OUTPUT_TAIL_CHARS) return trimmed === '' ? output : trimmed;
  let start = trimmed.length - EVENT_OUTPUT_TAIL_CHARS;
  const code = trimmed.charCodeAt(start);
  if (code >= 0xdc00 && code <= 0xdfff) start += 1;
  return `... (truncated) ${trimmed.slice(start)}`;
}

/**
 * The checks OpenClaw's node host makes before anything else: the shown command text matches the
 * argv, and a run that claims an operator's approval carries the plan that approval was for,
 * with the same argv, command text, cwd, agent and session (a gateway cannot get approval for
 * one command and run another) and the node policy it was prepared under (`approvedUnder`).
 * @throws CommandError `INVALID_REQUEST` with the real node's message.
 */
function checkRequest(p: Record<string, unknown>, argv: string[]): { commandText: string; approved: boolean; approvedUnder: PolicySnapshot | undefined } {
  const commandText = formatExecCommand(argv);
  const raw = trimmedText(p.rawCommand);
  if (raw !== undefined && raw !== commandText && raw !== shellWrapperPayload(argv)?.trim()) invalid('INVALID_REQUEST: rawCommand does not match command');
  const plan = p.systemRunPlan === undefined ? null : boundPlanOf(p.systemRunPlan);
  if (p.systemRunPlan !== undefined && plan === null) invalid('systemRunPlan invalid');
  const source = p.approvalSource;
  if (source !== undefined && source !== null && !APPROVAL_SOURCES.has(String(source))) invalid('approvalSource invalid');
  const hasSource = source !== undefined && source !== null;
  const hasDecision = typeof p.approvalDecision === 'string' && APPROVAL_DECISIONS.has(p.approvalDecision);
  if (hasSource && (p.approved !== undefined || p.approvalDecision !== undefined)) invalid('approvalSource cannot be combined with explicit approval');
  const isExplicit = p.approved === true || hasDecision;
  if (hasSource || isExplicit) {
    const matches = plan !== null && plan.argv.length === argv.length && plan.argv.every((a, i) => a === argv[i]) &&
      plan.commandText === commandText && plan.cwd === trimmedText(p.cwd) && plan.agentId === trimmedText(p.agentId) &&
      plan.sessionKey === trimmedText(p.sessionKey);
    if (!matches) invalid(hasSource ? 'approvalSource requires matching systemRunPlan' : 'explicit approval requires matching systemRunPlan');
    if (plan.policySnapshot === undefined) invalid('delayed approval requires a prepared policy snapshot');
  }
  return { commandText, approved: isExplicit, approvedUnder: hasSource || isExplicit ? plan?.policySnapshot : undefined };
}

/**
 * `system.run` as OpenClaw's node host answers it: checks the request and its plan, applies this
 * node's approvals policy, runs the command, and tells the gateway how it ended with `node.event
 * exec.finished` (or `exec.denied` for a policy refusal) before the result goes back
 * (assistant.md 8.3 step 8). A cancelled run sends nothing.
 * @throws CommandError: the refusal, after its `exec.denied` where the real node sends one.
 */
export async function handleSystemRun(params: unknown, host: SystemRunHost, budgetMs: number, signal: AbortSignal): Promise<SystemRunAnswer> {
  const p = (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown>;
  if (!isStringList(p.command) || p.command.length === 0) throw new CommandError('INVALID_PARAMS', 'system.run needs {"command": ["program", "arg", …]}');
  const { commandText, approved, approvedUnder } = checkRequest(p, p.command);
  const execution: Execution = {
    sessionKey: trimmedText(p.sessionKey) ?? 'node', runId: trimmedText(p.runId) ?? randomUUID(), commandText,
    suppressNotifyOnExit: p.suppressNotifyOnExit === true,
  };
  const deny = async (reason: string, err: CommandError): Promise<never> => {
    if (!signal.aborted) {
      await host.sendEvent('exec.denied', {
        sessionKey: execution.sessionKey, runId: execution.runId, host: 'node', command: commandText, reason, suppressNotifyOnExit: execution.suppressNotifyOnExit,
      });
    }
    throw err;
  };
  const agentId = trimmedText(p.agentId);
  if (approvedUnder !== undefined && !isSnapshotCurrent(approvedUnder, policySnapshotOf(host.approvals, agentId))) {
    await deny('approval-required', new CommandError('SYSTEM_RUN_DENIED', 'SYSTEM_RUN_DENIED: exec approval policy changed; request approval again'));
  }
  const nodePolicy = host.approvals.policyFor(agentId);
  if (nodePolicy.security === 'deny') await deny('security=deny', new CommandError('SYSTEM_RUN_DENIED', 'SYSTEM_RUN_DISABLED: security=deny'));
  if (nodePolicy.ask === 'always' && !approved) await deny('approval-required', new CommandError('SYSTEM_RUN_DENIED', 'SYSTEM_RUN_DENIED: approval required'));
  let result: RunResult;
  try {
    result = await systemRun(p, host.policy, host.finder, host.configPath, budgetMs, signal);
  } catch (err) {
    // The owner's allowlist is this node's allowlist policy: its refusal is a denial like OpenClaw's allowlist-miss.
    if (err instanceof CommandError && err.code === 'NOT_ALLOWED') await deny('allowlist-miss', err);
    throw err;
  }
  const answer = answerOf(result);
  if (signal.aborted) return answer;
  const output = [answer.stdout, answer.stderr].filter((s) => s !== '').join('\n');
  await host.sendEvent('exec.finished', {
    sessionKey: execution.sessionKey, runId: execution.runId, host: 'node', command: commandText,
    ...(result.exitCode !== null ? { exitCode: result.exitCode } : {}), timedOut: result.timedOut, success: result.success,
    output: eventOutput(output), suppressNotifyOnExit: execution.suppressNotifyOnExit,
  });
  return answer;
}
