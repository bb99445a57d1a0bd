import { networkInterfaces } from 'node:os';

/** This machine's first tailnet (CGNAT 100.64/10) IPv4 address, if any. */
export function tailnetIPv4(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family !== 'IPv4') continue;
      const [p, q] = a.address.split('.').map(Number);
      if (p === 100 && q !== undefined && q >= 64 && q <= 127) return a.address;
    }
  }
  return undefined;
}

/** Whether an IPv4 address is in a private (RFC 1918) range. */
export function isRfc1918IPv4(address: string): boolean {
  const [a, b] = address.split('.').map(Number);
  return a === 10 || (a === 172 && b !== undefined && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/**
 * This machine's first private-LAN (RFC 1918) IPv4 address on a non-internal interface, if any:
 * the address a LAN-bound gateway advertises. (OpenClaw breaks ties between several by the
 * default route; we take the first.)
 */
export function lanIPv4(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && !a.internal && isRfc1918IPv4(a.address)) return a.address;
    }
  }
  return undefined;
}
