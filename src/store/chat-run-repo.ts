import type { Database } from 'better-sqlite3';
import { optional } from './row-values.js';
import { StatementCache } from './statement-cache.js';

/** Where a run is. `interrupted` = the gateway died while it ran (closed at the next start). */
export type RunStatus = 'queued' | 'running' | 'ok' | 'error' | 'aborted' | 'timeout' | 'interrupted';

/** One chat/agent run keyed by its idempotency key (= runId, assistant.md 6). */
export interface RunRecord {
  runId: string;
  sessionKey: string;
  kind: 'chat' | 'agent';
  status: RunStatus;
  /** What the caller sent (message, origin), so a queued run can start after a restart. */
  request: Record<string, unknown>;
  createdAtMs: number;
  startedAtMs?: number;
  endedAtMs?: number;
  /** The terminal outcome (text, stopReason, error) once the run ended. */
  outcome?: Record<string, unknown>;
}

interface Row {
  run_id: string;
  session_key: string;
  kind: 'chat' | 'agent';
  status: RunStatus;
  request: string;
  created_at_ms: number;
  started_at_ms: number | null;
  ended_at_ms: number | null;
  outcome: string | null;
}

const COLUMNS = 'run_id, session_key, kind, status, request, created_at_ms, started_at_ms, ended_at_ms, outcome';

function toRecord(r: Row): RunRecord {
  return {
    runId: r.run_id, sessionKey: r.session_key, kind: r.kind, status: r.status, request: JSON.parse(r.request) as Record<string, unknown>,
    createdAtMs: r.created_at_ms, ...optional('startedAtMs', r.started_at_ms), ...optional('endedAtMs', r.ended_at_ms),
    ...(r.outcome ? { outcome: JSON.parse(r.outcome) as Record<string, unknown> } : {}),
  };
}

/** Persisted runs: the idempotency cache that survives restarts, and the queue. */
export class ChatRunRepo {
  private readonly stmts: StatementCache;

  constructor(db: Database, private readonly now: () => number = Date.now) {
    this.stmts = new StatementCache(db);
  }

  get(runId: string): RunRecord | undefined {
    const row = this.stmts.get(`SELECT ${COLUMNS} FROM chat_run WHERE run_id = ?`).get(runId) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Inserts a run unless its id exists; returns whether this call created it. */
  insert(run: Pick<RunRecord, 'runId' | 'sessionKey' | 'kind' | 'status' | 'request'>): boolean {
    const res = this.stmts.get(`INSERT OR IGNORE INTO chat_run (run_id, session_key, kind, status, request, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(run.runId, run.sessionKey, run.kind, run.status, JSON.stringify(run.request), this.now());
    return res.changes === 1;
  }

  markStarted(runId: string): void {
    this.stmts.get(`UPDATE chat_run SET status = 'running', started_at_ms = ? WHERE run_id = ?`).run(this.now(), runId);
  }

  finish(runId: string, status: RunStatus, outcome: Record<string, unknown>): void {
    this.stmts.get('UPDATE chat_run SET status = ?, ended_at_ms = ?, outcome = ? WHERE run_id = ?').run(status, this.now(), JSON.stringify(outcome), runId);
  }

  /** Runs in a given state, oldest first. */
  withStatus(status: RunStatus): RunRecord[] {
    return (this.stmts.get(`SELECT ${COLUMNS} FROM chat_run WHERE status = ? ORDER BY created_at_ms, rowid`).all(status) as Row[]).map(toRecord);
  }

  /** Forgets finished runs older than `cutoffMs` (the idempotency window). */
  prune(cutoffMs: number): number {
    return this.stmts.get(`DELETE FROM chat_run WHERE ended_at_ms IS NOT NULL AND ended_at_ms < ?`).run(cutoffMs).changes;
  }
}
