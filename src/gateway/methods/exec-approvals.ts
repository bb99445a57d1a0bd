import { EmptyParamsSchema } from '../../protocol/schema/methods.js';
import { AuditLogParamsSchema, ExecApprovalGetParamsSchema, ExecApprovalResolveParamsSchema } from '../../protocol/schema/exec-approvals.js';
import { defineMethod } from '../rpc/dispatcher.js';

/** `exec.approval.list` (assistant.md 8.5): pending approvals, oldest first. */
export const handleExecApprovalList = defineMethod('exec.approval.list', EmptyParamsSchema, ({ services }) => services.approvals.list());

/** `exec.approval.get` (8.5): one approval, pending or ended, with how it ended. */
export const handleExecApprovalGet = defineMethod('exec.approval.get', ExecApprovalGetParamsSchema, ({ services }, params) => {
  const rec = services.approvals.get(params.id);
  return {
    id: rec.id, approvalKind: 'exec', status: rec.status, request: rec.request, createdAtMs: rec.createdAtMs, expiresAtMs: rec.expiresAtMs,
    ...(rec.decision ? { decision: rec.decision } : {}), ...(rec.resolvedBy ? { resolvedBy: rec.resolvedBy } : {}),
    ...(rec.resolvedAtMs !== undefined ? { resolvedAtMs: rec.resolvedAtMs } : {}), ...(rec.reason ? { reason: rec.reason } : {}),
  };
});

/** `exec.approval.resolve` (8.5): allow-once, allow-always (stores a grant) or deny; once. */
export const handleExecApprovalResolve = defineMethod('exec.approval.resolve', ExecApprovalResolveParamsSchema, ({ services, principal }, params) => {
  services.approvals.resolve(params.id, params.decision, principal);
  return { ok: true };
});

/** Lines `farclaw.audit.log` returns without a `limit`. */
const DEFAULT_AUDIT_LOG_LIMIT = 100;

/**
 * `farclaw.audit.log` (farclaw only; not in OpenClaw's method table, so it needs operator.admin):
 * the newest tool calls and approval decisions, oldest first: who asked, who decided, what ran
 * where and its exit code. OpenClaw's `audit.list` is metadata-only and cannot carry these.
 */
export const handleAuditLog = defineMethod('farclaw.audit.log', AuditLogParamsSchema, ({ services }, params) => ({
  entries: services.approvals.auditLog(params.limit ?? DEFAULT_AUDIT_LOG_LIMIT),
}));

export const EXEC_APPROVAL_METHODS = [handleExecApprovalList, handleExecApprovalGet, handleExecApprovalResolve, handleAuditLog];
