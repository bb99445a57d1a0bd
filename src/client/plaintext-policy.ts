import { isIP } from 'node:net';
import { readEnv } from '../infra/env.js';

function ipv4Private(ip: string): boolean {
  const [a = -1, b = -1] = ip.split('.').map(Number);
  return (
    a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
    (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127)
  );
}

function ipv6Private(ip: string): boolean {
  const lower = ip.toLowerCase();
  if (lower === '::1') return true;
  if (lower.startsWith('::ffff:')) return ipv4Private(lower.slice(7));
  return /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower);
}

/**
 * Whether plaintext `ws://` to this host is acceptable (remote-access.md 7.4): loopback,
 * RFC 1918, link-local, CGNAT, ULA, `*.local`, `*.ts.net`; any *hostname* when
 * FARCLAW_ALLOW_INSECURE_PRIVATE_WS=1, but never a public IP literal.
 */
export function isPlaintextAllowed(hostname: string, env: NodeJS.ProcessEnv): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const kind = isIP(host);
  if (kind === 4) return ipv4Private(host);
  if (kind === 6) return ipv6Private(host);
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.ts.net')) return true;
  return readEnv('ALLOW_INSECURE_PRIVATE_WS', env) === '1';
}

/** The SECURITY ERROR text for a refused plaintext URL. */
export function plaintextRefusal(url: string, source: string, configPath: string, env: NodeJS.ProcessEnv): string {
  const lines = [
    `SECURITY ERROR: Gateway URL "${url}" uses plaintext ws:// to a non-loopback address.`,
    'Both credentials and chat data would be exposed to network interception.',
    `Source: ${source}`,
    `Config: ${configPath}`,
    'Fix: Use wss:// for remote gateway URLs.',
    'Safe remote access defaults:',
    '- keep the gateway on loopback and use an SSH tunnel (ssh -N -L 18789:127.0.0.1:18789 user@gateway-host)',
    '- or put it behind TLS (gateway.tls.enabled) and connect with wss://',
  ];
  if (readEnv('ALLOW_INSECURE_PRIVATE_WS', env) !== '1') {
    lines.push('Break-glass (trusted private networks only): set FARCLAW_ALLOW_INSECURE_PRIVATE_WS=1');
  }
  return lines.join('\n');
}
