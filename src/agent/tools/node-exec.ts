import { randomUUID } from 'node:crypto';
import { GatewayError } from '../../protocol/errors.js';
import { HEADLESS_APPROVAL_REASON, type ExecArgs, type ExecAuditEntry, type ExecDecision, type ExecMode, type ExecToolDeps } from './exec-tool.js';
import type { SystemRunPayload } from './exec-result.js';
import { nodeAllowlistCovers, nodeShellArgv, parsePreparedRun, policyOfMode, type PreparedRun } from './node-prepare.js';
import { ToolRefusal, type ToolNode } from './node-target.js';
import { ShellSyntaxError, splitCommand } from '../../infra/shell-words.js';
import { nodeTimeouts, type ExecTimeouts } from './exec-timeouts.js';

/** One `exec host=node` call on a node that prepares runs. */
export interface PreparedExecCall {
  args: ExecArgs;
  node: ToolNode;
  mode: Exclude<ExecMode, 'deny'>;
  timeouts: ExecTimeouts;
  toolCallId: string;
  signal: AbortSignal | undefined;
  /** The model's checked variables, sent with `system.run.prepare` and `system.run` as OpenClaw does (the node applies its own rule too). */
  env?: Record<string, string>;
}

/**
 * A node's refusal as the model sees it: the node's own code and message (`INVALID_REQUEST:
 * SYSTEM_RUN_DENIED: …`, assistant.md 8.4), not the gateway's wrapper around it.
 */
function nodeRefusal(err: unknown): unknown {
  if (!(err instanceof GatewayError)) return err;
  const nodeError = (err.details as { nodeError?: { code?: unknown; message?: unknown } } | undefined)?.nodeError;
  if (typeof nodeError?.code === 'string' && typeof nodeError.message === 'string' && nodeError.code !== 'DISCONNECTED' && nodeError.code !== 'TIMEOUT') {
    return new ToolRefusal(`${nodeError.code}: ${nodeError.message}`);
  }
  return err;
}

/** The program of a prepared command line when it is one simple command (for `tools.exec.allow`). */
function programOf(commandLine: string): string | undefined {
  try {
    return splitCommand(commandLine)[0];
  } catch (err) {
    if (err instanceof ShellSyntaxError) return undefined;
    throw err;
  }
}

/** Whether the gateway's allowlist, a stored grant, or the node's own approvals cover the run. */
async function isCovered(deps: ExecToolDeps, call: PreparedExecCall, run: PreparedRun, security: string): Promise<boolean> {
  const program = programOf(run.commandPreview);
  if (program !== undefined && deps.settings().allow.includes(program)) return true;
  if (deps.isGranted?.(call.node.nodeId, run.argv, call.env)) return true;
  const askAlways = run.execPolicy?.ask === 'always';
  if ((security !== 'allowlist' && run.execPolicy?.security !== 'allowlist' && !askAlways) || !deps.readNodeApprovals) return false;
  try {
    const doc = await deps.readNodeApprovals(call.node.nodeId);
    return !askAlways && nodeAllowlistCovers(doc, deps.agentId, run);
  } catch {
    // Like the real gateway: an unreadable approvals document only means nothing is pre-approved.
    return false;
  }
}

/**
 * OpenClaw's node exec (assistant.md 8.3): `system.run.prepare` with the command line in the
 * node's shell, then (for allowlist policies) the node's approvals document, then an operator's
 * decision when nothing covers the run, then `system.run` carrying the node's own plan. A node
 * that will not bind the command refuses at prepare, and then nobody is asked.
 * @throws ToolRefusal / GatewayError, which the exec tool shows the model as its error.
 */
export async function runPreparedOnNode(deps: ExecToolDeps, call: PreparedExecCall, audit: Partial<ExecAuditEntry>): Promise<SystemRunPayload> {
  const { args, node, mode } = call;
  const policy = policyOfMode(mode);
  if (!deps.invokeNode) throw new ToolRefusal('exec host=node: this gateway cannot prepare node runs');
  let prepared: unknown;
  try {
    prepared = await deps.invokeNode({
      nodeId: node.nodeId, command: 'system.run.prepare', idempotencyKey: randomUUID(),
      params: {
        command: nodeShellArgv(args.command), security: policy.security, ask: policy.ask, rawCommand: args.command,
        ...(args.workdir ? { cwd: args.workdir } : {}), ...(call.env ? { env: call.env } : {}), agentId: deps.agentId, sessionKey: deps.sessionKey,
      },
    });
  } catch (err) {
    throw nodeRefusal(err);
  }
  const run = parsePreparedRun(prepared);
  const covered = mode === 'full' || await isCovered(deps, call, run, policy.security);
  if (mode === 'allowlist' && !covered) {
    audit.outcome = 'denied';
    throw new ToolRefusal(`exec denied: "${run.commandPreview}" is not allowlisted for this node (mode allowlist)`);
  }
  let approval: { id: string; decision: ExecDecision } | undefined;
  if (mode === 'ask' && !covered) {
    if (!deps.requestApproval) throw new ToolRefusal(HEADLESS_APPROVAL_REASON);
    approval = await deps.requestApproval({
      toolCallId: call.toolCallId, host: 'node', node, argv: run.argv, commandText: run.commandText,
      ...(call.env ? { env: call.env } : {}), ...(run.cwd !== undefined ? { cwd: run.cwd } : {}), prepared: { plan: run.plan, commandPreview: run.commandPreview },
    }, call.signal);
    audit.approvalId = approval.id;
    audit.decision = approval.decision;
    if (approval.decision === 'deny') {
      audit.outcome = 'denied';
      throw new ToolRefusal('exec denied: the operator denied this command');
    }
  }
  try {
    return await deps.runOnNode({
      nodeId: node.nodeId, argv: run.argv, ...(run.cwd !== undefined ? { cwd: run.cwd } : {}), ...(call.env ? { env: call.env } : {}), ...nodeTimeouts(call.timeouts),
      idempotencyKey: `${deps.runId}:${call.toolCallId}`,
      extraParams: {
        rawCommand: args.command, systemRunPlan: run.plan, agentId: deps.agentId, sessionKey: deps.sessionKey,
        runId: approval?.id ?? randomUUID(), ...(approval ? { approved: true, approvalDecision: approval.decision } : {}),
      },
    });
  } catch (err) {
    throw nodeRefusal(err);
  }
}
