import { createSocket, type Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
// ciao (the advertiser OpenClaw and farclaw use) has no browser; its DNS packet coder is reused.
import { DNSPacket, type QType } from '@homebridge/ciao/lib/coder/DNSPacket.js';
import { Question } from '@homebridge/ciao/lib/coder/Question.js';
import type { ResourceRecord } from '@homebridge/ciao/lib/coder/ResourceRecord.js';

const MDNS_GROUP = '224.0.0.251';
const MDNS_PORT = 5353;
/** `_openclaw-gw._tcp.local.` (assistant.md 13). */
export const GATEWAY_BROWSE_NAME = '_openclaw-gw._tcp.local.';
const RTYPE = { A: 1, PTR: 12, TXT: 16, AAAA: 28, SRV: 33 } as const;
const QUERY_RESENDS_MS = [0, 700];

/** One gateway a DNS-SD answer described; TXT values are unauthenticated hints. */
export interface GatewayBeacon {
  instanceName: string;
  displayName: string;
  domain: 'local.';
  /** SRV target without the trailing dot, e.g. `build-box.local`. */
  host?: string;
  port?: number;
  /** A/AAAA records of the host. */
  addresses: string[];
  lanHost?: string;
  gatewayPort?: number;
  gatewayTls?: boolean;
  gatewayTlsFingerprintSha256?: string;
  tailnetDns?: string;
  cliPath?: string;
  sshPort?: number;
  role?: string;
  transport?: string;
  txt: Record<string, string>;
  /** `ws(s)://<host>:<port>`. */
  wsUrl: string | null;
}

const trimDot = (name: string): string => name.replace(/\.$/, '');
const portOf = (v: string | undefined): number | undefined => {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
};

function txtOf(record: ResourceRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of (record as unknown as { txt: Buffer[] }).txt) {
    const text = entry.toString('utf8');
    const eq = text.indexOf('=');
    if (eq > 0) out[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return out;
}

/** Turns the records heard so far into beacons (RFC 6763: PTR -> SRV + TXT, SRV target -> A/AAAA). */
export function beaconsFrom(records: readonly ResourceRecord[]): GatewayBeacon[] {
  const byName = (type: number, name: string) => records.filter((r) => r.type === type && r.name.toLowerCase() === name.toLowerCase());
  const instances = new Set(records.filter((r) => r.type === RTYPE.PTR && r.name.toLowerCase() === GATEWAY_BROWSE_NAME)
    .map((r) => (r as unknown as { ptrName: string }).ptrName));
  const beacons: GatewayBeacon[] = [];
  for (const fqdn of instances) {
    const instanceName = trimDot(fqdn).replace(/\._openclaw-gw\._tcp\.local$/i, '').replace(/\\(.)/g, '$1');
    const srv = byName(RTYPE.SRV, fqdn)[0] as unknown as { hostname: string; port: number } | undefined;
    const txtRecord = byName(RTYPE.TXT, fqdn)[0];
    const txt = txtRecord ? txtOf(txtRecord) : {};
    const addresses = srv
      ? [...new Set([...byName(RTYPE.A, srv.hostname), ...byName(RTYPE.AAAA, srv.hostname)].map((r) => (r as unknown as { ipAddress: string }).ipAddress))]
      : [];
    const host = srv ? trimDot(srv.hostname) : undefined;
    const gatewayPort = portOf(txt.gatewayPort);
    const sshPort = portOf(txt.sshPort);
    const gatewayTls = txt.gatewayTls !== undefined ? ['1', 'true', 'yes'].includes(txt.gatewayTls.toLowerCase()) : undefined;
    const beacon: GatewayBeacon = {
      instanceName, displayName: txt.displayName ?? instanceName, domain: 'local.', addresses, txt,
      wsUrl: host && srv ? `${gatewayTls ? 'wss' : 'ws'}://${host}:${srv.port}` : null,
      ...(host !== undefined ? { host } : {}),
      ...(srv ? { port: srv.port } : {}),
      ...(txt.lanHost !== undefined ? { lanHost: txt.lanHost } : {}),
      ...(gatewayPort !== undefined ? { gatewayPort } : {}),
      ...(gatewayTls !== undefined ? { gatewayTls } : {}),
      ...(txt.gatewayTlsSha256 !== undefined ? { gatewayTlsFingerprintSha256: txt.gatewayTlsSha256 } : {}),
      ...(txt.tailnetDns !== undefined ? { tailnetDns: txt.tailnetDns } : {}),
      ...(txt.cliPath !== undefined ? { cliPath: txt.cliPath } : {}),
      ...(sshPort !== undefined ? { sshPort } : {}),
      ...(txt.role !== undefined ? { role: txt.role } : {}),
      ...(txt.transport !== undefined ? { transport: txt.transport } : {}),
    };
    beacons.push(beacon);
  }
  return beacons.sort((a, b) => a.displayName.localeCompare(b.displayName));
}

/** IPv4 addresses of this machine's multicast-capable interfaces. */
function multicastInterfaces(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((i) => i.family === 'IPv4' && !i.internal).map((i) => i.address));
}

/**
 * Browses `_openclaw-gw._tcp.local.` for `timeoutMs`: a one-shot (legacy unicast) PTR query
 * from an ephemeral port on every IPv4 interface, so responders answer this socket directly
 * (RFC 6762 6.7) and no port-5353 socket is needed. Resolves with every gateway heard.
 */
export async function browseGateways(timeoutMs: number): Promise<GatewayBeacon[]> {
  const records: ResourceRecord[] = [];
  const sockets: Socket[] = [];
  const query = DNSPacket.createDNSQueryPacket({ questions: [new Question(GATEWAY_BROWSE_NAME, RTYPE.PTR as unknown as QType, false)] }).encode();
  const timers: NodeJS.Timeout[] = [];
  for (const address of multicastInterfaces()) {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    socket.on('error', () => socket.close());
    socket.on('message', (msg, rinfo) => {
      try {
        const packet = DNSPacket.decode({ address: rinfo.address, family: 'IPv4', port: rinfo.port }, msg);
        records.push(...packet.answers.values(), ...packet.additionals.values());
      } catch {
        // not a DNS packet we can read: ignore it
      }
    });
    const bound = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(0, address, () => resolve(true));
    });
    if (!bound) continue;
    sockets.push(socket);
    socket.setMulticastInterface(address);
    for (const delay of QUERY_RESENDS_MS.filter((d) => d < timeoutMs)) {
      timers.push(setTimeout(() => socket.send(query, MDNS_PORT, MDNS_GROUP, () => undefined), delay));
    }
  }
  await new Promise((r) => setTimeout(r, timeoutMs));
  for (const t of timers) clearTimeout(t);
  for (const s of sockets) s.close();
  return beaconsFrom(records);
}
