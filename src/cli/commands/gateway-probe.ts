import { checkUrl, localPort, localUrl, probeCredentials, probeTlsPin, TargetError, urlOverrideError, type TargetFlags } from '../target.js';
import { ConfigError, type LoadedConfig } from '../../infra/config.js';
import { CliError } from '../cli-error.js';
import { kebabCapability, summarizeCapability, targetCapabilityLabel } from '../probe/capability.js';
import { summarizeConfigSnapshot } from '../probe/config-summary.js';
import { probeGateway, type ProbeResult } from '../probe/probe-gateway.js';
import {
  buildWarnings, gatewaySelf, isPostConnectFailure, isReachable, isScopeLimited, pickPrimary, type ProbedTarget, type ProbeWarning,
} from '../probe/probe-report.js';
import { tailnetIPv4 } from '../../infra/interfaces.js';
import { probeBudgetMs, resolveProbeTargets, type ProbeTarget } from '../probe/targets.js';
import { loadCliConfig, parseTimeout } from '../rpc.js';
import { openProbeTunnel, probeSshRequest } from '../probe/ssh-tunnel.js';

/** `gateway probe` flags as commander hands them over. */
export interface ProbeFlags extends TargetFlags {
  timeout?: string;
  json?: boolean;
  /** `user@host[:port]`: also probe through an SSH tunnel (10.2). */
  ssh?: string;
  sshIdentity?: string;
}

const DEFAULT_PROBE_TIMEOUT_MS = 3000;
/** The client version probe connections announce, as the real CLI's probe does. */
const PROBE_CLIENT_VERSION = 'dev';

const usageError = (message: string, type = 'cli_error'): CliError => new CliError(message, 1, { type, message });

function targetCredentials(
  target: ProbeTarget, flags: ProbeFlags, loaded: LoadedConfig, env: NodeJS.ProcessEnv, stateDir: string,
): { token?: string; password?: string; diagnostics: string[] } {
  // Explicit credentials belong to the explicit URL (or the SSH tunnel asked for with them):
  // they are never sent to the configured or local gateways probed beside it.
  const explicitTarget = target.kind === 'explicit' || target.kind === 'sshTunnel' || flags.url === undefined;
  if (explicitTarget && (flags.token !== undefined || flags.password !== undefined)) {
    return { ...(flags.token !== undefined ? { token: flags.token } : {}), ...(flags.password !== undefined ? { password: flags.password } : {}), diagnostics: [] };
  }
  try {
    const surface = target.kind === 'configRemote' || target.kind === 'sshTunnel' ? 'remote' : 'local';
    return { ...probeCredentials(surface, loaded, env, stateDir), diagnostics: [] };
  } catch (err) {
    if (err instanceof ConfigError) return { diagnostics: [err.message] };
    throw err;
  }
}

/** A target refused before connecting (plaintext policy): reported as unreachable with the reason. */
function refusedProbe(url: string, reason: string): ProbeResult {
  return {
    url, ok: false, connected: false, connectLatencyMs: null, error: reason, close: null,
    auth: { role: null, scopes: [], capability: 'unknown' }, server: { version: null, connId: null },
    health: null, status: null, presence: null, configSnapshot: null,
  };
}

async function probeTarget(target: ProbeTarget, overallMs: number, flags: ProbeFlags, loaded: LoadedConfig, env: NodeJS.ProcessEnv, stateDir: string): Promise<ProbedTarget> {
  const { diagnostics, ...auth } = targetCredentials(target, flags, loaded, env, stateDir);
  if (target.kind === 'configRemote') {
    try {
      checkUrl(target.url, 'config gateway.remote.url', loaded.path, env);
    } catch (err) {
      if (err instanceof TargetError) return { target, probe: refusedProbe(target.url, err.message.split('\n')[0] ?? err.message), authDiagnostics: diagnostics };
      throw err;
    }
  }
  const source = target.kind === 'localLoopback' ? 'local loopback' : target.kind === 'configRemote' ? 'config gateway.remote.url' : undefined;
  const tlsPin = source ? probeTlsPin(target.url, source, loaded, stateDir) : undefined;
  // The local gateway grants scopes to a device-less client only as the local CLI (protocol.md
  // 4.3): probing it as one lets the read probe use the local token instead of failing on scope.
  const client = target.kind === 'localLoopback' ? { client: { id: 'cli' as const, mode: 'cli' as const } } : {};
  const probe = await probeGateway({ url: target.url, ...auth, tlsPin, timeoutMs: probeBudgetMs(overallMs, target), detail: 'full', version: PROBE_CLIENT_VERSION, ...client });
  return { target, probe, authDiagnostics: diagnostics };
}

function targetJson(e: ProbedTarget): Record<string, unknown> {
  const p = e.probe;
  return {
    id: e.target.id, kind: e.target.kind, url: e.target.url, active: e.target.active, tunnel: e.target.tunnel,
    connect: { ok: isReachable(p), rpcOk: p.ok, scopeLimited: isScopeLimited(p), latencyMs: p.connectLatencyMs, error: p.error, close: p.close },
    auth: p.auth, server: p.server, self: gatewaySelf(p.presence),
    config: p.configSnapshot ? summarizeConfigSnapshot(p.configSnapshot) : null,
    health: p.health, summary: p.status, presence: p.presence,
  };
}

function targetHeader(t: ProbeTarget): string {
  if (t.kind === 'sshTunnel') return `Remote over SSH ${t.url}\n  ssh: ${t.tunnel?.target ?? ''}`;
  const label =
    t.kind === 'localLoopback' ? 'Local loopback' : t.kind === 'configRemote' ? (t.active ? 'Remote (configured)' : 'Remote (configured, inactive)') : 'URL (explicit)';
  return `${label} ${t.url}`;
}

/** `Connect: ok (12ms) · Capability: connect-only · Read probe: limited - missing scope: operator.read`. */
export function probeSummaryLine(p: ProbeResult): string {
  const capability = targetCapabilityLabel(p.auth.capability);
  const detail = p.error ? ` - ${p.error}` : '';
  if (p.ok) return `Connect: ok (${p.connectLatencyMs ?? 0}ms) · ${capability} · Read probe: ok`;
  if (isPostConnectFailure(p)) {
    return `Connect: ok (${p.connectLatencyMs ?? 0}ms) · ${capability} · ${isScopeLimited(p) ? 'Read probe: limited' : 'Read probe: failed'}${detail}`;
  }
  if (p.auth.capability === 'pairing_pending') return `Connect: blocked${detail} · ${capability}`;
  return `Connect: failed${detail} · ${capability}`;
}

/** Whether the target(s) commands would use answered: what `Reachable` and the exit code report. */
const activeReachable = (probed: readonly ProbedTarget[]): boolean => probed.some((e) => e.target.active && isReachable(e.probe));

function renderHuman(probed: ProbedTarget[], warnings: ProbeWarning[], timeoutMs: number): string {
  const reachable = probed.filter((e) => isReachable(e.probe));
  const active = probed.filter((e) => e.target.active).map((e) => e.target.url);
  const lines = [
    'Gateway Status',
    `Reachable: ${activeReachable(probed) ? 'yes' : 'no'}`,
    ...(!activeReachable(probed) && reachable.length > 0 ? [`(${active.join(', ')} did not answer; only other targets below did)`] : []),
    `Capability: ${kebabCapability(summarizeCapability(reachable.map((e) => e.probe.auth.capability)))}`,
    `Probe budget: ${timeoutMs}ms`,
  ];
  if (warnings.length > 0) lines.push('', 'Warning:', ...warnings.map((w) => `- ${w.message}`));
  lines.push('', 'Discovery (this machine)', 'Not browsed by the probe; farclaw gateway discover lists gateways announced on this network.');
  lines.push('', 'Targets');
  for (const e of probed) {
    lines.push(targetHeader(e.target), `  ${probeSummaryLine(e.probe)}`);
    const self = gatewaySelf(e.probe.presence);
    if (e.probe.ok && self) {
      lines.push(`  Gateway: ${self.host ?? 'unknown'}${self.ip ? ` (${self.ip})` : ''}${self.platform ? ` · ${self.platform}` : ''}${self.version ? ` · app ${self.version}` : ''}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * `farclaw gateway probe` (remote-access.md 13.6): probes `--url`, the configured remote and the
 * local loopback gateway in parallel and reports reachability and capability. Exit 1 only when
 * no target answered. With `--ssh`, `gateway.remote.sshTarget`, or (remote mode) a target
 * inferred from `gateway.remote.url`, it first opens an SSH tunnel and probes through it (10.2);
 * the tunnel is closed before returning, and its failure is only a warning.
 */
export async function runGatewayProbe(flags: ProbeFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const started = Date.now();
  const timeoutMs = parseTimeout(flags.timeout, DEFAULT_PROBE_TIMEOUT_MS);
  const { loaded, stateDir } = loadCliConfig(env);
  if (flags.url !== undefined && flags.port !== undefined) throw usageError('Use either --url or --port, not both.');
  if (flags.url !== undefined && flags.token === undefined && flags.password === undefined) {
    const err = urlOverrideError(loaded.path, 'probe');
    throw usageError(err.message, err.type);
  }
  let port: number;
  try {
    if (flags.url !== undefined) checkUrl(flags.url, 'cli --url', loaded.path, env);
    port = localPort(flags, loaded, env);
  } catch (err) {
    if (err instanceof TargetError) throw usageError(err.message, err.type);
    throw err;
  }
  const gw = loaded.config.gateway ?? {};
  const local = localUrl(loaded, port);
  const targets = resolveProbeTargets({
    explicitUrl: flags.url, remoteUrl: gw.remote?.url, remoteMode: gw.mode === 'remote', localUrl: local, portFlag: flags.port !== undefined,
  });
  const sshWarnings: ProbeWarning[] = [];
  let closeTunnel = async (): Promise<void> => undefined;
  const sshReq = probeSshRequest(flags, loaded, env);
  if (sshReq) {
    const creds = targetCredentials({ id: 'sshTunnel', kind: 'sshTunnel', url: '', active: true, tunnel: null }, flags, loaded, env, stateDir);
    const remotePort = flags.port !== undefined ? port : (gw.remote?.remotePort ?? port);
    const tunnel = await openProbeTunnel(sshReq, remotePort, timeoutMs, { credentials: creds, stateDir, env });
    if (tunnel.ok) {
      closeTunnel = tunnel.close;
      if (!targets.some((t) => t.url === tunnel.target.url)) targets.unshift(tunnel.target);
    } else {
      sshWarnings.push(tunnel.warning);
    }
  }
  let probed: ProbedTarget[];
  try {
    probed = await Promise.all(targets.map((t) => probeTarget(t, timeoutMs, flags, loaded, env, stateDir)));
  } finally {
    await closeTunnel();
  }
  const warnings = [...sshWarnings, ...buildWarnings(probed)];
  const reachable = probed.filter((e) => isReachable(e.probe));
  if (flags.json) {
    const tailnet = tailnetIPv4() ?? null;
    const report = {
      ok: activeReachable(probed),
      degraded: probed.some((e) => isPostConnectFailure(e.probe)),
      capability: summarizeCapability(reachable.map((e) => e.probe.auth.capability)),
      ts: Date.now(),
      durationMs: Date.now() - started,
      timeoutMs,
      primaryTargetId: pickPrimary(probed)?.target.id ?? null,
      warnings,
      network: {
        localLoopbackUrl: local,
        localTailnetUrl: tailnet ? `${local.startsWith('wss:') ? 'wss' : 'ws'}://${tailnet}:${port}` : null,
        tailnetIPv4: tailnet,
      },
      discovery: { timeoutMs: 0, count: 0, beacons: [] },
      targets: probed.map(targetJson),
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else {
    process.stdout.write(renderHuman(probed, warnings, timeoutMs) + '\n');
  }
  return activeReachable(probed) ? 0 : 1;
}
