import type { Database } from 'better-sqlite3';
import { StatementCache } from './statement-cache.js';

/** One channel account's queues: (channel, account id), e.g. ('telegram', 'default'). */
export interface ChannelAccountKey {
  channel: string;
  accountId: string;
}

/** An inbound update waiting to be handled (or handled, kept for dedupe). */
export interface InboundRecord {
  updateId: number;
  chatId: string;
  /** The update as received, JSON. */
  payload: string;
  receivedAtMs: number;
}

/** What an outbox row asks of the Bot API: a new message, an edit of one, or its removal. */
export type OutboxOp = 'send' | 'edit' | 'delete';

/** A message on its way out (or an edit or removal of one): deleted when the far side accepted it. */
export interface OutboxRecord {
  id: number;
  op: OutboxOp;
  chatId: string;
  /** The message an `edit` or `delete` acts on. */
  targetMessageId: number | null;
  /** Telegram HTML, or null to send `plain` only. */
  html: string | null;
  plain: string;
  replyToMessageId: number | null;
  /** The forum topic a `send` goes to (message_thread_id), when one was named. */
  threadId: number | null;
  /** What produced it, e.g. `reply:<update_id>` or `pairing:<sender>`. */
  source: string;
  attempts: number;
  notBeforeMs: number;
  lastError: string | null;
  createdAtMs: number;
}

/** A reply to enqueue (a `send` unless `op` says otherwise). */
export type NewOutbound = Pick<OutboxRecord, 'chatId' | 'html' | 'plain' | 'source'> & {
  replyToMessageId?: number;
  threadId?: number;
  op?: OutboxOp;
  targetMessageId?: number;
};

/** A draft message (progress status or streamed preview) a turn showed and has not finished yet. */
export interface DraftRecord {
  chatId: string;
  messageId: number;
  updateId: number;
}

/**
 * The answer a chat is owed for a turn the gateway started in its session (an exec completion
 * note): run `runId` (or its rerun) answers `message`, and the answer goes to the chat.
 */
export interface FollowupRecord {
  runId: string;
  sessionKey: string;
  chatId: string;
  chatType: string;
  senderId: string;
  threadId?: number;
  message: string;
}

/** Handled updates kept for dedupe (spec 10.3: 30 days / 1000 entries). */
export const INBOUND_RETENTION_MS = 30 * 24 * 3600 * 1000;
export const INBOUND_RETENTION_COUNT = 1000;

interface OutboxRow {
  id: number;
  op: OutboxOp;
  chat_id: string;
  target_message_id: number | null;
  html: string | null;
  plain: string;
  reply_to_message_id: number | null;
  thread_id: number | null;
  source: string;
  attempts: number;
  not_before_ms: number;
  last_error: string | null;
  created_at_ms: number;
}

const outboxFromRow = (r: OutboxRow): OutboxRecord => ({
  id: r.id,
  op: r.op,
  chatId: r.chat_id,
  targetMessageId: r.target_message_id,
  html: r.html,
  plain: r.plain,
  replyToMessageId: r.reply_to_message_id,
  threadId: r.thread_id,
  source: r.source,
  attempts: r.attempts,
  notBeforeMs: r.not_before_ms,
  lastError: r.last_error,
  createdAtMs: r.created_at_ms,
});

/**
 * The durable inbound queue, poll offset and outbox of one channel account (style B3.7). Every
 * method is one SQLite transaction, so a `kill -9` leaves each update either not yet stored
 * (its offset not advanced either) or stored and confirmed, and each reply either not yet
 * queued (its update still pending) or queued with its update marked done.
 */
export class ChannelQueueRepo {
  private readonly sql: StatementCache;

  constructor(private readonly db: Database, private readonly key: ChannelAccountKey) {
    this.sql = new StatementCache(db);
  }

  /** The offset the next getUpdates should confirm, or undefined before the first update. */
  nextOffset(): number | undefined {
    const row = this.sql.get('SELECT next_offset FROM channel_poll_state WHERE channel = ? AND account_id = ?')
      .get(this.key.channel, this.key.accountId) as { next_offset: number } | undefined;
    return row?.next_offset;
  }

  /**
   * Stores a batch of updates and the offset after them in one transaction. An update already
   * stored (pending or done) is ignored: its id is the persisted dedupe key. Returns how many
   * were new.
   */
  storeBatch(updates: readonly { updateId: number; chatId: string; payload: string }[], nowMs: number): number {
    if (updates.length === 0) return 0;
    const insert = this.sql.get(`INSERT OR IGNORE INTO channel_inbound
      (channel, account_id, update_id, chat_id, payload, state, received_at_ms) VALUES (?, ?, ?, ?, ?, 'pending', ?)`);
    const offset = this.sql.get(`INSERT INTO channel_poll_state (channel, account_id, next_offset) VALUES (?, ?, ?)
      ON CONFLICT (channel, account_id) DO UPDATE SET next_offset = max(next_offset, excluded.next_offset)`);
    return this.db.transaction(() => {
      let added = 0;
      let maxId = 0;
      for (const u of updates) {
        added += insert.run(this.key.channel, this.key.accountId, u.updateId, u.chatId, u.payload, nowMs).changes;
        maxId = Math.max(maxId, u.updateId);
      }
      offset.run(this.key.channel, this.key.accountId, maxId + 1);
      return added;
    })();
  }

  /** Pending updates in arrival order (update ids increase per bot). */
  pending(limit = 500): InboundRecord[] {
    const rows = this.sql.get(`SELECT update_id, chat_id, payload, received_at_ms FROM channel_inbound
      WHERE channel = ? AND account_id = ? AND state = 'pending' ORDER BY update_id LIMIT ?`)
      .all(this.key.channel, this.key.accountId, limit) as { update_id: number; chat_id: string; payload: string; received_at_ms: number }[];
    return rows.map((r) => ({ updateId: r.update_id, chatId: r.chat_id, payload: r.payload, receivedAtMs: r.received_at_ms }));
  }

  /** The chats with pending updates, the chat of the oldest update first (no payload is read). */
  pendingChats(): string[] {
    const rows = this.sql.get(`SELECT chat_id, min(update_id) AS first FROM channel_inbound
      WHERE channel = ? AND account_id = ? AND state = 'pending' GROUP BY chat_id ORDER BY first`)
      .all(this.key.channel, this.key.accountId) as { chat_id: string }[];
    return rows.map((r) => r.chat_id);
  }

  /** One chat's oldest pending update, or undefined when the chat has none. */
  nextPending(chatId: string): InboundRecord | undefined {
    const r = this.sql.get(`SELECT update_id, chat_id, payload, received_at_ms FROM channel_inbound
      WHERE channel = ? AND account_id = ? AND state = 'pending' AND chat_id = ? ORDER BY update_id LIMIT 1`)
      .get(this.key.channel, this.key.accountId, chatId) as { update_id: number; chat_id: string; payload: string; received_at_ms: number } | undefined;
    return r && { updateId: r.update_id, chatId: r.chat_id, payload: r.payload, receivedAtMs: r.received_at_ms };
  }

  /** Pending updates count (status "backlog"). */
  pendingCount(): number {
    return (this.sql.get(`SELECT count(*) AS n FROM channel_inbound WHERE channel = ? AND account_id = ? AND state = 'pending'`)
      .get(this.key.channel, this.key.accountId) as { n: number }).n;
  }

  /**
   * Marks an update done and queues its replies in one transaction; a no-op (returns false) when
   * it was already done, so a handler that ran twice still queues its replies once.
   */
  complete(updateId: number, replies: readonly NewOutbound[], nowMs: number): boolean {
    const done = this.sql.get(`UPDATE channel_inbound SET state = 'done', done_at_ms = ?
      WHERE channel = ? AND account_id = ? AND update_id = ? AND state = 'pending'`);
    return this.db.transaction(() => {
      if (done.run(nowMs, this.key.channel, this.key.accountId, updateId).changes === 0) return false;
      for (const r of replies) this.enqueueRow(r, nowMs);
      // The replies carry what becomes of the turn's drafts (edited into the answer or deleted).
      this.sql.get('DELETE FROM channel_draft WHERE channel = ? AND account_id = ? AND update_id = ?')
        .run(this.key.channel, this.key.accountId, updateId);
      return true;
    })();
  }

  /** Records a draft message right after Telegram accepted it, so a restart can remove it. */
  recordDraft(draft: DraftRecord, nowMs: number): void {
    this.sql.get(`INSERT OR IGNORE INTO channel_draft (channel, account_id, chat_id, message_id, update_id, created_at_ms)
      VALUES (?, ?, ?, ?, ?, ?)`).run(this.key.channel, this.key.accountId, draft.chatId, draft.messageId, draft.updateId, nowMs);
  }

  /** Drafts not finished yet (all, or those of one update). */
  drafts(updateId?: number): DraftRecord[] {
    const rows = this.sql.get(`SELECT chat_id, message_id, update_id FROM channel_draft WHERE channel = ? AND account_id = ?
      AND (? IS NULL OR update_id = ?) ORDER BY created_at_ms, message_id`)
      .all(this.key.channel, this.key.accountId, updateId ?? null, updateId ?? null) as { chat_id: string; message_id: number; update_id: number }[];
    return rows.map((r) => ({ chatId: r.chat_id, messageId: r.message_id, updateId: r.update_id }));
  }

  /**
   * Queues the removal of drafts no live turn owns (all after a restart, or one update's before
   * its turn runs again) and forgets them, in one transaction. Returns how many.
   */
  retireDrafts(nowMs: number, updateId?: number): number {
    return this.db.transaction(() => {
      const drafts = this.drafts(updateId);
      for (const d of drafts) {
        this.enqueueRow({ op: 'delete', chatId: d.chatId, targetMessageId: d.messageId, html: null, plain: '', source: `draft:${d.updateId}` }, nowMs);
        this.sql.get('DELETE FROM channel_draft WHERE channel = ? AND account_id = ? AND chat_id = ? AND message_id = ?')
          .run(this.key.channel, this.key.accountId, d.chatId, d.messageId);
      }
      return drafts.length;
    })();
  }

  /** An `edit` whose message cannot be edited any more goes out as a new message instead. */
  editBecomesSend(id: number): void {
    this.sql.get(`UPDATE channel_outbox SET op = 'send', target_message_id = NULL WHERE id = ? AND op = 'edit'`).run(id);
  }

  /** Queues a message outside an update's completion (e.g. a proactive send). Returns its id. */
  enqueue(message: NewOutbound, nowMs: number): number {
    return this.enqueueRow(message, nowMs);
  }

  private enqueueRow(m: NewOutbound, nowMs: number): number {
    return Number(this.sql.get(`INSERT INTO channel_outbox
      (channel, account_id, op, chat_id, target_message_id, html, plain, reply_to_message_id, thread_id, source, created_at_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(this.key.channel, this.key.accountId, m.op ?? 'send', m.chatId, m.targetMessageId ?? null, m.html, m.plain,
        m.replyToMessageId ?? null, m.threadId ?? null, m.source, nowMs)
      .lastInsertRowid);
  }

  /**
   * Stores the answer a chat is owed for run `runId`; ignored when that run already owes one.
   * Call it in the transaction that queues the run, so the two exist together or not at all.
   */
  addFollowup(f: FollowupRecord, nowMs: number): void {
    this.sql.get(`INSERT OR IGNORE INTO channel_followup
      (channel, account_id, run_id, session_key, chat_id, chat_type, sender_id, thread_id, message, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(this.key.channel, this.key.accountId, f.runId, f.sessionKey, f.chatId, f.chatType, f.senderId, f.threadId ?? null, f.message, nowMs);
  }

  /** Answers still owed, oldest first. */
  followups(): FollowupRecord[] {
    const rows = this.sql.get(`SELECT run_id, session_key, chat_id, chat_type, sender_id, thread_id, message FROM channel_followup
      WHERE channel = ? AND account_id = ? ORDER BY created_at_ms, rowid`).all(this.key.channel, this.key.accountId) as {
      run_id: string; session_key: string; chat_id: string; chat_type: string; sender_id: string; thread_id: number | null; message: string;
    }[];
    return rows.map((r) => ({
      runId: r.run_id, sessionKey: r.session_key, chatId: r.chat_id, chatType: r.chat_type, senderId: r.sender_id, message: r.message,
      ...(r.thread_id !== null ? { threadId: r.thread_id } : {}),
    }));
  }

  /**
   * Settles an owed answer and queues its messages in one transaction; false (nothing queued)
   * when it was settled already, so an answer is queued once however often this runs.
   */
  completeFollowup(runId: string, replies: readonly NewOutbound[], nowMs: number): boolean {
    const settle = this.sql.get('DELETE FROM channel_followup WHERE channel = ? AND account_id = ? AND run_id = ?');
    return this.db.transaction(() => {
      if (settle.run(this.key.channel, this.key.accountId, runId).changes === 0) return false;
      for (const r of replies) this.enqueueRow(r, nowMs);
      return true;
    })();
  }

  /** Queued messages in order (oldest first). */
  outbox(limit = 500): OutboxRecord[] {
    return (this.sql.get(`SELECT * FROM channel_outbox WHERE channel = ? AND account_id = ? ORDER BY id LIMIT ?`)
      .all(this.key.channel, this.key.accountId, limit) as OutboxRow[]).map(outboxFromRow);
  }

  outboxCount(): number {
    return (this.sql.get('SELECT count(*) AS n FROM channel_outbox WHERE channel = ? AND account_id = ?')
      .get(this.key.channel, this.key.accountId) as { n: number }).n;
  }

  /** The far side accepted the message. */
  delivered(id: number): void {
    this.sql.get('DELETE FROM channel_outbox WHERE id = ?').run(id);
  }

  /** A failed attempt: counted, with the error and the earliest next attempt. */
  deferred(id: number, notBeforeMs: number, error: string): void {
    this.sql.get('UPDATE channel_outbox SET attempts = attempts + 1, not_before_ms = ?, last_error = ? WHERE id = ?')
      .run(notBeforeMs, error, id);
  }

  /** Forgets handled updates older than the retention window, keeping at least the newest ones. */
  prune(nowMs: number): void {
    this.sql.get(`DELETE FROM channel_inbound WHERE channel = ? AND account_id = ? AND state = 'done' AND (done_at_ms < ? OR update_id <= (
        SELECT update_id FROM channel_inbound WHERE channel = ? AND account_id = ? AND state = 'done'
        ORDER BY update_id DESC LIMIT 1 OFFSET ?))`)
      .run(this.key.channel, this.key.accountId, nowMs - INBOUND_RETENTION_MS, this.key.channel, this.key.accountId, INBOUND_RETENTION_COUNT);
  }
}
