import type { ToolSet } from 'ai';
import { createExecTool, type ExecAuditEntry, type ExecSettings, type ExecToolDeps } from '../../agent/tools/exec-tool.js';
import type { AuditRecord } from '../../store/exec-approval-repo.js';
import { systemRunPayloadOf } from '../../agent/tools/exec-result.js';
import { runOnGatewayHost, startOnGatewayHost } from '../../agent/tools/gateway-run.js';
import type { ProcessRegistry } from '../../agent/tools/process-registry.js';
import { createProcessTool } from '../../agent/tools/process-tool.js';
import { resolveExecutable } from '../../infra/argv-run.js';
import type { ToolNode } from '../../agent/tools/node-target.js';
import { createNodesTool, type NodesToolDeps } from '../../agent/tools/nodes-tool.js';
import type { ToolRunContext } from '../../chat/chat-run.js';
import type { FarclawConfig } from '../../infra/config-schema.js';
import type { ExecApprovalService } from '../approvals/exec-approval-service.js';
import type { NodeRegistry } from '../nodes/node-registry.js';
import type { NodeService } from '../nodes/node-service.js';

export interface AgentToolsDeps {
  config: () => FarclawConfig;
  nodes: NodeRegistry;
  approvals: ExecApprovalService;
  /** The one invoke path for node commands (its policy holds for the agent as for `node.invoke`). */
  nodeService: NodeService;
  /** Where a gateway-host exec runs when the model names no workdir (the agent workspace). */
  workspaceDir: string;
  /** The gateway's background commands; absent: gateway-host runs are foreground only and there is no `process` tool. */
  processes?: ProcessRegistry;
  /** Leaves a background command's end note for `sessionKey` and wakes it (`key`: once per command). */
  notifyExecEvent?: (sessionKey: string, note: string, key: string) => void;
}

/** `tools.exec.*` (assistant.md 8.2: host auto; an unset mode is decided per host by the exec tool). */
export function execSettingsOf(config: FarclawConfig): ExecSettings {
  const e = config.tools?.exec ?? {};
  return {
    host: e.host ?? 'auto', ...(e.mode ? { mode: e.mode } : {}), ...(e.node ? { node: e.node } : {}), allow: e.allow ?? [],
    ...(e.timeoutSeconds !== undefined ? { timeoutSeconds: e.timeoutSeconds } : {}),
    ...(e.backgroundMs !== undefined ? { backgroundMs: e.backgroundMs } : {}),
    ...(e.notifyOnExit !== undefined ? { notifyOnExit: e.notifyOnExit } : {}),
    ...(e.notifyOnExitEmptySuccess !== undefined ? { notifyOnExitEmptySuccess: e.notifyOnExitEmptySuccess } : {}),
  };
}

/** Every known node with its connected state, the commands it may be asked to run now, and those the gateway's policy keeps back. */
export function toolNodes(nodes: NodeRegistry): ToolNode[] {
  return nodes.listRecords().map((r) => {
    const view = nodes.nodeView(r);
    // Kept back by the gateway's own policy: what a live node declared beyond what the record
    // admits (its pairing ceiling), and what an operator approved that may not be invoked.
    const declared = nodes.session(r.nodeId)?.principal.declared?.commands ?? [];
    const policyDenied = [...new Set([
      ...declared.filter((c) => !r.declaredCommands.includes(c)),
      ...r.declaredCommands.filter((c) => r.approvedCommands?.includes(c) && !view.commands.includes(c)),
    ])];
    return {
      nodeId: view.nodeId, displayName: view.displayName, connected: view.connected, commands: view.commands,
      ...(view.pendingCommands ? { pendingCommands: view.pendingCommands } : {}),
      ...(policyDenied.length > 0 ? { policyDeniedCommands: policyDenied } : {}),
    };
  });
}

/** The real gateway reads a node's approvals document with a 10 s budget (exec.approvals.node.get). */
const NODE_APPROVALS_TIMEOUT_MS = 10_000;

/** The invoke's caller: a connection id no socket has, so no socket's close cancels the run's commands. */
const callerOf = (run: ToolRunContext): { connId: string } => ({ connId: `agent-run:${run.runId}` });

/** An exec call's line of the audit trail. */
function execAuditOf(run: ToolRunContext, e: ExecAuditEntry): Omit<AuditRecord, 'seq' | 'tsMs'> {
  return {
    kind: 'tool-call', runId: run.runId, sessionKey: run.sessionKey, toolCallId: e.toolCallId, tool: e.tool, host: e.host, command: e.command,
    outcome: e.outcome, ...(e.nodeId ? { nodeId: e.nodeId } : {}), ...(typeof e.exitCode === 'number' ? { exitCode: e.exitCode } : {}),
    ...(e.approvalId ? { approvalId: e.approvalId } : {}), ...(e.decision ? { decision: e.decision } : {}), ...(e.error ? { error: e.error } : {}),
  };
}

/** The tools one agent run is offered: `exec` (with approvals), `nodes` and, with a process registry, `process`; all audited. */
export function createAgentTools(deps: AgentToolsDeps, run: ToolRunContext): ToolSet {
  const processes = deps.processes;
  const exec: ExecToolDeps = {
    runId: run.runId,
    agentId: run.agentId,
    sessionKey: run.sessionKey,
    settings: () => execSettingsOf(deps.config()),
    nodes: () => toolNodes(deps.nodes),
    runOnNode: async ({ nodeId, argv, cwd, env, timeoutMs, invokeTimeoutMs, idempotencyKey, extraParams }) => {
      const res = await deps.nodeService.invoke(callerOf(run), {
        nodeId, command: 'system.run', params: { command: argv, ...(cwd ? { cwd } : {}), ...(env ? { env } : {}), timeoutMs, ...extraParams },
        timeoutMs: invokeTimeoutMs, idempotencyKey,
      });
      return systemRunPayloadOf(res.payload);
    },
    invokeNode: async (req) => (await deps.nodeService.invoke(callerOf(run), req)).payload,
    readNodeApprovals: (nodeId) => deps.nodeService.readExecApprovals(callerOf(run), nodeId, NODE_APPROVALS_TIMEOUT_MS),
    runOnGateway: (req) => runOnGatewayHost(req, { defaultCwd: deps.workspaceDir }),
    ...(processes ? {
      startOnGateway: (req) => startOnGatewayHost({ ...req, scopeKey: run.sessionKey }, { defaultCwd: deps.workspaceDir, registry: processes }),
      keepInBackground: (s, onEnd, entry) => processes.background(s, onEnd, {
        audit: { ...execAuditOf(run, entry) },
        ...(execSettingsOf(deps.config()).notifyOnExit !== false ? { note: { sessionKey: run.sessionKey, id: s.id, key: s.key } } : {}),
      }),
      notifyExit: (note, key) => deps.notifyExecEvent?.(run.sessionKey, note, key),
    } : {}),
    resolveOnGateway: (program, cwd) => resolveExecutable(program, cwd ?? deps.workspaceDir),
    isGranted: (nodeId, argv, env) => deps.approvals.isGranted(nodeId, argv, env),
    requestApproval: (ask, signal) => deps.approvals.request(ask, run, signal),
    runDetails: (toolCallId, details) => run.toolDetails(toolCallId, details),
    audit: (e) => deps.approvals.audit(execAuditOf(run, e)),
  };
  const nodeTools: NodesToolDeps = {
    runId: run.runId,
    agentId: run.agentId,
    nodes: () => toolNodes(deps.nodes),
    list: () => deps.nodeService.list(),
    describe: (nodeId) => deps.nodeService.describe(nodeId),
    pending: () => deps.nodes.listRequests().map(({ request, record }) => deps.nodes.pendingView(request, record)),
    invoke: (req) => deps.nodeService.invoke(callerOf(run), req),
    audit: (e) => deps.approvals.audit({
      kind: 'tool-call', runId: run.runId, sessionKey: run.sessionKey, toolCallId: e.toolCallId, tool: 'nodes', host: 'node', nodeId: e.nodeId,
      command: e.command, outcome: e.outcome, ...(e.error ? { error: e.error } : {}),
    }),
  };
  const tools: ToolSet = { exec: createExecTool(exec), nodes: createNodesTool(nodeTools) };
  if (processes) {
    tools.process = createProcessTool({
      registry: processes, sessionKey: run.sessionKey,
      audit: (e) => deps.approvals.audit({
        kind: 'tool-call', runId: run.runId, sessionKey: run.sessionKey, toolCallId: e.toolCallId, tool: 'process', host: 'gateway', command: e.command,
        outcome: e.outcome, ...(e.error ? { error: e.error } : {}),
      }),
    });
  }
  return tools;
}
