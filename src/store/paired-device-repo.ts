import type { Database } from 'better-sqlite3';
import { ReadCache, StatementCache } from './statement-cache.js';
import { listText, optional, orNull, parseList } from './row-values.js';

/** Client facts a device reported when it asked to pair (protocol.md 6.2 `PairedDevice`). */
export interface DeviceMetadata {
  displayName?: string;
  platform?: string;
  deviceFamily?: string;
  clientId?: string;
  clientMode?: string;
  remoteIp?: string;
}

/** One approved device: its key, what it may be (roles, scopes) and how it got there. */
export interface PairedDeviceRecord extends DeviceMetadata {
  deviceId: string;
  /** Raw Ed25519 key, base64url without padding. */
  publicKey: string;
  /** Name set by an operator (`device.pair.rename`); shown instead of `displayName`. */
  label?: string;
  /** The role of the most recent approval. */
  role: string;
  roles: string[];
  /** Approved operator scopes. */
  scopes: string[];
  /** `owner` (an operator approved it) or `silent` (local auto-approval). */
  approvedVia: string;
  createdAtMs: number;
  approvedAtMs: number;
  lastSeenAtMs?: number;
  lastSeenReason?: string;
}

interface Row {
  device_id: string;
  public_key: string;
  display_name: string | null;
  label: string | null;
  platform: string | null;
  device_family: string | null;
  client_id: string | null;
  client_mode: string | null;
  role: string;
  roles: string;
  scopes: string;
  approved_via: string;
  remote_ip: string | null;
  created_at_ms: number;
  approved_at_ms: number;
  last_seen_at_ms: number | null;
  last_seen_reason: string | null;
}

function fromRow(r: Row): PairedDeviceRecord {
  return {
    deviceId: r.device_id,
    publicKey: r.public_key,
    ...optional('displayName', r.display_name),
    ...optional('label', r.label),
    ...optional('platform', r.platform),
    ...optional('deviceFamily', r.device_family),
    ...optional('clientId', r.client_id),
    ...optional('clientMode', r.client_mode),
    role: r.role,
    roles: parseList(r.roles),
    scopes: parseList(r.scopes),
    approvedVia: r.approved_via,
    ...optional('remoteIp', r.remote_ip),
    createdAtMs: r.created_at_ms,
    approvedAtMs: r.approved_at_ms,
    ...optional('lastSeenAtMs', r.last_seen_at_ms),
    ...optional('lastSeenReason', r.last_seen_reason),
  };
}

/** The `paired_device` table. */
export class PairedDeviceRepo {
  private readonly sql: StatementCache;
  /** Every device connect reads its record: keep it in memory until the next write. */
  private readonly cache: ReadCache<PairedDeviceRecord>;

  constructor(db: Database) {
    this.sql = new StatementCache(db);
    this.cache = new ReadCache(this.sql, ['paired_device']);
  }

  /** The device with this id, if paired (frozen: copy it to change it). */
  get(deviceId: string): Readonly<PairedDeviceRecord> | undefined {
    return this.cache.get(deviceId, () => {
      const row = this.sql.get('SELECT * FROM paired_device WHERE device_id = ?').get(deviceId) as Row | undefined;
      return row ? fromRow(row) : undefined;
    });
  }

  /** Most recently approved first. */
  list(): PairedDeviceRecord[] {
    return (this.sql.get('SELECT * FROM paired_device ORDER BY approved_at_ms DESC, device_id').all() as Row[]).map(fromRow);
  }

  /** Inserts or replaces the whole record (the label survives a re-approval). */
  save(d: PairedDeviceRecord): void {
    this.sql.get(`
      INSERT INTO paired_device (device_id, public_key, display_name, label, platform, device_family, client_id, client_mode,
        role, roles, scopes, approved_via, remote_ip, created_at_ms, approved_at_ms, last_seen_at_ms, last_seen_reason)
      VALUES (@deviceId, @publicKey, @displayName, @label, @platform, @deviceFamily, @clientId, @clientMode,
        @role, @roles, @scopes, @approvedVia, @remoteIp, @createdAtMs, @approvedAtMs, @lastSeenAtMs, @lastSeenReason)
      ON CONFLICT (device_id) DO UPDATE SET public_key = excluded.public_key, display_name = excluded.display_name,
        label = excluded.label, platform = excluded.platform, device_family = excluded.device_family,
        client_id = excluded.client_id, client_mode = excluded.client_mode, role = excluded.role, roles = excluded.roles,
        scopes = excluded.scopes, approved_via = excluded.approved_via, remote_ip = excluded.remote_ip,
        approved_at_ms = excluded.approved_at_ms, last_seen_at_ms = excluded.last_seen_at_ms,
        last_seen_reason = excluded.last_seen_reason
    `).run({
      deviceId: d.deviceId, publicKey: d.publicKey, displayName: orNull(d.displayName), label: orNull(d.label),
      platform: orNull(d.platform), deviceFamily: orNull(d.deviceFamily), clientId: orNull(d.clientId),
      clientMode: orNull(d.clientMode), role: d.role, roles: listText(d.roles), scopes: listText(d.scopes),
      approvedVia: d.approvedVia, remoteIp: orNull(d.remoteIp), createdAtMs: d.createdAtMs, approvedAtMs: d.approvedAtMs,
      lastSeenAtMs: orNull(d.lastSeenAtMs), lastSeenReason: orNull(d.lastSeenReason),
    });
  }

  /** Records a successful connect. */
  touch(deviceId: string, atMs: number, reason: string): void {
    this.sql.get('UPDATE paired_device SET last_seen_at_ms = ?, last_seen_reason = ? WHERE device_id = ?').run(atMs, reason, deviceId);
  }

  /** Returns false when there is no such device. */
  rename(deviceId: string, label: string): boolean {
    return this.sql.get('UPDATE paired_device SET label = ? WHERE device_id = ?').run(label, deviceId).changes > 0;
  }

  /** Removes the device and (by cascade) its tokens; false when there was none. */
  remove(deviceId: string): boolean {
    return this.sql.get('DELETE FROM paired_device WHERE device_id = ?').run(deviceId).changes > 0;
  }
}
