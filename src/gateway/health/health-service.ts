import type { HealthSnapshot } from '../../protocol/schema/snapshot.js';
import { healthChannels } from '../../channels/channel-status.js';
import type { ChannelAccountStatus } from '../../channels/channel.js';
import type { EventLoopMonitor } from './event-loop-monitor.js';

export const DEFAULT_AGENT_ID = 'main';
const HEARTBEAT_EVERY_MS = 30 * 60_000;

/**
 * Builds the HealthSnapshot (protocol.md 8) and caches it: `health` answers from the cache
 * unless it is older than `maxAgeMs` or the caller asks for `probe:true`.
 */
export class HealthService {
  private cached: HealthSnapshot | undefined;
  private cachedJson: string | undefined;
  version = 0;

  constructor(
    private readonly deps: {
      eventLoop: EventLoopMonitor;
      sessionsPath: string;
      maxAgeMs: number;
      /** Channel accounts as they are now (health `channels`). */
      channels?: () => ChannelAccountStatus[];
    },
  ) {}

  /** The current snapshot, refreshed when stale or when `fresh` is set. */
  get(fresh = false, now = Date.now()): HealthSnapshot {
    if (!fresh && this.cached && now - this.cached.ts < this.deps.maxAgeMs) return this.cached;
    return this.refresh(now);
  }

  /** The current snapshot serialised once (every connect sends it as a `health` event). */
  getJson(now = Date.now()): string {
    const snapshot = this.get(false, now);
    return (this.cachedJson ??= JSON.stringify(snapshot));
  }

  /** Builds a new snapshot and bumps the state version. */
  refresh(now = Date.now()): HealthSnapshot {
    const started = performance.now();
    const sessions = { path: this.deps.sessionsPath, count: 0, recent: [] as unknown[] };
    const snapshot: HealthSnapshot = {
      ok: true,
      ts: now,
      durationMs: 0,
      plugins: { loaded: [], errors: [], unavailable: [] },
      configReload: { hotReloadStatus: 'inactive' },
      ...healthChannels(this.deps.channels?.() ?? []),
      heartbeatSeconds: HEARTBEAT_EVERY_MS / 1000,
      defaultAgentId: DEFAULT_AGENT_ID,
      agents: [
        {
          agentId: DEFAULT_AGENT_ID,
          isDefault: true,
          heartbeat: { enabled: false, every: '30m', everyMs: HEARTBEAT_EVERY_MS },
          sessions,
        },
      ],
      sessions,
      modelRuntime: { degraded: false, pendingAgents: [] },
      eventLoop: this.deps.eventLoop.sample(),
    };
    snapshot.durationMs = Math.round(performance.now() - started);
    this.cached = snapshot;
    this.cachedJson = undefined;
    this.version++;
    return snapshot;
  }
}
