import { connect } from 'node:net';
import { join } from 'node:path';
import { checkUrl, localUrl, probeCredentials, probeTlsPin, TargetError, type TargetFlags } from '../target.js';
import { resolveBind, type BindMode } from '../../gateway/startup/bind.js';
import { ConfigError, type LoadedConfig } from '../../infra/config.js';
import { displayPath, resolvePaths } from '../../infra/paths.js';
import { InvalidPortError, resolveLocalPort, type PortSource } from '../../infra/port.js';
import { describeExposure, readExposureState, type ExposureState } from '../../gateway/tailscale/exposure-state.js';
import { farclawVersion } from '../../infra/version.js';
import { CliError, withFailurePrefix } from '../cli-error.js';
import { kebabCapability } from '../probe/capability.js';
import { probeGateway, type ProbeResult } from '../probe/probe-gateway.js';
import { loadCliConfig, parseTimeout } from '../rpc.js';
import { installedService } from './service.js';

/** `gateway status` flags as commander hands them over (`probe` is false with `--no-probe`). */
export interface GatewayStatusFlags extends TargetFlags {
  timeout?: string;
  json?: boolean;
  probe?: boolean;
  deep?: boolean;
  requireRpc?: boolean;
}

type PortStatus = 'busy' | 'free' | 'unknown';

/** `gateway status` could not run at all: the one failure format, with the fix for this usage. */
function commandFailed(reason: string, fix: string): CliError {
  return new CliError(withFailurePrefix('Gateway status failed', reason, fix), 1, { type: 'cli_error', message: reason });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` (no WebSocket is opened). */
async function checkLocalPort(port: number, timeoutMs: number): Promise<PortStatus> {
  return await new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (s: PortStatus) => {
      socket.destroy();
      resolve(s);
    };
    socket.setTimeout(timeoutMs, () => done('unknown'));
    socket.once('connect', () => done('busy'));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? 'free' : 'unknown'));
  });
}

function probeNote(bindMode: BindMode, host: string, viaUrl: boolean): string {
  if (viaUrl) return 'Probing the --url target; bind and port describe this machine’s configured gateway.';
  if (host.startsWith('127.')) return 'Loopback-only gateway; only local clients can connect.';
  return `Gateway listens beyond loopback (bind=${bindMode}); remote clients need the shared token or password.`;
}

function portHints(status: PortStatus, port: number, probe: ProbeResult | null): string[] {
  if (status === 'free') return [`Nothing is listening on port ${port}. Start the gateway with: farclaw gateway run`];
  if (status === 'busy' && probe !== null && probe.connectLatencyMs === null) {
    return [`Port ${port} is in use, but no gateway answered there; find its owner with \`ss -ltnp\` or \`lsof -nP -iTCP:${port} -sTCP:LISTEN\`.`];
  }
  return [];
}

interface StatusFacts {
  loaded: LoadedConfig;
  logFile: string;
  bindMode: BindMode;
  bindHost: string;
  port: number;
  portSource: PortSource;
  probeUrl: string;
  viaUrl: boolean;
  portStatus: PortStatus;
  probe: ProbeResult | null;
  requireRpc: boolean;
  authWarning: string | null;
  /** Configured `gateway.tailscale.mode` and what the running gateway recorded about its claim. */
  tailscale: { mode: string; state: ExposureState | undefined };
}

function rpcJson(f: StatusFacts): Record<string, unknown> | undefined {
  const p = f.probe;
  if (!p) return undefined;
  const connected = p.connected;
  return {
    ok: p.ok, kind: f.requireRpc ? 'read' : 'connect', capability: p.auth.capability, auth: p.auth, server: p.server,
    latencyMs: p.connectLatencyMs,
    ...(connected ? {} : { connectFailure: { error: p.error, close: p.close, reachable: p.connectLatencyMs !== null } }),
    ...(p.ok ? {} : { error: p.error }),
    ...(f.authWarning ? { authWarning: f.authWarning } : {}),
    url: f.probeUrl,
  };
}

function statusJson(f: StatusFacts): Record<string, unknown> {
  const cfg = { path: f.loaded.path, exists: f.loaded.exists, valid: true };
  const rpc = rpcJson(f);
  return {
    cli: { version: farclawVersion(), entrypoint: process.argv[1] ?? null },
    logFile: f.logFile,
    service: serviceJson(),
    config: { cli: cfg, daemon: cfg },
    gateway: {
      bindMode: f.bindMode, bindHost: f.bindHost, port: f.port, portSource: f.portSource, probeUrl: f.probeUrl,
      controlUiLinks: [], probeNote: probeNote(f.bindMode, f.bindHost, f.viaUrl), version: f.probe?.server.version ?? null,
    },
    port: {
      port: f.port, status: f.portStatus,
      listeners: f.portStatus === 'busy' ? [{ address: '127.0.0.1', port: f.port }] : [],
      hints: portHints(f.portStatus, f.port, f.probe),
    },
    ...(rpc ? { rpc } : {}),
    tailscale: tailscaleJson(f),
    extraServices: [],
    pluginVersionDrift: null,
  };
}

/** `gateway.tailscale.mode` and whether the claim is really up (the gateway's record, checked against live pids). */
function tailscaleJson(f: StatusFacts): Record<string, unknown> {
  const st = f.tailscale.state;
  const isCurrent = st?.isGatewayRunning === true;
  return {
    mode: f.tailscale.mode,
    serving: isCurrent && st.isClaimRunning,
    url: isCurrent ? st.record.url : null,
    dnsName: isCurrent ? st.record.dnsName : null,
    servePid: isCurrent ? (st.record.pid ?? null) : null,
    managedPort: isCurrent ? st.record.managedPort : null,
  };
}

function serviceJson(): Record<string, unknown> {
  const svc = installedService('gateway', process.env);
  return svc ? { installed: svc.installed, name: svc.name, unitPath: svc.unitPath } : { installed: false, manager: null };
}

function serviceLine(): string {
  const svc = installedService('gateway', process.env);
  if (!svc) return 'Service: none (no systemd or launchd here; run it with `farclaw gateway run`)';
  if (svc.installed) return `Service: installed (${svc.name}, ${displayPath(svc.unitPath)})`;
  return 'Service: not installed (install it with `farclaw gateway install`, or run it with `farclaw gateway run`)';
}

/** Human report: facts on stdout, probe failures on stderr. */
function printHuman(f: StatusFacts, deep: boolean): void {
  const env = process.env;
  const out = [
    serviceLine(),
    `File logs: ${displayPath(f.logFile, env)}`,
    `Config (cli): ${displayPath(f.loaded.path, env)}${f.loaded.exists ? '' : ' (not found; embedded defaults)'}`,
    '',
    `Gateway: bind=${f.bindMode} (${f.bindHost}), port=${f.port} (${f.portSource})`,
    `Tailscale: ${describeExposure(f.tailscale.state, f.tailscale.mode)}`,
    `Probe target: ${f.probeUrl}`,
    `Probe note: ${probeNote(f.bindMode, f.bindHost, f.viaUrl)}`,
    `CLI version: ${farclawVersion()}`,
  ];
  const err: string[] = [];
  const p = f.probe;
  if (!p) {
    out.push('Connectivity probe: skipped (--no-probe)');
  } else {
    const connected = p.connected;
    if (connected) out.push(`Connectivity probe: ok (${p.connectLatencyMs ?? 0}ms)`, `Gateway version: ${p.server.version ?? 'unknown'}`);
    else err.push(`Connectivity probe: failed - ${p.error ?? 'unknown error'}`);
    out.push(`Capability: ${kebabCapability(p.auth.capability)}`);
    if (f.requireRpc) {
      if (p.ok) out.push('Read probe: ok');
      else err.push(`Read probe: failed - ${p.error ?? 'unknown error'}`);
    }
    if (f.authWarning) err.push(`Auth warning: ${f.authWarning}`);
  }
  out.push(f.portStatus === 'busy' ? `Listening: 127.0.0.1:${f.port}` : `Listening: nothing on port ${f.port}${f.portStatus === 'unknown' ? ' (could not check)' : ''}`);
  out.push(...portHints(f.portStatus, f.port, p));
  if (deep) out.push('Other gateway services: none found (farclaw installs no services to scan)');
  process.stdout.write(out.join('\n') + '\n');
  if (err.length > 0) process.stderr.write(err.join('\n') + '\n');
}

/**
 * `farclaw gateway status` (remote-access.md 13.5): this machine's gateway setup plus one
 * connectivity probe of `--url` or `ws://127.0.0.1:<port>` (remote mode is ignored). `--url`
 * without credentials probes without any. Exit 0 even when the probe fails, 1 when
 * `--require-rpc`'s read probe fails or on usage errors.
 */
export async function runGatewayStatus(flags: GatewayStatusFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const { loaded, stateDir } = loadCliConfig(env);
  if (flags.url !== undefined && flags.port !== undefined) throw commandFailed('Use either --url or --port, not both.', 'drop one of them: farclaw gateway status --url <ws-url> or farclaw gateway status --port <port>');
  if (flags.probe === false && flags.requireRpc) throw commandFailed('Use either --no-probe or --require-rpc, not both.', 'drop one of them: farclaw gateway status --require-rpc (or --no-probe)');
  let timeoutMs: number;
  let portInfo: { port: number; source: PortSource };
  try {
    timeoutMs = parseTimeout(flags.timeout, 10_000);
    portInfo = resolveLocalPort(flags.port, loaded.config, env, stateDir);
    if (flags.url !== undefined) checkUrl(flags.url, 'cli --url', loaded.path, env);
  } catch (err) {
    if (err instanceof CliError || err instanceof InvalidPortError || err instanceof TargetError) throw commandFailed(err.message, 'correct the value named above and run farclaw gateway status again');
    throw err;
  }
  const gw = loaded.config.gateway ?? {};
  const bindMode: BindMode = gw.bind ?? 'loopback';
  const bind = resolveBind(bindMode, gw.customBindHost, env);
  const probeUrl = flags.url ?? localUrl(loaded, portInfo.port);
  let creds: { token?: string; password?: string } = {};
  let authWarning: string | null = null;
  if (flags.token !== undefined || flags.password !== undefined) {
    creds = { ...(flags.token !== undefined ? { token: flags.token } : {}), ...(flags.password !== undefined ? { password: flags.password } : {}) };
  } else if (flags.url === undefined) {
    try {
      creds = probeCredentials('local', loaded, env, stateDir);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      authWarning = err.message;
    }
  }
  const requireRpc = flags.requireRpc === true;
  const [probe, portStatus] = await Promise.all([
    flags.probe === false
      ? Promise.resolve(null)
      : probeGateway({
          url: probeUrl, ...creds, timeoutMs, detail: requireRpc ? 'status' : 'none', version: farclawVersion(),
          tlsPin: flags.url === undefined ? probeTlsPin(probeUrl, 'local loopback', loaded, stateDir) : undefined,
          ...(requireRpc ? { client: { id: 'gateway-client' as const, mode: 'backend' as const, displayName: 'gateway:status' } } : {}),
        }),
    checkLocalPort(portInfo.port, Math.min(timeoutMs, 1500)),
  ]);
  const facts: StatusFacts = {
    loaded, logFile: join(resolvePaths(env).logDir, 'gateway.log'), bindMode, bindHost: bind.resolvedHost,
    port: portInfo.port, portSource: portInfo.source, probeUrl, viaUrl: flags.url !== undefined, portStatus, probe, requireRpc, authWarning,
    tailscale: { mode: loaded.config.gateway?.tailscale?.mode ?? 'off', state: readExposureState(stateDir) },
  };
  if (flags.json) process.stdout.write(JSON.stringify(statusJson(facts), null, 2) + '\n');
  else printHuman(facts, flags.deep === true);
  return requireRpc && probe?.ok !== true ? 1 : 0;
}
