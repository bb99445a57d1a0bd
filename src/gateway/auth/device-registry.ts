import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { hasScope } from '../../protocol/scopes.js';
import { BootstrapTokenRepo, type BootstrapTokenRecord } from '../../store/bootstrap-token-repo.js';
import { DeviceTokenRepo, type DeviceTokenRecord } from '../../store/device-token-repo.js';
import { PairedDeviceRepo, type DeviceMetadata, type PairedDeviceRecord } from '../../store/paired-device-repo.js';
import { PairingRequestRepo, type PairingReason, type PairingRequestRecord } from '../../store/pairing-request-repo.js';
import { handoffScopesFor, SETUP_CODE_TTL_MS, type BootstrapProfile } from './bootstrap-profile.js';
import { DeviceActivity } from './device-activity.js';
import { digestToken, newDeviceToken, tokenMatches } from './device-token.js';

/** Pending device requests expire after five minutes (protocol.md 6.1). */
export const PAIRING_REQUEST_TTL_MS = 5 * 60_000;

/**
 * `lastSeenAtMs` / `lastUsedAtMs` are kept to this resolution: a device reconnecting in a loop
 * does not cost a database write per connect.
 */
export const ACTIVITY_RESOLUTION_MS = 60_000;

/** Order-preserving union without duplicates. */
export function unionScopes(...lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())];
}

/** Token scopes are kept sorted and unique, like the real gateway's (vector device-pairing-operator). */
const tokenScopes = (list: readonly string[]): string[] => unionScopes(list).sort();

/** Whether every requested scope is granted, with the implications of protocol.md 7.2. */
export function scopesAllow(granted: readonly string[], requested: readonly string[]): boolean {
  return requested.every((s) => hasScope(granted, s));
}

/** A request for pairing, as the connect that needs it describes itself. */
export interface PairingAsk {
  deviceId: string;
  publicKey: string;
  metadata: DeviceMetadata;
  role: string;
  scopes: string[];
  reason: PairingReason;
  silent: boolean;
}

/** A token value handed out once; only its digest stays in the database. */
export interface IssuedToken {
  token: string;
  record: DeviceTokenRecord;
}

/** A device token of one role, as a bootstrap handoff hands it over. */
export interface RoleToken extends IssuedToken {
  role: string;
}

/** The connecting device of a bootstrap handoff. */
export interface BootstrapAsk {
  deviceId: string;
  publicKey: string;
  metadata: DeviceMetadata;
  /** Role and operator scopes of the connect (within the token's profile). */
  role: string;
  scopes: string[];
}

export type TokenCheck = { ok: true; record: DeviceTokenRecord } | { ok: false; reason: 'mismatch' | 'scope-mismatch' };

/**
 * Paired devices, pending pairing requests and device tokens of one gateway, on the state
 * database. Every change is one SQLite transaction; `now` is injectable for expiry tests.
 * Last-seen and last-used times are the exception: they are batched (device-activity.ts), and
 * `close()` writes what waits.
 */
export class DeviceRegistry {
  private readonly devices: PairedDeviceRepo;
  private readonly requests: PairingRequestRepo;
  private readonly tokens: DeviceTokenRepo;
  private readonly bootstrap: BootstrapTokenRepo;
  /** Digest compared against when a device has no token, so both paths cost the same. */
  private readonly decoyDigest = digestToken(newDeviceToken());

  private readonly activity: DeviceActivity;

  /** `onActivityError` hears of a batched last-seen write that failed (it is retried). */
  constructor(private readonly db: Database, private readonly now: () => number = Date.now, onActivityError?: (err: unknown) => void) {
    this.devices = new PairedDeviceRepo(db);
    this.requests = new PairingRequestRepo(db);
    this.tokens = new DeviceTokenRepo(db);
    this.bootstrap = new BootstrapTokenRepo(db);
    this.activity = new DeviceActivity((seen, used) => this.db.transaction(() => {
      for (const [deviceId, s] of seen) this.devices.touch(deviceId, s.atMs, s.reason);
      for (const u of used) this.tokens.markUsed(u.deviceId, u.role, u.atMs);
    })(), onActivityError);
  }

  /** Writes the last-seen and last-used times still waiting; call before the database closes. */
  close(): void {
    this.activity.close();
  }

  /** The paired device with this id, if any (with a last-seen time not written yet). */
  paired(deviceId: string): PairedDeviceRecord | undefined {
    return this.withActivity(this.devices.get(deviceId));
  }

  /** Paired devices, most recently approved first. */
  listPaired(): PairedDeviceRecord[] {
    return this.devices.list().map((d) => this.withActivity(d) ?? d);
  }

  private withActivity(d: PairedDeviceRecord | undefined): PairedDeviceRecord | undefined {
    const seen = d && this.activity.seenOf(d.deviceId);
    return seen ? { ...d, lastSeenAtMs: seen.atMs, lastSeenReason: seen.reason } : d;
  }

  /** Live (unexpired) requests, newest first. */
  listPending(): PairingRequestRecord[] {
    return this.requests.list(this.now());
  }

  /** A live pending request, undefined when unknown or expired. */
  pendingRequest(requestId: string): PairingRequestRecord | undefined {
    return this.requests.get(requestId, this.now());
  }

  /** Token records (digests and metadata) of a device, by role. */
  tokensOf(deviceId: string): DeviceTokenRecord[] {
    return this.tokens.forDevice(deviceId).map((t) => {
      const usedAtMs = this.activity.usedOf(deviceId, t.role);
      return usedAtMs === undefined ? t : { ...t, lastUsedAtMs: usedAtMs };
    });
  }

  /**
   * Records a pending request. An identical live request (same device, role and scopes) is
   * reused with its requestId; one for the same role with other scopes is replaced and
   * returned in `superseded`.
   */
  requestPairing(ask: PairingAsk): { request: PairingRequestRecord; created: boolean; superseded: PairingRequestRecord[] } {
    return this.db.transaction(() => {
      const now = this.now();
      this.requests.prune(now);
      const sameRole = this.requests.forDevice(ask.deviceId, now).filter((r) => r.role === ask.role);
      const wanted = tokenScopes(ask.scopes).join(',');
      const same = sameRole.find((r) => tokenScopes(r.scopes).join(',') === wanted);
      if (same) return { request: same, created: false, superseded: [] };
      for (const r of sameRole) this.requests.remove(r.requestId);
      const request: PairingRequestRecord = {
        requestId: randomUUID(), deviceId: ask.deviceId, publicKey: ask.publicKey, ...ask.metadata, role: ask.role,
        scopes: [...ask.scopes], reason: ask.reason, silent: ask.silent, isRepair: this.devices.get(ask.deviceId) !== undefined,
        createdAtMs: now, expiresAtMs: now + PAIRING_REQUEST_TTL_MS,
      };
      this.requests.insert(request);
      return { request, created: true, superseded: sameRole };
    })();
  }

  /**
   * Approves a live request: the device gains its role and scopes (added to what it had) and a
   * token for that role. An existing unrevoked token keeps its value and widens its scopes;
   * otherwise a new one is minted whose value nobody sees (the device gets a fresh one on its
   * next shared-secret connect). Undefined when the request is unknown or expired.
   */
  approve(requestId: string, approvedVia: string): { request: PairingRequestRecord; device: PairedDeviceRecord } | undefined {
    return this.db.transaction(() => {
      const now = this.now();
      const request = this.requests.get(requestId, now);
      if (!request) return undefined;
      const existing = this.devices.get(request.deviceId);
      const { requestId: _r, reason: _why, silent: _s, isRepair: _i, createdAtMs: _c, expiresAtMs: _e, scopes, ...fields } = request;
      const device: PairedDeviceRecord = {
        ...fields,
        ...(existing?.label !== undefined ? { label: existing.label } : {}),
        roles: unionScopes(existing?.roles ?? [], [request.role]),
        scopes: unionScopes(existing?.scopes ?? [], scopes),
        approvedVia,
        createdAtMs: existing?.createdAtMs ?? now,
        approvedAtMs: now,
        ...(existing?.lastSeenAtMs !== undefined ? { lastSeenAtMs: existing.lastSeenAtMs } : {}),
        ...(existing?.lastSeenReason !== undefined ? { lastSeenReason: existing.lastSeenReason } : {}),
      };
      this.devices.save(device);
      this.requests.remove(requestId);
      const token = this.tokens.get(request.deviceId, request.role);
      if (token && token.revokedAtMs === undefined) {
        this.tokens.save({ ...token, scopes: tokenScopes([...token.scopes, ...scopes]) });
      } else {
        this.mint(request.deviceId, request.role, scopes, token);
      }
      return { request, device };
    })();
  }

  /** Drops a live request; undefined when unknown or expired. */
  reject(requestId: string): PairingRequestRecord | undefined {
    const request = this.requests.get(requestId, this.now());
    if (request) this.requests.remove(requestId);
    return request;
  }

  /** Forgets a paired device, its tokens and its pending requests; false when unknown. */
  remove(deviceId: string): boolean {
    return this.db.transaction(() => {
      this.requests.removeForDevice(deviceId);
      return this.devices.remove(deviceId);
    })();
  }

  /**
   * Takes one role (and its token) from a device; a device left without roles is forgotten.
   * False when the device does not have that role.
   */
  removeRole(deviceId: string, role: string): boolean {
    return this.db.transaction(() => {
      const device = this.devices.get(deviceId);
      if (!device || !device.roles.includes(role)) return false;
      const roles = device.roles.filter((r) => r !== role);
      if (roles.length === 0) {
        this.requests.removeForDevice(deviceId);
        this.devices.remove(deviceId);
        return true;
      }
      this.revoke(deviceId, role);
      this.devices.save({ ...device, roles, role: roles.at(-1) ?? device.role });
      return true;
    })();
  }

  /** Sets the operator's label of a device; false when unknown. */
  rename(deviceId: string, label: string): boolean {
    return this.devices.rename(deviceId, label);
  }

  /** Notes a successful connect of a paired device (at ACTIVITY_RESOLUTION_MS; written in a later batch). */
  touch(device: PairedDeviceRecord, reason = 'connect'): void {
    const now = this.now();
    const last = this.activity.seenOf(device.deviceId) ?? { atMs: device.lastSeenAtMs, reason: device.lastSeenReason };
    const recent = last.atMs !== undefined && now - last.atMs < ACTIVITY_RESOLUTION_MS;
    if (recent && last.reason === reason) return;
    this.activity.noteSeen(device.deviceId, now, reason);
  }

  /**
   * Issues a fresh token for (device, role), replacing the stored digest: the previous value
   * stops working. Scopes: those of the current unrevoked token plus `scopes`.
   */
  issueToken(deviceId: string, role: string, scopes: readonly string[]): IssuedToken {
    return this.db.transaction(() => {
      const existing = this.tokens.get(deviceId, role);
      const kept = existing && existing.revokedAtMs === undefined ? existing.scopes : [];
      return this.mint(deviceId, role, [...kept, ...scopes], existing);
    })();
  }

  /**
   * Checks a presented device token for (device, role) and the scopes the connect asks for.
   * The digest comparison runs even when there is no usable token.
   */
  verifyToken(deviceId: string, role: string, token: string, requestedScopes: readonly string[]): TokenCheck {
    // Token rows go with their device (ON DELETE CASCADE), so a token implies a paired device.
    const record = this.tokens.get(deviceId, role);
    const usable = record !== undefined && record.revokedAtMs === undefined;
    const matches = tokenMatches(token, usable ? record.tokenSha256 : this.decoyDigest);
    if (!usable || !matches) return { ok: false, reason: 'mismatch' };
    if (!scopesAllow(record.scopes, requestedScopes)) return { ok: false, reason: 'scope-mismatch' };
    const now = this.now();
    const lastUsedAtMs = this.activity.usedOf(deviceId, role) ?? record.lastUsedAtMs;
    if (lastUsedAtMs !== undefined && now - lastUsedAtMs < ACTIVITY_RESOLUTION_MS) return { ok: true, record };
    this.activity.noteUsed(deviceId, role, now);
    return { ok: true, record: { ...record, lastUsedAtMs: now } };
  }

  /**
   * Replaces the token of an approved (device, role) with a new value and `scopes` (default:
   * the current ones). Scopes granted this way are added to the device's approved scopes.
   * Undefined when the device is unknown or the role not approved for it.
   */
  rotate(deviceId: string, role: string, scopes?: readonly string[]): IssuedToken | undefined {
    return this.db.transaction(() => {
      const device = this.devices.get(deviceId);
      if (!device || !device.roles.includes(role)) return undefined;
      const existing = this.tokens.get(deviceId, role);
      const next = scopes ?? existing?.scopes ?? (role === 'operator' ? device.scopes : []);
      if (scopes && role === 'operator') this.devices.save({ ...device, scopes: unionScopes(device.scopes, scopes) });
      return this.mint(deviceId, role, next, existing);
    })();
  }

  /** Revokes the token of (device, role); its digest is overwritten too. Undefined without one. */
  revoke(deviceId: string, role: string): DeviceTokenRecord | undefined {
    const existing = this.tokens.get(deviceId, role);
    if (!existing) return undefined;
    const revoked: DeviceTokenRecord = { ...existing, tokenSha256: digestToken(newDeviceToken()), revokedAtMs: this.now() };
    this.tokens.save(revoked);
    return revoked;
  }

  /**
   * Issues a setup code's bootstrap token for `profile`, valid SETUP_CODE_TTL_MS. Only its
   * digest is stored; the value is returned once.
   */
  issueBootstrapToken(profile: BootstrapProfile): { token: string; setupId: string; expiresAtMs: number } {
    const now = this.now();
    this.bootstrap.prune(now);
    const token = newDeviceToken();
    const setupId = randomUUID();
    const expiresAtMs = now + SETUP_CODE_TTL_MS;
    this.bootstrap.insert({ tokenSha256: digestToken(token), setupId, roles: [...profile.roles], scopes: [...profile.scopes], issuedAtMs: now, expiresAtMs });
    return { token, setupId, expiresAtMs };
  }

  /** The live bootstrap token with this value, without using it up. */
  bootstrapToken(token: string): BootstrapTokenRecord | undefined {
    return this.bootstrap.getLive(digestToken(token), this.now());
  }

  /**
   * The bootstrap handoff, in one transaction: uses the token up, pairs the device for every
   * role of the token's profile (added to what it had, approval `bootstrap-token`) and issues a
   * fresh token per profile role (keeping the scopes of a token it replaces), the connect's own
   * role first with the connect's scopes.
   * Undefined (nothing changed) when the token is unknown, expired or already used.
   */
  redeemBootstrapToken(token: string, ask: BootstrapAsk): { device: PairedDeviceRecord; tokens: RoleToken[] } | undefined {
    return this.db.transaction(() => {
      const now = this.now();
      const record = this.bootstrap.take(digestToken(token), now);
      if (!record) return undefined;
      const profile: BootstrapProfile = { roles: record.roles, scopes: record.scopes };
      const existing = this.devices.get(ask.deviceId);
      const device: PairedDeviceRecord = {
        deviceId: ask.deviceId, publicKey: ask.publicKey, ...ask.metadata,
        ...(existing?.label !== undefined ? { label: existing.label } : {}),
        role: ask.role,
        roles: unionScopes(existing?.roles ?? [], profile.roles, [ask.role]),
        scopes: unionScopes(existing?.scopes ?? [], profile.scopes),
        approvedVia: 'bootstrap-token',
        createdAtMs: existing?.createdAtMs ?? now,
        approvedAtMs: now,
        ...(existing?.lastSeenAtMs !== undefined ? { lastSeenAtMs: existing.lastSeenAtMs } : {}),
        ...(existing?.lastSeenReason !== undefined ? { lastSeenReason: existing.lastSeenReason } : {}),
      };
      this.devices.save(device);
      const roles = unionScopes([ask.role], profile.roles);
      const tokens = roles.map((role) => {
        const scopes = role === ask.role ? (role === 'operator' ? ask.scopes : []) : handoffScopesFor(profile, role);
        const previous = this.tokens.get(ask.deviceId, role);
        const kept = previous && previous.revokedAtMs === undefined ? previous.scopes : [];
        return { role, ...this.mint(ask.deviceId, role, [...kept, ...scopes], previous) };
      });
      return { device, tokens };
    })();
  }

  private mint(deviceId: string, role: string, scopes: readonly string[], existing: DeviceTokenRecord | undefined): IssuedToken {
    const now = this.now();
    const token = newDeviceToken();
    const record: DeviceTokenRecord = {
      deviceId, role, tokenSha256: digestToken(token), scopes: tokenScopes(scopes),
      createdAtMs: existing?.createdAtMs ?? now, issuedAtMs: now,
      ...(existing ? { rotatedAtMs: now } : {}),
      ...(existing?.lastUsedAtMs !== undefined ? { lastUsedAtMs: existing.lastUsedAtMs } : {}),
    };
    this.tokens.save(record);
    return { token, record };
  }
}
