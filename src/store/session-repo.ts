import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { optional } from './row-values.js';
import { ReadCache, StatementCache } from './statement-cache.js';

/** Run state of a session (assistant.md 1.2 `status`). */
export type SessionStatus = 'queued' | 'running' | 'done' | 'failed' | 'killed' | 'timeout';

/** Operator-set fields kept as given (`sessions.patch`, `sessions.create`). */
export interface SessionPatch {
  label?: string;
  displayName?: string;
  model?: string;
  thinkingLevel?: string;
  pinned?: boolean;
  archived?: boolean;
  unread?: boolean;
  [field: string]: unknown;
}

/** One stored session (assistant.md 1.2, 1.3). */
export interface SessionRecord {
  key: string;
  sessionId: string;
  agentId: string;
  createdVia: string;
  createdAtMs: number;
  updatedAtMs: number;
  status?: SessionStatus;
  /** Highest transcript seq so far (0 with no rows). */
  lastSeq: number;
  inputTokens: number;
  outputTokens: number;
  patch: SessionPatch;
}

/** A chat_session row as SQLite returns it (`SESSION_COLUMNS`). */
export interface SessionRow {
  key: string;
  session_id: string;
  agent_id: string;
  created_via: string;
  created_at_ms: number;
  updated_at_ms: number;
  status: SessionStatus | null;
  last_seq: number;
  input_tokens: number;
  output_tokens: number;
  patch: string;
}

/** The chat_session columns a SessionRecord is read from. */
export const SESSION_COLUMNS = 'key, session_id, agent_id, created_via, created_at_ms, updated_at_ms, status, last_seq, input_tokens, output_tokens, patch';

/** A chat_session row as a SessionRecord. */
export function toSessionRecord(r: SessionRow): SessionRecord {
  return {
    key: r.key, sessionId: r.session_id, agentId: r.agent_id, createdVia: r.created_via, createdAtMs: r.created_at_ms,
    updatedAtMs: r.updated_at_ms, ...optional('status', r.status), lastSeq: r.last_seq, inputTokens: r.input_tokens,
    outputTokens: r.output_tokens, patch: JSON.parse(r.patch) as SessionPatch,
  };
}

/** Session rows in the state database. A session exists from its first row on (assistant.md 1.2). */
export class SessionRepo {
  private readonly stmts: StatementCache;
  /**
   * A run reads its session row for many events (every `sessions.changed`, `session.message` and
   * tool event carries it) between writes; a read costs more than building the event around it.
   */
  private readonly cache: ReadCache<SessionRecord>;

  constructor(private readonly db: Database, private readonly now: () => number = Date.now) {
    this.stmts = new StatementCache(db);
    this.cache = new ReadCache(this.stmts, ['chat_session']);
  }

  /**
   * Keeps `rec` as the session's current row until the next write: a writer that just read the
   * row back from its own write (`UPDATE … RETURNING`) saves the next reader a query.
   */
  remember(rec: SessionRecord): void {
    this.cache.put(rec.key, rec);
  }

  /** The stored session (frozen: it may be shared with the next reader until the next write). */
  get(key: string): Readonly<SessionRecord> | undefined {
    return this.cache.get(key, () => {
      const row = this.stmts.get(`SELECT ${SESSION_COLUMNS} FROM chat_session WHERE key = ?`).get(key) as SessionRow | undefined;
      return row ? toSessionRecord(row) : undefined;
    });
  }

  /** Every session, most recently updated first. */
  list(): SessionRecord[] {
    return (this.stmts.get(`SELECT ${SESSION_COLUMNS} FROM chat_session ORDER BY updated_at_ms DESC, key`).all() as SessionRow[]).map(toSessionRecord);
  }

  /** Creates the session row; returns the existing one when the key is taken. */
  ensure(key: string, agentId: string, createdVia: string, patch: SessionPatch = {}): { record: Readonly<SessionRecord>; created: boolean } {
    const existing = this.get(key);
    if (existing) return { record: existing, created: false };
    const now = this.now();
    this.stmts.get(`INSERT INTO chat_session (key, session_id, agent_id, created_via, created_at_ms, updated_at_ms, patch) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(key, randomUUID(), agentId, createdVia, now, now, JSON.stringify(patch));
    return { record: this.get(key) as Readonly<SessionRecord>, created: true };
  }

  /** Merges `fields` into the operator-set fields (`null` removes one). */
  patch(key: string, fields: Record<string, unknown>): Readonly<SessionRecord> | undefined {
    const current = this.get(key);
    if (!current) return undefined;
    const next: SessionPatch = { ...current.patch };
    for (const [k, v] of Object.entries(fields)) {
      if (v === null || v === undefined) delete next[k];
      else next[k] = v;
    }
    this.stmts.get('UPDATE chat_session SET patch = ?, updated_at_ms = ? WHERE key = ?').run(JSON.stringify(next), this.now(), key);
    return this.get(key);
  }

  setStatus(key: string, status: SessionStatus | undefined): void {
    this.stmts.get('UPDATE chat_session SET status = ?, updated_at_ms = ? WHERE key = ?').run(status ?? null, this.now(), key);
  }

  addUsage(key: string, input: number, output: number): void {
    this.stmts.get('UPDATE chat_session SET input_tokens = input_tokens + ?, output_tokens = output_tokens + ? WHERE key = ?').run(input, output, key);
  }

  /** Removes the session and its transcript. */
  delete(key: string): boolean {
    return this.stmts.get('DELETE FROM chat_session WHERE key = ?').run(key).changes > 0;
  }

  /** Sessions left `running`/`queued` by a process that died (OpenClaw #114255). */
  listStuck(): SessionRecord[] {
    return (this.stmts.get(`SELECT ${SESSION_COLUMNS} FROM chat_session WHERE status IN ('running', 'queued')`).all() as SessionRow[]).map(toSessionRecord);
  }

  /** The database this repo writes (for transactions spanning repos). */
  get database(): Database {
    return this.db;
  }
}
