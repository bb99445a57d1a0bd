import type { Database } from 'better-sqlite3';
import { ReadCache, StatementCache } from './statement-cache.js';
import { listText, optional, orNull, parseList } from './row-values.js';

/**
 * One device token per (device, role). Only the SHA-256 digest of the token is stored; the
 * token itself exists only in the hello-ok or rotate answer that delivered it.
 */
export interface DeviceTokenRecord {
  deviceId: string;
  role: string;
  tokenSha256: Buffer;
  scopes: string[];
  /** When the (device, role) first got a token. */
  createdAtMs: number;
  /** When the current value was issued (hello-ok `auth.issuedAtMs`). */
  issuedAtMs: number;
  rotatedAtMs?: number;
  revokedAtMs?: number;
  lastUsedAtMs?: number;
}

interface Row {
  device_id: string;
  role: string;
  token_sha256: Buffer;
  scopes: string;
  created_at_ms: number;
  issued_at_ms: number;
  rotated_at_ms: number | null;
  revoked_at_ms: number | null;
  last_used_at_ms: number | null;
}

function fromRow(r: Row): DeviceTokenRecord {
  return {
    deviceId: r.device_id,
    role: r.role,
    tokenSha256: r.token_sha256,
    scopes: parseList(r.scopes),
    createdAtMs: r.created_at_ms,
    issuedAtMs: r.issued_at_ms,
    ...optional('rotatedAtMs', r.rotated_at_ms),
    ...optional('revokedAtMs', r.revoked_at_ms),
    ...optional('lastUsedAtMs', r.last_used_at_ms),
  };
}

/** The `device_token` table. */
export class DeviceTokenRepo {
  private readonly sql: StatementCache;
  /** Every token connect reads its record: keep it in memory until the next write. */
  private readonly cache: ReadCache<DeviceTokenRecord>;

  constructor(db: Database) {
    this.sql = new StatementCache(db);
    // Removing a device deletes its tokens too (ON DELETE CASCADE).
    this.cache = new ReadCache(this.sql, ['device_token', 'paired_device']);
  }

  /** The token record of (device, role), if any (frozen: copy it to change it). */
  get(deviceId: string, role: string): Readonly<DeviceTokenRecord> | undefined {
    return this.cache.get(`${deviceId}\n${role}`, () => {
      const row = this.sql.get('SELECT * FROM device_token WHERE device_id = ? AND role = ?').get(deviceId, role) as Row | undefined;
      return row ? fromRow(row) : undefined;
    });
  }

  /** Tokens of one device, by role. */
  forDevice(deviceId: string): DeviceTokenRecord[] {
    return (this.sql.get('SELECT * FROM device_token WHERE device_id = ? ORDER BY role').all(deviceId) as Row[]).map(fromRow);
  }

  /** Inserts or replaces the record of (device, role); `createdAtMs` of an existing row is kept. */
  save(t: DeviceTokenRecord): void {
    this.sql.get(`
      INSERT INTO device_token (device_id, role, token_sha256, scopes, created_at_ms, issued_at_ms, rotated_at_ms, revoked_at_ms, last_used_at_ms)
      VALUES (@deviceId, @role, @tokenSha256, @scopes, @createdAtMs, @issuedAtMs, @rotatedAtMs, @revokedAtMs, @lastUsedAtMs)
      ON CONFLICT (device_id, role) DO UPDATE SET token_sha256 = excluded.token_sha256, scopes = excluded.scopes,
        issued_at_ms = excluded.issued_at_ms, rotated_at_ms = excluded.rotated_at_ms, revoked_at_ms = excluded.revoked_at_ms,
        last_used_at_ms = excluded.last_used_at_ms
    `).run({
      deviceId: t.deviceId, role: t.role, tokenSha256: t.tokenSha256, scopes: listText(t.scopes), createdAtMs: t.createdAtMs,
      issuedAtMs: t.issuedAtMs, rotatedAtMs: orNull(t.rotatedAtMs), revokedAtMs: orNull(t.revokedAtMs),
      lastUsedAtMs: orNull(t.lastUsedAtMs),
    });
  }

  /** Notes a successful authentication with the token. */
  markUsed(deviceId: string, role: string, atMs: number): void {
    this.sql.get('UPDATE device_token SET last_used_at_ms = ? WHERE device_id = ? AND role = ?').run(atMs, deviceId, role);
  }
}
