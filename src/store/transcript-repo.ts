import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { optional } from './row-values.js';
import { SESSION_COLUMNS, toSessionRecord, type SessionRepo, type SessionRow } from './session-repo.js';
import { StatementCache } from './statement-cache.js';

/** What kind of transcript entry a row is (assistant.md 2). */
export type TranscriptKind = 'message' | 'reset' | 'injected' | 'aborted' | 'interrupted';

/** A row to append: the message object as clients see it, minus `__openclaw`. */
export interface NewTranscriptRow {
  role: 'user' | 'assistant' | 'toolResult' | 'system';
  kind: TranscriptKind;
  runId?: string;
  idempotencyKey?: string;
  /** Shown to the model in later turns (false for an aborted turn's partial text). */
  inContext: boolean;
  message: Record<string, unknown>;
}

/** A stored row with its stable id and per-session seq. */
export interface TranscriptRecord {
  id: string;
  sessionKey: string;
  seq: number;
  role: NewTranscriptRow['role'];
  kind: TranscriptKind;
  runId?: string;
  idempotencyKey?: string;
  inContext: boolean;
  message: Record<string, unknown>;
  /** Size of the stored message JSON, for `maxBytes` paging. */
  bytes: number;
  createdAtMs: number;
}

interface Row {
  id: string;
  session_key: string;
  seq: number;
  role: NewTranscriptRow['role'];
  kind: TranscriptKind;
  run_id: string | null;
  idempotency_key: string | null;
  in_context: number;
  message: string;
  created_at_ms: number;
}

const COLUMNS = 'id, session_key, seq, role, kind, run_id, idempotency_key, in_context, message, created_at_ms';

function toRecord(r: Row): TranscriptRecord {
  return recordOf(r, JSON.parse(r.message) as Record<string, unknown>);
}

function recordOf(r: Row, message: Record<string, unknown>): TranscriptRecord {
  return {
    id: r.id, sessionKey: r.session_key, seq: r.seq, role: r.role, kind: r.kind, ...optional('runId', r.run_id),
    ...optional('idempotencyKey', r.idempotency_key), inContext: r.in_context === 1, message,
    bytes: Buffer.byteLength(r.message), createdAtMs: r.created_at_ms,
  };
}

/** Transcript rows of every session, append-only except for session deletion. */
export class TranscriptRepo {
  private readonly stmts: StatementCache;

  /** Built once: better-sqlite3 builds a transaction's wrappers (begin/commit/rollback) at each `transaction()`. */
  private readonly appendTx: (sessionKey: string, row: NewTranscriptRow) => { record: TranscriptRecord; session?: SessionRow };

  /**
   * @param sessions given, it keeps the session row each append stamped, as the append's
   *   `UPDATE … RETURNING` read it back: the `session.message` and tool events that follow an
   *   append carry that row, and would otherwise read it again.
   */
  constructor(private readonly db: Database, private readonly now: () => number = Date.now, private readonly sessions?: SessionRepo) {
    this.stmts = new StatementCache(db);
    this.appendTx = db.transaction((sessionKey: string, row: NewTranscriptRow) => this.insertRow(sessionKey, row));
  }

  /**
   * Appends a row with the session's next seq (one transaction) and returns it. When the row
   * carries an idempotency key already stored for this session, returns the stored row instead.
   */
  append(sessionKey: string, row: NewTranscriptRow): TranscriptRecord {
    const { record, session } = this.appendTx(sessionKey, row);
    // Inside a caller's transaction the session cache keeps nothing (the row may be rolled back).
    if (session) this.sessions?.remember(toSessionRecord(session));
    return record;
  }

  private insertRow(sessionKey: string, row: NewTranscriptRow): { record: TranscriptRecord; session?: SessionRow } {
    if (row.idempotencyKey !== undefined) {
      const existing = this.byIdempotencyKey(sessionKey, row.idempotencyKey);
      if (existing) return { record: existing };
    }
    const createdAtMs = this.now();
    // Takes the next seq and stamps the session in one statement (no read before the write).
    const next = this.stmts.get(`UPDATE chat_session SET last_seq = last_seq + 1, updated_at_ms = ? WHERE key = ? RETURNING ${SESSION_COLUMNS}`)
      .get(createdAtMs, sessionKey) as SessionRow | undefined;
    if (!next) throw new Error(`no session ${sessionKey} to append a transcript row to`);
    const message = JSON.stringify(row.message);
    const stored: Row = {
      id: randomUUID(), session_key: sessionKey, seq: next.last_seq, role: row.role, kind: row.kind, run_id: row.runId ?? null,
      idempotency_key: row.idempotencyKey ?? null, in_context: row.inContext ? 1 : 0, message, created_at_ms: createdAtMs,
    };
    this.stmts.get(`INSERT INTO transcript_row (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      stored.id, stored.session_key, stored.seq, stored.role, stored.kind, stored.run_id, stored.idempotency_key, stored.in_context, stored.message, stored.created_at_ms,
    );
    // The record as a read would return it, without reading the row back nor parsing the JSON
    // just written: the caller's message is a fresh object it does not touch again.
    return { record: recordOf(stored, row.message), session: next };
  }

  get(id: string): TranscriptRecord | undefined {
    const row = this.stmts.get(`SELECT ${COLUMNS} FROM transcript_row WHERE id = ?`).get(id) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  byIdempotencyKey(sessionKey: string, key: string): TranscriptRecord | undefined {
    const row = this.stmts.get(`SELECT ${COLUMNS} FROM transcript_row WHERE session_key = ? AND idempotency_key = ?`).get(sessionKey, key) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  count(sessionKey: string): number {
    return (this.stmts.get('SELECT count(*) AS n FROM transcript_row WHERE session_key = ?').get(sessionKey) as { n: number }).n;
  }

  /** The newest `limit` rows with seq below `beforeSeq` (all when unset), oldest first. */
  latest(sessionKey: string, limit: number, beforeSeq = Number.MAX_SAFE_INTEGER): TranscriptRecord[] {
    const rows = this.stmts.get(`SELECT ${COLUMNS} FROM transcript_row WHERE session_key = ? AND seq < ? ORDER BY seq DESC LIMIT ?`)
      .all(sessionKey, beforeSeq, limit) as Row[];
    return rows.reverse().map(toRecord);
  }

  /** The newest `limit` rows after skipping the newest `offset`, oldest first (history paging). */
  page(sessionKey: string, limit: number, offset: number): TranscriptRecord[] {
    const rows = this.stmts.get(`SELECT ${COLUMNS} FROM transcript_row WHERE session_key = ? ORDER BY seq DESC LIMIT ? OFFSET ?`)
      .all(sessionKey, limit, offset) as Row[];
    return rows.reverse().map(toRecord);
  }

  /** Rows after `afterSeq`, oldest first, at most `limit`. */
  since(sessionKey: string, afterSeq: number, limit: number): TranscriptRecord[] {
    return (this.stmts.get(`SELECT ${COLUMNS} FROM transcript_row WHERE session_key = ? AND seq > ? ORDER BY seq LIMIT ?`)
      .all(sessionKey, afterSeq, limit) as Row[]).map(toRecord);
  }

  /** What the model is shown: rows in context after the last reset boundary, newest `limit`. */
  context(sessionKey: string, limit: number): TranscriptRecord[] {
    const boundary = this.stmts.get(`SELECT max(seq) AS s FROM transcript_row WHERE session_key = ? AND kind = 'reset'`).get(sessionKey) as { s: number | null };
    const rows = this.stmts.get(`SELECT ${COLUMNS} FROM transcript_row WHERE session_key = ? AND seq > ? AND in_context = 1 ORDER BY seq DESC LIMIT ?`)
      .all(sessionKey, boundary.s ?? 0, limit) as Row[];
    return rows.reverse().map(toRecord);
  }
}
