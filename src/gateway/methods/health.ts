import { HealthParamsSchema, StatusParamsSchema } from '../../protocol/schema/methods.js';
import { defineMethod } from '../dispatcher.js';
import { DEFAULT_AGENT_ID } from '../health-service.js';

/** `health` (protocol.md 11.2): cached snapshot, `probe:true` forces a fresh one. */
export const handleHealth = defineMethod('health', HealthParamsSchema, ({ services }, params) =>
  services.health.get(params.probe === true),
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
    channelSummary: [],
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
    modelRuntime: health.modelRuntime,
    eventLoop: services.eventLoop.sample(),
    processMemory: {
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      heapTotalBytes: mem.heapTotal,
      externalBytes: mem.external,
      arrayBuffersBytes: mem.arrayBuffers,
    },
    connections: services.principals().length,
    uptimeMs: Date.now() - services.startedAtMs,
    pid: process.pid,
  };
});
