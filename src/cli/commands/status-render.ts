import { displayPath } from '../../infra/paths.js';
import { farclawVersion } from '../../infra/version.js';
import type { PresenceEntry } from '../../protocol/schema/snapshot.js';
import type { gatewaySelf } from '../probe/probe-report.js';
import { renderDoctor, type DoctorReport } from '../doctor/doctor.js';
import { renderTable } from '../table.js';

/** The `gateway` object of `status --json` (remote-access.md 13.2). */
export interface GatewayView {
  mode: 'local' | 'remote';
  url: string;
  urlSource: string;
  misconfigured: boolean;
  reachable: boolean;
  connectLatencyMs: number | null;
  self: ReturnType<typeof gatewaySelf>;
  error: string | null;
  authWarning: string | null;
}

/** Everything `status` gathered, ready to print. */
export interface StatusReport {
  gateway: GatewayView;
  /** Which credential the backend connection presented. */
  authKind: 'token' | 'password' | 'none';
  configPath: string;
  tailscaleMode: string;
  /** Where the Control UI is, without credentials. */
  dashboard: string;
  /** The gateway's `status` payload, when it answered. */
  status: Record<string, unknown> | null;
  /** The gateway's `health` payload (`--deep`). */
  health: Record<string, unknown> | null;
  presence: PresenceEntry[] | null;
  /** `--deep`: this machine's security findings (`farclaw security audit`). */
  audit?: { summary: { critical: number; warn: number; info: number }; findings: { checkId: string; severity: string; title: string }[] };
  /** `--deep`: the doctor's hops from here to the gateway. */
  doctor?: DoctorReport;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** `remote · ws://… (config gateway.remote.url) · reachable 12ms · auth token` or `… · unreachable (<error>)`. */
export function gatewayRow(g: GatewayView, authKind: StatusReport['authKind']): string {
  const head = `${g.mode} · ${g.url} (${g.urlSource})${g.misconfigured ? ' · misconfigured (gateway.remote.url missing)' : ''}`;
  if (!g.reachable) return `${head} · unreachable (${g.error ?? 'unknown error'})`;
  return `${head} · reachable ${g.connectLatencyMs ?? 0}ms · auth ${authKind}`;
}

function selfRow(self: GatewayView['self']): string | null {
  if (!self) return null;
  const parts = [`${self.host ?? 'unknown'}${self.ip ? ` (${self.ip})` : ''}`];
  if (self.version) parts.push(`app ${self.version}`);
  if (self.platform) parts.push(self.platform);
  return parts.join(' · ');
}

function agentsRow(status: Obj | null): string {
  if (!status) return 'unknown (gateway not read)';
  const heartbeat = obj(status.heartbeat);
  const def = typeof heartbeat.defaultAgentId === 'string' ? heartbeat.defaultAgentId : null;
  const agents = list(heartbeat.agents).map(obj);
  if (agents.length === 0) return def ? `${def} (default)` : 'none';
  return agents
    .map((a) => {
      const id = typeof a.agentId === 'string' ? a.agentId : '?';
      const every = typeof a.every === 'string' ? a.every : 'unknown';
      return `${id}${id === def ? ' (default)' : ''} · heartbeat ${every}${a.enabled === false ? ' (off)' : ''}`;
    })
    .join(', ');
}

function overviewRows(r: StatusReport, all: boolean): string[][] {
  const status = r.status;
  const sessions = obj(status?.sessions);
  const rows: string[][] = [
    ['Version', `farclaw ${farclawVersion()}`],
    ['Config', displayPath(r.configPath)],
    ['Gateway', gatewayRow(r.gateway, r.authKind)],
  ];
  const self = selfRow(r.gateway.self);
  if (self) rows.push(['Gateway self', self]);
  if (r.gateway.authWarning) rows.push(['Auth warning', r.gateway.authWarning]);
  rows.push(
    ['Gateway service', 'not installed (farclaw has no service manager yet; run `farclaw gateway run`)'],
    ['Tailscale exposure', r.tailscaleMode],
    ['Dashboard', r.dashboard],
    ['Agents', agentsRow(status)],
    ['Sessions', status ? `${typeof sessions.count === 'number' ? sessions.count : 0} stored` : 'unknown'],
    ['Channels', status ? (list(status.channelSummary).length > 0 ? `${list(status.channelSummary).length} configured` : 'none configured') : 'unknown'],
  );
  if (!all) rows.push(['Presence', r.presence ? `${r.presence.length} entr${r.presence.length === 1 ? 'y' : 'ies'} (--all lists them)` : 'unknown (no read access)']);
  return rows;
}

function presenceTable(presence: PresenceEntry[] | null): string {
  if (!presence) return 'Presence\nunknown (this connection may not read presence)';
  const rows = presence.map((p) => [p.host ?? '', p.ip ?? '', p.mode ?? '', p.version ?? '', p.platform ?? '', p.reason ?? '']);
  return `Presence\n${renderTable(['Host', 'IP', 'Mode', 'Version', 'Platform', 'Reason'], rows)}`;
}

function healthTable(r: StatusReport): string {
  const loop = obj(r.health?.eventLoop);
  const ms = (v: unknown): string => (typeof v === 'number' ? `${Math.round(v)}ms` : '?');
  const rows = [
    ['Gateway', `reachable ${r.gateway.connectLatencyMs ?? 0}ms`],
    ['Event loop', r.health ? `${loop.degraded === true ? 'degraded' : 'ok'} (max ${ms(loop.delayMaxMs)}, p99 ${ms(loop.delayP99Ms)})` : 'unknown'],
    ['Health', r.health ? (r.health.ok === true ? 'ok' : 'not ok') : 'unknown'],
  ];
  return `Health\n${renderTable(['Item', 'Status'], rows)}`;
}

function auditLines(r: StatusReport): string {
  if (!r.audit) return 'Security audit: not run';
  const { critical, warn, info } = r.audit.summary;
  const top = r.audit.findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity.toUpperCase()} ${f.checkId}: ${f.title}`);
  return [`Summary: ${critical} critical · ${warn} warn · ${info} info${top.length > 0 ? ' (details: farclaw security audit)' : ''}`, ...top].join('\n');
}

/** The `--json` document: the gateway's `status` payload plus our `gateway` view (and extras). */
export function statusJson(r: StatusReport, flags: { all?: boolean; deep?: boolean }): Record<string, unknown> {
  return {
    ...(r.status ?? {}),
    gateway: r.gateway,
    gatewayService: { installed: false },
    ...(flags.all ? { presence: r.presence } : {}),
    ...(flags.deep ? { health: r.health, securityAudit: { available: r.audit !== undefined, ...(r.audit ?? { summary: null, findings: [] }) }, doctor: r.doctor ?? null } : {}),
  };
}

/** Human output (tables) or the JSON document, without the trailing newline. */
export function renderStatus(r: StatusReport, flags: { json?: boolean; all?: boolean; deep?: boolean }): string {
  if (flags.json) return JSON.stringify(statusJson(r, flags), null, 2);
  const parts = ['farclaw status', '', 'Overview', renderTable(['Item', 'Value'], overviewRows(r, flags.all === true))];
  if (flags.all) parts.push('', presenceTable(r.presence));
  if (flags.deep) {
    parts.push('', 'Security audit', auditLines(r), '', healthTable(r));
    if (r.doctor) parts.push('', 'Doctor (farclaw doctor)', renderDoctor(r.doctor));
  }
  return parts.join('\n');
}
