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
