import { GatewayClient, RequestError, TransportError } from '../../client/gateway-client.js';
import { buildConnectParams } from '../../client/frames.js';
import { localPort, localUrl, probeCredentials, resolveTarget, TargetError, type Target, type UrlSource } from '../target.js';
import { ConfigError, type LoadedConfig } from '../../infra/config.js';
import { controlUiSettingsOf, dashboardUrlOf } from '../../infra/control-ui-settings.js';
import { readEnv } from '../../infra/env.js';
import type { TlsPin } from '../../infra/tls-pin.js';
import { farclawVersion } from '../../infra/version.js';
import type { PresenceEntry } from '../../protocol/schema/snapshot.js';
import { CliError, DOCTOR_FIX, formatFailure } from '../cli-error.js';
import { probeGateway } from '../probe/probe-gateway.js';
import { gatewaySelf } from '../probe/probe-report.js';
import { loadCliConfig, openTarget, parseTimeout, scopesFor } from '../rpc.js';
import { describeExposure, readExposureState } from '../../gateway/tailscale/exposure-state.js';
import type { SshRoute } from '../../tunnel/route.js';
import { renderStatus, type GatewayView, type StatusReport } from './status-render.js';
import { audit } from './security-audit.js';
import { bySeverity, summarize } from '../audit/findings.js';
import { diagnose } from '../doctor/doctor.js';
import { reachGateway, reachReason, type ReachFailure } from '../doctor/reach.js';

const isReachFailure = (x: unknown): x is ReachFailure => typeof x === 'object' && x !== null && (x as ReachFailure).ok === false && 'kind' in x;

/** `status` flags as commander hands them over. */
export interface StatusFlags {
  json?: boolean;
  deep?: boolean;
  all?: boolean;
  timeout?: string;
}

/** Where `status` points and why it may not connect at all (misconfigured or refused target). */
interface StatusTarget {
  mode: 'local' | 'remote';
  url: string;
  urlSource: UrlSource;
  misconfigured: boolean;
  /** Credentials for the backend connection (7.2 call view). */
  call: { token?: string; password?: string };
  /** Credentials for the probe connection (7.2 stricter probe view). */
  probe: { token?: string; password?: string };
  /** A reason not to connect (plaintext policy, env URL without env credentials…). */
  refusal: string | null;
  authWarning: string | null;
  /** Reached through SSH: the tunnel is opened (or the managed one found) before connecting. */
  ssh?: SshRoute;
  /** The certificate pin for a wss:// target (8.3: configured, or the local certificate). */
  tlsPin?: TlsPin;
}

const pickCreds = (t: { token?: string | undefined; password?: string | undefined }) => ({
  ...(t.token !== undefined ? { token: t.token } : {}),
  ...(t.password !== undefined ? { password: t.password } : {}),
});

function probeView(kind: 'remote' | 'local', loaded: LoadedConfig, env: NodeJS.ProcessEnv, stateDir: string): { creds: StatusTarget['probe']; warning: string | null } {
  try {
    return { creds: probeCredentials(kind, loaded, env, stateDir), warning: null };
  } catch (err) {
    if (err instanceof ConfigError) return { creds: {}, warning: err.message };
    throw err;
  }
}

/** The `https://<name>.ts.net/` URL this machine's gateway serves right now, if any. */
export function servedTailnetUrl(stateDir: string): string | undefined {
  const st = readExposureState(stateDir);
  return st?.isClaimRunning ? st.record.url : undefined;
}

/** Where the Control UI is (without the token: `farclaw dashboard` prints that link). */
function dashboardRow(t: StatusTarget, loaded: LoadedConfig, stateDir: string): string {
  if (t.ssh) return 'through the SSH tunnel: run `farclaw dashboard`';
  if (t.mode === 'remote') return `${dashboardUrlOf(t.url, '')} (\`farclaw dashboard\` prints it with the token)`;
  try {
    const ui = controlUiSettingsOf(loaded.config.gateway);
    if (!ui.enabled) return 'disabled (gateway.controlUi.enabled: false)';
    const local = `${dashboardUrlOf(t.url, ui.basePath)} (\`farclaw dashboard\` prints it with the token)`;
    const tailnet = servedTailnetUrl(stateDir);
    return tailnet ? `${new URL(`${ui.basePath}/`, tailnet).toString()} on the tailnet · ${local}` : local;
  } catch (err) {
    return `misconfigured: ${(err as Error).message}`;
  }
}

function resolveStatusTarget(loaded: LoadedConfig, env: NodeJS.ProcessEnv, stateDir: string): StatusTarget {
  const gw = loaded.config.gateway ?? {};
  const mode = gw.mode === 'remote' ? 'remote' : 'local';
  let target: Target;
  try {
    target = resolveTarget({}, loaded, env, stateDir);
  } catch (err) {
    if (!(err instanceof TargetError) && !(err instanceof ConfigError)) throw err;
    const local = localUrl(loaded, localPort({}, loaded, env));
    if (err.message.startsWith('gateway remote mode misconfigured')) {
      // 7.1 source label "missing gateway.remote.url (fallback local)": look at the local gateway.
      const view = probeView('local', loaded, env, stateDir);
      return { mode, url: local, urlSource: 'missing gateway.remote.url (fallback local)', misconfigured: true, call: view.creds, probe: view.creds, refusal: null, authWarning: view.warning };
    }
    const envUrl = readEnv('GATEWAY_URL', env);
    const [url, urlSource]: [string, UrlSource] =
      envUrl !== undefined ? [envUrl, 'env FARCLAW_GATEWAY_URL'] : mode === 'remote' && gw.remote?.url ? [gw.remote.url, 'config gateway.remote.url'] : [local, 'local loopback'];
    const reason = err.message.split('\n')[0] ?? err.message;
    return { mode, url, urlSource, misconfigured: false, call: {}, probe: {}, refusal: reason, authWarning: err instanceof ConfigError ? reason : null };
  }
  const kind = target.urlSource === 'config gateway.remote.url' || target.ssh ? 'remote' : target.urlSource === 'local loopback' ? 'local' : undefined;
  const view = kind ? probeView(kind, loaded, env, stateDir) : { creds: pickCreds(target), warning: null };
  return {
    mode, url: target.url, urlSource: target.urlSource, misconfigured: false, call: pickCreds(target), probe: view.creds, refusal: null, authWarning: view.warning,
    ...(target.ssh ? { ssh: target.ssh } : {}),
    ...(target.tlsPin ? { tlsPin: target.tlsPin } : {}),
  };
}

/** What the backend connection (`gateway-client/backend`, `gateway:status`) read. */
interface BackendRead {
  connected: boolean;
  latencyMs: number | null;
  /** The refused connect (a `ReachFailure`), or the failed `status` read. */
  error: unknown;
  status: Record<string, unknown> | null;
  presence: PresenceEntry[] | null;
}

/** The `status` and `system-presence` reads both ways of `status` make, on a connection they hold. */
const readStatusAndPresence = (gc: GatewayClient, flags: StatusFlags, timeoutMs: number) =>
  Promise.allSettled([
    gc.request('status', { includeChannelSummary: false, ...(flags.json ? { includeCliProjection: true } : {}) }, timeoutMs),
    gc.request('system-presence', {}, timeoutMs),
  ]);

async function readBackend(t: StatusTarget, flags: StatusFlags, timeoutMs: number): Promise<BackendRead> {
  const read: BackendRead = { connected: false, latencyMs: null, error: null, status: null, presence: null };
  const params = buildConnectParams({
    clientId: 'gateway-client', mode: 'backend', displayName: 'gateway:status', version: farclawVersion(), scopes: scopesFor('status'), ...t.call,
  });
  const reach = await reachGateway({ url: t.url, params, timeoutMs, tlsPin: t.tlsPin });
  if (!reach.ok) {
    read.error = reach;
    return read;
  }
  try {
    read.connected = true;
    read.latencyMs = reach.latencyMs;
    const [status, presence] = await readStatusAndPresence(reach.client, flags, timeoutMs);
    if (status.status === 'fulfilled') read.status = status.value as Record<string, unknown>;
    else read.error = status.reason;
    if (presence.status === 'fulfilled' && Array.isArray(presence.value)) read.presence = presence.value as PresenceEntry[];
  } finally {
    await reach.client.close();
  }
  return read;
}

/** The one-line reason of a failure (`connect ECONNREFUSED 127.0.0.1:1`, the refusal message…). */
function reasonOf(err: unknown): string {
  if (isReachFailure(err)) return reachReason(err);
  if (err instanceof RequestError) return err.shape.message;
  if (err instanceof TransportError) return err.kind === 'timeout' ? err.message : (err.reason ?? err.message);
  return err instanceof Error ? err.message : String(err);
}

function errorJson(failure: unknown, reason: string): Record<string, unknown> {
  const err = isReachFailure(failure) ? failure.error : failure;
  if (err instanceof RequestError) return { type: 'gateway_request_error', code: err.shape.code, message: reason, ...(err.shape.details !== undefined ? { details: err.shape.details } : {}) };
  if (err instanceof TransportError) return { type: 'gateway_transport_error', kind: err.kind, message: reason };
  return { type: 'cli_error', message: reason };
}

/**
 * `farclaw status` (remote-access.md 13.2): a probe connection (`cli/probe`, presence) and a
 * backend connection (`status`) to the configured gateway; `--deep` instead runs the doctor's
 * hops and reads over the doctor's connection. Exit 0 even when the gateway is unreachable or
 * refuses us; `--deep` exits 1 then.
 */
export async function runStatus(flags: StatusFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const timeoutMs = parseTimeout(flags.timeout, 60_000);
  const { loaded, stateDir } = loadCliConfig(env);
  const t = resolveStatusTarget(loaded, env, stateDir);
  if (flags.deep) return await deepStatus(t, flags, timeoutMs, loaded, stateDir, env);
  let release = async (): Promise<void> => undefined;
  if (t.ssh && !t.refusal) {
    try {
      const opened = await openTarget({ url: t.url, urlSource: t.urlSource, mode: t.mode, ...t.call, ssh: t.ssh }, env, timeoutMs);
      t.url = opened.target.url;
      release = opened.close;
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      t.refusal = err.message.split('\n')[0] ?? err.message;
    }
  }
  try {
    return await statusOn(t, flags, timeoutMs, loaded, stateDir);
  } finally {
    await release();
  }
}

async function statusOn(t: StatusTarget, flags: StatusFlags, timeoutMs: number, loaded: LoadedConfig, stateDir: string): Promise<number> {
  const [probe, backend] = t.refusal
    ? [null, null]
    : await Promise.all([
        probeGateway({
          url: t.url, ...t.probe, tlsPin: t.tlsPin, timeoutMs, detail: 'presence', version: farclawVersion(),
          client: { id: 'cli', mode: 'probe' },
        }),
        readBackend(t, flags, timeoutMs),
      ]);
  const reachable = probe?.connected === true || backend?.connected === true;
  const failure: unknown = backend && !backend.connected ? backend.error : null;
  const backendReason = failure ? reasonOf(failure) : null;
  const probeReason = probe && !probe.connected ? probe.error : null;
  const reason = t.refusal ?? (reachable ? backendReason : (probeReason ?? backendReason));
  // The table says what failed; stderr gets only the way forward, after it.
  const hint = !reachable || failure
    ? 'Fix: farclaw doctor checks each hop to this gateway and prints the command that fixes the first broken one.'
    : backend?.error ? `The status read failed: ${reasonOf(backend.error)}. Fix: farclaw doctor` : null;
  const presence = probe?.presence ?? backend?.presence ?? null;
  const gateway: GatewayView = {
    mode: t.mode, url: t.url, urlSource: t.urlSource, misconfigured: t.misconfigured, reachable,
    connectLatencyMs: probe?.connected ? probe.connectLatencyMs : (backend?.latencyMs ?? null),
    self: gatewaySelf(presence), error: reachable ? null : reason,
    authWarning: t.authWarning ?? (t.call.token === undefined && t.call.password === undefined && !reachable ? 'no gateway token or password is configured for this target' : null),
  };
  const report: StatusReport = { ...baseReport(t, gateway, loaded, stateDir), status: backend?.status ?? null, health: null, presence };
  process.stdout.write(renderStatus(report, flags) + '\n');
  if (hint && !flags.json) process.stderr.write(hint + '\n');
  return 0;
}

/** The report rows every form of `status` fills the same way from its target. */
function baseReport(t: StatusTarget, gateway: GatewayView, loaded: LoadedConfig, stateDir: string): Omit<StatusReport, 'status' | 'health' | 'presence'> {
  return {
    gateway,
    authKind: t.call.token !== undefined ? 'token' : t.call.password !== undefined ? 'password' : 'none',
    configPath: loaded.path,
    tailscaleMode: t.mode === 'local' && !t.ssh
      ? describeExposure(readExposureState(stateDir), loaded.config.gateway?.tailscale?.mode ?? 'off')
      : (loaded.config.gateway?.tailscale?.mode ?? 'off'),
    dashboard: dashboardRow(t, loaded, stateDir),
  };
}

/**
 * `status --deep`: the doctor's hops to the gateway commands would use, then the status and
 * presence reads over the doctor's own authenticated connection. Exit 1, with the first broken
 * hop and its fix, when the gateway cannot be reached or authenticated (13.2).
 */
async function deepStatus(
  t: StatusTarget, flags: StatusFlags, timeoutMs: number, loaded: LoadedConfig, stateDir: string, env: NodeJS.ProcessEnv,
): Promise<number> {
  let status: Record<string, unknown> | null = null;
  let presence: PresenceEntry[] | null = null;
  let readError: unknown = null;
  const { report: doctor, ctx } = await diagnose(env, Math.min(timeoutMs, 10_000), {
    async whileConnected({ client }) {
      const [s, p] = await readStatusAndPresence(client, flags, timeoutMs);
      if (s.status === 'fulfilled') status = s.value as Record<string, unknown>;
      else readError = s.reason;
      if (p.status === 'fulfilled' && Array.isArray(p.value)) presence = p.value as PresenceEntry[];
    },
  });
  const url = ctx.dialUrl ?? t.url;
  if (ctx.connectLatencyMs === undefined) {
    const broken = doctor.hops.find((h) => !h.ok);
    const failure = ctx.reachFailure;
    const why = failure ? reachReason(failure) : (broken?.error ?? broken?.detail ?? 'gateway unreachable');
    const report = formatFailure({
      failed: `Status check failed: ${why}`,
      ...(broken ? { why: `the first broken hop is ${broken.title}: ${broken.detail}` } : {}),
      fix: broken?.fix ?? DOCTOR_FIX,
      context: [`Gateway target: ${url}`, `Source: ${t.urlSource}`],
    });
    throw new CliError(report, 1, { ...errorJson(failure ?? null, why), gateway: { url, urlSource: t.urlSource } });
  }
  const gateway: GatewayView = {
    mode: t.mode, url, urlSource: t.urlSource, misconfigured: t.misconfigured, reachable: true,
    connectLatencyMs: ctx.connectLatencyMs, self: gatewaySelf(presence), error: null, authWarning: t.authWarning,
  };
  const findings = audit(loaded, stateDir, env);
  const report: StatusReport = {
    ...baseReport(t, gateway, loaded, stateDir), status, health: ctx.health ?? null, presence,
    audit: { summary: summarize(findings), findings: bySeverity(findings) }, doctor,
  };
  process.stdout.write(renderStatus(report, flags) + '\n');
  if (readError && !flags.json) process.stderr.write(`The status read failed: ${reasonOf(readError)}. Fix: farclaw doctor\n`);
  return 0;
}
