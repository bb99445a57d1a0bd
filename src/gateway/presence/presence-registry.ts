import { hostname, networkInterfaces, platform, release } from 'node:os';
import type { PresenceEntry } from '../../protocol/schema/snapshot.js';

/** One-shot clients (CLI calls, probes, backends) are not shown in presence, like the real gateway. */
const TRANSIENT_MODES = new Set(['cli', 'probe', 'backend', 'test']);

function primaryIPv4(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** Who is connected, for `system-presence`, the hello-ok snapshot and `presence` events. */
export class PresenceRegistry {
  private readonly entries = new Map<string, PresenceEntry>();
  private readonly self: PresenceEntry;
  version = 1;

  constructor(gatewayVersion: string, instanceId: string, now = Date.now()) {
    const host = hostname();
    const ip = primaryIPv4();
    this.self = {
      host,
      ...(ip ? { ip } : {}),
      version: gatewayVersion,
      platform: `${platform()} ${release()}`,
      deviceFamily: platform() === 'darwin' ? 'Mac' : platform() === 'linux' ? 'Linux' : platform(),
      mode: 'gateway',
      reason: 'self',
      instanceId,
      text: `Gateway: ${host}${ip ? ` (${ip})` : ''} · app ${gatewayVersion} · mode gateway · reason self`,
      ts: now,
    };
  }

  /** Whether a client in this mode gets a presence entry. */
  static isTracked(mode: string): boolean {
    return !TRANSIENT_MODES.has(mode);
  }

  list(): PresenceEntry[] {
    return [this.self, ...this.entries.values()];
  }

  /** Adds or replaces a connection's entry; returns the new state version. */
  upsert(connId: string, entry: PresenceEntry): number {
    this.entries.set(connId, entry);
    return ++this.version;
  }

  /** Removes a connection's entry; returns the new version, or undefined when nothing changed. */
  remove(connId: string): number | undefined {
    return this.entries.delete(connId) ? ++this.version : undefined;
  }
}
