import type { Logger } from '../../infra/logger.js';
import type { TailnetCandidate } from '../ingress/admission.js';
import { grantedScopes, tailnetGrantFor, type TailnetGrantConfig } from './tailnet-grants.js';
import type { WhoisCache } from './whois-cache.js';

/** A tailnet identity Serve forwarded and `tailscale whois` confirmed, with the scopes it gets. */
export interface TailnetVerified {
  /** The whois login (`tagged-devices` for a tagged device). */
  login: string;
  scopes: string[];
}

/**
 * Tokenless operator auth for Tailscale Serve (assistant.md 12.3, remote-access.md 11.2): the
 * forwarded client IP is looked up with `tailscale whois`; its login must equal
 * `Tailscale-User-Login` (case-insensitive). A tagged device (Serve sends no login for those)
 * counts only when a `tag:` grant names one of its tags. The scopes are the requested ones,
 * narrowed by `gateway.auth.tailscale.grants` when any are configured.
 */
export class TailnetAuth {
  constructor(
    private readonly whois: Pick<WhoisCache, 'lookup'>,
    private readonly grants: TailnetGrantConfig | undefined,
    private readonly logger: Logger,
  ) {}

  /** The verified identity, or undefined (then the connect falls back to ordinary auth). */
  async verify(candidate: TailnetCandidate, requested: readonly string[]): Promise<TailnetVerified | undefined> {
    const who = await this.whois.lookup(candidate.clientIp);
    if (!who) return undefined;
    if (candidate.login !== undefined) {
      if (candidate.login.trim().toLowerCase() !== who.login.toLowerCase()) {
        this.logger.info({ remote: candidate.clientIp }, 'tailscale identity mismatch: the forwarded login is not the whois login');
        return undefined;
      }
    } else if (who.tags.length === 0) {
      return undefined;
    }
    const grant = tailnetGrantFor(this.grants, { login: candidate.login !== undefined ? who.login : '', tags: who.tags });
    if (!grant || (candidate.login === undefined && grant.kind === 'unrestricted')) {
      this.logger.info({ remote: candidate.clientIp }, `tailscale identity ${who.login} matches no gateway.auth.tailscale.grants entry`);
      return undefined;
    }
    return { login: who.login, scopes: grantedScopes(grant, requested) };
  }
}
