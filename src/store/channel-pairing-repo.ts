import type { Database } from 'better-sqlite3';
import { StatementCache } from './statement-cache.js';

/** An unknown sender waiting for an owner's approval (assistant.md 10.4). */
export interface SenderPairingRequest {
  channel: string;
  accountId: string;
  senderId: string;
  code: string;
  meta: Record<string, string>;
  createdAtMs: number;
  lastSeenAtMs: number;
  expiresAtMs: number;
}

interface Row {
  channel: string;
  account_id: string;
  sender_id: string;
  code: string;
  meta: string;
  created_at_ms: number;
  last_seen_at_ms: number;
  expires_at_ms: number;
}

const fromRow = (r: Row): SenderPairingRequest => ({
  channel: r.channel,
  accountId: r.account_id,
  senderId: r.sender_id,
  code: r.code,
  meta: JSON.parse(r.meta) as Record<string, string>,
  createdAtMs: r.created_at_ms,
  lastSeenAtMs: r.last_seen_at_ms,
  expiresAtMs: r.expires_at_ms,
});

/** Outcome of a message from an unknown sender. */
export type SenderRequestOutcome =
  | { kind: 'created'; request: SenderPairingRequest }
  | { kind: 'existing'; request: SenderPairingRequest }
  | { kind: 'full' };

/** Pending sender pairing requests and the senders approved through them, per channel account. */
export class ChannelPairingRepo {
  private readonly sql: StatementCache;

  constructor(private readonly db: Database) {
    this.sql = new StatementCache(db);
  }

  /** Whether an owner approved this sender (pairing approval, not config `allowFrom`). */
  isApproved(channel: string, accountId: string, senderId: string): boolean {
    return this.sql.get('SELECT 1 FROM channel_allowed_sender WHERE channel = ? AND account_id = ? AND sender_id = ?')
      .get(channel, accountId, senderId) !== undefined;
  }

  /** Approved sender ids of one account. */
  approved(channel: string, accountId: string): string[] {
    return (this.sql.get('SELECT sender_id FROM channel_allowed_sender WHERE channel = ? AND account_id = ? ORDER BY approved_at_ms')
      .all(channel, accountId) as { sender_id: string }[]).map((r) => r.sender_id);
  }

  /** Live (unexpired) requests, oldest first; `channel` alone lists every account. */
  list(channel: string, nowMs: number, accountId?: string): SenderPairingRequest[] {
    this.expire(nowMs);
    const rows = accountId === undefined
      ? this.sql.get('SELECT * FROM channel_pairing_request WHERE channel = ? ORDER BY created_at_ms').all(channel)
      : this.sql.get('SELECT * FROM channel_pairing_request WHERE channel = ? AND account_id = ? ORDER BY created_at_ms').all(channel, accountId);
    return (rows as Row[]).map(fromRow);
  }

  /**
   * Records a message from an unknown sender: the sender's live request is touched, or a new
   * one is created with `newCode()` unless `maxPending` are already waiting on this account.
   */
  request(
    key: { channel: string; accountId: string; senderId: string; meta: Record<string, string> },
    opts: { nowMs: number; ttlMs: number; maxPending: number; newCode: () => string },
  ): SenderRequestOutcome {
    return this.db.transaction((): SenderRequestOutcome => {
      this.expire(opts.nowMs);
      const existing = this.sql.get('SELECT * FROM channel_pairing_request WHERE channel = ? AND account_id = ? AND sender_id = ?')
        .get(key.channel, key.accountId, key.senderId) as Row | undefined;
      if (existing) {
        this.sql.get('UPDATE channel_pairing_request SET last_seen_at_ms = ? WHERE channel = ? AND account_id = ? AND sender_id = ?')
          .run(opts.nowMs, key.channel, key.accountId, key.senderId);
        return { kind: 'existing', request: { ...fromRow(existing), lastSeenAtMs: opts.nowMs } };
      }
      const pending = (this.sql.get('SELECT count(*) AS n FROM channel_pairing_request WHERE channel = ? AND account_id = ?')
        .get(key.channel, key.accountId) as { n: number }).n;
      if (pending >= opts.maxPending) return { kind: 'full' };
      let code = opts.newCode();
      const taken = this.sql.get('SELECT 1 FROM channel_pairing_request WHERE channel = ? AND code = ?');
      while (taken.get(key.channel, code) !== undefined) code = opts.newCode();
      const request: SenderPairingRequest = {
        ...key, code, createdAtMs: opts.nowMs, lastSeenAtMs: opts.nowMs, expiresAtMs: opts.nowMs + opts.ttlMs,
      };
      this.sql.get(`INSERT INTO channel_pairing_request
        (channel, account_id, sender_id, code, meta, created_at_ms, last_seen_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(key.channel, key.accountId, key.senderId, code, JSON.stringify(key.meta), opts.nowMs, opts.nowMs, request.expiresAtMs);
      return { kind: 'created', request };
    })();
  }

  /** Approves the live request with this code (case-insensitive): the sender is allowed from now on. */
  approve(channel: string, code: string, nowMs: number): SenderPairingRequest | undefined {
    return this.db.transaction(() => {
      const request = this.take(channel, code, nowMs);
      if (!request) return undefined;
      this.sql.get(`INSERT OR REPLACE INTO channel_allowed_sender (channel, account_id, sender_id, approved_at_ms) VALUES (?, ?, ?, ?)`)
        .run(request.channel, request.accountId, request.senderId, nowMs);
      return request;
    })();
  }

  /** Drops the live request with this code without allowing its sender. */
  reject(channel: string, code: string, nowMs: number): SenderPairingRequest | undefined {
    return this.db.transaction(() => this.take(channel, code, nowMs))();
  }

  private take(channel: string, code: string, nowMs: number): SenderPairingRequest | undefined {
    this.expire(nowMs);
    const row = this.sql.get('DELETE FROM channel_pairing_request WHERE channel = ? AND code = ? RETURNING *')
      .get(channel, code.trim().toUpperCase()) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  private expire(nowMs: number): void {
    this.sql.get('DELETE FROM channel_pairing_request WHERE expires_at_ms <= ?').run(nowMs);
  }
}
