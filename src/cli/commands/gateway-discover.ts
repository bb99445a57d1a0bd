import { CliError } from '../cli-error.js';
import { browseGateways, type GatewayBeacon } from '../discovery/mdns-browser.js';

export interface DiscoverFlags {
  timeout?: string;
  json?: boolean;
}

const DEFAULT_TIMEOUT_MS = 2000;
const MAX_TIMEOUT_MS = 60_000;

function timeoutOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_TIMEOUT_MS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > MAX_TIMEOUT_MS) throw new CliError(`Invalid --timeout "${raw}": use a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}.`);
  return n;
}

/** Human lines of one beacon: name and URL, where it answers, and its TLS pin when it has one. */
export function renderBeacon(b: GatewayBeacon): string[] {
  const lines = [`- ${b.displayName}  ${b.wsUrl ?? '(no SRV record)'}${b.addresses.length > 0 ? `  (${b.addresses.join(', ')})` : ''}`];
  if (b.gatewayTlsFingerprintSha256 !== undefined) lines.push(`  TLS fingerprint (sha256): ${b.gatewayTlsFingerprintSha256}`);
  else if (b.gatewayTls) lines.push('  TLS: yes (no fingerprint advertised)');
  if (b.tailnetDns !== undefined) lines.push(`  Tailnet: ${b.tailnetDns}`);
  if (b.sshPort !== undefined) lines.push(`  SSH port: ${b.sshPort}${b.cliPath !== undefined ? ` · CLI: ${b.cliPath}` : ''}`);
  return lines;
}

/**
 * `farclaw gateway discover`: browses `_openclaw-gw._tcp.local.` by mDNS for `--timeout` ms
 * and lists every gateway heard (farclaw or OpenClaw), with the TLS fingerprint from its TXT
 * record. TXT values are hints anyone on the LAN can send: pin a fingerprint only after checking
 * it on the gateway host. `--json` has the shape of `openclaw gateway discover --json`.
 */
export async function runGatewayDiscover(flags: DiscoverFlags): Promise<number> {
  const timeoutMs = timeoutOf(flags.timeout);
  const beacons = await browseGateways(timeoutMs);
  if (flags.json) {
    process.stdout.write(JSON.stringify({ timeoutMs, domains: ['local.'], count: beacons.length, beacons }, null, 2) + '\n');
    return 0;
  }
  const out = ['Gateway Discovery', `Found ${beacons.length} gateway(s) · domains: local.`];
  for (const b of beacons) out.push(...renderBeacon(b));
  if (beacons.some((b) => b.gatewayTlsFingerprintSha256 !== undefined)) {
    out.push('Fingerprints come from unauthenticated mDNS: compare them with the gateway host before pinning.');
  }
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
