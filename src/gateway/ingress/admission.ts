import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { GatewayConfig } from '../../infra/config-schema.js';
import type { Logger } from '../../infra/logger.js';
import type { AuthMode } from '../auth/shared-secret.js';
import { authorizeTrustedProxy, trustedProxyConfigOf, type TrustedProxyConfig } from '../auth/trusted-proxy.js';
import { attributeIngress, ingressPolicyOf, isTrustedProxy, PROXY_ATTRIBUTION_REQUIRED, type Ingress, type IngressPolicy } from './attribution.js';
import { PREAUTH_MAX_PER_ADDRESS, PREAUTH_MAX_TOTAL, PreauthBudget } from './preauth-budget.js';

/** What a refused request is answered with. */
export interface Refusal {
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

const FORBIDDEN_PROXY: Refusal = { status: 403, body: PROXY_ATTRIBUTION_REQUIRED, contentType: 'application/json; charset=utf-8' };
const BUSY: Refusal = { status: 429, body: 'too many unauthenticated connections from this address', contentType: 'text/plain' };

const socketKey = (s: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string => `${s.remoteAddress ?? ''}|${s.remotePort ?? 0}`;

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
  /** Budget slots of sockets that have not authenticated yet, by peer address and port. */
  private readonly slots = new Map<string, () => void>();

  constructor(gw: GatewayConfig | undefined, private readonly authMode: AuthMode, private readonly logger: Logger) {
    this.policy = ingressPolicyOf(gw?.trustedProxies, gw?.allowRealIpFallback);
    this.trustedProxy = authMode === 'trusted-proxy' ? trustedProxyConfigOf(gw?.auth?.trustedProxy) : undefined;
  }

  /**
   * A new TCP connection (before TLS): takes a budget slot for its peer, or closes it at once.
   * Trusted proxies carry many clients; their clients are counted per address at the upgrade.
   */
  onSocket(socket: Socket): void {
    const peer = socket.remoteAddress ?? '';
    if (isTrustedProxy(this.policy, peer)) return;
    const release = this.budget.acquire(peer);
    if (!release) {
      this.logger.debug({ remote: peer }, 'pre-auth budget exhausted: connection closed');
      socket.destroy();
      return;
    }
    const key = socketKey(socket);
    this.slots.set(key, release);
    socket.once('close', () => {
      release();
      this.slots.delete(key);
    });
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
  admitUpgrade(req: IncomingMessage): { facts: AdmittedUpgrade } | { refusal: Refusal } {
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
  admitManagedUpgrade(req: IncomingMessage): { facts: AdmittedUpgrade } | { refusal: Refusal } {
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
    const key = socketKey(req.socket);
    const release = this.budget.acquire(`proxied ${clientAddress}`);
    if (!release) return false;
    this.slots.set(key, release);
    req.socket.once('close', () => {
      release();
      this.slots.delete(key);
    });
    return true;
  }

  /** The socket authenticated: it no longer counts against its address's pre-auth budget. */
  authenticated(socket: Socket | undefined): void {
    if (!socket) return;
    const key = socketKey(socket);
    this.slots.get(key)?.();
    this.slots.delete(key);
  }

  /** Unauthenticated sockets held now (for tests and status). */
  preauthInUse(address?: string): number {
    return this.budget.inUse(address);
  }
}
