import { hostname as osHostname, networkInterfaces } from 'node:os';
import type { CiaoService, Responder } from '@homebridge/ciao';
import type { FarclawConfig } from '../../infra/config-schema.js';
import { readEnv } from '../../infra/env.js';
import type { Logger } from '../../infra/logger.js';
import { isContainer } from '../startup/bind.js';

/** The DNS-SD service type of an OpenClaw gateway (assistant.md 13). */
export const GATEWAY_SERVICE_TYPE = 'openclaw-gw';
export type MdnsMode = 'off' | 'minimal' | 'full';

/** What the TXT record says about this gateway. */
export interface AdvertisedGateway {
  port: number;
  /** The `sha256` leaf fingerprint (`AA:BB:…`) when serving TLS. */
  tlsFingerprintSha256?: string;
  /** Listens beyond loopback, so LAN clients can dial it directly. */
  isDirectlyReachable: boolean;
  /** The tailnet name when Tailscale Serve runs (full mode only). */
  tailnetDns?: string;
  /** The farclaw entry point (full mode only). */
  cliPath?: string;
}

/**
 * The mode in force: explicit `discovery.mdns.mode` wins; unset means `minimal` on macOS and
 * off elsewhere and inside containers (OpenClaw's bonjour plugin: opt-in off macOS, auto-off in
 * containers). `FARCLAW_DISABLE_BONJOUR=1` forces it off.
 */
export function mdnsModeOf(config: FarclawConfig, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): MdnsMode {
  if (readEnv('DISABLE_BONJOUR', env) === '1') return 'off';
  const configured = config.discovery?.mdns?.mode;
  if (configured !== undefined) return configured;
  return platform === 'darwin' && !isContainer(env) ? 'minimal' : 'off';
}

/** The host label: `FARCLAW_MDNS_HOSTNAME`, else the system host name's first label, else `farclaw`. */
export function mdnsHostname(env: NodeJS.ProcessEnv): string {
  const raw = readEnv('MDNS_HOSTNAME', env) ?? osHostname().split('.')[0] ?? '';
  const label = raw.trim().replace(/\.local\.?$/i, '').replace(/[^A-Za-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  return label !== '' ? label.slice(0, 63) : 'farclaw';
}

/** The TXT keys of assistant.md 13 (all strings); full mode adds tailnetDns, cliPath and sshPort. */
export function gatewayTxt(mode: Exclude<MdnsMode, 'off'>, host: string, gw: AdvertisedGateway, displayName: string): Record<string, string> {
  const txt: Record<string, string> = {
    role: 'gateway', gatewayPort: String(gw.port), lanHost: `${host}.local`, displayName, transport: 'gateway',
  };
  if (gw.tlsFingerprintSha256 !== undefined) {
    txt.gatewayTls = '1';
    txt.gatewayTlsSha256 = gw.tlsFingerprintSha256;
  }
  if (gw.isDirectlyReachable) txt.gatewayDirectReachable = '1';
  if (mode === 'full') {
    if (gw.tailnetDns !== undefined) txt.tailnetDns = gw.tailnetDns;
    if (gw.cliPath !== undefined) txt.cliPath = gw.cliPath;
    txt.sshPort = '22';
  }
  return txt;
}

/**
 * Non-loopback interfaces with an address. ciao 1.3.12 reads Linux interface names from
 * `ip -o link show`, where veth and VLAN links are `name@ifN`, so they never match and are
 * ignored; naming them explicitly avoids that. Interfaces added later are not picked up.
 */
function linuxInterfaces(): string[] {
  return Object.entries(networkInterfaces()).filter(([, list]) => (list ?? []).some((i) => !i.internal)).map(([name]) => name);
}

/**
 * Advertises `_openclaw-gw._tcp` in `local.` with ciao, as OpenClaw's bonjour plugin does:
 * instance `<host> (farclaw)`, SRV target `<host>.local`, port = the gateway port. TXT values
 * are unauthenticated hints. `stop()` sends the goodbye packets.
 */
export class MdnsAdvertiser {
  private constructor(private readonly responder: Responder, private readonly service: CiaoService, readonly instanceName: string) {}

  static async start(mode: Exclude<MdnsMode, 'off'>, gw: AdvertisedGateway, env: NodeJS.ProcessEnv, logger: Logger): Promise<MdnsAdvertiser> {
    const host = mdnsHostname(env);
    const instanceName = `${host} (farclaw)`;
    // Loaded here: mDNS is off by default on Linux, so most gateways never hold ciao.
    const { default: ciao } = await import('@homebridge/ciao');
    const responder = ciao.getResponder(process.platform === 'linux' ? { interface: linuxInterfaces() } : {});
    const service = responder.createService({
      name: instanceName,
      type: GATEWAY_SERVICE_TYPE,
      port: gw.port,
      hostname: host,
      txt: gatewayTxt(mode, host, gw, instanceName),
    });
    service.on('name-change', (name: string) => logger.info(`mDNS: instance name taken on the network, now "${name}"`));
    try {
      await service.advertise();
    } catch (err) {
      await responder.shutdown().catch(() => undefined);
      throw err;
    }
    logger.info(`mDNS: advertising _${GATEWAY_SERVICE_TYPE}._tcp "${instanceName}" on port ${gw.port} (${mode})`);
    return new MdnsAdvertiser(responder, service, instanceName);
  }

  /** Goodbye packets, then the responder's sockets close. Idempotent. */
  async stop(): Promise<void> {
    if (this.service.isDestroyed()) return;
    await this.service.destroy().catch(() => undefined);
    await this.responder.shutdown().catch(() => undefined);
  }
}
