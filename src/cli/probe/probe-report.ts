import type { PresenceEntry } from '../../protocol/schema/snapshot.js';
import type { ProbeResult } from './probe-gateway.js';
import type { ProbeTarget } from './targets.js';

/** One probed target with what was derived from its answers. */
export interface ProbedTarget {
  target: ProbeTarget;
  probe: ProbeResult;
  /** Credential problems found while resolving this target's auth (unresolved SecretRefs). */
  authDiagnostics: string[];
}

/** A `warnings[]` entry of `gateway probe --json`. */
export interface ProbeWarning {
  code: string;
  message: string;
  targetIds?: string[];
}

const MISSING_SCOPE = /\bmissing scope:\s*[a-z0-9._-]+/i;

/** The gateway answered the WebSocket connect (even if it then refused it). */
export const isReachable = (p: ProbeResult): boolean => p.ok || p.connectLatencyMs !== null;

/** Connected, but a detail RPC failed. */
export const isPostConnectFailure = (p: ProbeResult): boolean => !p.ok && p.connectLatencyMs !== null;

/** Connected, but the read RPCs were refused for a missing scope (scope-less probe socket). */
export const isScopeLimited = (p: ProbeResult): boolean => isPostConnectFailure(p) && MISSING_SCOPE.test(p.error ?? '');

/**
 * The diagnostic when nothing answered. The real CLI also claims a Bonjour browse and asks for a
 * bug report; our probe browses nothing, and a gateway that is down is a setup to fix, not a bug.
 */
export const NO_GATEWAY_REACHABLE =
  'No gateway answered any probe (the probe does not browse Bonjour: `farclaw gateway discover` lists gateways announced on this network). ' +
  'Run `farclaw doctor` to find the first broken hop to the gateway commands use and the command that fixes it; ' +
  'a local gateway starts with `farclaw gateway run`.';

/** The first reachable target in the order explicit → sshTunnel → configRemote → localLoopback. */
export function pickPrimary(probed: readonly ProbedTarget[]): ProbedTarget | null {
  const reachable = probed.filter((e) => isReachable(e.probe));
  for (const kind of ['explicit', 'sshTunnel', 'configRemote', 'localLoopback'] as const) {
    const hit = reachable.find((e) => e.target.kind === kind);
    if (hit) return hit;
  }
  return null;
}

/** The presence entry a gateway keeps for itself (`mode:"gateway"`), reduced to what we show. */
export function gatewaySelf(presence: readonly PresenceEntry[] | null): { host: string | null; ip: string | null; version: string | null; platform: string | null } | null {
  const self = presence?.find((e) => e.mode === 'gateway') ?? null;
  if (!self) return null;
  return { host: self.host ?? null, ip: self.ip ?? null, version: self.version ?? null, platform: self.platform ?? null };
}

/**
 * What proves two targets are the same gateway: hello-ok's `server.bootId` (stable per gateway
 * process), else the self presence entry's host/ip/instanceId. Null when nothing identifies it.
 */
export function gatewayIdentity(p: ProbeResult): string | null {
  if (p.server.bootId) return `boot:${p.server.bootId}`;
  const self = p.presence?.find((e) => e.mode === 'gateway');
  const discriminator = self?.instanceId ? `instance:${self.instanceId}` : self?.deviceId ? `device:${self.deviceId}` : '';
  if (!self || (!self.host && !self.ip) || !discriminator) return null;
  return `${self.host ?? ''}\0${self.ip ?? ''}\0${discriminator}`;
}

/** More than one reachable target, and they cannot all be proven to be one gateway. */
export function hasMultipleGateways(reachable: readonly ProbedTarget[]): boolean {
  if (reachable.length <= 1) return false;
  const keys = reachable.map((e) => gatewayIdentity(e.probe));
  if (keys.some((k) => k === null)) return true;
  return new Set(keys).size > 1;
}

/** The `warnings[]` of a probe run (13.6 codes, in the real CLI's order). */
export function buildWarnings(probed: readonly ProbedTarget[]): ProbeWarning[] {
  const reachable = probed.filter((e) => isReachable(e.probe));
  const warnings: ProbeWarning[] = [];
  const rateLimited = probed.filter((e) => /\(rate limited\)/.test(e.probe.error ?? ''));
  if (reachable.length === 0 && rateLimited.length > 0) {
    warnings.push({
      code: 'auth_rate_limited',
      message: 'The gateway answered the socket but sat on the connect: it slows answers after failed authentication attempts. Fix the token (gateway.auth.token locally, gateway.remote.token for a remote), wait a minute, and probe again.',
      targetIds: rateLimited.map((e) => e.target.id),
    });
  } else if (reachable.length === 0) {
    warnings.push({ code: 'no_gateway_reachable', message: NO_GATEWAY_REACHABLE, targetIds: probed.map((e) => e.target.id) });
  }
  if (hasMultipleGateways(reachable)) {
    warnings.push({
      code: 'multiple_gateways',
      message:
        'Unconventional setup: multiple reachable gateways detected. Usually one gateway per network is recommended unless you intentionally run isolated profiles, like a rescue bot.',
      targetIds: reachable.map((e) => e.target.id),
    });
  }
  for (const e of probed) {
    if (isReachable(e.probe)) continue;
    for (const message of e.authDiagnostics) warnings.push({ code: 'auth_secretref_unresolved', message, targetIds: [e.target.id] });
  }
  for (const e of probed.filter((x) => isScopeLimited(x.probe))) {
    warnings.push({
      code: 'probe_scope_limited',
      message:
        'Read-probe diagnostics are limited by gateway scopes (missing operator.read). Connection succeeded, but read-only status calls are incomplete. Hint: pair device identity or use credentials with operator.read.',
      targetIds: [e.target.id],
    });
  }
  for (const e of probed.filter((x) => isPostConnectFailure(x.probe) && !isScopeLimited(x.probe))) {
    const detail = e.probe.error ? `: ${e.probe.error}` : '.';
    warnings.push({
      code: 'probe_detail_failed',
      message: `Gateway accepted the WebSocket connection, but follow-up read diagnostics failed${detail}`,
      targetIds: [e.target.id],
    });
  }
  return warnings;
}
