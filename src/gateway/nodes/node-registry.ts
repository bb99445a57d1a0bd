import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { NodeRepo, type NodeRecord, type NodeRequestRecord } from '../../store/node-repo.js';
import type { Principal } from '../rpc/context.js';
import {
  admittedCommands, invokeAllowlist, pairingAllowlist, requiredApproveScopes, type CommandsConfig,
} from './command-policy.js';

/** What the registry needs of a node's socket. */
export interface NodeLink {
  readonly connId: string;
  /** Sends an event to this socket only, without `seq` (protocol.md 2.3). */
  sendDirect(event: string, payload: unknown): void;
  ping(): void;
  onPong(listener: () => void): void;
  /** Drops the socket at once (a peer that stopped answering). */
  terminate(): void;
}

/** One live node connection. */
export interface NodeSession {
  nodeId: string;
  link: NodeLink;
  principal: Principal;
  connectedAtMs: number;
  awaitingPong: boolean;
}

export interface NodeRegistryOptions {
  db: Database;
  commandsConfig: () => CommandsConfig;
  broadcast(event: string, payload: unknown): void;
  /** Whether the device has the node role in device pairing (`paired` in node.list). */
  isPairedNode(nodeId: string): boolean;
  /** How often node sockets are pinged; a node that missed one ping is dropped at the next. */
  livenessIntervalMs: number;
  now?: () => number;
}

/** Voice-wake defaults the real gateway pushes to every node after connect (vector node-pairing). */
const VOICEWAKE_TRIGGERS = { triggers: ['openclaw', 'claude', 'computer'] };
const VOICEWAKE_ROUTING = { config: { version: 1, defaultTarget: { mode: 'current' }, routes: [], updatedAtMs: 0 } };

/** The id a node is known by: its device id (protocol.md 9.1), else its instance id. */
export const nodeIdOf = (p: Principal): string => p.deviceId ?? p.client.instanceId ?? p.connId;

const covers = (have: readonly string[] | undefined, want: readonly string[]): boolean =>
  have !== undefined && want.every((x) => have.includes(x));

/**
 * Nodes known to this gateway: live sessions in memory, surfaces and approvals in SQLite.
 * State follows the sockets: a session leaves the moment its socket closes, and a node whose
 * socket stops answering pings is dropped within two liveness intervals (protocol.md 9; the
 * ghost-node reports of openclaw#30137 and #11944).
 */
export class NodeRegistry {
  private readonly repo: NodeRepo;
  private readonly sessions = new Map<string, NodeSession>();
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly disconnectListeners = new Set<(s: NodeSession) => void>();

  constructor(private readonly opts: NodeRegistryOptions) {
    this.repo = new NodeRepo(opts.db);
    this.now = opts.now ?? Date.now;
    this.timer = setInterval(() => this.checkLiveness(), opts.livenessIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Called when a node session ends (its invokes fail at once). */
  onDisconnect(listener: (s: NodeSession) => void): void {
    this.disconnectListeners.add(listener);
  }

  session(nodeId: string): NodeSession | undefined {
    return this.sessions.get(nodeId);
  }

  record(nodeId: string): NodeRecord | undefined {
    return this.repo.get(nodeId);
  }

  /**
   * A node connected: records what it declared, files a surface request when that is new or
   * wider than its approval (broadcast `node.pair.requested`), and pushes the voice-wake config.
   * A reconnecting node keeps its approval: nothing for an operator to do. A device-less node
   * never replaces another connection's live session (undefined: the caller closes it); the
   * handshake refuses that case already, this closes the gap of two connects in one tick.
   */
  attach(principal: Principal, link: NodeLink): NodeSession | undefined {
    const nodeId = nodeIdOf(principal);
    const live = this.sessions.get(nodeId);
    if (principal.deviceId === undefined && live && live.link.connId !== link.connId) return undefined;
    const now = this.now();
    const c = principal.client;
    const declared = principal.declared ?? { caps: [], commands: [] };
    const ceiling = pairingAllowlist(this.opts.commandsConfig(), { platform: c.platform, deviceFamily: c.deviceFamily });
    const commands = admittedCommands(declared.commands, ceiling);
    const caps = [...new Set(declared.caps)];
    const existing = this.repo.get(nodeId);
    const record: NodeRecord = {
      ...existing,
      nodeId,
      clientId: c.id,
      clientMode: c.mode,
      ...(c.displayName !== undefined ? { displayName: c.displayName } : {}),
      platform: c.platform,
      version: c.version,
      ...(c.deviceFamily !== undefined ? { deviceFamily: c.deviceFamily } : {}),
      ...(declared.pathEnv !== undefined ? { pathEnv: declared.pathEnv } : {}),
      declaredCaps: caps,
      declaredCommands: commands,
      createdAtMs: existing?.createdAtMs ?? now,
      lastConnectedAtMs: now,
      lastSeenAtMs: now,
      lastSeenReason: 'connect',
    };
    this.repo.save(record);
    const session: NodeSession = { nodeId, link, principal, connectedAtMs: now, awaitingPong: false };
    this.sessions.set(nodeId, session);
    link.onPong(() => (session.awaitingPong = false));
    link.sendDirect('voicewake.changed', VOICEWAKE_TRIGGERS);
    link.sendDirect('voicewake.routing.changed', VOICEWAKE_ROUTING);
    this.fileRequestIfWider(record);
    return session;
  }

  private fileRequestIfWider(record: NodeRecord): void {
    const pending = this.repo.requestFor(record.nodeId);
    const approvedAll = covers(record.approvedCommands, record.declaredCommands) && covers(record.approvedCaps, record.declaredCaps);
    if (approvedAll) {
      if (pending) this.repo.removeRequest(pending.requestId);
      return;
    }
    const same = pending && pending.commands.join('\n') === record.declaredCommands.join('\n') && pending.caps.join('\n') === record.declaredCaps.join('\n');
    if (same) return;
    const request: NodeRequestRecord = {
      requestId: randomUUID(), nodeId: record.nodeId, caps: record.declaredCaps, commands: record.declaredCommands, createdAtMs: this.now(),
    };
    this.repo.saveRequest(request);
    this.opts.broadcast('node.pair.requested', this.pendingView(request, record));
  }

  /** A node socket closed: the session ends now, never at the next timeout. */
  detach(connId: string, nodeId: string): void {
    const session = this.sessions.get(nodeId);
    if (!session || session.link.connId !== connId) return;
    this.sessions.delete(nodeId);
    this.repo.touch(nodeId, this.now(), 'disconnect');
    for (const l of this.disconnectListeners) l(session);
  }

  private checkLiveness(): void {
    for (const s of this.sessions.values()) {
      if (s.awaitingPong) {
        s.link.terminate();
        continue;
      }
      s.awaitingPong = true;
      s.link.ping();
    }
  }

  /** Commands the node may be asked to run now: declared ∩ approved ∩ allowed. */
  effectiveCommands(record: NodeRecord): string[] {
    const approved = record.approvedCommands ?? [];
    const allow = invokeAllowlist(this.opts.commandsConfig(), record, approved);
    return record.declaredCommands.filter((c) => approved.includes(c) && allow.has(c));
  }

  effectiveCaps(record: NodeRecord): string[] {
    return record.declaredCaps.filter((c) => (record.approvedCaps ?? []).includes(c));
  }

  /** Whether the node has an approved surface at all (node-side methods are refused until then). */
  isApproved(nodeId: string): boolean {
    return this.repo.get(nodeId)?.approvedCommands !== undefined;
  }

  listRecords(): readonly Readonly<NodeRecord>[] {
    return this.repo.list();
  }

  listRequests(): { request: NodeRequestRecord; record: NodeRecord | undefined }[] {
    return this.repo.listRequests().map((request) => ({ request, record: this.repo.get(request.nodeId) }));
  }

  /** The node's surface request waiting for an operator, if any. */
  pendingFor(nodeId: string): NodeRequestRecord | undefined {
    return this.repo.requestFor(nodeId);
  }

  request(requestId: string): NodeRequestRecord | undefined {
    return this.repo.request(requestId);
  }

  /** Approves a pending surface; the live session uses it at once. */
  approve(requestId: string): NodeRecord | undefined {
    const request = this.repo.request(requestId);
    const record = request && this.repo.get(request.nodeId);
    if (!request || !record) return undefined;
    const now = this.now();
    const approved: NodeRecord = { ...record, approvedCaps: request.caps, approvedCommands: request.commands, approvedAtMs: now };
    this.repo.save(approved);
    this.repo.removeRequest(requestId);
    this.resolved(request, 'approved', now);
    return approved;
  }

  reject(requestId: string): NodeRequestRecord | undefined {
    const request = this.repo.request(requestId);
    if (!request) return undefined;
    this.repo.removeRequest(requestId);
    this.resolved(request, 'rejected', this.now());
    return request;
  }

  private resolved(request: NodeRequestRecord, decision: string, ts: number): void {
    const payload = { requestId: request.requestId, nodeId: request.nodeId, decision, ts };
    if (decision === 'approved') this.opts.broadcast('node.runnerInventory.changed', { nodeId: request.nodeId });
    this.opts.broadcast('node.pair.resolved', payload);
    this.sessions.get(request.nodeId)?.link.sendDirect('node.pair.resolved', payload);
  }

  /** Forgets a node's surface, approval and pending request; false when unknown. */
  remove(nodeId: string): boolean {
    return this.repo.remove(nodeId);
  }

  rename(nodeId: string, label: string): boolean {
    const record = this.repo.get(nodeId);
    if (!record) return false;
    this.repo.save({ ...record, label });
    return true;
  }

  /** Keeps the latest `node.host.stats` (also for when the node is offline). */
  saveHostStats(nodeId: string, stats: Record<string, unknown>): number {
    const now = this.now();
    this.repo.saveHostStats(nodeId, stats, now);
    return now;
  }

  /** A pending surface request as `node.pair.list` and `node.pair.requested` show it. */
  pendingView(request: NodeRequestRecord, record: NodeRecord | undefined) {
    return {
      requestId: request.requestId,
      nodeId: request.nodeId,
      clientId: record?.clientId,
      clientMode: record?.clientMode,
      displayName: record?.label ?? record?.displayName,
      platform: record?.platform,
      version: record?.version,
      deviceFamily: record?.deviceFamily,
      caps: request.caps,
      commands: request.commands,
      requiredApproveScopes: requiredApproveScopes(request.commands),
      ts: request.createdAtMs,
    };
  }

  /** An approved node as `node.pair.approve` and `node.pair.list` show it. */
  approvedView(record: NodeRecord) {
    return {
      nodeId: record.nodeId,
      clientId: record.clientId,
      clientMode: record.clientMode,
      displayName: record.label ?? record.displayName,
      platform: record.platform,
      version: record.version,
      deviceFamily: record.deviceFamily,
      caps: record.approvedCaps ?? [],
      commands: record.approvedCommands ?? [],
      createdAtMs: record.createdAtMs,
      approvedAtMs: record.approvedAtMs,
      lastSeenAtMs: record.lastSeenAtMs,
      lastSeenReason: record.lastSeenReason,
    };
  }

  /** The `Node` of `node.list` / `node.describe` (protocol.md 9.4). */
  nodeView(record: NodeRecord) {
    const session = this.sessions.get(record.nodeId);
    const pending = this.repo.requestFor(record.nodeId);
    const approved = record.approvedCommands !== undefined;
    return {
      nodeId: record.nodeId,
      displayName: record.label ?? record.displayName ?? record.nodeId,
      platform: record.platform,
      version: record.version,
      clientId: record.clientId,
      clientMode: record.clientMode,
      deviceFamily: record.deviceFamily,
      caps: this.effectiveCaps(record),
      commands: this.effectiveCommands(record),
      ...(pending ? { pendingCommands: pending.commands } : {}),
      sessionHost: false,
      nodePluginTools: [],
      pathEnv: record.pathEnv,
      approvalState: pending ? 'pending-approval' : approved ? 'approved' : 'unapproved',
      ...(session ? { connectedAtMs: session.connectedAtMs } : {}),
      lastConnectedAtMs: record.lastConnectedAtMs,
      lastSeenAtMs: record.lastSeenAtMs,
      lastSeenReason: record.lastSeenReason,
      ...(record.approvedAtMs !== undefined ? { approvedAtMs: record.approvedAtMs } : {}),
      paired: this.opts.isPairedNode(record.nodeId),
      connected: session !== undefined,
      ...(record.hostStats ? { hostStats: { ...record.hostStats, updatedAtMs: record.hostStatsAtMs } } : {}),
    };
  }
}
