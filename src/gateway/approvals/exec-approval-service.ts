import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { ExecApprovalAsk, ExecDecision } from '../../agent/tools/exec-tool.js';
import { ToolRefusal } from '../../agent/tools/node-target.js';
import { describeExecEnv, execEnvHash } from '../../infra/exec-env.js';
import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import { Scope } from '../../protocol/scopes.js';
import { ExecApprovalRepo, type ApprovalRecord, type AuditRecord } from '../../store/exec-approval-repo.js';
import type { EventBus } from '../events/event-bus.js';
import type { Principal } from '../rpc/context.js';

/** assistant.md 8.3: an approval expires 30 minutes after it was requested. */
export const APPROVAL_EXPIRY_MS = 30 * 60_000;
export const EXEC_DECISIONS: readonly ExecDecision[] = ['allow-once', 'allow-always', 'deny'];
/** Client ids that receive exec approvals without advertising a cap (assistant.md 8.6). */
const APPROVAL_CLIENT_IDS = new Set(['openclaw-control-ui', 'openclaw-macos', 'openclaw-ios', 'openclaw-android']);

/**
 * Whether a connection can receive (and so make a run wait for) an exec approval (assistant.md
 * 8.6): scope admin or approvals, and the `approvals`/`exec-approvals` cap or a known app id.
 */
export function canAnswerExecApprovals(p: Principal): boolean {
  if (p.role !== 'operator' || !(p.scopes.includes(Scope.ADMIN) || p.scopes.includes(Scope.APPROVALS))) return false;
  const caps = p.caps ?? [];
  return APPROVAL_CLIENT_IDS.has(p.client.id) || caps.includes('approvals') || caps.includes('exec-approvals');
}

/** The run an approval belongs to. */
export interface ApprovalRunContext {
  runId: string;
  sessionKey: string;
  agentId: string;
  agentEvent(stream: string, data: Record<string, unknown>): void;
}

export interface ExecApprovalServiceOptions {
  db: Database;
  bus: EventBus;
  principals: () => Principal[];
  /** Whether a connection subscribed to a session's messages (gets its `session.approval`). */
  isSessionSubscriber: (p: Principal, sessionKey: string) => boolean;
  now?: () => number;
  expiryMs?: number;
}

interface Waiter {
  resolve(decision: ExecDecision): void;
  reject(err: Error): void;
  run: ApprovalRunContext;
}

/**
 * Exec approvals (assistant.md 8.3, 8.5, 8.6): a run that needs one asks here and waits; operators
 * list and resolve them. Records live in SQLite; the waiting runs live in this process, so at
 * start a pending approval of a dead process is closed as expired (its run was interrupted).
 */
export class ExecApprovalService {
  readonly repo: ExecApprovalRepo;
  private readonly waiters = new Map<string, Waiter>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly now: () => number;
  private readonly expiryMs: number;

  constructor(private readonly opts: ExecApprovalServiceOptions) {
    this.repo = new ExecApprovalRepo(opts.db);
    this.now = opts.now ?? Date.now;
    this.expiryMs = opts.expiryMs ?? APPROVAL_EXPIRY_MS;
    for (const rec of this.repo.pending()) this.repo.settle(rec.id, 'expired', { reason: 'gateway-restart', atMs: this.now() });
  }

  /** Pending approvals, oldest first (`exec.approval.list`). */
  list(): { id: string; request: Record<string, unknown>; createdAtMs: number; expiresAtMs: number; approvalKind: 'exec' }[] {
    return this.repo.pending().map((r) => ({ id: r.id, request: r.request, createdAtMs: r.createdAtMs, expiresAtMs: r.expiresAtMs, approvalKind: 'exec' }));
  }

  get(id: string): ApprovalRecord {
    const rec = this.repo.get(id);
    if (!rec) throw new GatewayError(ErrorCode.APPROVAL_NOT_FOUND, 'unknown or expired approval id', { details: { id } });
    return rec;
  }

  /** Whether an allow-always grant covers this argv with this env on this node (the env is part of what was approved). */
  isGranted(nodeId: string, argv: readonly string[], env: Record<string, string> | undefined): boolean {
    return this.repo.hasGrant(nodeId, argv, execEnvHash(env));
  }

  audit(entry: Omit<AuditRecord, 'seq' | 'tsMs'>): void {
    this.repo.audit({ ...entry, tsMs: this.now() });
  }

  /** The newest `limit` lines of the audit trail, oldest first. */
  auditLog(limit: number): AuditRecord[] {
    return this.repo.auditLog(limit);
  }

  /**
   * Asks the operators about `ask` and waits for the decision.
   * @throws ToolRefusal at once when no connected client can answer (OpenClaw's headless
   *   reason), when the approval expires, or when the run ends first.
   */
  async request(ask: ExecApprovalAsk, run: ApprovalRunContext, signal: AbortSignal | undefined): Promise<{ id: string; decision: ExecDecision }> {
    if (!this.opts.principals().some(canAnswerExecApprovals)) {
      throw new ToolRefusal('exec denied: Headless runs cannot wait for interactive exec approval');
    }
    const id = randomUUID();
    const createdAtMs = this.now();
    const expiresAtMs = createdAtMs + this.expiryMs;
    const request = requestOf(ask, run);
    this.repo.insert({ id, request, createdAtMs, expiresAtMs });
    this.audit({ kind: 'approval-requested', runId: run.runId, sessionKey: run.sessionKey, toolCallId: ask.toolCallId, tool: 'exec', host: ask.host,
      ...(ask.node ? { nodeId: ask.node.nodeId } : {}), command: ask.commandText, approvalId: id });
    const decision = new Promise<ExecDecision>((resolve, reject) => this.waiters.set(id, { resolve, reject, run }));
    const timer = setTimeout(() => this.end(id, 'expired', 'expired'), expiresAtMs - createdAtMs);
    timer.unref();
    this.timers.set(id, timer);
    const onAbort = (): void => this.end(id, 'expired', 'run-ended');
    signal?.addEventListener('abort', onAbort, { once: true });
    this.publishPending(this.repo.get(id) as ApprovalRecord, run.sessionKey);
    // The run's own stream shows the wait for gateway-host approvals only: a node approval's run
    // sends no lifecycle event while it waits (agent-node-exec.json; assistant.md 4.3).
    if (ask.host === 'gateway') run.agentEvent('lifecycle', { phase: 'waiting-approval', approvalId: id, toolCallId: ask.toolCallId, host: ask.host, expiresAtMs });
    try {
      return { id, decision: await decision };
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * An operator's decision (`exec.approval.resolve`).
   * @throws GatewayError APPROVAL_NOT_FOUND for an unknown id; INVALID_REQUEST with
   *   details.reason APPROVAL_ALREADY_RESOLVED when it was decided (or expired) before.
   */
  resolve(id: string, decision: ExecDecision, by: Principal): void {
    const rec = this.get(id);
    const allowed = Array.isArray(rec.request.allowedDecisions) ? rec.request.allowedDecisions as unknown[] : EXEC_DECISIONS;
    if (rec.status === 'pending' && !allowed.includes(decision)) {
      throw new GatewayError(ErrorCode.INVALID_REQUEST, `decision ${decision} is unavailable for this approval; allowed: ${allowed.join(', ')}`, {
        details: { reason: 'APPROVAL_DECISION_UNAVAILABLE', id, decision },
      });
    }
    const resolvedBy = by.client.id;
    const atMs = this.now();
    const status = decision === 'deny' ? 'denied' : 'allowed';
    if (rec.status !== 'pending' || !this.repo.settle(id, status, { decision, resolvedBy, reason: 'user', atMs })) {
      throw new GatewayError(ErrorCode.INVALID_REQUEST, 'approval already resolved', {
        details: { reason: 'APPROVAL_ALREADY_RESOLVED', id, status: rec.status, ...(rec.decision ? { decision: rec.decision } : {}) },
      });
    }
    const binding = rec.request.systemRunBinding as { argv?: string[]; envHash?: unknown } | undefined;
    const nodeId = typeof rec.request.nodeId === 'string' ? rec.request.nodeId : undefined;
    if (decision === 'allow-always' && nodeId && binding?.argv) {
      this.repo.addGrant(nodeId, binding.argv, typeof binding.envHash === 'string' ? binding.envHash : null, id, resolvedBy, atMs);
    }
    this.audit({ kind: 'approval-resolved', approvalId: id, decision, actor: actorOf(by), ...(nodeId ? { nodeId } : {}),
      ...(typeof rec.request.host === 'string' ? { host: rec.request.host } : {}), ...(typeof rec.request.sessionKey === 'string' ? { sessionKey: rec.request.sessionKey } : {}),
      command: String(rec.request.command ?? ''), ...(typeof rec.request.runId === 'string' ? { runId: rec.request.runId } : {}) });
    this.finish(this.repo.get(id) as ApprovalRecord, { decision, resolvedBy });
    this.waiters.get(id)?.resolve(decision);
    this.forget(id);
  }

  /** Ends a pending approval without a user decision (expiry, run ended, gateway stopping). */
  private end(id: string, status: 'expired', reason: string): void {
    if (!this.repo.settle(id, status, { reason, atMs: this.now() })) return;
    const rec = this.repo.get(id) as ApprovalRecord;
    this.audit({ kind: 'approval-resolved', approvalId: id, outcome: status, error: reason, command: String(rec.request.command ?? ''),
      ...(typeof rec.request.host === 'string' ? { host: rec.request.host } : {}), ...(typeof rec.request.runId === 'string' ? { runId: rec.request.runId } : {}) });
    this.finish(rec, {});
    const message = reason === 'expired'
      ? 'exec denied: the approval request expired before an operator answered'
      : 'exec cancelled: the run ended while waiting for approval';
    this.waiters.get(id)?.reject(new ToolRefusal(message));
    this.forget(id);
  }

  private forget(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.waiters.delete(id);
  }

  /** Gateway stop: waiting runs end with a refusal; their records close as expired. */
  stop(): void {
    for (const id of [...this.waiters.keys()]) this.end(id, 'expired', 'gateway-stopping');
  }

  private publishPending(rec: ApprovalRecord, sessionKey: string): void {
    const eligible = (p: Principal): boolean => canAnswerExecApprovals(p);
    this.opts.bus.publish('session.approval', { sessionKey, sourceSessionKey: sessionKey, updatedAtMs: rec.createdAtMs, phase: 'pending', approval: this.approvalView(rec) },
      { audience: (p) => eligible(p) && this.opts.isSessionSubscriber(p, sessionKey) });
    this.opts.bus.publish('exec.approval.requested', { approvalKind: 'exec', id: rec.id, request: rec.request, createdAtMs: rec.createdAtMs, expiresAtMs: rec.expiresAtMs },
      { audience: eligible });
  }

  private finish(rec: ApprovalRecord, resolved: { decision?: ExecDecision; resolvedBy?: string }): void {
    const sessionKey = String(rec.request.sessionKey ?? '');
    const approval = { ...this.approvalView(rec), resolvedAtMs: rec.resolvedAtMs, reason: rec.reason, ...(resolved.decision ? { decision: resolved.decision } : {}) };
    this.opts.bus.publish('session.approval', { sessionKey, sourceSessionKey: sessionKey, updatedAtMs: rec.resolvedAtMs, phase: 'terminal', approval },
      { audience: (p) => canAnswerExecApprovals(p) && this.opts.isSessionSubscriber(p, sessionKey) });
    if (resolved.decision) {
      this.opts.bus.publish('exec.approval.resolved', { id: rec.id, decision: resolved.decision, resolvedBy: resolved.resolvedBy, ts: rec.resolvedAtMs, request: rec.request },
        { audience: canAnswerExecApprovals });
    }
    if (rec.request.host === 'gateway') this.waiters.get(rec.id)?.run.agentEvent('lifecycle', {
      phase: 'approval-resolved', approvalId: rec.id, status: rec.status, ...(resolved.decision ? { decision: resolved.decision } : {}), reason: rec.reason,
    });
  }

  /** The `approval` object of `session.approval` (assistant.md 8.3 step 5). */
  private approvalView(rec: ApprovalRecord): Record<string, unknown> {
    const r = rec.request;
    return {
      id: rec.id, status: rec.status,
      presentation: { kind: 'exec', commandText: r.command, commandPreview: previewOf(r), warningText: null, host: r.host, nodeId: r.nodeId ?? null, agentId: r.agentId,
        allowedDecisions: r.allowedDecisions ?? EXEC_DECISIONS },
      urlPath: `/approve/${rec.id}`, createdAtMs: rec.createdAtMs, expiresAtMs: rec.expiresAtMs,
    };
  }
}

/** The short form of the command (the node plan's `commandPreview`, else the command itself). */
function previewOf(request: Record<string, unknown>): unknown {
  const plan = request.systemRunPlan as { commandPreview?: unknown } | null | undefined;
  return typeof plan?.commandPreview === 'string' ? plan.commandPreview : request.command;
}

function actorOf(p: Principal): string {
  return p.deviceId ? `${p.client.id} (device ${p.deviceId.slice(0, 12)})` : `${p.client.id} (${p.authMethod})`;
}

/** Decisions a gateway-host approval offers: no allow-always, since grants are per node (8.5). */
const GATEWAY_DECISIONS: readonly ExecDecision[] = ['allow-once', 'deny'];

/**
 * The `request` of `exec.approval.requested` (assistant.md 8.3 step 5), for an argv run without a
 * shell; a gateway-host run has no system.run binding or plan and no allow-always (8.5).
 */
function requestOf(ask: ExecApprovalAsk, run: ApprovalRunContext): Record<string, unknown> {
  const cwd = ask.cwd ?? null;
  const common = {
    // The operator sees the variables the command gets, as shell assignments before it.
    command: `${describeExecEnv(ask.env)}${ask.commandText}`, commandArgv: ask.argv, cwd, env: ask.env ?? null, security: 'allowlist', ask: 'on-miss', warningText: null, scope: null,
    commandAnalysis: { commandCount: 1, nestedCommandCount: 0, riskKinds: [], warningLines: [] },
    agentId: run.agentId, resolvedPath: ask.resolvedPath ?? null, sessionKey: run.sessionKey, sessionId: null,
    runId: run.runId, toolCallId: ask.toolCallId, turnSourceChannel: 'webchat', turnSourceTo: run.sessionKey,
  };
  if (!ask.node) {
    return { ...common, host: 'gateway', systemRunBinding: null, systemRunPlan: null, unavailableDecisions: ['allow-always'], allowedDecisions: GATEWAY_DECISIONS };
  }
  return {
    ...common, host: 'node', nodeId: ask.node.nodeId, nodeName: ask.node.displayName, allowedDecisions: EXEC_DECISIONS,
    systemRunBinding: { argv: ask.argv, cwd, agentId: run.agentId, sessionKey: run.sessionKey, envHash: execEnvHash(ask.env) },
    // A prepared run is approved as the node planned it (assistant.md 8.3 step 5).
    systemRunPlan: ask.prepared?.plan
      ?? { argv: ask.argv, cwd, commandText: ask.commandText, commandPreview: ask.commandText, agentId: run.agentId, sessionKey: run.sessionKey },
  };
}
