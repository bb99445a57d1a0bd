import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { LoadedConfig } from '../infra/config.js';
import type { Logger } from '../infra/logger.js';
import type { FarclawPaths } from '../infra/paths.js';
import { UNADVERTISED_METHODS } from '../protocol/methods.js';
import { CloseCode, SHUTDOWN_DRAIN_MS } from '../protocol/version.js';
import { lockStateDir, openStateDb, type Database } from '../store/db.js';
import { loadOrCreateGatewayIdentity } from '../store/gateway-identity-repo.js';
import { DeviceRegistry } from './auth/device-registry.js';
import { AuthRateLimiter, rateLimitConfigOf } from './auth/rate-limit.js';
import type { ServerAuth } from './auth/shared-secret.js';
import { Broadcaster } from './events/broadcaster.js';
import type { GatewayServices, Principal } from './rpc/context.js';
import { Dispatcher } from './rpc/dispatcher.js';
import { EventLoopMonitor } from './health/event-loop-monitor.js';
import { HealthService } from './health/health-service.js';
import { handleHttp } from './server/http-endpoints.js';
import { requestPath } from './server/request-target.js';
import { ALL_METHODS } from './methods/index.js';
import { NodeInvoker } from './nodes/node-invoker.js';
import { NodeRegistry, nodeIdOf } from './nodes/node-registry.js';
import { PresenceRegistry } from './presence/presence-registry.js';
import type { BindMode } from './startup/bind.js';
import { Admission } from './ingress/admission.js';
import { closeAll, createWsServer, listenAll, rejectUpgrade } from './server/listeners.js';
import type { TlsSettings } from '../infra/tls-settings.js';
import { TlsReloader, type TlsMaterial } from './tls/tls-files.js';
import { Connection } from './ws/connection.js';

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
  /** The bind mode and the host it resolved to (setup codes advertise it); default loopback. */
  bind?: { mode: BindMode; resolvedHost: string };
}

/** One running gateway: owns its lock, database, listeners, connections and timers. */
export class Gateway {
  private servers: Server[] = [];
  private tlsReloader: TlsReloader | undefined;
  private admission: Admission | undefined;
  private readonly pending = new Set<Connection>();
  private stopping: Promise<void> | undefined;
  private ready = false;

  private constructor(
    readonly services: GatewayServices,
    private readonly wss: WebSocketServer,
    readonly broadcaster: Broadcaster,
    private readonly dispatcher: Dispatcher,
    private readonly release: { lock(): void; db(): void },
  ) {}

  /** Takes the state-dir lock, opens state, binds every listener; throws on any failure. */
  static async start(opts: GatewayOptions): Promise<Gateway> {
    const lock = lockStateDir(opts.paths.stateDir);
    let db: Database | undefined;
    try {
      db = openStateDb(opts.paths.dbPath);
      const identity = loadOrCreateGatewayIdentity(db);
      const eventLoop = new EventLoopMonitor();
      const dispatcher = new Dispatcher(ALL_METHODS);
      const instanceId = randomUUID();
      let gateway: Gateway | undefined;
      const devices = new DeviceRegistry(db, opts.now);
      const nodes = new NodeRegistry({
        db,
        commandsConfig: () => opts.config.config.gateway?.nodes?.commands ?? {},
        broadcast: (event, payload) => gateway?.broadcaster.broadcast(event, payload),
        isPairedNode: (nodeId) => devices.paired(nodeId)?.roles.includes('node') ?? false,
        // A node whose socket died is gone within one tick interval: ping every third of it.
        livenessIntervalMs: Math.max(50, Math.floor(opts.tickIntervalMs / 3)),
      });
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
        health: new HealthService({ eventLoop, sessionsPath: opts.paths.dbPath, maxAgeMs: opts.healthIntervalMs }),
        presence: new PresenceRegistry(opts.version, instanceId),
        eventLoop,
        logger: opts.logger,
        logFile: opts.logFile,
        tickIntervalMs: opts.tickIntervalMs,
        methodNames: dispatcher.names().filter((m) => !UNADVERTISED_METHODS.has(m)),
        devices,
        nodes,
        invoker: new NodeInvoker(nodes),
        rateLimiter: new AuthRateLimiter(rateLimitConfigOf(opts.config.config.gateway?.auth?.rateLimit)),
        principals: () => gateway?.principals() ?? [],
        broadcast: (event, payload) => gateway?.broadcaster.broadcast(event, payload),
        sendTo: (connId, event, payload) => gateway?.sendTo(connId, event, payload),
        closeSessions: (match, code, reason) => gateway?.closeSessions(match, code, reason) ?? 0,
        inflightRequests: () => gateway?.inflightRequests() ?? 0,
        isReady: () => gateway?.ready ?? false,
      };
      const broadcaster = new Broadcaster({
        tickIntervalMs: opts.tickIntervalMs,
        healthIntervalMs: opts.healthIntervalMs,
        onHealthTick: () => gateway?.broadcastHealth(),
      });
      const openDb = db;
      gateway = new Gateway(services, createWsServer(), broadcaster, dispatcher, { lock: () => lock.release(), db: () => openDb.close() });
      await gateway.listen(opts);
      broadcaster.start();
      gateway.ready = true;
      return gateway;
    } catch (err) {
      db?.close();
      lock.release();
      throw err;
    }
  }

  private async listen(opts: GatewayOptions): Promise<void> {
    const admission = new Admission(opts.config.config.gateway, opts.auth.mode, opts.logger);
    this.admission = admission;
    this.servers = await listenAll(
      opts.hosts,
      opts.port,
      {
        onConnection: (socket) => admission.onSocket(socket),
        onHttp: (req, res) => handleHttp(req, res, this.services, admission.ingressOf(req)),
        onUpgrade: (req, socket, head) => this.onUpgrade(req, socket, head, opts.handshakeTimeoutMs),
      },
      opts.optionalHosts ?? new Set(),
      opts.tls?.material,
    );
    if (opts.tls?.settings.hotReload) {
      this.tlsReloader = new TlsReloader(opts.tls.settings, opts.tls.material, this.servers as HttpsServer[], this.services.logger);
    }
  }

  /** `wss` when serving TLS, else `ws`. */
  get scheme(): 'ws' | 'wss' {
    return this.servers[0] instanceof HttpsServer ? 'wss' : 'ws';
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, handshakeTimeoutMs: number): void {
    if (this.stopping) return rejectUpgrade(socket, 503, 'gateway stopping');
    const path = requestPath(req.url);
    if (path === undefined) return rejectUpgrade(socket, 400, 'bad request target');
    if (path !== '/') return rejectUpgrade(socket, 404, 'not found');
    const admission = this.admission;
    if (!admission) return rejectUpgrade(socket, 503, 'gateway starting');
    const admitted = admission.admitUpgrade(req);
    if ('refusal' in admitted) return rejectUpgrade(socket, admitted.refusal.status, admitted.refusal.body, admitted.refusal.contentType);
    // The 101 response and the challenge leave in one write (ws completes the upgrade synchronously).
    socket.cork();
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new Connection(
        ws,
        socket,
        admitted.facts,
        {
          services: this.services,
          dispatcher: this.dispatcher,
          handshakeTimeoutMs,
          onAuthenticated: (c) => {
            admission.authenticated(req.socket);
            this.onAuthenticated(c);
          },
          onClosed: (c) => this.onClosed(c),
        },
      );
      this.pending.add(conn);
      ws.once('close', () => this.pending.delete(conn));
    });
    socket.uncork();
  }

  private onAuthenticated(conn: Connection): void {
    this.pending.delete(conn);
    this.broadcaster.connections.add(conn);
    const p = conn.principal;
    if (p && PresenceRegistry.isTracked(p.client.mode)) {
      this.services.presence.upsert(conn.connId, {
        ts: Date.now(),
        host: p.client.displayName ?? p.client.id,
        clientId: p.client.id,
        version: p.client.version,
        platform: p.client.platform,
        ...(p.client.deviceFamily ? { deviceFamily: p.client.deviceFamily } : {}),
        mode: p.client.mode,
        ...(p.deviceId !== undefined ? { deviceId: p.deviceId } : {}),
        roles: [p.role],
        ...(p.client.instanceId ? { instanceId: p.client.instanceId } : {}),
        reason: 'connect',
        ...(p.role === 'node' ? { text: `Node: ${p.client.displayName ?? p.client.id} · mode node` } : {}),
      });
      this.broadcastPresence();
    }
    // The real gateway follows hello-ok with a health event (vector health.json).
    const health = this.services.health;
    conn.sendEvent('health', health.get(), this.stateVersion(), health.getJson());
    if (p?.role === 'node') {
      this.services.nodes.attach(p, {
        connId: conn.connId,
        sendDirect: (event, payload) => conn.sendDirect(event, payload),
        ping: () => conn.ws.ping(),
        onPong: (listener) => conn.ws.on('pong', listener),
        terminate: () => conn.ws.terminate(),
      });
    }
  }

  private onClosed(conn: Connection): void {
    this.broadcaster.connections.delete(conn);
    const p = conn.principal;
    if (p?.role === 'node') this.services.nodes.detach(conn.connId, nodeIdOf(p));
    else this.services.invoker.callerClosed(conn.connId);
    if (this.services.presence.remove(conn.connId) !== undefined) this.broadcastPresence();
  }

  private stateVersion() {
    return { presence: this.services.presence.version, health: this.services.health.version };
  }

  private broadcastPresence(): void {
    this.broadcaster.broadcast('presence', { presence: this.services.presence.list() }, this.stateVersion());
  }

  private broadcastHealth(): void {
    const snapshot = this.services.health.refresh();
    this.broadcaster.broadcast('health', snapshot, this.stateVersion());
  }

  sendTo(connId: string, event: string, payload: unknown): void {
    for (const c of this.broadcaster.connections) if (c.connId === connId) c.sendDirect(event, payload);
  }

  inflightRequests(): number {
    let n = 0;
    for (const c of this.broadcaster.connections) n += c.inflightCount;
    return n;
  }

  principals() {
    return [...this.broadcaster.connections].flatMap((c) => (c.principal ? [c.principal] : []));
  }

  /** Retires every authenticated session whose principal matches (see GatewayServices). */
  closeSessions(match: (p: Principal) => boolean, code: number, reason: string): number {
    const targets = [...this.broadcaster.connections].filter((c) => c.principal !== undefined && match(c.principal));
    for (const c of targets) c.retire(code, reason);
    return targets.length;
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
      this.ready = false;
      this.tlsReloader?.close();
      for (const s of this.servers) s.close();
      this.broadcaster.stop();
      this.services.nodes.stop();
      const open = [...this.broadcaster.connections];
      await Promise.race([Promise.all(open.map((c) => c.drain())), new Promise((r) => setTimeout(r, SHUTDOWN_DRAIN_MS).unref())]);
      for (const c of open) {
        c.sendEvent('shutdown', { reason });
        c.close(CloseCode.SERVICE_RESTART, 'service restart');
      }
      for (const c of this.pending) c.close(CloseCode.SERVICE_RESTART, 'service restart');
      const all = [...open, ...this.pending];
      // Give each peer a moment to answer the close frame, then cut whatever is left.
      await Promise.race([Promise.all(all.map((c) => c.closed)), new Promise((r) => setTimeout(r, 2000).unref())]);
      for (const c of all) c.ws.terminate();
      await closeAll(this.servers);
      this.services.eventLoop.close();
      this.release.db();
      this.release.lock();
    })();
    return this.stopping;
  }
}
