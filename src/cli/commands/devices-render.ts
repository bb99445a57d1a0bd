import { renderTable } from '../table.js';

/**
 * Human output of `farclaw devices …`. Payloads are read defensively (a real OpenClaw gateway
 * may add or omit fields; protocol.md 6.2), and no token value is ever printed except the one
 * `devices rotate --show-token` asks for.
 */

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

/** How many characters of a device id the tables show; `devices remove` etc. accept such a prefix. */
export const SHORT_DEVICE_ID_CHARS = 12;

/** One pending request as the CLI reads it (`PendingDevice`, protocol.md 6.2). */
export interface PendingRow {
  requestId: string;
  deviceId: string;
  displayName: string | undefined;
  platform: string | undefined;
  role: string;
  scopes: string[];
  ts: number | undefined;
  remoteIp: string | undefined;
  isRepair: boolean;
}

/** One paired device as the CLI reads it (`PairedDevice`, protocol.md 6.2). */
export interface PairedRow {
  deviceId: string;
  displayName: string | undefined;
  roles: string[];
  scopes: string[];
  approvedVia: string | undefined;
  lastSeenAtMs: number | undefined;
  connected: boolean | undefined;
  /** Roles whose device token was revoked. */
  revokedRoles: string[];
}

/** The `device.pair.list` payload as rows; malformed entries are skipped. */
export function readDeviceList(payload: unknown): { pending: PendingRow[]; paired: PairedRow[] } {
  const p = obj(payload);
  const pending = (Array.isArray(p.pending) ? p.pending : []).map(obj).flatMap((r): PendingRow[] => {
    const requestId = str(r.requestId);
    const deviceId = str(r.deviceId);
    if (!requestId || !deviceId) return [];
    return [{
      requestId, deviceId, displayName: str(r.displayName), platform: str(r.platform),
      role: str(r.role) ?? strings(r.roles).join(', '), scopes: strings(r.scopes), ts: num(r.ts), remoteIp: str(r.remoteIp),
      isRepair: r.isRepair === true,
    }];
  });
  const paired = (Array.isArray(p.paired) ? p.paired : []).map(obj).flatMap((d): PairedRow[] => {
    const deviceId = str(d.deviceId);
    if (!deviceId) return [];
    const tokens = (Array.isArray(d.tokens) ? d.tokens : []).map(obj);
    return [{
      deviceId, displayName: str(d.displayName), roles: strings(d.roles), scopes: strings(d.scopes), approvedVia: str(d.approvedVia),
      lastSeenAtMs: num(d.lastSeenAtMs), connected: typeof d.connected === 'boolean' ? d.connected : undefined,
      revokedRoles: tokens.filter((t) => num(t.revokedAtMs) !== undefined).flatMap((t) => str(t.role) ?? []),
    }];
  });
  return { pending, paired };
}

/** The newest pending request (largest `ts`), what `devices approve --latest` approves. */
export function newestPending(rows: readonly PendingRow[]): PendingRow | undefined {
  return rows.reduce<PendingRow | undefined>((best, r) => (best === undefined || (r.ts ?? 0) > (best.ts ?? 0) ? r : best), undefined);
}

/** A duration as `42s`, `5m`, `3h` or `2d` (rounded down, never negative). */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h` : `${Math.floor(h / 24)}d`;
}

const shortId = (id: string): string => (id.length > SHORT_DEVICE_ID_CHARS ? id.slice(0, SHORT_DEVICE_ID_CHARS) : id);
const joined = (items: readonly string[]): string => (items.length > 0 ? items.join(', ') : '-');

/**
 * `devices list`: a Pending and a Paired table, each headed by its count, or a `none` line.
 * @param now clock reading for the Age and Last seen columns, in ms since the epoch
 */
export function renderDeviceList(payload: unknown, now: number): string {
  const { pending, paired } = readDeviceList(payload);
  const out: string[] = [`Pending (${pending.length})`];
  if (pending.length === 0) out.push('No pending pairing requests.');
  else {
    out.push(renderTable(
      ['Request', 'Device', 'Name / platform', 'Role', 'Scopes', 'Age', 'Remote IP'],
      pending.map((r) => [
        r.requestId, shortId(r.deviceId), [r.displayName, r.platform].filter(Boolean).join(' · ') || '-',
        r.isRepair ? `${r.role} (repair)` : r.role, joined(r.scopes), r.ts !== undefined ? formatDuration(now - r.ts) : '-', r.remoteIp ?? 'local',
      ]),
    ));
  }
  out.push('', `Paired (${paired.length})`);
  if (paired.length === 0) out.push('No paired devices.');
  else {
    out.push(renderTable(
      ['Device', 'Name', 'Roles', 'Scopes', 'Approved via', 'Last seen', 'Connected'],
      paired.map((d) => [
        shortId(d.deviceId), d.displayName ?? '-', joined(d.roles.map((r) => (d.revokedRoles.includes(r) ? `${r} (token revoked)` : r))),
        joined(d.scopes), d.approvedVia ?? '-', d.lastSeenAtMs !== undefined ? `${formatDuration(now - d.lastSeenAtMs)} ago` : 'never',
        d.connected === undefined ? '-' : d.connected ? 'yes' : 'no',
      ]),
    ));
  }
  return out.join('\n');
}

/** `devices approve`: `Approved <deviceId> (<name>) as <roles> [<scopes>] · request <requestId>`. */
export function renderApproved(payload: unknown, requestId: string): string {
  const p = obj(payload);
  const device = obj(p.device);
  const deviceId = str(device.deviceId) ?? 'unknown device';
  const name = str(device.displayName);
  const roles = strings(device.roles);
  const scopes = strings(device.scopes);
  return `Approved ${deviceId}${name ? ` (${name})` : ''} as ${joined(roles)}${scopes.length > 0 ? ` [${scopes.join(', ')}]` : ''} · request ${str(p.requestId) ?? requestId}`;
}

/** `devices rotate`: what was rotated and how the new token travels; the value only with `showToken`. */
export function renderRotated(payload: unknown, showToken: boolean): string {
  const p = obj(payload);
  const token = str(p.token);
  const delivery = str(p.tokenDelivery) ?? (token ? 'in-band' : 'withheld');
  const lines = [`Rotated the ${str(p.role) ?? '?'} token of device ${str(p.deviceId) ?? '?'}.`, `Scopes: ${joined(strings(p.scopes))}`];
  if (!token) {
    lines.push(`Token delivery: ${delivery} (not sent to this CLI; the device receives the new token on its next connect with the gateway token or password)`);
  } else if (showToken) {
    lines.push(`Token delivery: ${delivery}`, `Token: ${token}`);
  } else {
    lines.push(`Token delivery: ${delivery} (the new token was delivered to this CLI and not printed; --show-token or --json prints it)`);
  }
  return lines.join('\n');
}
