import type { Database } from 'better-sqlite3';
import type { DeviceMetadata } from './paired-device-repo.js';
import { StatementCache } from './statement-cache.js';
import { listText, optional, orNull, parseList } from './row-values.js';

/** Why a device must be approved (protocol.md 6.1). */
export type PairingReason = 'not-paired' | 'role-upgrade' | 'scope-upgrade';

/** A device waiting for an operator's decision. */
export interface PairingRequestRecord extends DeviceMetadata {
  requestId: string;
  deviceId: string;
  publicKey: string;
  role: string;
  scopes: string[];
  reason: PairingReason;
  silent: boolean;
  /** The device was already paired (a role or scope upgrade). */
  isRepair: boolean;
  createdAtMs: number;
  expiresAtMs: number;
}

interface Row {
  request_id: string;
  device_id: string;
  public_key: string;
  display_name: string | null;
  platform: string | null;
  device_family: string | null;
  client_id: string | null;
  client_mode: string | null;
  role: string;
  scopes: string;
  reason: string;
  silent: number;
  is_repair: number;
  remote_ip: string | null;
  created_at_ms: number;
  expires_at_ms: number;
}

function fromRow(r: Row): PairingRequestRecord {
  return {
    requestId: r.request_id,
    deviceId: r.device_id,
    publicKey: r.public_key,
    ...optional('displayName', r.display_name),
    ...optional('platform', r.platform),
    ...optional('deviceFamily', r.device_family),
    ...optional('clientId', r.client_id),
    ...optional('clientMode', r.client_mode),
    role: r.role,
    scopes: parseList(r.scopes),
    reason: r.reason as PairingReason,
    silent: r.silent !== 0,
    isRepair: r.is_repair !== 0,
    ...optional('remoteIp', r.remote_ip),
    createdAtMs: r.created_at_ms,
    expiresAtMs: r.expires_at_ms,
  };
}

/** The `device_pairing_request` table. Expired rows are invisible and removed on the next write. */
export class PairingRequestRepo {
  private readonly sql: StatementCache;

  constructor(db: Database) {
    this.sql = new StatementCache(db);
  }

  /** Deletes requests whose expiry has passed. */
  prune(nowMs: number): void {
    this.sql.get('DELETE FROM device_pairing_request WHERE expires_at_ms <= ?').run(nowMs);
  }

  /** A live request by id. */
  get(requestId: string, nowMs: number): PairingRequestRecord | undefined {
    const row = this.sql.get('SELECT * FROM device_pairing_request WHERE request_id = ? AND expires_at_ms > ?').get(requestId, nowMs) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Live requests of one device. */
  forDevice(deviceId: string, nowMs: number): PairingRequestRecord[] {
    const rows = this.sql.get('SELECT * FROM device_pairing_request WHERE device_id = ? AND expires_at_ms > ? ORDER BY created_at_ms').all(deviceId, nowMs) as Row[];
    return rows.map(fromRow);
  }

  /** Live requests, newest first. */
  list(nowMs: number): PairingRequestRecord[] {
    const rows = this.sql.get('SELECT * FROM device_pairing_request WHERE expires_at_ms > ? ORDER BY created_at_ms DESC, request_id').all(nowMs) as Row[];
    return rows.map(fromRow);
  }

  /** Stores a new request. */
  insert(r: PairingRequestRecord): void {
    this.sql.get(`
      INSERT INTO device_pairing_request (request_id, device_id, public_key, display_name, platform, device_family, client_id,
        client_mode, role, scopes, reason, silent, is_repair, remote_ip, created_at_ms, expires_at_ms)
      VALUES (@requestId, @deviceId, @publicKey, @displayName, @platform, @deviceFamily, @clientId,
        @clientMode, @role, @scopes, @reason, @silent, @isRepair, @remoteIp, @createdAtMs, @expiresAtMs)
    `).run({
      requestId: r.requestId, deviceId: r.deviceId, publicKey: r.publicKey, displayName: orNull(r.displayName),
      platform: orNull(r.platform), deviceFamily: orNull(r.deviceFamily), clientId: orNull(r.clientId),
      clientMode: orNull(r.clientMode), role: r.role, scopes: listText(r.scopes), reason: r.reason,
      silent: r.silent ? 1 : 0, isRepair: r.isRepair ? 1 : 0, remoteIp: orNull(r.remoteIp),
      createdAtMs: r.createdAtMs, expiresAtMs: r.expiresAtMs,
    });
  }

  /** Returns false when there was no such request. */
  remove(requestId: string): boolean {
    return this.sql.get('DELETE FROM device_pairing_request WHERE request_id = ?').run(requestId).changes > 0;
  }

  /** Drops every request of a device (it was removed). */
  removeForDevice(deviceId: string): void {
    this.sql.get('DELETE FROM device_pairing_request WHERE device_id = ?').run(deviceId);
  }
}
