import type { Database } from 'better-sqlite3';
import { listText, optional, orNull, parseList } from './row-values.js';
import { ReadCache, StatementCache } from './statement-cache.js';

/** Client facts a node reported on its last connect (protocol.md 9.4 `Node`). */
export interface NodeMetadata {
  clientId?: string;
  clientMode?: string;
  displayName?: string;
  platform?: string;
  version?: string;
  deviceFamily?: string;
  pathEnv?: string;
}

/** One known node: its declared and approved surface and when it was last around. */
export interface NodeRecord extends NodeMetadata {
  nodeId: string;
  /** Name set by an operator (`node.rename`); listed instead of `displayName`. */
  label?: string;
  declaredCaps: string[];
  /** Declared commands the gateway's pairing policy admits (protocol.md 6.4). */
  declaredCommands: string[];
  /** Undefined until an operator approved a surface for the first time. */
  approvedCaps?: string[];
  approvedCommands?: string[];
  createdAtMs: number;
  approvedAtMs?: number;
  lastConnectedAtMs?: number;
  lastSeenAtMs?: number;
  lastSeenReason?: string;
  hostStats?: Record<string, unknown>;
  hostStatsAtMs?: number;
}

/** A surface waiting for an operator: what the node declared beyond its approval. */
export interface NodeRequestRecord {
  requestId: string;
  nodeId: string;
  caps: string[];
  commands: string[];
  createdAtMs: number;
}

interface NodeRow {
  node_id: string;
  client_id: string | null;
  client_mode: string | null;
  display_name: string | null;
  label: string | null;
  platform: string | null;
  version: string | null;
  device_family: string | null;
  path_env: string | null;
  declared_caps: string;
  declared_commands: string;
  approved_caps: string | null;
  approved_commands: string | null;
  created_at_ms: number;
  approved_at_ms: number | null;
  last_connected_at_ms: number | null;
  last_seen_at_ms: number | null;
  last_seen_reason: string | null;
  host_stats: string | null;
  host_stats_at_ms: number | null;
}

interface RequestRow {
  request_id: string;
  node_id: string;
  caps: string;
  commands: string;
  created_at_ms: number;
}

function nodeFromRow(r: NodeRow): NodeRecord {
  return {
    nodeId: r.node_id,
    ...optional('clientId', r.client_id),
    ...optional('clientMode', r.client_mode),
    ...optional('displayName', r.display_name),
    ...optional('label', r.label),
    ...optional('platform', r.platform),
    ...optional('version', r.version),
    ...optional('deviceFamily', r.device_family),
    ...optional('pathEnv', r.path_env),
    declaredCaps: parseList(r.declared_caps),
    declaredCommands: parseList(r.declared_commands),
    ...(r.approved_caps === null ? {} : { approvedCaps: parseList(r.approved_caps) }),
    ...(r.approved_commands === null ? {} : { approvedCommands: parseList(r.approved_commands) }),
    createdAtMs: r.created_at_ms,
    ...optional('approvedAtMs', r.approved_at_ms),
    ...optional('lastConnectedAtMs', r.last_connected_at_ms),
    ...optional('lastSeenAtMs', r.last_seen_at_ms),
    ...optional('lastSeenReason', r.last_seen_reason),
    ...(r.host_stats === null ? {} : { hostStats: JSON.parse(r.host_stats) as Record<string, unknown> }),
    ...optional('hostStatsAtMs', r.host_stats_at_ms),
  };
}

const requestFromRow = (r: RequestRow): NodeRequestRecord => ({
  requestId: r.request_id, nodeId: r.node_id, caps: parseList(r.caps), commands: parseList(r.commands), createdAtMs: r.created_at_ms,
});

/**
 * The `node` and `node_pairing_request` tables. Records are kept in memory once read, until
 * their table is next written (ReadCache): `node.invoke` looks its node up on every call, and the
 * agent's `nodes status` lists every node with its pending request.
 */
export class NodeRepo {
  private readonly sql: StatementCache;
  /** By node id. */
  private readonly nodes: ReadCache<NodeRecord>;
  /** The whole list, under the one key ''. */
  private readonly nodeList: ReadCache<NodeRecord[]>;
  /** A node's pending request, by node id. */
  private readonly requests: ReadCache<NodeRequestRecord>;

  constructor(private readonly db: Database) {
    this.sql = new StatementCache(db);
    this.nodes = new ReadCache(this.sql, ['node']);
    this.nodeList = new ReadCache(this.sql, ['node']);
    this.requests = new ReadCache(this.sql, ['node_pairing_request']);
  }

  /** The node's record (frozen: copy it to change it). */
  get(nodeId: string): Readonly<NodeRecord> | undefined {
    return this.nodes.get(nodeId, () => {
      const row = this.sql.get('SELECT * FROM node WHERE node_id = ?').get(nodeId) as NodeRow | undefined;
      return row ? nodeFromRow(row) : undefined;
    });
  }

  /** Most recently connected first (frozen records). */
  list(): readonly Readonly<NodeRecord>[] {
    return this.nodeList.get('', () => (this.sql.get('SELECT * FROM node ORDER BY last_connected_at_ms DESC, node_id').all() as NodeRow[]).map(nodeFromRow)) ?? [];
  }

  /** Inserts or replaces the whole record. */
  save(n: NodeRecord): void {
    this.sql.get(`
      INSERT OR REPLACE INTO node (node_id, client_id, client_mode, display_name, label, platform, version, device_family,
        path_env, declared_caps, declared_commands, approved_caps, approved_commands, created_at_ms, approved_at_ms,
        last_connected_at_ms, last_seen_at_ms, last_seen_reason, host_stats, host_stats_at_ms)
      VALUES (@nodeId, @clientId, @clientMode, @displayName, @label, @platform, @version, @deviceFamily, @pathEnv,
        @declaredCaps, @declaredCommands, @approvedCaps, @approvedCommands, @createdAtMs, @approvedAtMs,
        @lastConnectedAtMs, @lastSeenAtMs, @lastSeenReason, @hostStats, @hostStatsAtMs)
    `).run({
      nodeId: n.nodeId, clientId: orNull(n.clientId), clientMode: orNull(n.clientMode), displayName: orNull(n.displayName),
      label: orNull(n.label), platform: orNull(n.platform), version: orNull(n.version), deviceFamily: orNull(n.deviceFamily),
      pathEnv: orNull(n.pathEnv), declaredCaps: listText(n.declaredCaps), declaredCommands: listText(n.declaredCommands),
      approvedCaps: n.approvedCaps ? listText(n.approvedCaps) : null,
      approvedCommands: n.approvedCommands ? listText(n.approvedCommands) : null,
      createdAtMs: n.createdAtMs, approvedAtMs: orNull(n.approvedAtMs), lastConnectedAtMs: orNull(n.lastConnectedAtMs),
      lastSeenAtMs: orNull(n.lastSeenAtMs), lastSeenReason: orNull(n.lastSeenReason),
      hostStats: n.hostStats ? JSON.stringify(n.hostStats) : null, hostStatsAtMs: orNull(n.hostStatsAtMs),
    });
  }

  /** Records when the node was last seen and why (a connect, a disconnect). */
  touch(nodeId: string, atMs: number, reason: string): void {
    this.sql.get('UPDATE node SET last_seen_at_ms = ?, last_seen_reason = ? WHERE node_id = ?').run(atMs, reason, nodeId);
  }

  saveHostStats(nodeId: string, stats: Record<string, unknown>, atMs: number): void {
    this.sql.get('UPDATE node SET host_stats = ?, host_stats_at_ms = ? WHERE node_id = ?').run(JSON.stringify(stats), atMs, nodeId);
  }

  /** Forgets the node and its pending request; false when unknown. */
  remove(nodeId: string): boolean {
    return this.db.transaction(() => {
      this.sql.get('DELETE FROM node_pairing_request WHERE node_id = ?').run(nodeId);
      return this.sql.get('DELETE FROM node WHERE node_id = ?').run(nodeId).changes > 0;
    })();
  }

  request(requestId: string): NodeRequestRecord | undefined {
    const row = this.sql.get('SELECT * FROM node_pairing_request WHERE request_id = ?').get(requestId) as RequestRow | undefined;
    return row ? requestFromRow(row) : undefined;
  }

  /** The node's pending request (frozen). */
  requestFor(nodeId: string): Readonly<NodeRequestRecord> | undefined {
    return this.requests.get(nodeId, () => {
      const row = this.sql.get('SELECT * FROM node_pairing_request WHERE node_id = ?').get(nodeId) as RequestRow | undefined;
      return row ? requestFromRow(row) : undefined;
    });
  }

  /** Newest first. */
  listRequests(): NodeRequestRecord[] {
    return (this.sql.get('SELECT * FROM node_pairing_request ORDER BY created_at_ms DESC').all() as RequestRow[]).map(requestFromRow);
  }

  /** Replaces the node's pending request (one per node). */
  saveRequest(r: NodeRequestRecord): void {
    this.sql.get('INSERT OR REPLACE INTO node_pairing_request (request_id, node_id, caps, commands, created_at_ms) VALUES (?, ?, ?, ?, ?)')
      .run(r.requestId, r.nodeId, listText(r.caps), listText(r.commands), r.createdAtMs);
  }

  removeRequest(requestId: string): void {
    this.sql.get('DELETE FROM node_pairing_request WHERE request_id = ?').run(requestId);
  }
}
