import type { Database } from 'better-sqlite3';
import { StatementCache } from './statement-cache.js';
import { listText, parseList } from './row-values.js';

/**
 * A setup code's single-use bootstrap token. Only the SHA-256 digest of the token is stored: the
 * token itself exists only in the setup code handed to the operator.
 */
export interface BootstrapTokenRecord {
  tokenSha256: Buffer;
  /** Opaque id of the setup code, for correlation (never a credential). */
  setupId: string;
  /** Roles the handoff pairs the device for. */
  roles: string[];
  /** Operator scopes the handoff may grant. */
  scopes: string[];
  issuedAtMs: number;
  expiresAtMs: number;
}

interface Row {
  token_sha256: Buffer;
  setup_id: string;
  roles: string;
  scopes: string;
  issued_at_ms: number;
  expires_at_ms: number;
}

function fromRow(r: Row): BootstrapTokenRecord {
  return {
    tokenSha256: r.token_sha256, setupId: r.setup_id, roles: parseList(r.roles), scopes: parseList(r.scopes),
    issuedAtMs: r.issued_at_ms, expiresAtMs: r.expires_at_ms,
  };
}

/** The `device_bootstrap_token` table. */
export class BootstrapTokenRepo {
  private readonly sql: StatementCache;

  constructor(db: Database) {
    this.sql = new StatementCache(db);
  }

  insert(t: BootstrapTokenRecord): void {
    this.sql.get(`
      INSERT INTO device_bootstrap_token (token_sha256, setup_id, roles, scopes, issued_at_ms, expires_at_ms)
      VALUES (?, ?, ?, ?, ?, ?)
    `).run(t.tokenSha256, t.setupId, listText(t.roles), listText(t.scopes), t.issuedAtMs, t.expiresAtMs);
  }

  /** The live (unexpired at `nowMs`) token with this digest, if any. */
  getLive(digest: Buffer, nowMs: number): BootstrapTokenRecord | undefined {
    const row = this.sql.get('SELECT * FROM device_bootstrap_token WHERE token_sha256 = ? AND expires_at_ms > ?').get(digest, nowMs) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /**
   * Deletes the live token with this digest and returns it; undefined when there was none. Only
   * the delete that removed the row returns it, so of two uses of one token exactly one gets it.
   * (Not `DELETE … RETURNING`: better-sqlite3 counts that as a reader, and read caches must see
   * every write, statement-cache.ts.)
   */
  take(digest: Buffer, nowMs: number): BootstrapTokenRecord | undefined {
    const record = this.getLive(digest, nowMs);
    if (!record) return undefined;
    const { changes } = this.sql.get('DELETE FROM device_bootstrap_token WHERE token_sha256 = ?').run(digest);
    return changes === 1 ? record : undefined;
  }

  /** Drops tokens expired at `nowMs`. */
  prune(nowMs: number): void {
    this.sql.get('DELETE FROM device_bootstrap_token WHERE expires_at_ms <= ?').run(nowMs);
  }
}
