import type { Database } from 'better-sqlite3';
import { optional, orNull } from './row-values.js';
import { StatementCache } from './statement-cache.js';
import type { AuditEntry } from '../protocol/schema/exec-approvals.js';

export type ApprovalStatus = 'pending' | 'allowed' | 'denied' | 'expired';

/** One exec approval (assistant.md 8.5): the request as clients see it, and how it ended. */
export interface ApprovalRecord {
  id: string;
  status: ApprovalStatus;
  request: Record<string, unknown>;
  createdAtMs: number;
  expiresAtMs: number;
  resolvedAtMs?: number;
  decision?: string;
  resolvedBy?: string;
  /** Why it ended: `user`, `expired`, `gateway-restart`, `run-ended`. */
  reason?: string;
}

interface Row {
  id: string; status: ApprovalStatus; request: string; created_at_ms: number; expires_at_ms: number;
  resolved_at_ms: number | null; decision: string | null; resolved_by: string | null; reason: string | null;
}

/** One line of the tool audit trail, as stored and as `farclaw.audit.log` returns it. */
export type AuditRecord = AuditEntry;

const toRecord = (r: Row): ApprovalRecord => ({
  id: r.id, status: r.status, request: JSON.parse(r.request) as Record<string, unknown>, createdAtMs: r.created_at_ms, expiresAtMs: r.expires_at_ms,
  ...optional('resolvedAtMs', r.resolved_at_ms), ...optional('decision', r.decision), ...optional('resolvedBy', r.resolved_by), ...optional('reason', r.reason),
});

const AUDIT_FIELDS: [Exclude<keyof AuditRecord, 'seq' | 'tsMs' | 'kind'>, string][] = [
  ['runId', 'run_id'], ['sessionKey', 'session_key'], ['toolCallId', 'tool_call_id'], ['tool', 'tool'], ['host', 'host'], ['nodeId', 'node_id'],
  ['command', 'command'], ['outcome', 'outcome'], ['exitCode', 'exit_code'], ['approvalId', 'approval_id'], ['decision', 'decision'],
  ['actor', 'actor'], ['error', 'error'],
];

/** Exec approvals, allow-always grants and the tool audit trail in SQLite (migration 8). */
export class ExecApprovalRepo {
  private readonly stmts: StatementCache;

  constructor(db: Database) {
    this.stmts = new StatementCache(db);
  }

  insert(rec: Pick<ApprovalRecord, 'id' | 'request' | 'createdAtMs' | 'expiresAtMs'>): void {
    this.stmts.get(`INSERT INTO exec_approval (id, status, request, created_at_ms, expires_at_ms) VALUES (?, 'pending', ?, ?, ?)`)
      .run(rec.id, JSON.stringify(rec.request), rec.createdAtMs, rec.expiresAtMs);
  }

  get(id: string): ApprovalRecord | undefined {
    const row = this.stmts.get('SELECT * FROM exec_approval WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  pending(): ApprovalRecord[] {
    return (this.stmts.get(`SELECT * FROM exec_approval WHERE status = 'pending' ORDER BY created_at_ms, rowid`).all() as Row[]).map(toRecord);
  }

  /** Ends a pending approval; false when it was no longer pending (someone else ended it first). */
  settle(id: string, status: Exclude<ApprovalStatus, 'pending'>, fields: { decision?: string; resolvedBy?: string; reason: string; atMs: number }): boolean {
    return this.stmts.get(`UPDATE exec_approval SET status = ?, decision = ?, resolved_by = ?, reason = ?, resolved_at_ms = ? WHERE id = ? AND status = 'pending'`)
      .run(status, orNull(fields.decision), orNull(fields.resolvedBy), fields.reason, fields.atMs, id).changes === 1;
  }

  /** Stores an allow-always grant: this argv with this env (`envHash`, null without any) on this node. */
  addGrant(nodeId: string, argv: readonly string[], envHash: string | null, approvalId: string, grantedBy: string | undefined, atMs: number): void {
    this.stmts.get('INSERT OR REPLACE INTO exec_grant (node_id, argv, env_hash, approval_id, granted_by, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)')
      .run(nodeId, JSON.stringify(argv), envHash ?? '', approvalId, orNull(grantedBy), atMs);
  }

  /** Whether a grant covers exactly this argv with exactly this env (`envHash`, null without any). */
  hasGrant(nodeId: string, argv: readonly string[], envHash: string | null): boolean {
    return this.stmts.get('SELECT 1 FROM exec_grant WHERE node_id = ? AND argv = ? AND env_hash = ?').get(nodeId, JSON.stringify(argv), envHash ?? '') !== undefined;
  }

  audit(entry: Omit<AuditRecord, 'seq'>): void {
    const values = AUDIT_FIELDS.map(([k]) => orNull(entry[k]));
    this.stmts.get(`INSERT INTO tool_audit (ts_ms, kind, ${AUDIT_FIELDS.map(([, c]) => c).join(', ')}) VALUES (?, ?, ${AUDIT_FIELDS.map(() => '?').join(', ')})`)
      .run(entry.tsMs, entry.kind, ...values);
  }

  /** The newest `limit` audit lines, oldest first. */
  auditLog(limit: number): AuditRecord[] {
    const rows = this.stmts.get('SELECT * FROM tool_audit ORDER BY seq DESC LIMIT ?').all(limit) as Record<string, unknown>[];
    return rows.reverse().map((r) => {
      const rec: Record<string, unknown> = { seq: r.seq, tsMs: r.ts_ms, kind: r.kind };
      for (const [k, c] of AUDIT_FIELDS) if (r[c] !== null && r[c] !== undefined) rec[k] = r[c];
      return rec as unknown as AuditRecord;
    });
  }
}
