/** A tailnet peer as `tailscale whois` describes it. */
export interface FakeWhois {
  login: string;
  name?: string;
  /** Node tags (a tagged device, e.g. `tag:readonly`). */
  tags?: string[];
  nodeName?: string;
}

/**
 * How the stand-in `tailscale` behaves (fake-tailscale-cli.ts); re-read on every call. Every key
 * is optional: the defaults answer as the vector tailscale-cli's fake did (1.90.0, Running,
 * `lab-host.tail1234.ts.net.`, empty serve config).
 */
export interface FakeTailscaleScript {
  version?: string;
  /** `BackendState` of successive `status --json` calls; the last one repeats (e.g. Starting, Running). */
  backendStates?: string[];
  /** `Self.DNSName`, with the trailing dot. */
  dnsName?: string;
  tailscaleIPs?: string[];
  /** What `serve status --json` prints. */
  serveStatus?: unknown;
  /** `whois --json <ip>` answers by IP; an unknown IP fails as tailscale does. */
  whois?: Record<string, FakeWhois>;
  /** Subcommands that fail with a permission error unless run through `sudo`. */
  requireRoot?: string[];
  /** Every call but `version` fails as if tailscaled were not running. */
  daemonDown?: boolean;
  /** A foreground serve/funnel waits this long before printing its banner. */
  serveReadyDelayMs?: number;
  /** A foreground serve/funnel prints its banner without the ready line and keeps running. */
  serveSilent?: boolean;
  /** A foreground serve/funnel exits at once with this. */
  serveFailure?: { exitCode: number; stderr: string };
  /** Who the serve proxy says its client is (default 100.64.0.7, alice@example.com). No login: no identity headers. */
  proxyClient?: { ip: string; login?: string; name?: string };
  /** The public address funnel requests come from (default 203.0.113.9). */
  funnelClientIp?: string;
}
