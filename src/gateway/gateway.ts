import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { IncomingMessage, Server } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { execEventMessage, orphanNoteOf } from '../agent/tools/exec-background.js';
import { finishedSessionTtlMs, ProcessRegistry } from '../agent/tools/process-registry.js';
import type { LoadedConfig } from '../infra/config.js';
import { controlUiSettingsOf } from '../infra/control-ui-settings.js';
import type { Logger } from '../infra/logger.js';
import type { FarclawPaths } from '../infra/paths.js';
import { CloseCode, SHUTDOWN_DRAIN_MS } from '../protocol/version.js';
import { lockStateDir, openStateDb, type Database } from '../store/db.js';
import type { AuditRecord } from '../store/exec-approval-repo.js';
import { loadOrCreateGatewayIdentity } from '../store/gateway-identity-repo.js';
import { DeviceRegistry } from './auth/device-registry.js';
import { AuthRateLimiter, rateLimitConfigOf } from './auth/rate-limit.js';
import type { ServerAuth } from './auth/shared-secret.js';
import { ExecApprovalService } from './approvals/exec-approval-service.js';
import { ChannelManager } from '../channels/channel-manager.js';
import { chatTurnRunner } from '../channels/chat-turn-runner.js';
import { startGatewayTurn } from '../channels/gateway-turns.js';
import { createChatService, modelsSnapshotFor } from './chat/chat-component.js';
import { ChatSubscriptions } from './chat/chat-subscriptions.js';
import { EventBus } from './events/event-bus.js';
import { SocketFanout } from './events/socket-fanout.js';
import type { GatewayServices } from './rpc/context.js';
import { Dispatcher } from './rpc/dispatcher.js';
import { EventLoopMonitor } from './health/event-loop-monitor.js';
import { HealthService } from './health/health-service.js';
import { controlUiRoute } from './server/http-endpoints.js';
import { HttpRouter } from './server/http-router.js';
import { ManagedListener } from './server/managed-listener.js';
import { builtInComponents } from './kernel/built-in-components.js';
import type { Component } from './kernel/component.js';
import { Kernel } from './kernel/kernel.js';
import { requestPath } from './server/request-target.js';
import { NodeInvoker } from './nodes/node-invoker.js';
import { NodeService } from './nodes/node-service.js';
import { NodeRegistry, nodeIdOf } from './nodes/node-registry.js';
import { PresenceFeed } from './presence/presence-feed.js';
import { PresenceRegistry } from './presence/presence-registry.js';
import { presenceEntryOf, recipientProfileOf } from './presence/client-presence.js';
import type { BindMode } from './startup/bind.js';
import { Admission } from './ingress/admission.js';
import { closeAll, createWsServer, listenAll, rejectUpgrade } from './server/listeners.js';
import type { TlsSettings } from '../infra/tls-settings.js';
import { TlsReloader, type TlsMaterial } from './tls/tls-files.js';
import { Connection, type ConnectionHost } from './ws/connection.js';
import { SendBudget, type SendBudgetLimits } from './ws/send-budget.js';
import { ControlUi } from './control-ui/control-ui.js';
import type { TailscaleMode } from './tailscale/tailscale-exposure.js';
import { tailscaleComponent, type TailscaleComponent } from './tailscale/tailscale-component.js';
import type { MdnsMode } from './discovery/mdns-advertiser.js';
import { mdnsComponent } from './discovery/mdns-component.js';
import { colonHex, leafSha256 } from '../infra/tls-pin.js';
import { X509Certificate } from 'node:crypto';

export interface GatewayOptions {
  version: string;
  port: number;
  /** Listen addresses; `optionalHosts` may fail to bind (e.g. ::1 without IPv6). */
  hosts: readonly string[];
  optionalHosts?: ReadonlySet<string>;
  auth: ServerAuth;
  paths: FarclawPaths;
  config: LoadedConfig;
  logger: Logger;
  logFile: string;
  tickIntervalMs: number;
  healthIntervalMs: number;
  handshakeTimeoutMs: number;
  /** Serve HTTPS/WSS with this pair (remote-access.md 8.1). */
  tls?: { settings: TlsSettings; material: TlsMaterial };
  /** Clock of pairing-request expiry (tests); default `Date.now`. */
  now?: () => number;
  /** Send-buffer caps (default: MAX_BUFFERED_BYTES per socket, MAX_TOTAL_BUFFERED_BYTES in all). */
  sendBufferLimits?: SendBudgetLimits;
  /** The bind mode and the host it resolved to (setup codes advertise it); default loopback. */
  bind?: { mode: BindMode; resolvedHost: string };
  /**
   * Managed Tailscale Serve/Funnel (assistant.md 12): a dedicated loopback listener that the
   * foreground claim proxies to; `allowTailscale` turns on tokenless tailnet identity there.
   * `env` is what the `tailscale` CLI runs with (PATH).
   */
  tailscale?: { mode: TailscaleMode; allowTailscale: boolean; env: NodeJS.ProcessEnv };
  /** mDNS advertising of `_openclaw-gw._tcp` (assistant.md 13); absent when off. */
  mdns?: { mode: Exclude<MdnsMode, 'off'>; env: NodeJS.ProcessEnv };
  /**
   * Components added to the built-in ones (docs/architecture.md): each is constructed by the
   * caller with what it uses, and registers its methods, routes, subscriptions and start/stop.
   */
  components?: (services: GatewayServices, bus: EventBus) => Component[];
}

/** The managed Tailscale claim when configured; built before the services, which hold its read-only view. */
function tailscaleOf(opts: GatewayOptions, managedPort: () => number): TailscaleComponent | undefined {
  if (!opts.tailscale) return undefined;
  return tailscaleComponent({
    mode: opts.tailscale.mode, allowTailscale: opts.tailscale.allowTailscale, grants: opts.config.config.gateway?.auth?.tailscale,
    gatewayPort: opts.port, managedPort, stateDir: opts.paths.stateDir, env: opts.tailscale.env,
  });
}

/**
 * The components at the gateway's edge: the Tailscale claim and LAN advertising, when configured.
 * They stop (kernel, reverse order) before connections drain, so no new traffic arrives then.
 */
function edgeComponents(opts: GatewayOptions, tailscale: TailscaleComponent | undefined): Component[] {
  const out: Component[] = [];
  const controlUi = ControlUi.load(opts.config.config.gateway, opts.logger);
  // Its route is a fallback: whatever order components come in, every other route is tried first.
  if (controlUi) out.push({ name: 'control-ui', routes: [controlUiRoute(controlUi)] });
  if (tailscale) out.push(tailscale);
  if (opts.mdns) {
    const bindHost = opts.bind?.resolvedHost ?? '127.0.0.1';
    out.push(mdnsComponent({
      mode: opts.mdns.mode, env: opts.mdns.env, ...(tailscale ? { tailnet: tailscale } : {}),
      gateway: {
        port: opts.port,
        isDirectlyReachable: !(bindHost.startsWith('127.') || bindHost === '::1'),
        ...(opts.tls ? { tlsFingerprintSha256: colonHex(leafSha256(new X509Certificate(opts.tls.material.cert))) } : {}),
        ...(process.argv[1] ? { cliPath: process.argv[1] } : {}),
      },
    }));
  }
  return out;
}

/** One running gateway: owns its lock, database, listeners, connections and timers. */
export class Gateway {
  private servers: Server[] = [];
  private tlsReloader: TlsReloader | undefined;
  private admission: Admission | undefined;
  private wsPaths: ReadonlySet<string> = new Set(['/']);
  private readonly pending = new Set<Connection>();
  private stopping: Promise<void> | undefined;
  private readonly sendBudget: SendBudget;
  private readonly presenceFeed: PresenceFeed;
  private host: ConnectionHost | undefined;

  private constructor(
    readonly services: GatewayServices,
    private readonly wss: WebSocketServer,
    readonly bus: EventBus,
    readonly fanout: SocketFanout,
    private readonly readiness: { isReady: boolean },
    /** The request path; `dispatcher.invoke` calls a method without a socket. */
    readonly dispatcher: Dispatcher,
    private readonly release: { lock(): void; db(): void },
    sendBufferLimits: SendBudgetLimits | undefined,
    /** The components, started in dependency order after the listeners are up. */
    readonly kernel: Kernel,
    private readonly router: HttpRouter,
    /** The listener Tailscale Serve proxies to; opened only when the tailscale component is configured. */
    private readonly managed: ManagedListener,
  ) {
    this.sendBudget = new SendBudget(sendBufferLimits);
    this.presenceFeed = new PresenceFeed(() => this.publishPresence());
  }

  /** Takes the state-dir lock, opens state, binds every listener; throws on any failure. */
  static async start(opts: GatewayOptions): Promise<Gateway> {
    const lock = lockStateDir(opts.paths.stateDir);
    let db: Database | undefined;
    try {
      db = openStateDb(opts.paths.dbPath);
      const identity = loadOrCreateGatewayIdentity(db);
      const eventLoop = new EventLoopMonitor();
      const instanceId = randomUUID();
      const bus = new EventBus((err, event) => opts.logger.error({ err, event }, 'event subscriber failed'));
      const fanout = new SocketFanout(bus);
      const readiness = { isReady: false };
      const chatSubscriptions = new ChatSubscriptions();
      const devices = new DeviceRegistry(db, opts.now, (err) => opts.logger.warn({ err }, 'device last-seen times not written yet (will retry)'));
      const nodes = new NodeRegistry({
        db,
        commandsConfig: () => opts.config.config.gateway?.nodes?.commands ?? {},
        broadcast: (event, payload) => bus.publish(event, payload),
        isPairedNode: (nodeId) => devices.paired(nodeId)?.roles.includes('node') ?? false,
        // A node whose socket died is gone within one tick interval: ping every third of it.
        livenessIntervalMs: Math.max(50, Math.floor(opts.tickIntervalMs / 3)),
      });
      const invoker = new NodeInvoker(nodes);
      const presence = new PresenceRegistry(opts.version, instanceId);
      const approvals = new ExecApprovalService({
        db, bus, principals: () => fanout.principals(),
        isSessionSubscriber: (p, sessionKey) => chatSubscriptions.admits(p, { kind: 'session', sessionKey }),
      });
      const nodeService = new NodeService(nodes, invoker, () => opts.config.config.gateway?.nodes?.commands ?? {});
      const workspaceDir = join(opts.paths.stateDir, 'workspace');
      const processes = new ProcessRegistry({
        ttlMs: () => finishedSessionTtlMs(opts.config.config.tools?.exec?.cleanupMs), recordsDir: join(opts.paths.stateDir, 'exec', 'background'),
      });
      const openDb = db;
      // The session's chat on a channel, if one owns it, hears the answer (gateway-turns.ts).
      const notifyExecEvent = (sessionKey: string, note: string, key: string): void => {
        try {
          startGatewayTurn({ db: openDb, chat, channels }, sessionKey, execEventMessage(note, Date.now()), `exec-event:${key}`);
        } catch (err) {
          opts.logger.error({ err, sessionKey }, 'a background command\'s completion note could not be queued');
        }
      };
      const chat = createChatService({
        db, config: opts.config.config, bus, subscriptions: chatSubscriptions, workspaceDir, anyConnection: (match) => fanout.anyConnection(match),
        tools: async (run) => (await import('./chat/agent-tools.js')).createAgentTools({
          config: () => opts.config.config, nodes, approvals, nodeService, workspaceDir, processes, notifyExecEvent,
        }, run),
      });
      const channels = new ChannelManager({
        config: opts.config.config, env: process.env, db, logger: opts.logger, stateDir: opts.paths.stateDir, runTurn: chatTurnRunner(chat),
      });
      for (const r of processes.reapOrphans()) {
        // The end a dead gateway could not see is audited now, once (the record is gone).
        if (r.killed) opts.logger.warn({ pid: r.pid }, 'killed a background command a previous gateway left running');
        if (r.audit) {
          approvals.audit({ ...(r.audit as Omit<AuditRecord, 'seq' | 'tsMs'>), kind: 'tool-call', outcome: 'failed',
            error: r.killed ? 'killed at gateway start: the gateway that ran it had died' : 'ended while no gateway ran; exit code unknown' });
        }
        if (r.note) notifyExecEvent(r.note.sessionKey, orphanNoteOf(r.note.id, r.killed), r.note.key);
      }
      const health = new HealthService({
        eventLoop, sessionsPath: opts.paths.dbPath, maxAgeMs: opts.healthIntervalMs, channels: () => channels.statuses(),
      });
      // The tailscale component claims the listener openManagedListener() opens before components start.
      const managed = new ManagedListener();
      const tailscale = tailscaleOf(opts, () => managed.port());
      const services: GatewayServices = {
        version: opts.version,
        bootId: instanceId,
        startedAtMs: Date.now(),
        paths: opts.paths,
        config: opts.config,
        configHash: identity.keyedHash(opts.config.raw ?? ''),
        auth: opts.auth,
        port: opts.port,
        bind: opts.bind ?? { mode: 'loopback', resolvedHost: '127.0.0.1' },
        db,
        identity,
        health,
        presence,
        eventLoop,
        logger: opts.logger,
        logFile: opts.logFile,
        tickIntervalMs: opts.tickIntervalMs,
        devices,
        nodes,
        chat,
        chatSubscriptions,
        approvals,
        processes,
        invoker,
        channels,
        nodeService,
        rateLimiter: new AuthRateLimiter(rateLimitConfigOf(opts.config.config.gateway?.auth?.rateLimit)),
        principals: () => fanout.principals(),
        broadcast: (event, payload) => void bus.publish(event, payload),
        sendTo: (connId, event, payload) => fanout.sendTo(connId, event, payload),
        closeSessions: (match, code, reason) => fanout.closeSessions(match, code, reason),
        inflightRequests: () => fanout.inflightRequests(),
        isReady: () => readiness.isReady,
        ...(tailscale ? { tailscale } : {}),
      };
      const kernel = new Kernel([
        ...builtInComponents({
          services, bus, tickIntervalMs: opts.tickIntervalMs, healthIntervalMs: opts.healthIntervalMs,
          stateVersion: () => ({ presence: presence.version, health: health.version }),
        }),
        ...edgeComponents(opts, tailscale),
        ...(opts.components?.(services, bus) ?? []),
      ]);
      const dispatcher = new Dispatcher(kernel.methods(), services, opts.logger);
      const gateway = new Gateway(
        services, createWsServer(), bus, fanout, readiness, dispatcher, { lock: () => lock.release(), db: () => openDb.close() },
        opts.sendBufferLimits, kernel, new HttpRouter(kernel.routes()), managed,
      );
      try {
        await gateway.listen(opts);
        await gateway.openManagedListener(opts);
        await kernel.start({ services, bus, logger: opts.logger });
      } catch (err) {
        await gateway.closeListeners();
        throw err;
      }
      fanout.start();
      readiness.isReady = true;
      return gateway;
    } catch (err) {
      db?.close();
      lock.release();
      throw err;
    }
  }

  private async listen(opts: GatewayOptions): Promise<void> {
    const admission = new Admission(opts.config.config.gateway, opts.auth.mode, opts.logger, opts.handshakeTimeoutMs);
    this.admission = admission;
    // The UI's WebSocket URL is ws(s)://<host><basePath> (assistant.md 11.2).
    const ui = controlUiSettingsOf(opts.config.config.gateway);
    this.wsPaths = new Set(['/', ...(ui.enabled && ui.basePath !== '' ? [ui.basePath, `${ui.basePath}/`] : [])]);
    this.servers = await listenAll(
      opts.hosts,
      opts.port,
      {
        onConnection: (socket) => admission.onSocket(socket),
        onHttp: (req, res) => this.router.handle(req, res, admission.ingressOf(req)),
        onUpgrade: (req, socket, head) => this.onUpgrade(req, socket, head, opts.handshakeTimeoutMs),
      },
      opts.optionalHosts ?? new Set(),
      opts.tls?.material,
    );
    if (opts.tls?.settings.hotReload) {
      this.tlsReloader = new TlsReloader(opts.tls.settings, opts.tls.material, this.servers as HttpsServer[], this.services.logger);
    }
  }

  /** Opens the loopback listener Tailscale Serve proxies to (assistant.md 12.2); the tailscale component claims it. */
  private async openManagedListener(opts: GatewayOptions): Promise<void> {
    const admission = this.admission;
    if (!opts.tailscale || !admission) return;
    await this.managed.open({
      onHttp: (req, res) => this.router.handle(req, res, admission.managedIngressOf(req)),
      onUpgrade: (req, socket, head) => this.onUpgrade(req, socket, head, opts.handshakeTimeoutMs, true),
    });
  }

  private async closeListeners(): Promise<void> {
    this.tlsReloader?.close();
    await closeAll([...this.servers, ...this.managed.servers]);
  }

  /** `wss` when serving TLS, else `ws`. */
  get scheme(): 'ws' | 'wss' {
    return this.servers[0] instanceof HttpsServer ? 'wss' : 'ws';
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, handshakeTimeoutMs: number, isManaged = false): void {
    if (this.stopping) return rejectUpgrade(socket, 503, 'gateway stopping');
    const path = requestPath(req.url);
    if (path === undefined) return rejectUpgrade(socket, 400, 'bad request target');
    if (!this.wsPaths.has(path)) return rejectUpgrade(socket, 404, 'not found');
    const admission = this.admission;
    if (!admission) return rejectUpgrade(socket, 503, 'gateway starting');
    const admitted = isManaged ? admission.admitManagedUpgrade(req) : admission.admitUpgrade(req);
    if ('refusal' in admitted) return rejectUpgrade(socket, admitted.refusal.status, admitted.refusal.body, admitted.refusal.contentType);
    // The 101 response and the challenge leave in one write (ws completes the upgrade synchronously).
    socket.cork();
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new Connection(ws, req.socket, admitted.facts, this.connectionHost(admission, handshakeTimeoutMs));
      // Admission's deadline (from TCP accept) is the socket's only one, unless it holds none.
      if (!admission.upgraded(req.socket, conn)) conn.armHandshakeDeadline();
      this.pending.add(conn);
    });
    socket.uncork();
  }

  /**
   * The one host every connection shares (its hooks get the connection), so an idle socket
   * holds no closures of its own and does not keep the upgrade request alive.
   */
  private connectionHost(admission: Admission, handshakeTimeoutMs: number): ConnectionHost {
    this.host ??= {
      services: this.services,
      dispatcher: this.dispatcher,
      sendBudget: this.sendBudget,
      handshakeTimeoutMs,
      presenting: (c, busy) => admission.presenting(c.socket, busy),
      onAuthenticated: (c) => {
        admission.authenticated(c.socket);
        this.onAuthenticated(c);
      },
      onClosed: (c, wasOpen) => {
        this.pending.delete(c);
        if (wasOpen) this.onClosed(c);
      },
    };
    return this.host;
  }

  private onAuthenticated(conn: Connection): void {
    this.pending.delete(conn);
    this.fanout.connections.add(conn);
    const p = conn.principal;
    if (p && PresenceRegistry.isTracked(p.client.mode)) {
      conn.recipientProfileId = recipientProfileOf(p);
      this.services.presence.upsert(conn.connId, presenceEntryOf(p, Date.now()));
      this.presenceFeed.changed();
    }
    // The real gateway follows hello-ok with a health event (vector health.json).
    const health = this.services.health;
    conn.sendEvent('health', health.get(), this.stateVersion(), health.getJson());
    const snapshot = p ? modelsSnapshotFor(p, this.services.chat.config) : undefined;
    if (snapshot) conn.sendDirect('models.snapshot', snapshot);
    if (p?.role === 'node') {
      const session = this.services.nodes.attach(p, {
        connId: conn.connId,
        sendDirect: (event, payload) => conn.sendDirect(event, payload),
        ping: () => conn.ws.ping(),
        onPong: (listener) => conn.ws.on('pong', listener),
        terminate: () => {
          this.services.logger.warn({ connId: conn.connId }, 'node stopped answering pings: connection dropped');
          conn.ws.terminate();
        },
      });
      if (!session) conn.close(CloseCode.POLICY, 'node id in use');
    }
  }

  private onClosed(conn: Connection): void {
    this.fanout.connections.delete(conn);
    const p = conn.principal;
    this.services.chatSubscriptions.drop(conn.connId);
    if (p?.role === 'node') this.services.nodes.detach(conn.connId, nodeIdOf(p));
    else this.services.invoker.callerClosed(conn.connId);
    if (this.services.presence.remove(conn.connId) !== undefined) this.presenceFeed.changed();
  }

  private stateVersion() {
    return { presence: this.services.presence.version, health: this.services.health.version };
  }

  private publishPresence(): void {
    this.bus.publish('presence', { presence: this.services.presence.list() }, { stateVersion: this.stateVersion(), isSupersedable: true });
  }

  /** Bound addresses, e.g. for logging. */
  addresses(): string[] {
    return this.servers.flatMap((s) => {
      const a = s.address();
      return a && typeof a === 'object' ? [a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`] : [];
    });
  }

  /**
   * Graceful stop: refuse new sockets, let running requests answer, tell every client
   * (`shutdown` event), close with 1012, then release state. Idempotent.
   */
  stop(reason = 'gateway stopping'): Promise<void> {
    this.stopping ??= (async () => {
      this.readiness.isReady = false;
      this.tlsReloader?.close();
      for (const s of [...this.servers, ...this.managed.servers]) s.close();
      this.presenceFeed.stop();
      this.fanout.stop();
      await this.kernel.stop(this.services.logger);
      const open = [...this.fanout.connections];
      await Promise.race([Promise.all(open.map((c) => c.drain())), new Promise((r) => setTimeout(r, SHUTDOWN_DRAIN_MS).unref())]);
      for (const c of open) {
        c.sendEvent('shutdown', { reason });
        c.close(CloseCode.SERVICE_RESTART, 'service restart');
      }
      for (const c of this.pending) c.close(CloseCode.SERVICE_RESTART, 'service restart');
      const all = [...open, ...this.pending];
      // Give each peer a moment to answer the close frame, then cut whatever is left.
      await Promise.race([Promise.all(all.map((c) => c.whenClosed())), new Promise((r) => setTimeout(r, 2000).unref())]);
      for (const c of all) c.ws.terminate();
      await closeAll([...this.servers, ...this.managed.servers]);
      // Runs waiting for an approval end now (their records close as expired), then the runs stop.
      this.services.approvals.stop();
      await this.services.chat.stop();
      // After the runs: a background command killed now leaves its note queued (in SQLite) for
      // the next start, and its audit line, before the database closes.
      await this.services.processes.stop();
      this.services.eventLoop.close();
      try {
        this.services.devices.close();
      } catch (err) {
        this.services.logger.error({ err }, 'device last-seen times could not be written at stop');
      }
      this.release.db();
      this.release.lock();
    })();
    return this.stopping;
  }
}
