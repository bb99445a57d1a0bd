import { renderTable } from '../table.js';

/**
 * Human output of `farclaw nodes …`. Payloads are read defensively: a real OpenClaw gateway
 * may add or omit fields (protocol.md 6.4, 9.4).
 */

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

/** How many characters of a node id the tables show; every `<node>` argument accepts such a prefix. */
export const SHORT_NODE_ID_CHARS = 12;

export interface NodeRow {
  nodeId: string;
  displayName: string | undefined;
  platform: string | undefined;
  version: string | undefined;
  connected: boolean;
  approvalState: string | undefined;
  commands: string[];
  pendingCommands: string[];
  lastSeenAtMs: number | undefined;
  hostStats: Obj | undefined;
  raw: Obj;
}

export interface NodeRequestRow {
  requestId: string;
  nodeId: string;
  displayName: string | undefined;
  commands: string[];
  requiredApproveScopes: string[];
  ts: number | undefined;
}

function nodeRow(n: Obj): NodeRow | undefined {
  const nodeId = str(n.nodeId);
  if (!nodeId) return undefined;
  return {
    nodeId, displayName: str(n.displayName), platform: str(n.platform), version: str(n.version), connected: n.connected === true,
    approvalState: str(n.approvalState), commands: strings(n.commands), pendingCommands: strings(n.pendingCommands),
    lastSeenAtMs: num(n.lastSeenAtMs), hostStats: n.hostStats === undefined ? undefined : obj(n.hostStats), raw: n,
  };
}

/** The `node.list` payload as rows. */
export function readNodes(payload: unknown): NodeRow[] {
  const nodes = obj(payload).nodes;
  return (Array.isArray(nodes) ? nodes : []).map(obj).flatMap((n) => nodeRow(n) ?? []);
}

export function readNode(payload: unknown): NodeRow | undefined {
  return nodeRow(obj(payload));
}

/** The pending part of `node.pair.list`. */
export function readNodeRequests(payload: unknown): NodeRequestRow[] {
  const pending = obj(payload).pending;
  return (Array.isArray(pending) ? pending : []).map(obj).flatMap((r): NodeRequestRow[] => {
    const requestId = str(r.requestId);
    const nodeId = str(r.nodeId);
    if (!requestId || !nodeId) return [];
    return [{
      requestId, nodeId, displayName: str(r.displayName), commands: strings(r.commands),
      requiredApproveScopes: strings(r.requiredApproveScopes), ts: num(r.ts),
    }];
  });
}

export function ago(atMs: number | undefined, now: number): string {
  if (atMs === undefined) return '-';
  const s = Math.max(0, Math.round((now - atMs) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86_400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

const gb = (bytes: unknown): string => (typeof bytes === 'number' ? `${(bytes / 2 ** 30).toFixed(1)} GB` : '?');

/** `load 0.4/2 · mem 3.1/8.0 GB · disk 50.2 GB free`, from `hostStats`. */
export function statsSummary(stats: Obj | undefined): string {
  if (!stats) return '-';
  const parts: string[] = [];
  const load = Array.isArray(stats.loadAverage) ? stats.loadAverage[0] : undefined;
  if (typeof load === 'number') parts.push(`load ${load}/${String(stats.cpuCount ?? '?')}`);
  if (typeof stats.memoryTotalBytes === 'number' && typeof stats.memoryFreeBytes === 'number') {
    parts.push(`mem ${gb(stats.memoryTotalBytes - stats.memoryFreeBytes).replace(' GB', '')}/${gb(stats.memoryTotalBytes)}`);
  }
  if (typeof stats.diskAvailableBytes === 'number') parts.push(`disk ${gb(stats.diskAvailableBytes)} free`);
  return parts.join(' · ') || '-';
}

export function renderNodeList(rows: NodeRow[], now: number): string {
  if (rows.length === 0) return 'No nodes yet. Start one with: farclaw node run --host <gateway-host>';
  return renderTable(
    ['Node', 'Name', 'Platform', 'Status', 'Approval', 'Commands', 'Last seen'],
    rows.map((r) => [
      r.nodeId.slice(0, SHORT_NODE_ID_CHARS), r.displayName ?? '-', r.platform ?? '-', r.connected ? 'connected' : 'offline',
      r.approvalState ?? '-', r.commands.join(', ') || '-', r.connected ? 'now' : ago(r.lastSeenAtMs, now),
    ]),
  );
}

export function renderNode(row: NodeRow, now: number): string {
  const lines: [string, string][] = [
    ['Node', row.nodeId],
    ['Name', row.displayName ?? '-'],
    ['Platform', `${row.platform ?? '-'}${row.version ? ` · ${row.version}` : ''}`],
    ['Status', row.connected ? 'connected' : `offline (last seen ${ago(row.lastSeenAtMs, now)})`],
    ['Approval', row.approvalState ?? '-'],
    ['Commands', row.commands.join(', ') || '-'],
  ];
  if (row.pendingCommands.length > 0) lines.push(['Pending', `${row.pendingCommands.join(', ')} (farclaw nodes pending)`]);
  lines.push(['Stats', statsSummary(row.hostStats)]);
  return renderTable(['Field', 'Value'], lines);
}

export function renderNodeRequests(rows: NodeRequestRow[], now: number): string {
  if (rows.length === 0) return 'No pending node requests.';
  return renderTable(
    ['Request', 'Node', 'Name', 'Commands', 'Approval needs', 'Asked'],
    rows.map((r) => [
      r.requestId, r.nodeId.slice(0, SHORT_NODE_ID_CHARS), r.displayName ?? '-', r.commands.join(', ') || '-',
      r.requiredApproveScopes.join(' + ') || '-', ago(r.ts, now),
    ]),
  );
}
