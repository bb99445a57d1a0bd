import type { ChildProcess } from 'node:child_process';
import { killRegistered, reapOrphans, spawnRegistered } from './child-registry.js';
import { probeHealth, type ProbeOutcome } from './health-probe.js';
import { chooseLocalPort } from './local-port.js';
import { classifySshExit, type SshFailure } from './ssh-failure.js';
import { expandTarget, findTrustedSsh, tunnelArgs, type EffectiveTarget, type HostKeyPolicy } from './ssh-command.js';
import type { SshTarget } from './ssh-target.js';
import { watchForWake, type WakeReason } from './wake-watch.js';

/** `up`: health answered; `degraded`: ssh forwards but no gateway answers behind it. */
export type TunnelStatus = 'starting' | 'up' | 'degraded' | 'reconnecting' | 'failed' | 'stopped';

/** What `tunnel status` shows and the state file holds. */
export interface TunnelSnapshot {
  status: TunnelStatus;
  target: string;
  effective: { user: string | null; hostname: string; port: number } | null;
  localPort: number | null;
  remotePort: number;
  url: string | null;
  sshPid: number | null;
  startedAt: number;
  upSince: number | null;
  restarts: number;
  lastProbe: { ok: boolean; latencyMs: number | null; at: number; error: string | null } | null;
  lastRestartReason: string | null;
  lastError: string | null;
}

export interface TunnelOptions {
  target: SshTarget;
  remotePort: number;
  /** Local port to try first (default: `remotePort`); a taken port falls back to a free one. */
  preferredLocalPort?: number | undefined;
  identity?: string | undefined;
  hostKeyPolicy: HostKeyPolicy;
  /** ssh_config for `-F` (FARCLAW_SSH_CONFIG). */
  configFile?: string | undefined;
  /** Credentials for the health probes (the remote credential surface). */
  credentials: { token?: string | undefined; password?: string | undefined };
  stateDir: string;
  env: NodeJS.ProcessEnv;
  /** Liveness probe period [10000]. */
  probeIntervalMs?: number;
  /** One probe's budget [5000]. */
  probeTimeoutMs?: number;
  /** How long a fresh ssh may take to carry a health call [10000]. */
  readyTimeoutMs?: number;
  /** Restart backoff: first delay and cap [250, 1000]. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Probe timeouts in a row that mean the path is dead [2]. */
  maxProbeTimeouts?: number;
  /** Give up when the first ssh exits before it carried a call (a probe's or one command's try; a local port race is retried) [false]. */
  isSingleAttempt?: boolean;
  /** Called after every state change. */
  onChange?: (snapshot: TunnelSnapshot) => void;
}

/** The tunnel cannot work without a person (host key, auth, config): never retried. */
export class FatalTunnelError extends Error {
  constructor(message: string, readonly kind: SshFailure['kind'] | 'ssh-missing') {
    super(message);
    this.name = 'FatalTunnelError';
  }
}

/** How one ssh process ended. */
type RunEnd =
  | { kind: 'exit'; failure: SshFailure; wasUp: boolean }
  | { kind: 'restart'; reason: string; wasUp: boolean }
  | { kind: 'stop' };

const READY_POLL_MS = 50;
/** Probe period while no gateway answers behind a working tunnel, so its return is seen soon. */
const DEGRADED_PROBE_MS = 500;

/**
 * Keeps one `ssh -N -L` tunnel up: spawns the system ssh (trusted directories only), declares it
 * ready when a gateway `health` call through it succeeds, probes it periodically, and restarts it
 * with capped backoff when ssh exits, the probes time out (stopped ssh, dead TCP path) or the host
 * wakes from sleep. Host-key, auth and config failures stop it for good (FatalTunnelError).
 */
export class TunnelSupervisor {
  private readonly o: Required<Omit<TunnelOptions, 'preferredLocalPort' | 'identity' | 'configFile' | 'onChange' | 'isSingleAttempt'>> & TunnelOptions;
  private snap: TunnelSnapshot;
  private child: ChildProcess | undefined;
  private isStopping = false;
  /** Wakes whatever the loop is waiting on (sleep, probe interval). */
  private interrupt: ((reason: string) => void) | undefined;
  private pendingRestart: string | undefined;
  private firstUp: { resolve(s: TunnelSnapshot): void; reject(e: Error): void } | undefined;
  private readonly firstUpPromise: Promise<TunnelSnapshot>;
  /** Settles when the supervisor has stopped (after stop() or a fatal error). */
  readonly done: Promise<void>;
  private markDone!: () => void;

  constructor(opts: TunnelOptions) {
    this.o = {
      probeIntervalMs: 10_000, probeTimeoutMs: 5000, readyTimeoutMs: 10_000, backoffBaseMs: 250, backoffCapMs: 1000, maxProbeTimeouts: 2,
      ...opts,
    };
    this.snap = {
      status: 'starting', target: opts.target.text, effective: null, localPort: null, remotePort: opts.remotePort, url: null, sshPid: null,
      startedAt: Date.now(), upSince: null, restarts: 0, lastProbe: null, lastRestartReason: null, lastError: null,
    };
    this.firstUpPromise = new Promise((resolve, reject) => (this.firstUp = { resolve, reject }));
    this.firstUpPromise.catch(() => undefined);
    this.done = new Promise((r) => (this.markDone = r));
  }

  snapshot(): TunnelSnapshot {
    return { ...this.snap };
  }

  /** Starts the loop; resolves once the tunnel first carries a call (up or degraded), rejects on a fatal error or stop. */
  async start(): Promise<TunnelSnapshot> {
    void this.run().finally(() => this.markDone());
    return await this.firstUpPromise;
  }

  /** Stops probing, kills ssh (its whole process group) and waits for the loop to end. Idempotent. */
  async stop(): Promise<void> {
    this.isStopping = true;
    if (this.child) killRegistered(this.child);
    this.interrupt?.('stop');
    this.firstUp?.reject(new Error('tunnel stopped'));
    await this.done;
  }

  private update(patch: Partial<TunnelSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    this.o.onChange?.(this.snapshot());
  }

  /** Sleeps `ms` unless interrupted (stop, wake, ssh exit); resolves with the interrupt reason. */
  private async pause(ms: number): Promise<string | undefined> {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.interrupt = undefined;
        resolve(undefined);
      }, ms);
      this.interrupt = (reason) => {
        clearTimeout(timer);
        this.interrupt = undefined;
        resolve(reason);
      };
    });
  }

  private onWake(reason: WakeReason): void {
    if (!this.child) return;
    this.pendingRestart = reason;
    this.interrupt?.(reason);
  }

  private async run(): Promise<void> {
    const stopWatch = watchForWake((r) => this.onWake(r));
    try {
      reapOrphans(this.o.stateDir);
      let ssh: string;
      try {
        ssh = findTrustedSsh();
      } catch (err) {
        throw new FatalTunnelError((err as Error).message, 'ssh-missing');
      }
      const eff: EffectiveTarget = await expandTarget(ssh, this.o.target, this.o.identity, this.o.configFile);
      this.update({ effective: { user: eff.user ?? null, hostname: eff.hostname, port: eff.port } });
      let failures = 0;
      let portHint: number | undefined = this.o.preferredLocalPort ?? this.o.remotePort;
      while (!this.isStopping) {
        const localPort = await chooseLocalPort(portHint);
        portHint = localPort;
        const end = await this.runOnce(ssh, localPort, eff);
        if (end.kind === 'stop' || this.isStopping) break;
        let delayMs: number;
        if (end.kind === 'exit') {
          if (end.failure.isFatal) throw new FatalTunnelError(end.failure.message, end.failure.kind);
          // A port race is ours to retry; any other end before the first `up` is the answer.
          if (this.o.isSingleAttempt && !end.wasUp && end.failure.kind !== 'forward') throw new Error(end.failure.message);
          this.update({ lastError: end.failure.message });
          // The port was taken between our check and ssh's bind: take any free one next time.
          if (end.failure.kind === 'forward') portHint = undefined;
        }
        if (end.wasUp || (end.kind === 'restart' && end.reason !== 'not ready')) {
          failures = 0;
          delayMs = 0;
        } else {
          failures += 1;
          delayMs = Math.min(this.o.backoffCapMs, this.o.backoffBaseMs * 2 ** (failures - 1));
        }
        const reason = end.kind === 'restart' ? end.reason : end.failure.kind === 'forward' ? 'local port taken' : 'ssh exited';
        this.update({ status: 'reconnecting', restarts: this.snap.restarts + 1, lastRestartReason: reason, sshPid: null, upSince: null });
        if (delayMs > 0) await this.pause(delayMs);
      }
      this.update({ status: 'stopped', sshPid: null });
      this.firstUp?.reject(new Error('tunnel stopped'));
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      this.update({ status: 'failed', lastError: e.message, sshPid: null, upSince: null });
      this.firstUp?.reject(e);
    } finally {
      stopWatch();
      if (this.child) killRegistered(this.child);
    }
  }

  /** Runs one ssh process from spawn to its end. */
  private async runOnce(ssh: string, localPort: number, eff: EffectiveTarget): Promise<RunEnd> {
    const forward = `127.0.0.1:${localPort}:127.0.0.1:${this.o.remotePort}`;
    const args = tunnelArgs({
      target: this.o.target, localPort, remotePort: this.o.remotePort, identity: this.o.identity, hostKeyPolicy: this.o.hostKeyPolicy,
      configFile: this.o.configFile,
    });
    const child = spawnRegistered(ssh, args, { stateDir: this.o.stateDir, marker: forward, env: this.o.env });
    this.child = child;
    this.pendingRestart = undefined;
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d.slice(0, 16_384)));
    let exit: { code: number | null; signal: string | null } | undefined;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        this.interrupt?.('ssh exited');
        resolve();
      });
      child.once('error', (err) => {
        stderr += err.message;
        exit = { code: null, signal: null };
        this.interrupt?.('ssh exited');
        resolve();
      });
    });
    const url = `ws://127.0.0.1:${localPort}`;
    this.update({ localPort, url, sshPid: child.pid ?? null, status: this.snap.status === 'starting' ? 'starting' : 'reconnecting' });
    let wasUp = false;
    try {
      // Readiness: a real health call through the forward, not just an open port.
      const readyBy = performance.now() + this.o.readyTimeoutMs;
      let last: ProbeOutcome | undefined;
      while (!exit && !this.isStopping && !this.pendingRestart && performance.now() < readyBy) {
        last = await probeHealth(url, this.o.credentials, Math.min(this.o.probeTimeoutMs, Math.max(250, readyBy - performance.now())));
        // `closed` means ssh forwards and the far side refused the channel: the tunnel works,
        // the gateway behind it does not answer (yet). That is "degraded", not "not ready".
        if (last.ok || last.kind === 'closed' || exit) break;
        await this.pause(READY_POLL_MS);
      }
      if (this.isStopping) return { kind: 'stop' };
      if (exit) return this.exitEnd(exit, stderr, eff, false);
      if (this.pendingRestart) return { kind: 'restart', reason: this.pendingRestart, wasUp: false };
      if (!last || (!last.ok && last.kind !== 'closed')) {
        this.update({ lastError: `no health answer through the tunnel within ${this.o.readyTimeoutMs}ms${last ? ` (${last.error})` : ''}` });
        return { kind: 'restart', reason: 'not ready', wasUp: false };
      }
      this.recordProbe(last);
      wasUp = true;
      this.update({ upSince: Date.now() });
      this.firstUp?.resolve(this.snapshot());
      let timeouts = 0;
      for (;;) {
        const degraded = this.snap.status === 'degraded';
        const why = await this.pause(degraded ? Math.min(this.o.probeIntervalMs, DEGRADED_PROBE_MS) : this.o.probeIntervalMs);
        if (this.isStopping) return { kind: 'stop' };
        if (exit) return this.exitEnd(exit, stderr, eff, true);
        if (why !== undefined && this.pendingRestart) return { kind: 'restart', reason: this.pendingRestart, wasUp };
        const outcome = await probeHealth(url, this.o.credentials, this.o.probeTimeoutMs);
        if (this.isStopping) return { kind: 'stop' };
        if (exit) return this.exitEnd(exit, stderr, eff, true);
        this.recordProbe(outcome);
        timeouts = !outcome.ok && outcome.kind === 'timeout' ? timeouts + 1 : 0;
        if (timeouts >= this.o.maxProbeTimeouts) return { kind: 'restart', reason: 'health probe timed out', wasUp };
      }
    } finally {
      if (!exit) {
        killRegistered(child);
        await exited;
      }
      this.child = undefined;
    }
  }

  private exitEnd(exit: { code: number | null; signal: string | null }, stderr: string, eff: EffectiveTarget, wasUp: boolean): RunEnd {
    return { kind: 'exit', failure: classifySshExit(exit.code, exit.signal, stderr, eff.hostname, eff.port), wasUp };
  }

  private recordProbe(p: ProbeOutcome): void {
    const lastProbe = { ok: p.ok, latencyMs: p.ok ? p.latencyMs : null, at: Date.now(), error: p.ok ? (p.authError ?? null) : p.error };
    this.update({ lastProbe, status: p.ok ? 'up' : p.kind === 'closed' ? 'degraded' : this.snap.status });
  }
}
