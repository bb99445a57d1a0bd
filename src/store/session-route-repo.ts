import type { Database } from 'better-sqlite3';
import { StatementCache } from './statement-cache.js';

/**
 * Where a session last heard from on a channel: the chat (and forum topic) of its last answered
 * inbound message, and who sent it (the access rules are checked again before a reply goes there).
 */
export interface SessionRoute {
  sessionKey: string;
  channel: string;
  accountId: string;
  chatId: string;
  /** Telegram's chat type: `private`, `group`, `supergroup`. */
  chatType: string;
  senderId: string;
  /** The forum topic (message_thread_id), when the message was in one. */
  threadId?: number;
}

interface Row {
  session_key: string;
  channel: string;
  account_id: string;
  chat_id: string;
  chat_type: string;
  sender_id: string;
  thread_id: number | null;
}

/**
 * Each session's last channel route (OpenClaw's `deliveryContext`, assistant.md 1.1): written
 * when a channel hands the session an inbound message, read when the gateway starts a turn there
 * whose answer the chat should hear. Deleting the session deletes its route (a trigger).
 */
export class SessionRouteRepo {
  private readonly sql: StatementCache;

  constructor(db: Database) {
    this.sql = new StatementCache(db);
  }

  /** Makes `route` its session's last route (no write when it is already). */
  record(route: SessionRoute, nowMs: number): void {
    const known = this.get(route.sessionKey);
    if (known && known.channel === route.channel && known.accountId === route.accountId && known.chatId === route.chatId
      && known.chatType === route.chatType && known.senderId === route.senderId && known.threadId === route.threadId) return;
    this.sql.get(`INSERT INTO session_route (session_key, channel, account_id, chat_id, chat_type, sender_id, thread_id, updated_at_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session_key) DO UPDATE SET channel = excluded.channel, account_id = excluded.account_id,
      chat_id = excluded.chat_id, chat_type = excluded.chat_type, sender_id = excluded.sender_id, thread_id = excluded.thread_id,
      updated_at_ms = excluded.updated_at_ms`)
      .run(route.sessionKey, route.channel, route.accountId, route.chatId, route.chatType, route.senderId, route.threadId ?? null, nowMs);
  }

  /** The session's last route, or undefined when no channel message reached it. */
  get(sessionKey: string): SessionRoute | undefined {
    const r = this.sql.get('SELECT session_key, channel, account_id, chat_id, chat_type, sender_id, thread_id FROM session_route WHERE session_key = ?')
      .get(sessionKey) as Row | undefined;
    return r && {
      sessionKey: r.session_key, channel: r.channel, accountId: r.account_id, chatId: r.chat_id, chatType: r.chat_type, senderId: r.sender_id,
      ...(r.thread_id !== null ? { threadId: r.thread_id } : {}),
    };
  }
}
