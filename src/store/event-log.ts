import type { Database } from 'better-sqlite3';

/** One logged event. `cursor` is gateway-wide and strictly increasing; streams interleave. */
export interface LogEntry {
  cursor: number;
  stream: string;
  event: string;
  payload: unknown;
  createdAtMs: number;
}

/**
 * The answer to `since`: every entry after the cursor (`kind: 'entries'`), or `kind: 'reset'`
 * when entries after it were removed by retention (or the cursor is not one this log issued):
 * the reader must rebuild from `entries`, which then hold everything still retained.
 */
export interface SinceResult {
  kind: 'entries' | 'reset';
  entries: LogEntry[];
  /** The cursor to ask from next time (the last entry's, or the one given). */
  cursor: number;
  /** More entries follow; ask again from `cursor`. */
  hasMore: boolean;
}

export interface EventLogRetention {
  /** Entries kept per stream; older ones are removed on append (see PRUNE_EVERY_APPENDS). */
  maxEntriesPerStream: number;
  /** Entries older than this are removed on append. */
  maxAgeMs: number;
  /** Prune every this-many appends per stream; default PRUNE_EVERY_APPENDS. */
  pruneEveryAppends?: number;
}

/**
 * Retention runs on every this-many appends to a stream (and on its first append after open),
 * so an append stays O(log n); a stream may briefly hold this many entries over its cap.
 */
export const PRUNE_EVERY_APPENDS = 256;

export const DEFAULT_RETENTION: EventLogRetention = { maxEntriesPerStream: 10_000, maxAgeMs: 7 * 24 * 60 * 60_000 };
/** Most entries one `since` call returns. */
export const MAX_SINCE_PAGE = 1_000;

interface Row {
  cursor: number;
  stream: string;
  event: string;
  payload: string;
  created_at_ms: number;
}

/**
 * The durable event log (issue 13): per-stream, append-only, in the state database.
 *
 * Durability (fsync policy): each append is its own SQLite transaction in WAL mode with
 * `synchronous=NORMAL` (set by openStateDb). An append that returned survives a crash or
 * SIGKILL of the process and is never half-written; on power loss or an OS crash the WAL may
 * lose the most recent appends (never tear one), because the WAL is fsynced at checkpoints,
 * not at every commit.
 */
export class EventLog {
  private readonly insert;
  private readonly selectAfter;
  private readonly selectFloor;
  private readonly upsertFloor;
  private readonly nthNewest;
  private readonly maxOlder;
  private readonly deleteUpTo;
  private readonly lastCursor;
  private readonly appendTx;
  /** Appends per stream since its last pruning (this process). */
  private readonly sincePrune = new Map<string, number>();

  constructor(db: Database, private readonly retention: EventLogRetention = DEFAULT_RETENTION, private readonly now: () => number = Date.now) {
    this.insert = db.prepare('INSERT INTO event_log (stream, event, payload, created_at_ms) VALUES (?, ?, ?, ?)');
    this.selectAfter = db.prepare('SELECT cursor, stream, event, payload, created_at_ms FROM event_log WHERE stream = ? AND cursor > ? ORDER BY cursor LIMIT ?');
    this.selectFloor = db.prepare('SELECT floor FROM event_log_floor WHERE stream = ?').pluck();
    this.upsertFloor = db.prepare('INSERT INTO event_log_floor (stream, floor) VALUES (?, ?) ON CONFLICT (stream) DO UPDATE SET floor = max(floor, excluded.floor)');
    this.nthNewest = db.prepare('SELECT cursor FROM event_log WHERE stream = ? ORDER BY cursor DESC LIMIT 1 OFFSET ?').pluck();
    this.maxOlder = db.prepare('SELECT max(cursor) FROM event_log WHERE stream = ? AND created_at_ms < ?').pluck();
    this.deleteUpTo = db.prepare('DELETE FROM event_log WHERE stream = ? AND cursor <= ?');
    this.lastCursor = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'event_log'").pluck();
    this.appendTx = db.transaction((stream: string, event: string, payload: string, at: number): number => {
      const cursor = Number(this.insert.run(stream, event, payload, at).lastInsertRowid);
      const count = this.sincePrune.get(stream);
      if (count === undefined || count + 1 >= (this.retention.pruneEveryAppends ?? PRUNE_EVERY_APPENDS)) {
        this.prune(stream, at);
        this.sincePrune.set(stream, 0);
      } else {
        this.sincePrune.set(stream, count + 1);
      }
      return cursor;
    });
  }

  /**
   * Appends one entry and returns its cursor once it is committed.
   * @throws Error when the payload cannot be serialised (nothing is written).
   */
  append(stream: string, event: string, payload: unknown): number {
    const text = JSON.stringify(payload ?? null);
    return this.appendTx(stream, event, text, this.now());
  }

  /** Every entry of `stream` after `cursor` (0: from the start), up to `limit`, or a reset. */
  since(stream: string, cursor: number, limit = MAX_SINCE_PAGE): SinceResult {
    const pageSize = Math.max(1, Math.min(limit, MAX_SINCE_PAGE));
    const floor = (this.selectFloor.get(stream) as number | undefined) ?? 0;
    const issued = (this.lastCursor.get() as number | undefined) ?? 0;
    const isReset = cursor < floor || cursor > issued || !Number.isSafeInteger(cursor) || cursor < 0;
    const from = isReset ? floor : cursor;
    const rows = this.selectAfter.all(stream, from, pageSize + 1) as Row[];
    const hasMore = rows.length > pageSize;
    const entries = rows.slice(0, pageSize).map(toEntry);
    return { kind: isReset ? 'reset' : 'entries', entries, cursor: entries.at(-1)?.cursor ?? from, hasMore };
  }

  /** Removes what retention no longer keeps and raises the stream's floor to match. */
  private prune(stream: string, at: number): void {
    const byCount = this.nthNewest.get(stream, this.retention.maxEntriesPerStream) as number | undefined;
    const byAge = this.maxOlder.get(stream, at - this.retention.maxAgeMs) as number | null | undefined;
    const upTo = Math.max(byCount ?? 0, byAge ?? 0);
    if (upTo === 0) return;
    this.deleteUpTo.run(stream, upTo);
    this.upsertFloor.run(stream, upTo);
  }
}

function toEntry(r: Row): LogEntry {
  return { cursor: r.cursor, stream: r.stream, event: r.event, payload: JSON.parse(r.payload) as unknown, createdAtMs: r.created_at_ms };
}
