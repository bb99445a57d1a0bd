import { hostname } from 'node:os';
import { loadOrCreateDeviceIdentity, withDeviceProof, type DeviceIdentity } from '../client/device-identity.js';
import { dropDeviceToken, readDeviceToken, saveDeviceToken } from '../client/device-token-store.js';
import { RequestError } from '../client/errors.js';
import { buildConnectParams } from '../client/frames.js';
import type { GatewayEvent } from '../client/gateway-client.js';
import { ReconnectingClient } from '../client/reconnecting-client.js';
import type { TlsPin } from '../infra/tls-pin.js';
import type { ConnectChallenge, ConnectParams } from '../protocol/schema/connect.js';
import { ExecApprovalsStore } from './exec-approvals.js';
import { hostStats } from './host-stats.js';
import type { NodeHostPolicy } from './node-config.js';
import { handleSystemRun, type SystemRunHost } from './system-run-invoke.js';
import { systemRunPrepare } from './system-run-prepare.js';
import { CommandError, ExecutableFinder, systemWhich } from './system-which.js';

/**
 * Commands this node host declares (protocol.md 9.1) and runs. OpenClaw's gateway prepares every
 * node exec (`system.run.prepare`) and reads the node's approvals (assistant.md 8.3).
 */
export const NODE_HOST_COMMANDS = ['system.execApprovals.get', 'system.execApprovals.set', 'system.run', 'system.run.prepare', 'system.which'] as const;
export const NODE_HOST_CAPS = ['system'];
/** `node.host.stats` cadence of the real node host (protocol.md 9.1). */
export const HOST_STATS_INTERVAL_MS = 60_000;

export interface NodeHostOptions {
  url: string;
  token?: string | undefined;
  password?: string | undefined;
  /** For `wss://`: the certificate or key pin to accept instead of CA validation. */
  tlsPin?: TlsPin | undefined;
  stateDir: string;
  configPath: string;
  displayName?: string | undefined;
  version: string;
  policy: NodeHostPolicy;
  /** One line of progress for the person running the node (stderr). */
  log: (line: string) => void;
  /** Called when the node can no longer connect at all (e.g. the gateway refuses its credential). */
  onFatal: (message: string) => void;
  minDelayMs?: number;
  maxDelayMs?: number;
}

interface InvokeRequest {
  id: string;
  nodeId: string;
  command: string;
  paramsJSON?: string;
  timeoutMs?: number;
}

/**
 * A headless node: connects with its own device identity (always, also on loopback), declares
 * `system.run` (with its prepare step and exec approvals) and `system.which`, answers `node.invoke.request`, reports host stats every
 * 60 s, and reconnects with backoff after any drop. A pairing that still waits for an operator
 * is retried as well, so an approved node comes up without a restart.
 */
export class NodeHost {
  private readonly identity: DeviceIdentity;
  private readonly finder = new ExecutableFinder(process.env.PATH ?? '');
  private readonly client: ReconnectingClient;
  private readonly running = new Map<string, AbortController>();
  private readonly approvals: ExecApprovalsStore;
  private statsTimer: NodeJS.Timeout | undefined;
  private usedStoredToken = false;
  private lastWaitingFor: string | undefined;

  constructor(private readonly opts: NodeHostOptions) {
    this.identity = loadOrCreateDeviceIdentity(opts.stateDir);
    this.approvals = new ExecApprovalsStore(opts.stateDir);
    this.client = new ReconnectingClient({
      url: opts.url,
      params: () => this.connectParams(),
      connectTimeoutMs: 15_000,
      connectOptions: { tlsPin: opts.tlsPin },
      minDelayMs: opts.minDelayMs ?? 1000,
      maxDelayMs: opts.maxDelayMs ?? 30_000,
      retryRefusal: (err) => this.shouldRetry(err),
    });
    this.client.onHello((hello) => {
      const token = hello.auth.deviceToken;
      if (token) saveDeviceToken(opts.stateDir, opts.url, this.identity.deviceId, 'node', { token, scopes: [], issuedAtMs: hello.auth.issuedAtMs ?? Date.now() });
      this.lastWaitingFor = undefined;
      opts.log(`connected to ${opts.url} as node ${this.identity.deviceId.slice(0, 12)} (${hello.auth.method ?? 'token'})`);
      this.sendStats();
    });
    this.client.onDisconnect(({ code, reason, retryInMs }) => {
      for (const ac of this.running.values()) ac.abort();
      if (this.lastWaitingFor === undefined) opts.log(`gateway connection lost (${code}${reason ? ` ${reason}` : ''}); retrying in ${Math.ceil(retryInMs / 1000)} s`);
    });
    this.client.onFatal((err) => opts.onFatal(err.message));
    this.client.onEvent((e) => this.onEvent(e));
  }

  get deviceId(): string {
    return this.identity.deviceId;
  }

  start(): void {
    this.client.start();
    this.statsTimer = setInterval(() => this.sendStats(), HOST_STATS_INTERVAL_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.statsTimer);
    for (const ac of this.running.values()) ac.abort();
    await this.client.stop();
  }

  private connectParams(): (challenge: ConnectChallenge) => ConnectParams {
    const { opts } = this;
    const hasSecret = opts.token !== undefined || opts.password !== undefined;
    const stored = readDeviceToken(opts.stateDir, opts.url, this.identity.deviceId, 'node');
    this.usedStoredToken = !hasSecret && stored !== undefined;
    const base = buildConnectParams({
      clientId: 'node-host', mode: 'node', role: 'node', scopes: [], version: opts.version,
      displayName: opts.displayName ?? hostname(), token: opts.token, password: opts.password,
    });
    const params: ConnectParams = {
      ...base,
      caps: NODE_HOST_CAPS,
      commands: [...NODE_HOST_COMMANDS],
      pathEnv: process.env.PATH ?? '',
      ...(this.usedStoredToken && stored ? { auth: { ...base.auth, deviceToken: stored.token } } : {}),
    };
    return (challenge) => withDeviceProof(this.identity, params, challenge);
  }

  /** Pairing that waits for an operator is retried; a stale stored token is dropped and retried. */
  private shouldRetry(err: RequestError): boolean {
    const details = (err.shape.details ?? {}) as { code?: string; requestId?: string };
    if (details.code === 'PAIRING_REQUIRED') {
      if (this.lastWaitingFor !== details.requestId) {
        this.lastWaitingFor = details.requestId;
        this.opts.log(`waiting for approval of this node's device; on the gateway host run: farclaw devices approve ${details.requestId ?? '<requestId>'}`);
      }
      return true;
    }
    if (details.code === 'AUTH_DEVICE_TOKEN_MISMATCH' && this.usedStoredToken) {
      dropDeviceToken(this.opts.stateDir, this.opts.url, this.identity.deviceId, 'node');
      return this.opts.token !== undefined || this.opts.password !== undefined;
    }
    return false;
  }

  private sendStats(): void {
    this.client.request('node.event', { event: 'node.host.stats', payloadJSON: JSON.stringify(hostStats()) }, 10_000).catch(() => undefined);
  }

  private onEvent(e: GatewayEvent): void {
    if (e.event === 'node.invoke.request') void this.onInvoke(e.payload as InvokeRequest);
    else if (e.event === 'node.invoke.cancel') this.running.get((e.payload as { id?: string }).id ?? '')?.abort();
    else if (e.event === 'node.pair.resolved') {
      const decision = (e.payload as { decision?: string }).decision ?? 'resolved';
      this.opts.log(`command surface ${decision} by an operator`);
      // Stats sent before the approval were refused: report them now.
      if (decision === 'approved') this.sendStats();
    }
  }

  private async onInvoke(req: InvokeRequest): Promise<void> {
    const ac = new AbortController();
    this.running.set(req.id, ac);
    let result: { ok: true; payloadJSON: string } | { ok: false; error: { code: string; message: string } };
    try {
      const params: unknown = req.paramsJSON === undefined ? {} : JSON.parse(req.paramsJSON);
      const payload = await this.runCommand(req.command, params, req.timeoutMs ?? this.opts.policy.runTimeoutMs, ac.signal);
      result = { ok: true, payloadJSON: JSON.stringify(payload) };
    } catch (err) {
      const error = err instanceof CommandError ? { code: err.code, message: err.message } : { code: 'FAILED', message: (err as Error).message };
      result = { ok: false, error };
    } finally {
      this.running.delete(req.id);
    }
    if (ac.signal.aborted) return;
    this.client.request('node.invoke.result', { id: req.id, nodeId: req.nodeId, ...result }, 10_000).catch(() => undefined);
  }

  private async runCommand(command: string, params: unknown, budgetMs: number, signal: AbortSignal): Promise<unknown> {
    if (command === 'system.which') return systemWhich(this.finder, params);
    if (command === 'system.run.prepare') return systemRunPrepare(params, this.opts.policy, this.finder, this.opts.configPath, this.approvals);
    if (command === 'system.execApprovals.get') return this.approvals.get();
    if (command === 'system.execApprovals.set') return this.approvals.set(params);
    if (command === 'system.run') return await handleSystemRun(params, this.runHost, budgetMs, signal);
    throw new CommandError('UNSUPPORTED', `this node does not run "${command}"`);
  }

  /** What `system.run` uses of this host; its exec notes go out before the result, like OpenClaw's (assistant.md 8.3 step 8). */
  private get runHost(): SystemRunHost {
    const { policy, configPath } = this.opts;
    return {
      policy, configPath, finder: this.finder, approvals: this.approvals,
      sendEvent: async (event, payload) => {
        await this.client.request('node.event', { event, payloadJSON: JSON.stringify(payload) }, 10_000).catch(() => undefined);
      },
    };
  }
}
