import { isIP } from 'node:net';

/**
 * The block a client address is budgeted by: an IPv4 address (also written `::ffff:a.b.c.d`) is
 * its own block; an IPv6 address counts as its /64, since one host usually holds a whole /64 and
 * could otherwise take a fresh address for every attempt. Loopback `::1` stays itself. Anything
 * that is not an IP address is returned as it is.
 */
export function addressBlockOf(address: string): string {
  const bare = address.split('%')[0] ?? address;
  const lower = bare.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4) return lower.slice(7);
  if (isIP(bare) !== 6 || lower === '::1') return address;
  const groups = expandIPv6(lower);
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` and an IPv4 tail expanded). */
function expandIPv6(address: string): number[] {
  let text = address;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
