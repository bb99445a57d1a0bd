import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { remoteCreds } from '../target.js';
import { ConfigError, type LoadedConfig } from '../../infra/config.js';
import { resolvePaths } from '../../infra/paths.js';
import { isProcessAlive } from '../../infra/process-alive.js';
import { reapOrphans } from '../../tunnel/child-registry.js';
import { sshRouteFromConfig, type SshRoute } from '../../tunnel/route.js';
import { SshTargetError } from '../../tunnel/ssh-target.js';
import { readTunnelState, removeTunnelState, writeTunnelState, type ManagedTunnelState } from '../../tunnel/state.js';
import { TunnelSupervisor } from '../../tunnel/supervisor.js';
import { CliError, hasFixLine } from '../cli-error.js';
import { loadCliConfig, parseTimeout } from '../rpc.js';

export interface TunnelUpFlags {
  foreground?: boolean;
  probeInterval?: string;
  timeout?: string;
}

/** Exit code of `tunnel up --foreground` on a failure retrying cannot fix (host key, auth). */
export const EXIT_FATAL = 78;

const fail = (message: string): CliError => new CliError(message, 1, { type: 'cli_error', message });

/** The configured SSH route and the credentials its health probes use (the remote surface). */
export function routeOf(loaded: LoadedConfig, env: NodeJS.ProcessEnv): { route: SshRoute; credentials: { token?: string; password?: string } } {
  let route: SshRoute | null;
  try {
    route = sshRouteFromConfig(loaded.config, env);
  } catch (err) {
    if (err instanceof SshTargetError) throw fail(`gateway.remote.sshTarget: ${err.message}\nFix: set gateway.remote.sshTarget to "user@host[:port]" in ${loaded.path}`);
    throw err;
  }
  if (route === null) {
    throw fail(`No SSH target configured.\nFix: set gateway.remote.sshTarget ("user@host[:port]") and gateway.remote.transport: "ssh" in ${loaded.path}.`);
  }
  try {
    return { route, credentials: remoteCreds(loaded, env) };
  } catch (err) {
    if (err instanceof ConfigError) throw fail(`${err.message}\nFix: set gateway.remote.token (or the variable it names) for the remote gateway in ${loaded.path}`);
    throw err;
  }
}

const formatDuration = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
};

function describeUp(s: ManagedTunnelState | ReturnType<TunnelSupervisor['snapshot']>, remotePort: number): string {
  return `Tunnel up: ${s.url ?? '?'} → ${s.target} (gateway port ${remotePort}) · ssh pid ${s.sshPid ?? '?'}`;
}

/** `farclaw tunnel up --foreground`: runs the supervisor in this process until a signal or a fatal error. */
async function runForeground(flags: TunnelUpFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const { loaded, stateDir } = loadCliConfig(env);
  const { route, credentials } = routeOf(loaded, env);
  const running = readTunnelState(stateDir);
  if (running && running.supervisorPid !== process.pid) {
    throw fail(`A tunnel is already running (pid ${running.supervisorPid}, ${running.target}).\nFix: farclaw tunnel down (then run this again)`);
  }
  const probeIntervalMs = parseTimeout(flags.probeInterval, 10_000, '--probe-interval');
  let lastStatus = '';
  const sup = new TunnelSupervisor({
    target: route.target, remotePort: route.remotePort, preferredLocalPort: route.preferredLocalPort, identity: route.identity,
    hostKeyPolicy: route.hostKeyPolicy, configFile: route.configFile, credentials, stateDir, env, probeIntervalMs,
    onChange: (snap) => {
      writeTunnelState(stateDir, snap);
      if (snap.status !== lastStatus) {
        lastStatus = snap.status;
        const line = snap.status === 'up' ? describeUp(snap, route.remotePort) : `Tunnel ${snap.status}${snap.lastRestartReason && snap.status === 'reconnecting' ? ` (${snap.lastRestartReason})` : ''}`;
        process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      }
    },
  });
  const onSignal = (): void => void sup.stop();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
  try {
    await sup.start().catch(() => undefined);
    await sup.done;
  } finally {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, onSignal);
  }
  const end = sup.snapshot();
  if (end.status === 'failed') {
    writeTunnelState(stateDir, end);
    process.stderr.write(`Tunnel failed: ${end.lastError ?? 'unknown error'}\n`);
    removeTunnelState(stateDir);
    // 78 (EX_CONFIG): the installed service units do not restart on it (a person must act).
    return EXIT_FATAL;
  }
  removeTunnelState(stateDir);
  return 0;
}

/**
 * `farclaw tunnel up`: with `--foreground` runs the supervisor here; otherwise starts it as a
 * detached background process (log in `<state>/logs/tunnel.log`) and returns once the tunnel
 * carries a health call, or with the reason it could not.
 */
export async function runTunnelUp(flags: TunnelUpFlags, env: NodeJS.ProcessEnv): Promise<number> {
  if (flags.foreground) return await runForeground(flags, env);
  const { loaded, stateDir } = loadCliConfig(env);
  const { route } = routeOf(loaded, env);
  const running = readTunnelState(stateDir);
  if (running) {
    if (running.target !== route.target.text) throw fail(`A tunnel to ${running.target} is running (pid ${running.supervisorPid}).\nFix: farclaw tunnel down (then run this again)`);
    process.stdout.write(`Tunnel already running (pid ${running.supervisorPid}): ${running.url ?? '?'} → ${running.target}\n`);
    return 0;
  }
  const timeoutMs = parseTimeout(flags.timeout, 15_000);
  const logDir = resolvePaths(env).logDir;
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const logPath = join(logDir, 'tunnel.log');
  const log = openSync(logPath, 'a', 0o600);
  const args = [process.argv[1] ?? '', 'tunnel', 'up', '--foreground', ...(flags.probeInterval ? ['--probe-interval', flags.probeInterval] : [])];
  const child = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  const pid = child.pid ?? 0;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const state = readTunnelState(stateDir);
    if (state?.supervisorPid === pid && (state.status === 'up' || state.status === 'degraded')) {
      process.stdout.write(`${describeUp(state, route.remotePort)} · supervisor pid ${pid}${state.status === 'degraded' ? ' · no gateway answering yet' : ''}\n`);
      return 0;
    }
    if (!isProcessAlive(pid) || state?.status === 'failed' || performance.now() > deadline) {
      if (isProcessAlive(pid)) process.kill(pid, 'SIGTERM');
      const tail = readFileSync(logPath, 'utf8').split('\n').slice(-12).join('\n').trim();
      const why = state?.lastError ?? (tail || 'no output');
      const fix = `farclaw doctor (its SSH hop names what to fix), or watch the tunnel try: farclaw tunnel up --foreground`;
      throw fail(`Tunnel to ${route.target.text} did not come up${performance.now() > deadline ? ` within ${timeoutMs}ms` : ''}.\n${why}${hasFixLine(why) ? '' : `\nFix: ${fix}`}\nLog: ${logPath}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `farclaw tunnel down`: stops the managed tunnel and reaps any ssh a crashed one left. */
export async function runTunnelDown(env: NodeJS.ProcessEnv): Promise<number> {
  const { stateDir } = loadCliConfig(env);
  const state = readTunnelState(stateDir);
  const reaped = reapOrphans(stateDir);
  if (!state) {
    process.stdout.write(reaped.length > 0 ? `No tunnel was running; killed ${reaped.length} leftover ssh process(es).\n` : 'No tunnel is running.\n');
    return 0;
  }
  process.kill(state.supervisorPid, 'SIGTERM');
  const deadline = performance.now() + 5000;
  while (isProcessAlive(state.supervisorPid) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (isProcessAlive(state.supervisorPid)) process.kill(state.supervisorPid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 25));
  reapOrphans(stateDir);
  readTunnelState(stateDir);
  process.stdout.write(`Tunnel to ${state.target} stopped.\n`);
  return 0;
}

/** `farclaw tunnel status [--json]`: what the managed tunnel is doing. Exit 0 either way. */
export async function runTunnelStatus(flags: { json?: boolean }, env: NodeJS.ProcessEnv): Promise<number> {
  const { stateDir } = loadCliConfig(env);
  const s = readTunnelState(stateDir);
  const now = Date.now();
  if (flags.json) {
    const out = s
      ? {
          running: true, status: s.status, target: s.target, effective: s.effective, url: s.url, localPort: s.localPort, remotePort: s.remotePort,
          pid: s.supervisorPid, sshPid: s.sshPid, startedAt: s.startedAt, uptimeMs: s.upSince !== null ? now - s.upSince : null,
          lastProbe: s.lastProbe, restarts: s.restarts, lastRestartReason: s.lastRestartReason, lastError: s.lastError,
        }
      : { running: false };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return 0;
  }
  if (!s) {
    process.stdout.write('Tunnel: not running (start it with: farclaw tunnel up)\n');
    return 0;
  }
  const probe = s.lastProbe;
  const lines = [
    `Tunnel: ${s.status}`,
    `Target: ${s.target}${s.effective ? ` (connects as ${s.effective.user ?? '?'}@${s.effective.hostname}:${s.effective.port})` : ''}`,
    `Local: ${s.url ?? 'none'} → 127.0.0.1:${s.remotePort} on the SSH host`,
    `PID: ${s.supervisorPid} (ssh ${s.sshPid ?? 'none'})`,
    `Uptime: ${s.upSince !== null ? formatDuration(now - s.upSince) : 'down'}`,
    `Last probe: ${probe ? `${probe.ok ? 'ok' : 'failed'}${probe.latencyMs !== null ? ` (${probe.latencyMs}ms)` : ''}${probe.error ? ` - ${probe.error}` : ''}, ${formatDuration(now - probe.at)} ago` : 'none yet'}`,
    `Restarts: ${s.restarts}${s.lastRestartReason ? ` (last: ${s.lastRestartReason})` : ''}`,
  ];
  if (s.lastError && s.status !== 'up') lines.push(`Last error: ${s.lastError}`);
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
