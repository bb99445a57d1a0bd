import { channelSummaryLines } from '../../channels/channel-status.js';
import { HealthParamsSchema, StatusParamsSchema } from '../../protocol/schema/methods.js';
import { defineMethod, SerialisedPayload } from '../rpc/dispatcher.js';
import { DEFAULT_AGENT_ID } from '../health/health-service.js';
import { SHUTDOWN_DRAIN_MS } from '../../protocol/version.js';

/**
 * `health` (protocol.md 11.2): the cached snapshot, serialised once for every caller;
 * `probe:true` forces a fresh one.
 */
export const handleHealth = defineMethod('health', HealthParamsSchema, ({ services }, params) =>
  params.probe === true ? services.health.get(true) : new SerialisedPayload(services.health.getJson()),
);

/** `status` (protocol.md 11.3): the shape the real CLI needs, filled with this process's figures. */
export const handleStatus = defineMethod('status', StatusParamsSchema, ({ services, principal }) => {
  const mem = process.memoryUsage();
  const health = services.health.get();
  const isAdmin = principal.scopes.includes('operator.admin');
  return {
    runtimeVersion: services.version,
    heartbeat: {
      defaultAgentId: DEFAULT_AGENT_ID,
      agents: [{ agentId: DEFAULT_AGENT_ID, enabled: false, every: '30m', everyMs: health.heartbeatSeconds * 1000 }],
    },
    channelSummary: channelSummaryLines(services.channels.statuses()),
    queuedSystemEvents: [],
    degradedSecretOwners: [],
    degradedPlugins: [],
    sessions: {
      paths: isAdmin ? [health.sessions.path] : [],
      count: health.sessions.count,
      defaults: { model: null, contextTokens: null },
      recent: [],
      byAgent: [{ agentId: DEFAULT_AGENT_ID, path: isAdmin ? health.sessions.path : '[redacted]', count: 0, recent: [] }],
    },
    hostDesktop: { enabled: false, state: 'disabled' },
    tasks: {
      total: 0, active: 0, terminal: 0, failures: 0,
      byStatus: { queued: 0, running: 0, succeeded: 0, failed: 0, timed_out: 0, cancelled: 0, lost: 0 },
      byRuntime: { subagent: 0, acp: 0, cli: 0, cron: 0 },
    },
    taskAudit: { total: 0, warnings: 0, errors: 0, byCode: {} },
    modelRuntime: health.modelRuntime,
    eventLoop: services.eventLoop.sample(),
    processMemory: {
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      heapTotalBytes: mem.heapTotal,
      externalBytes: mem.external,
      arrayBuffersBytes: mem.arrayBuffers,
    },
    // farclaw runs no worker threads: everything above is this one process.
    workerPools: {},
    pid: process.pid,
    shutdownBudget: { timeoutMs: SHUTDOWN_DRAIN_MS, activeWork: { rootRequests: services.inflightRequests() } },
  };
});
