import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { GatewayConfig } from '../../infra/config-schema.js';
import type { Logger } from '../../infra/logger.js';
import type { AuthMode } from '../auth/shared-secret.js';
import { authorizeTrustedProxy, trustedProxyConfigOf, type TrustedProxyConfig } from '../auth/trusted-proxy.js';
import { attributeIngress, ingressPolicyOf, isTrustedProxy, PROXY_ATTRIBUTION_REQUIRED, type Ingress, type IngressPolicy } from './attribution.js';
import { PREAUTH_MAX_PER_ADDRESS, PREAUTH_MAX_TOTAL, PreauthBudget, type PreauthSlot } from './preauth-budget.js';
import { addressBlockOf } from './address-block.js';

/** The HTTP response a request refused before the upgrade gets (ws's abortHandshake style). */
export interface HttpRefusal {
  status: number;
  body: string;
  contentType: string;
}

/** What an admitted upgrade tells the connection about its peer. */
export interface AdmittedUpgrade {
  remoteAddress: string;
  isLocal: boolean;
  origin: string | undefined;
  host: string | undefined;
  proxyUser?: string;
  /**
   * A tailnet user Tailscale Serve forwarded, still to be checked with `tailscale whois`
   * (assistant.md 12.3): set only on the managed listener, never for Funnel requests.
   */
  tailnet?: TailnetCandidate;
}

/** What Serve's headers claim about a request on the managed listener. */
export interface TailnetCandidate {
  /** The forwarded client address (a tailnet IP). */
  clientIp: string;
  /** `Tailscale-User-Login`, absent for tagged devices. */
  login?: string;
}

const FORBIDDEN_PROXY: HttpRefusal = { status: 403, body: PROXY_ATTRIBUTION_REQUIRED, contentType: 'application/json; charset=utf-8' };
const BUSY: HttpRefusal = { status: 429, body: 'too many unauthenticated connections from this address', contentType: 'text/plain' };

const socketKey = (s: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string => `${s.remoteAddress ?? ''}|${s.remotePort ?? 0}`;

/** After a deadline's close frame, how long the peer has to answer before the socket is cut. */
const DEADLINE_CLOSE_GRACE_MS = 1_000;

/** An upgraded socket's WebSocket side: closed with a close frame at the pre-auth deadline. */
export interface DeadlineClosable {
  closeAtDeadline(): void;
}

/** The Held entry of a socket, so one shared `close` listener serves every held socket. */
const kHeld = Symbol('farclaw.preauth-held');
type PeerSocket = Duplex & { remoteAddress?: string | undefined; remotePort?: number | undefined; [kHeld]?: Held | undefined };

/**
 * An unauthenticated socket's budget slot and its one deadline, counted from its accept. It is
 * its own slot holder and its timer's argument: holding a socket allocates no closure.
 */
class Held {
  slot: PreauthSlot | undefined;
  deadline: NodeJS.Timeout | undefined;
  /** Set once upgraded: closes the WebSocket properly (1000) instead of cutting TCP. */
  upgraded: DeadlineClosable | undefined;

  constructor(
    readonly admission: Admission,
    readonly key: string,
    readonly socket: PeerSocket,
    readonly budgetKey: string,
  ) {}

  onEvicted(): void {
    this.admission.logger.debug({ remote: this.budgetKey }, 'pre-auth budget full: oldest idle socket evicted');
    this.socket.destroy();
  }
}

/**
 * Everything decided about a request before authentication, in one place: who it comes from
 * (remote-access.md 6.4), the trusted-proxy identity (12), and the pre-auth budget that keeps
 * one address's flood from starving others.
 */
export class Admission {
  private readonly policy: IngressPolicy;
  /** On the managed Tailscale listener the loopback peer is Serve itself (assistant.md 12.3). */
  private readonly managedPolicy = ingressPolicyOf(['127.0.0.1', '::1'], false);
  private readonly trustedProxy: TrustedProxyConfig | undefined;
  private readonly budget = new PreauthBudget(PREAUTH_MAX_PER_ADDRESS, PREAUTH_MAX_TOTAL);
  /** Sockets that have not authenticated yet, by peer address and port. */
  private readonly held = new Map<string, Held>();

  /**
   * @param deadlineMs how long a socket may stay unauthenticated, counted from TCP accept
   *   (issue 12.5: not from the upgrade, so a socket that never sends a request line is cut too)
   */
  constructor(
    gw: GatewayConfig | undefined,
    private readonly authMode: AuthMode,
    /** @internal read by Held */
    readonly logger: Logger,
    private readonly deadlineMs: number,
  ) {
    this.policy = ingressPolicyOf(gw?.trustedProxies, gw?.allowRealIpFallback);
    this.trustedProxy = authMode === 'trusted-proxy' ? trustedProxyConfigOf(gw?.auth?.trustedProxy) : undefined;
  }

  /**
   * A new TCP connection (before TLS): takes a budget slot for its peer and starts its deadline,
   * or closes it at once. Trusted proxies carry many clients; their clients are counted per
   * address at the upgrade.
   */
  onSocket(socket: Socket): void {
    const peer = socket.remoteAddress ?? '';
    if (isTrustedProxy(this.policy, peer)) return;
    if (!this.hold(socket, addressBlockOf(peer))) {
      this.logger.debug({ remote: peer }, 'pre-auth budget exhausted: connection closed');
      socket.destroy();
    }
  }

  private hold(socket: PeerSocket, budgetKey: string): boolean {
    const key = socketKey(socket);
    const previous = this.held.get(key);
    if (previous) this.drop(previous);
    const entry = new Held(this, key, socket, budgetKey);
    entry.slot = this.budget.acquire(budgetKey, entry);
    if (!entry.slot) return false;
    entry.deadline = setTimeout(Admission.onDeadline, this.deadlineMs, entry);
    entry.deadline.unref();
    this.held.set(key, entry);
    socket[kHeld] = entry;
    socket.on('close', Admission.onHeldSocketClose);
    return true;
  }

  private static onHeldSocketClose(this: PeerSocket): void {
    const entry = this[kHeld];
    if (entry) entry.admission.drop(entry);
  }

  /** The deadline passed unauthenticated: a WebSocket gets its close frame, anything else is cut. */
  private static onDeadline(entry: Held): void {
    const self = entry.admission;
    if (self.held.get(entry.key) !== entry) return;
    self.drop(entry);
    if (!entry.upgraded) {
      entry.socket.destroy();
      return;
    }
    entry.upgraded.closeAtDeadline();
    setTimeout(() => entry.socket.destroy(), DEADLINE_CLOSE_GRACE_MS).unref();
  }

  private drop(entry: Held): void {
    clearTimeout(entry.deadline);
    entry.socket.off('close', Admission.onHeldSocketClose);
    entry.socket[kHeld] = undefined;
    entry.slot?.release();
    if (this.held.get(entry.key) === entry) this.held.delete(entry.key);
  }

  /** Attribution of a plain HTTP request. */
  ingressOf(req: IncomingMessage): Ingress {
    return attributeIngress(req, this.policy);
  }

  /** Attribution of a plain HTTP request on the managed Tailscale listener. */
  managedIngressOf(req: IncomingMessage): Ingress {
    return attributeIngress(req, this.managedPolicy);
  }

  /** Decides an upgrade: the facts for the connection, or the HTTP refusal to send. */
  admitUpgrade(req: IncomingMessage): { facts: AdmittedUpgrade } | { refusal: HttpRefusal } {
    const ingress = this.ingressOf(req);
    if (ingress.kind === 'unattributable') return { refusal: FORBIDDEN_PROXY };
    let proxyUser: string | undefined;
    if (this.trustedProxy) {
      const outcome = authorizeTrustedProxy(req.headers, ingress, this.policy, this.trustedProxy);
      if ('user' in outcome) proxyUser = outcome.user;
      else if (outcome.reason === 'proxy_attribution_required') return { refusal: FORBIDDEN_PROXY };
      else if (ingress.kind === 'proxied') this.logger.info({ remote: ingress.peerAddress }, `trusted-proxy auth refused (${outcome.reason})`);
    }
    if (ingress.kind === 'proxied' && !this.holdProxiedSlot(req, ingress.clientAddress)) return { refusal: BUSY };
    return {
      facts: {
        remoteAddress: ingress.clientAddress,
        isLocal: ingress.isLocal,
        origin: req.headers.origin,
        host: req.headers.host,
        ...(proxyUser !== undefined ? { proxyUser } : {}),
      },
    };
  }

  /**
   * Decides an upgrade on the managed Tailscale listener (loopback, reached only through Serve):
   * forwarded headers must be complete (`X-Forwarded-For/-Proto/-Host`) or absent; the
   * forwarded client is never local. Non-Funnel requests carry the tailnet candidate.
   */
  admitManagedUpgrade(req: IncomingMessage): { facts: AdmittedUpgrade } | { refusal: HttpRefusal } {
    const ingress = attributeIngress(req, this.managedPolicy);
    if (ingress.kind === 'unattributable') return { refusal: FORBIDDEN_PROXY };
    const facts: AdmittedUpgrade = { remoteAddress: ingress.clientAddress, isLocal: ingress.isLocal, origin: req.headers.origin, host: req.headers.host };
    if (ingress.kind === 'direct') return { facts };
    const header = (name: string): string => {
      const v = req.headers[name];
      return (Array.isArray(v) ? v[0] : v)?.trim() ?? '';
    };
    if (header('x-forwarded-proto') === '' || header('x-forwarded-host') === '') return { refusal: FORBIDDEN_PROXY };
    if (!this.holdProxiedSlot(req, ingress.clientAddress)) return { refusal: BUSY };
    if (req.headers['tailscale-funnel-request'] !== undefined) return { facts };
    const login = header('tailscale-user-login');
    return { facts: { ...facts, tailnet: { clientIp: ingress.clientAddress, ...(login !== '' ? { login } : {}) } } };
  }

  /** Counts a proxied client's unauthenticated socket against its forwarded address. */
  private holdProxiedSlot(req: IncomingMessage, clientAddress: string): boolean {
    return this.hold(req.socket, `proxied ${addressBlockOf(clientAddress)}`);
  }

  /**
   * The socket was upgraded: at its deadline `conn` closes it as a WebSocket (1000). False when
   * admission holds no deadline for it (a trusted proxy's own socket): the caller keeps one then.
   */
  upgraded(socket: Socket | undefined, conn: DeadlineClosable): boolean {
    const entry = this.entryOf(socket);
    if (!entry) return false;
    entry.upgraded = conn;
    return true;
  }

  /** The socket is presenting credentials (`busy`), or its refusal is being held back (not busy). */
  presenting(socket: Socket | undefined, busy: boolean): void {
    this.entryOf(socket)?.slot?.setBusy(busy);
  }

  /** The socket authenticated: it no longer counts against its address's pre-auth budget. */
  authenticated(socket: Socket | undefined): void {
    const entry = this.entryOf(socket);
    if (entry) this.drop(entry);
  }

  /**
   * The entry of an upgraded socket: on the socket itself for plain TCP; by peer address and
   * port for TLS (admission held the TCP socket under it).
   */
  private entryOf(socket: PeerSocket | undefined): Held | undefined {
    if (!socket) return undefined;
    return socket[kHeld] ?? this.held.get(socketKey(socket));
  }

  /** Unauthenticated sockets held now (for tests and status). */
  preauthInUse(address?: string): number {
    return this.budget.inUse(address);
  }

  /** Idle unauthenticated sockets evicted so far to admit newer ones. */
  get preauthEvictions(): number {
    return this.budget.evictions;
  }
}
