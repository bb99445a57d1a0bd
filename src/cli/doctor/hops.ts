import { lookup } from 'node:dns/promises';
import { connect as tcpConnect, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { isLoopbackUrl } from '../../client/device-auth.js';
import { buildConnectParams } from '../../client/frames.js';
import { RequestError, TransportError } from '../../client/gateway-client.js';
import { resolveTarget, TargetError } from '../target.js';
import { ConfigError, loadConfig } from '../../infra/config.js';
import { describeUnknownKey, unknownConfigKeys } from '../../infra/config-keys.js';
import { ConfigSchema } from '../../infra/config-schema.js';
import { displayPath, resolvePaths } from '../../infra/paths.js';
import { PIN_MISMATCH, pinMatches, pinsOf } from '../../infra/tls-pin.js';
import { farclawVersion } from '../../infra/version.js';
import { Scope } from '../../protocol/scopes.js';
import { openSshRoute, TunnelOpenError } from '../../tunnel/open-route.js';
import { fail, onGatewayHost, pass, type DoctorContext, type DoctorHop, type HopOutcome } from './hop.js';
import { channelsHop, modelsHop } from './gateway-hops.js';
import { reachGateway, reachReason, type ReachFailure } from './reach.js';

const hostPort = (url: string): { host: string; port: number } => {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || (u.protocol === 'wss:' ? 443 : 80)) };
};

const configHop: DoctorHop = {
  id: 'config',
  title: 'config',
  async run(ctx) {
    const path = resolvePaths(ctx.env).configPath;
    try {
      ctx.loaded = loadConfig(path);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return fail(err.message, `edit ${displayPath(path, ctx.env)} (or move it away to run on embedded defaults)`);
    }
    if (!ctx.loaded.exists) return pass(`${displayPath(path, ctx.env)} not found: embedded defaults`);
    const unknown = unknownConfigKeys(ctx.loaded.config, ConfigSchema).map(describeUnknownKey);
    return pass(`${displayPath(path, ctx.env)} parses`, unknown);
  },
};

const targetHop: DoctorHop = {
  id: 'target',
  title: 'target',
  async run(ctx) {
    if (!ctx.loaded) throw new Error('unreachable: config hop passed without a config');
    try {
      ctx.target = resolveTarget({}, ctx.loaded, ctx.env, ctx.stateDir);
    } catch (err) {
      if (!(err instanceof TargetError) && !(err instanceof ConfigError)) throw err;
      const [what, ...rest] = err.message.split('\n');
      const fix = rest.find((l) => l.startsWith('Fix: '))?.slice(5) ?? `edit gateway.* in ${displayPath(ctx.loaded.path, ctx.env)}`;
      return fail(what ?? err.message, fix);
    }
    ctx.dialUrl = ctx.target.url;
    const t = ctx.target;
    const via = t.ssh ? `through SSH to ${t.ssh.target.text}` : t.url;
    return pass(`${via} (${t.urlSource}), ${t.mode} mode`);
  },
};

const dnsHop: DoctorHop = {
  id: 'dns',
  title: 'DNS',
  applies: (ctx) => {
    const host = ctx.target?.ssh ? ctx.target.ssh.target.host : ctx.target ? hostPort(ctx.target.url).host : '';
    return isIP(host) === 0 && host !== 'localhost';
  },
  async run(ctx) {
    const host = ctx.target?.ssh ? ctx.target.ssh.target.host : hostPort(ctx.target?.url ?? '').host;
    try {
      const { address } = await lookup(host);
      return pass(`${host} is ${address}`);
    } catch (err) {
      return fail(`${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 'check the host name in gateway.remote.url (or gateway.remote.sshTarget)');
    }
  },
};

const sshHop: DoctorHop = {
  id: 'ssh',
  title: 'SSH tunnel',
  applies: (ctx) => ctx.target?.ssh !== undefined,
  async run(ctx) {
    const t = ctx.target;
    if (!t?.ssh) throw new Error('unreachable: ssh hop without an SSH route');
    try {
      const lease = await openSshRoute(t.ssh, { credentials: t, stateDir: ctx.stateDir, env: ctx.env, timeoutMs: ctx.timeoutMs });
      ctx.cleanups.push(lease.close);
      ctx.dialUrl = lease.url;
      return pass(`${lease.kind === 'managed' ? 'managed tunnel' : 'tunnel opened'} to ${t.ssh.target.text}, local end ${lease.url}`);
    } catch (err) {
      if (!(err instanceof TunnelOpenError)) throw err;
      const lines = err.message.split('\n');
      const fixLine = lines.find((l) => l.startsWith('Fix: '));
      const why = lines.filter((l) => !l.startsWith('Fix: ') && !l.startsWith('then ')).join('; ');
      const fix = fixLine
        ? fixLine.slice(5) + (lines.find((l) => l.startsWith('then ')) ? ` ${lines.find((l) => l.startsWith('then '))}` : '')
        : /Connection refused|closed by remote|Connection reset|timed out/i.test(err.message)
          ? `start sshd on the gateway host, then check with: ssh -p ${t.ssh.target.port} ${t.ssh.target.text.replace(/:\d+$/, '')} true`
          : `check gateway.remote.sshTarget, then try: ssh -p ${t.ssh.target.port} ${t.ssh.target.text.replace(/:\d+$/, '')} true`;
      return fail(`SSH to ${t.ssh.target.text} failed: ${why}`, fix);
    }
  },
};

const tcpHop: DoctorHop = {
  id: 'tcp',
  title: 'TCP',
  async run(ctx) {
    const { host, port } = hostPort(ctx.dialUrl ?? '');
    const outcome = await new Promise<string | null>((resolve) => {
      const socket = tcpConnect({ host, port });
      const done = (r: string | null) => {
        socket.destroy();
        resolve(r);
      };
      socket.setTimeout(ctx.timeoutMs, () => done('no answer (timeout)'));
      socket.once('connect', () => done(null));
      socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    });
    if (outcome === null) return pass(`${host}:${port} accepts connections`);
    const local = ctx.target?.mode === 'local';
    const fix = local
      ? `farclaw gateway run --port ${port}   (or farclaw gateway start, if installed as a service)`
      : ctx.target?.ssh
        ? onGatewayHost(ctx, `farclaw gateway run (the tunnel reaches port ${ctx.target.ssh.remotePort} there)`)
        : `check the port in gateway.remote.url; ${onGatewayHost(ctx, 'farclaw gateway status')}`;
    return fail(`nothing answers at ${host}:${port} (${outcome})`, fix, outcome.startsWith('E') ? `connect ${outcome} ${host}:${port}` : outcome);
  },
};

const tlsHop: DoctorHop = {
  id: 'tls',
  title: 'TLS',
  applies: (ctx) => (ctx.dialUrl ?? '').startsWith('wss://'),
  async run(ctx) {
    const { host, port } = hostPort(ctx.dialUrl ?? '');
    const pin = ctx.target?.tlsPin;
    const seen = await new Promise<{ cert?: import('node:crypto').X509Certificate; authorized: boolean; error?: string }>((resolve) => {
      const socket = tlsConnect({ host, port, servername: isIP(host) ? '' : host, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
      socket.setTimeout(ctx.timeoutMs, () => {
        socket.destroy();
        resolve({ authorized: false, error: 'handshake timeout' });
      });
      socket.once('secureConnect', () => {
        const cert = socket.getPeerX509Certificate();
        const authorized = socket.authorized;
        const error = socket.authorizationError ? String(socket.authorizationError) : undefined;
        socket.destroy();
        resolve({ ...(cert ? { cert } : {}), authorized, ...(error ? { error } : {}) });
      });
      socket.once('error', (err) => resolve({ authorized: false, error: err.message }));
    });
    if (!seen.cert) return fail(`TLS handshake with ${host}:${port} failed (${seen.error ?? 'no certificate'})`, `check that the gateway serves TLS (gateway.tls.enabled), or use ws:// in gateway.remote.url`);
    const pins = pinsOf(seen.cert);
    if (pin) {
      if (pinMatches(pin, seen.cert)) return pass(`certificate matches the ${pin.kind === 'spki' ? 'key' : 'leaf'} pin`);
      return fail(
        `${PIN_MISMATCH}: the gateway presents ${pins.leaf} (key pin ${pins.spki})`,
        `if the gateway's certificate changed on purpose, set gateway.remote.tlsFingerprint to "${pins.spki}" (check it on the gateway host: its start log prints both pins)`,
        PIN_MISMATCH,
      );
    }
    if (seen.authorized) return pass('certificate is valid for this host (CA-signed)');
    return fail(`certificate not trusted (${seen.error ?? 'unknown'})`, `pin it: set gateway.remote.tlsFingerprint to "${pins.spki}" after checking it on the gateway host`);
  },
};

const authHop: DoctorHop = {
  id: 'auth',
  title: 'auth',
  async run(ctx) {
    const t = ctx.target;
    const url = ctx.dialUrl;
    if (!t || !url) throw new Error('unreachable: auth hop without a target');
    const params = buildConnectParams({ clientId: 'cli', mode: 'cli', version: farclawVersion(), scopes: [Scope.READ], token: t.token, password: t.password });
    const reach = await reachGateway({ url, params, timeoutMs: ctx.timeoutMs, tlsPin: t.tlsPin, device: { url: t.url, stateDir: ctx.stateDir } });
    if (reach.ok) {
      ctx.client = reach.client;
      ctx.scopes = reach.hello.auth.scopes;
      ctx.connectLatencyMs = reach.latencyMs;
      const how = t.token !== undefined ? 'token' : t.password !== undefined ? 'password' : 'device token';
      return pass(`accepted with the ${how}${reach.deviceId ? ` and device ${reach.deviceId.slice(0, 12)}…` : ''}`);
    }
    if (reach.kind === 'pairing') {
      // The credential was good; what is missing is an approval (next hops say which).
      const d = reach.details ?? {};
      ctx.pairingRefusal = { message: reachReason(reach), ...(d.reason ? { reason: d.reason } : {}), ...(d.requestId ? { requestId: d.requestId } : {}) };
      return pass('credentials accepted; the device needs an approval');
    }
    ctx.reachFailure = reach;
    return authFailure(ctx, reach);
  },
};

/** The detail and fix of a refused connect that is not about pairing (auth, rate limit, transport). */
function authFailure(ctx: DoctorContext, f: ReachFailure): HopOutcome {
  const remote = ctx.target?.mode === 'remote';
  const tokenKey = remote ? 'gateway.remote.token' : 'gateway.auth.token';
  const reason = reachReason(f);
  switch (f.kind) {
    case 'rate-limited': {
      const secs = Math.ceil((f.retryAfterMs ?? 0) / 1000);
      return fail(`rate limited after too many failed attempts: the gateway refuses this address for ${secs} s more`, `wait ${secs} s, and fix the credential first (${tokenKey}) so the next try succeeds`);
    }
    case 'slowed':
      return fail(reason, `fix the credential first (${tokenKey}), wait a minute, then run farclaw doctor again`);
    case 'credentials-missing':
      return fail(reason, remote ? `set ${tokenKey} (the gateway's gateway.auth.token) in your config` : 'farclaw gateway run (a local gateway writes a runtime token this CLI reads)');
    case 'auth':
      return fail(`${reason} (${f.details?.code ?? 'AUTH'})`, remote ? `set ${tokenKey} to the gateway's token (on the gateway host it is gateway.auth.token in its farclaw.json, or its FARCLAW_GATEWAY_TOKEN)` : `use the token the gateway runs with: set gateway.auth.token, or FARCLAW_GATEWAY_TOKEN`);
    case 'refused':
      return fail(f.error instanceof RequestError ? `${f.error.shape.code}: ${reason}` : reason, 'farclaw gateway status (on the gateway host) and check its log: farclaw logs');
    case 'tls':
      return fail(reason, 'set gateway.remote.tlsFingerprint to the gateway certificate\'s key pin (its start log prints it)');
    case 'upgrade':
      return fail(`the gateway refused the WebSocket upgrade: ${reason}`, 'if a proxy is in between, list it in the gateway\'s gateway.trustedProxies; a browser origin needs gateway.controlUi.allowedOrigins');
    default:
      return fail(f.error instanceof TransportError && f.error.reason ? `${f.error.message} (${f.error.reason})` : reason, 'retry; if it persists: farclaw gateway status on the gateway host');
  }
}

/** The approval fix for a refused connect, run where approvals are given. */
const approveFix = (ctx: DoctorContext): string => onGatewayHost(ctx, `farclaw devices approve ${ctx.pairingRefusal?.requestId ?? '--latest'}`);

const pairingHop: DoctorHop = {
  id: 'pairing',
  title: 'pairing',
  async run(ctx) {
    const r = ctx.pairingRefusal;
    if (r && r.reason !== 'scope-upgrade') return fail(`${r.message}${r.requestId ? ` (request ${r.requestId})` : ''}`, approveFix(ctx));
    if (r) return pass('this device is paired');
    return pass(ctx.target && !isLoopbackUrl(ctx.target.url) ? 'this device is paired' : 'loopback: no device pairing needed');
  },
};

const scopesHop: DoctorHop = {
  id: 'scopes',
  title: 'scopes',
  async run(ctx) {
    const r = ctx.pairingRefusal;
    if (r) return fail(`${r.message}: ${Scope.READ} is not approved for this device${r.requestId ? ` (request ${r.requestId})` : ''}`, approveFix(ctx));
    const scopes = ctx.scopes ?? [];
    const ok = scopes.includes(Scope.READ) || scopes.includes(Scope.WRITE) || scopes.includes(Scope.ADMIN);
    if (ok) return pass(`granted ${scopes.join(', ')}`);
    return fail(`granted ${scopes.join(', ') || 'no scopes'}, but reading status needs ${Scope.READ}`, onGatewayHost(ctx, 'farclaw devices list, then approve the scope upgrade: farclaw devices approve <requestId>'));
  },
};

const healthHop: DoctorHop = {
  id: 'health',
  title: 'gateway health',
  async run(ctx) {
    if (!ctx.client) throw new Error('unreachable: health hop without a connection');
    try {
      const h = (await ctx.client.request('health', {}, ctx.timeoutMs)) as { ok?: boolean; eventLoop?: { degraded?: boolean } };
      ctx.health = h as Record<string, unknown>;
      if (h.ok) return pass(`ok${h.eventLoop?.degraded ? ' (event loop degraded)' : ''}`);
      return fail('the gateway reports itself unhealthy', onGatewayHost(ctx, 'farclaw logs'));
    } catch (err) {
      return fail(`health failed: ${err instanceof Error ? err.message : String(err)}`, onGatewayHost(ctx, 'farclaw logs'));
    }
  },
};

/**
 * Every hop, in the order a connection meets them. Hops that ask the connected gateway about
 * what it depends on (model providers, channels) come after `health`.
 */
export const DOCTOR_HOPS: readonly DoctorHop[] = [
  configHop, targetHop, dnsHop, sshHop, tcpHop, tlsHop, authHop, pairingHop, scopesHop, healthHop, modelsHop, channelsHop,
];
