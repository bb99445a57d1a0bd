import { Type, type Static } from '@sinclair/typebox';
import { NonEmptyString } from './primitives.js';

/** `exec.approval.get {id}` (assistant.md 8.5). */
export const ExecApprovalGetParamsSchema = Type.Object({ id: NonEmptyString }, { additionalProperties: false });

/** `exec.approval.resolve` (assistant.md 8.5); `reviewer` and `grantExpiresInDays` are accepted and not used. */
export const ExecApprovalResolveParamsSchema = Type.Object(
  {
    id: NonEmptyString,
    decision: Type.Union([Type.Literal('allow-once'), Type.Literal('allow-always'), Type.Literal('deny')]),
    reviewer: Type.Optional(Type.String()),
    grantExpiresInDays: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type ExecApprovalResolveParams = Static<typeof ExecApprovalResolveParamsSchema>;

/** Most audit lines one `farclaw.audit.log` call returns. */
export const MAX_AUDIT_LOG_LIMIT = 1000;

/** `farclaw.audit.log {limit?}` (farclaw only, issue 15): the newest lines of the tool audit trail. */
export const AuditLogParamsSchema = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_AUDIT_LOG_LIMIT })) },
  { additionalProperties: false },
);

/** One line of the audit trail: a tool call or an approval decision. */
export interface AuditEntry {
  seq: number;
  tsMs: number;
  kind: 'tool-call' | 'approval-requested' | 'approval-resolved';
  runId?: string;
  sessionKey?: string;
  toolCallId?: string;
  tool?: string;
  host?: string;
  nodeId?: string;
  command?: string;
  outcome?: string;
  exitCode?: number;
  approvalId?: string;
  decision?: string;
  /** Who asked (the run's client) or who decided (the resolving client). */
  actor?: string;
  error?: string;
}
