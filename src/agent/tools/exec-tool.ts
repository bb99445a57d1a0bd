import { tool, zodSchema, type Tool } from 'ai';
import { z } from 'zod';
import { checkExecEnv, ExecEnvError } from '../../infra/exec-env.js';
import { GatewayError } from '../../protocol/errors.js';
import { resolveExecHost, type ExecHost } from './exec-host.js';
import { chooseExecNode, ToolRefusal, type ToolNode } from './node-target.js';
import { runPreparedOnNode } from './node-exec.js';
import { nodeTimeouts, resolveExecTimeouts } from './exec-timeouts.js';
import { EXEC_TIMEOUT_GUIDANCE, FOREGROUND_FALLBACK_WARNING, formatGatewayRunResult, formatNodeRunResult, type SystemRunPayload } from './exec-result.js';
import { ShellSyntaxError, splitCommand } from '../../infra/shell-words.js';
import type { ExecRunDetails } from '../../chat/tool-activity.js';
import { leaveRunning, waitOrYield, yieldWindowMs } from './exec-background.js';
import { gatewayRunPayload } from './gateway-run.js';
import type { ProcessEnd, ProcessSession } from './process-registry.js';

/** `tools.exec.mode` (assistant.md 8.2). */
export type ExecMode = 'deny' | 'allowlist' | 'ask' | 'full';
export type { ExecHost } from './exec-host.js';
export type { SystemRunPayload } from './exec-result.js';
export type ExecDecision = 'allow-once' | 'allow-always' | 'deny';

/** The gateway's exec settings (`tools.exec.*`). */
export interface ExecSettings {
  host: ExecHost;
  /**
   * Unset means `full` on a node (whose owner's allowlist still applies) and `ask` on the
   * gateway host, which has no second gate: secure by default where OpenClaw runs `full`.
   */
  mode?: ExecMode;
  /** Default node of `host=node` (id, display name or id prefix). */
  node?: string;
  /** Executables (bare names or absolute paths, matched against argv[0]) that need no approval. */
  allow: readonly string[];
  /** `tools.exec.timeoutSeconds`: the default limit of a call that names none (unset or 0: 1800 s). */
  timeoutSeconds?: number;
  /** `tools.exec.backgroundMs`: how long a gateway-host run stays in the foreground when the call names no `yieldMs` (10 s). */
  backgroundMs?: number;
  /** `tools.exec.notifyOnExit` (default true): a background command's end wakes its session with a note. */
  notifyOnExit?: boolean;
  /** `tools.exec.notifyOnExitEmptySuccess` (default false): a note also for a clean exit without output. */
  notifyOnExitEmptySuccess?: boolean;
}

/** A command waiting for an operator's decision. */
export interface ExecApprovalAsk {
  toolCallId: string;
  host: 'node' | 'gateway';
  /** The target node (host node only). */
  node?: ToolNode;
  argv: string[];
  /** The command as the model wrote it, or the node's `commandText` of a prepared run. */
  commandText: string;
  cwd?: string;
  /** The model's variables (checked) the command gets over the host's environment. */
  env?: Record<string, string>;
  /** Gateway host: the file argv[0] starts as (assistant.md 8.5 `resolvedPath`), when found. */
  resolvedPath?: string;
  /** A node-prepared run (assistant.md 8.3): the plan the node binds the approval to. */
  prepared?: { plan: Record<string, unknown>; commandPreview: string };
}

/** One record of the audit trail: what ran (or was refused) where, and why. */
export interface ExecAuditEntry {
  toolCallId: string;
  tool: 'exec';
  host: 'node' | 'gateway';
  nodeId?: string;
  command: string;
  outcome: 'completed' | 'failed' | 'denied' | 'refused';
  exitCode?: number | null;
  approvalId?: string;
  decision?: ExecDecision;
  error?: string;
}

/** What the exec tool needs from the gateway, bound to one run. */
export interface ExecToolDeps {
  settings(): ExecSettings;
  nodes(): ToolNode[];
  /**
   * Runs `system.run` through the gateway's node command policy; `timeoutMs` is the command's (0:
   * none), `invokeTimeoutMs` how long to wait for the node's answer, longer so its own timeout answers first (8.3).
   * @throws GatewayError when the policy refuses or the node fails (gone, timed out, refused).
   */
  runOnNode(req: { nodeId: string; argv: string[]; cwd?: string; env?: Record<string, string>; timeoutMs: number; invokeTimeoutMs: number; idempotencyKey: string; extraParams?: Record<string, unknown> }): Promise<SystemRunPayload>;
  /**
   * Any other node command through the same policy (`system.run.prepare`); resolves with its payload.
   * @throws GatewayError as `runOnNode` does.
   */
  invokeNode?(req: { nodeId: string; command: string; params: Record<string, unknown>; idempotencyKey?: string }): Promise<unknown>;
  /** The node's exec approvals document (`system.execApprovals.get`). @throws GatewayError */
  readNodeApprovals?(nodeId: string): Promise<unknown>;
  /**
   * Runs an argv on the gateway host itself (no shell), killed after `timeoutMs` (0: no limit).
   * @throws ToolRefusal when the program cannot start.
   */
  runOnGateway?(req: { argv: string[]; cwd?: string; env?: Record<string, string>; timeoutMs: number; signal?: AbortSignal }): Promise<SystemRunPayload>;
  /**
   * Starts an argv on the gateway host as a session the `process` tool can follow, so a run still
   * going after its yield window goes on in the background. Absent: gateway runs are foreground only.
   * @throws ToolRefusal when the program cannot start.
   */
  startOnGateway?(req: { argv: string[]; cwd?: string; env?: Record<string, string>; timeoutMs: number; command: string; hasStdinPipe?: boolean }): Promise<ProcessSession>;
  /**
   * Keeps following a session the tool stopped waiting for; `onEnd` runs once, at its end. `audit`
   * is the call's audit line so far, kept for a gateway that dies before the end.
   */
  keepInBackground?(s: ProcessSession, onEnd: (s: ProcessSession, end: ProcessEnd) => void, audit: ExecAuditEntry): void;
  /** Leaves a background command's end note for this run's session and wakes it; `key` is unique per command. */
  notifyExit?(note: string, key: string): void;
  /** The file a gateway-host argv[0] would start as (for the approval's `resolvedPath`). */
  resolveOnGateway?(program: string, cwd: string | undefined): string | undefined;
  /** Whether an operator granted this exact command with this exact env on this node for good (allow-always). */
  isGranted?(nodeId: string, argv: readonly string[], env: Record<string, string> | undefined): boolean;
  /**
   * Asks the operators and waits for their decision.
   * @throws ToolRefusal when nobody can answer (headless) or the request expired.
   */
  requestApproval?(ask: ExecApprovalAsk, signal: AbortSignal | undefined): Promise<{ id: string; decision: ExecDecision }>;
  audit?(entry: ExecAuditEntry): void;
  /** What a run did: its exit code, how long the command ran, its output, and where (a background run: how far it got). */
  runDetails?(toolCallId: string, details: ExecRunDetails): void;
  runId: string;
  agentId: string;
  sessionKey: string;
}

export { EXEC_TIMEOUT_GUIDANCE } from './exec-result.js';

export const HEADLESS_APPROVAL_REASON = 'exec denied: Headless runs cannot wait for interactive exec approval';

const ExecArgsSchema = z.object({
  command: z.string().describe('The command line: one program and its arguments (no pipes, chains or redirections).'),
  workdir: z.string().optional().describe('Working directory on the host.'),
  // Values are checked by checkExecEnv, not by the schema: a number or null there must reach the
  // model as the tool's own readable error, not as the AI SDK's schema dump.
  env: z.record(z.string(), z.unknown()).optional().describe('Variables for the command, string values (names like FOO_BAR; loader, interpreter and shell hooks such as PATH, LD_*, NODE_OPTIONS are refused).'),
  yieldMs: z.number().optional().describe('Gateway host: milliseconds to wait before the command goes on in the background (default tools.exec.backgroundMs, else 10000).'),
  background: z.boolean().optional().describe('Gateway host: go on in the background at once; follow it with the process tool.'),
  timeoutSeconds: z.number().optional().describe('Kill the command after this many seconds (default tools.exec.timeoutSeconds, else 1800); 0 disables the limit.'),
  pty: z.boolean().optional(),
  host: z.enum(['auto', 'sandbox', 'gateway', 'node']).optional().describe('Where to run: "gateway" is this gateway host, "node" a paired node host (default: tools.exec.host).'),
  ask: z.enum(['off', 'on-miss', 'always']).optional(),
  node: z.string().optional().describe('Node id or name for host "node" (default: the only connected node).'),
  elevated: z.boolean().optional(),
});
export type ExecArgs = z.infer<typeof ExecArgsSchema>;
/**
 * The input schema wrapped once: the AI SDK converts a bare zod schema to JSON Schema again at
 * every model step (~3 ms each on a loaded box), a wrapped one only the first time.
 */
const ExecArgsInput = zodSchema(ExecArgsSchema);

/** The error a tool result carries, in OpenClaw's JSON shape (assistant.md 8.4) so models recover alike. */
export function toolErrorText(toolName: string, message: string): string {
  return JSON.stringify({ status: 'error', tool: toolName, error: message }, null, 2);
}

function messageOf(err: unknown): string {
  if (err instanceof GatewayError) return `${err.code}: ${err.message}`;
  if (err instanceof ShellSyntaxError) return `INVALID_REQUEST: SYSTEM_RUN_DENIED: ${err.message}`;
  if (err instanceof ToolRefusal) return err.message;
  if (err instanceof ExecEnvError) return `INVALID_REQUEST: ${err.message}`;
  return 'exec failed on the gateway';
}

/**
 * The `exec` tool (assistant.md 8.2) for `host: "node"`: the command becomes an argv (no shell),
 * the target node is chosen as OpenClaw does, `tools.exec.mode` decides whether it runs, waits for
 * an operator, or is refused, and `system.run` goes through the gateway's node command policy.
 * Every refusal or fault reaches the model as the tool's error; nothing hangs.
 */
export function createExecTool(deps: ExecToolDeps): Tool {
  return tool({
    description: 'Run a command (one program and its arguments, no shell syntax) on the gateway host or, with host "node", on a paired node host.',
    inputSchema: ExecArgsInput,
    execute: async (args, { toolCallId, abortSignal }) => {
      const audit: Partial<ExecAuditEntry> = { toolCallId, tool: 'exec', command: args.command };
      try {
        const text = await runExec(timed(deps), args, toolCallId, abortSignal, audit);
        return text;
      } catch (err) {
        const message = messageOf(err);
        deps.audit?.({ ...audit, outcome: audit.outcome ?? 'refused', error: message } as ExecAuditEntry);
        throw new Error(toolErrorText('exec', message));
      }
    },
  });
}

/** A node run that ended this much before its asked limit was stopped by the node's own cap (round trips take far less). */
const NODE_LIMIT_SLACK_MS = 1_000;

/** How long the last command of these deps ran (`durationMs` of its details). */
const runMs = new WeakMap<ExecToolDeps, number>();

/** `deps` whose node and gateway runs record how long the command itself took (not its approval). */
function timed(deps: ExecToolDeps): ExecToolDeps {
  const out: ExecToolDeps = { ...deps };
  const clock = async <T>(run: () => Promise<T>): Promise<T> => {
    const startedAt = performance.now();
    try {
      return await run();
    } finally {
      runMs.set(out, Math.round(performance.now() - startedAt));
    }
  };
  out.runOnNode = (req) => clock(() => deps.runOnNode(req));
  const onGateway = deps.runOnGateway;
  if (onGateway) out.runOnGateway = (req) => clock(() => onGateway(req));
  return out;
}

async function runExec(deps: ExecToolDeps, args: ExecArgs, toolCallId: string, signal: AbortSignal | undefined, audit: Partial<ExecAuditEntry>): Promise<string> {
  const settings = deps.settings();
  const host = resolveExecHost(settings.host, args.host);
  audit.host = host;
  const mode = settings.mode ?? (host === 'gateway' ? 'ask' : 'full');
  if (mode === 'deny') {
    audit.outcome = 'denied';
    throw new ToolRefusal('exec denied: tools.exec.mode is "deny" on this gateway');
  }
  const env = checkExecEnv(args.env);
  const node = host === 'node' ? chooseExecNode(deps.nodes(), args.node ?? settings.node) : undefined;
  if (node) audit.nodeId = node.nodeId;
  const timeouts = resolveExecTimeouts(args.timeoutSeconds, settings.timeoutSeconds);
  // A run that cannot go on in the background (a node's, or no registry) is a foreground one: the
  // model is told its continuation options were not honoured.
  const canYield = !node && deps.startOnGateway !== undefined && deps.keepInBackground !== undefined;
  const warnings = !canYield && (args.background === true || typeof args.yieldMs === 'number') ? [FOREGROUND_FALLBACK_WARNING] : [];
  // A node that prepares runs (OpenClaw's) decides what a command line may do and binds approvals to its plan.
  if (node && node.commands.includes('system.run.prepare') && deps.invokeNode) {
    const result = await runPreparedOnNode(deps, { args, node, mode, timeouts, toolCallId, signal, ...(env ? { env } : {}) }, audit);
    return finishRun(deps, result, node, audit, { warnings, runTimeoutMs: timeouts.runTimeoutMs });
  }
  const argv = splitCommand(args.command);
  const program = argv[0] as string;
  // Allow-always grants are per node: the gateway host offers allow-once and deny only (8.5).
  const isAllowlisted = settings.allow.includes(program) || (node !== undefined && (deps.isGranted?.(node.nodeId, argv, env) ?? false));
  if (mode === 'allowlist' && !isAllowlisted) {
    audit.outcome = 'denied';
    throw new ToolRefusal(`exec denied: "${program}" is not in tools.exec.allow (mode allowlist)`);
  }
  if (mode === 'ask' && !isAllowlisted) {
    if (!deps.requestApproval) throw new ToolRefusal(HEADLESS_APPROVAL_REASON);
    const resolvedPath = node ? undefined : deps.resolveOnGateway?.(program, args.workdir);
    const { id, decision } = await deps.requestApproval({
      toolCallId, host, ...(node ? { node } : {}), argv, commandText: args.command, ...(args.workdir ? { cwd: args.workdir } : {}),
      ...(env ? { env } : {}), ...(resolvedPath ? { resolvedPath } : {}),
    }, signal);
    audit.approvalId = id;
    audit.decision = decision;
    if (decision === 'deny') {
      audit.outcome = 'denied';
      throw new ToolRefusal('exec denied: the operator denied this command');
    }
  }
  const cwd = { ...(args.workdir ? { cwd: args.workdir } : {}), ...(env ? { env } : {}) };
  let result: SystemRunPayload;
  if (node) {
    result = await deps.runOnNode({ nodeId: node.nodeId, argv, ...cwd, ...nodeTimeouts(timeouts), idempotencyKey: `${deps.runId}:${toolCallId}` });
  } else if (canYield) {
    const started = performance.now();
    // Only a call that asks for continuation gets a stdin to write to later (see hasStdinPipe).
    const hasStdinPipe = args.background === true || typeof args.yieldMs === 'number';
    const s = await (deps.startOnGateway as NonNullable<ExecToolDeps['startOnGateway']>)({ argv, ...cwd, timeoutMs: timeouts.runTimeoutMs, command: args.command, hasStdinPipe });
    const outcome = await waitOrYield(s, yieldWindowMs(args, settings.backgroundMs), signal);
    runMs.set(deps, Math.round(performance.now() - started));
    if (outcome.kind === 'running') return leaveRunning(deps, s, audit, settings, runMs.get(deps) ?? 0);
    result = gatewayRunPayload(outcome.end.result);
  } else {
    if (!deps.runOnGateway) throw new ToolRefusal('exec host=gateway is not available on this gateway');
    result = await deps.runOnGateway({ argv, ...cwd, timeoutMs: timeouts.runTimeoutMs, ...(signal ? { signal } : {}) });
  }
  return finishRun(deps, result, node, audit, { warnings, runTimeoutMs: timeouts.runTimeoutMs });
}

/**
 * Why a node run timed out well before the limit asked for: the node host's own cap (ours:
 * `nodeHost.systemRun.timeoutMs`, 30 s by default), which no `timeoutSeconds` can raise. Said
 * so the model does not retry with a longer timeout in vain; empty when the asked limit applied.
 */
function nodeLimitNote(ranMs: number, askedMs: number): string {
  if (askedMs !== 0 && ranMs + NODE_LIMIT_SLACK_MS >= askedMs) return '';
  const asked = askedMs === 0 ? 'no limit was asked' : `${askedMs / 1000} s were asked`;
  return `the node host stopped it at its own time limit after about ${Math.round(ranMs / 1000)} s (${asked}; a longer timeoutSeconds will not help: the node's owner sets it, on a farclaw node as nodeHost.systemRun.timeoutMs), and `;
}

/**
 * The tool result of a finished run, audited. A timeout is a failed result, not the tool's error
 * (OpenClaw: `status: "failed"` with the output and its retry guidance), so the model reads it as
 * what the command did.
 */
function finishRun(
  deps: ExecToolDeps, result: SystemRunPayload, node: ToolNode | undefined, audit: Partial<ExecAuditEntry>, run: { warnings: readonly string[]; runTimeoutMs: number },
): string {
  const { warnings } = run;
  audit.exitCode = result.exitCode;
  audit.outcome = result.exitCode === 0 && !result.timedOut ? 'completed' : 'failed';
  if (result.timedOut) audit.error = 'timed out; the command was killed';
  deps.audit?.(audit as ExecAuditEntry);
  const aggregated = result.stdout + result.stderr;
  if (audit.toolCallId) {
    deps.runDetails?.(audit.toolCallId, {
      exitCode: result.exitCode, durationMs: runMs.get(deps) ?? 0, aggregated, ...(node ? { nodeId: node.nodeId } : {}),
      ...(result.timedOut ? { status: 'failed', timedOut: true } : {}),
    });
  }
  if (result.timedOut) {
    const where = node ? `on node ${node.nodeId}` : 'on the gateway host';
    return `exec ${where} timed out; ${node ? nodeLimitNote(runMs.get(deps) ?? 0, run.runTimeoutMs) : ''}the command was killed. ${EXEC_TIMEOUT_GUIDANCE}${aggregated ? `\nOutput so far:\n${aggregated}` : ''}`;
  }
  return node ? formatNodeRunResult(node.nodeId, result, warnings) : formatGatewayRunResult(result, warnings);
}
