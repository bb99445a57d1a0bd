import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import {
  NodeEventParamsSchema, NodeInvokeProgressParamsSchema, NodeInvokeResultParamsSchema, NodeUpdateParamsSchema,
} from '../../protocol/schema/nodes.js';
import type { Principal } from '../rpc/context.js';
import { defineMethod, type MethodContext } from '../rpc/dispatcher.js';
import { nodeIdOf } from '../nodes/node-registry.js';
import { pairingChanged } from '../nodes/node-service.js';
import { trimmedText } from '../../infra/text.js';

/** Methods only a `role:"node"` connection calls (protocol.md 7.3 step 2, 9). */

/** Progress chunks are bounded like the real gateway's (protocol.md 9.2). */
const MAX_PROGRESS_CHUNK_BYTES = 16_384;

function sameNode(principal: Principal, nodeId: string): void {
  if (nodeIdOf(principal) !== nodeId) throw new GatewayError(ErrorCode.INVALID_REQUEST, 'nodeId mismatch');
}

/** Node-side work waits for an approved surface (vector node-pairing: PAIRING_CHANGED until then). */
function requireApproved({ services, principal }: MethodContext): string {
  const nodeId = nodeIdOf(principal);
  if (!services.nodes.isApproved(nodeId)) throw pairingChanged();
  return nodeId;
}

/** `node.invoke.result`: settles an invocation; a late or foreign one is acknowledged and ignored. */
export const handleNodeInvokeResult = defineMethod('node.invoke.result', NodeInvokeResultParamsSchema, ({ services, principal }, params) => {
  sameNode(principal, params.nodeId);
  const handled = services.invoker.handleResult(principal.connId, params.id, {
    ok: params.ok,
    ...(params.payload !== undefined ? { payload: params.payload } : {}),
    ...(params.payloadJSON !== undefined ? { payloadJSON: params.payloadJSON } : {}),
    ...(params.error !== undefined ? { error: params.error } : {}),
  });
  return handled ? { ok: true } : { ok: true, ignored: true };
});

/** `node.invoke.progress`: a bounded output chunk, passed on to the operator waiting for it. */
export const handleNodeInvokeProgress = defineMethod('node.invoke.progress', NodeInvokeProgressParamsSchema, ({ services, principal }, params) => {
  sameNode(principal, params.nodeId);
  if (Buffer.byteLength(params.chunk, 'utf8') > MAX_PROGRESS_CHUNK_BYTES) {
    throw new GatewayError(ErrorCode.INVALID_REQUEST, 'progress chunk too large');
  }
  const forwarded = services.invoker.handleProgress(principal.connId, params.invokeId, (callerConnId) => {
    services.sendTo(callerConnId, 'node.invoke.progress', params);
  });
  return { ok: true, ignored: !forwarded };
});

/** Numbers a host-stats payload may carry; anything else is dropped before it is stored. */
const HOST_STATS_KEYS = ['cpuCount', 'loadAverage', 'memoryTotalBytes', 'memoryFreeBytes', 'diskTotalBytes', 'diskAvailableBytes'];

function hostStatsOf(payload: unknown): Record<string, unknown> | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const p = payload as Record<string, unknown>;
  const stats: Record<string, unknown> = {};
  for (const k of HOST_STATS_KEYS) {
    const v = p[k];
    if (typeof v === 'number' && Number.isFinite(v)) stats[k] = v;
    else if (k === 'loadAverage' && Array.isArray(v) && v.every((x) => typeof x === 'number')) stats[k] = v.slice(0, 3);
  }
  return typeof stats.cpuCount === 'number' ? stats : undefined;
}

const EXEC_EVENTS = new Set(['exec.started', 'exec.finished', 'exec.denied']);

/**
 * A node's note on a `system.run` (assistant.md 8.3 step 8), taken as OpenClaw's gateway takes it:
 * only for a run this gateway sent to that node connection (same run id and session), else
 * `handled:false, reason:"unmatched_exec_event"`; a taken one is acknowledged bare (agent-node-exec.json).
 * OpenClaw's gateway then also (unless `tools.exec.notifyOnExit` is false or the run asked
 * `suppressNotifyOnExit`, and only for output, a non-zero code or a timeout) queues a system event
 * "Exec finished (node=… id=…, code N)" plus the output into the session and wakes it at once for
 * an exec-completion turn ("An async command you ran earlier has completed…"), whose reply is
 * delivered to the chat (seen in test/e2e/openclaw-gateway-node-exec.test.ts). This gateway has
 * no system events or wakes yet (issue 15, left open): the exec tool's own result is all the
 * model gets.
 */
function execEvent(ctx: MethodContext, nodeId: string, event: string, payload: unknown): Record<string, unknown> {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return { ok: true };
  const p = payload as { sessionKey?: unknown; runId?: unknown };
  const isTerminal = event !== 'exec.started';
  const isTaken = ctx.services.invoker.runEvents.authorize(nodeId, ctx.principal.connId, trimmedText(p.runId), trimmedText(p.sessionKey) ?? `node-${nodeId}`, isTerminal);
  return isTaken ? { ok: true } : { ok: true, event, handled: false, reason: 'unmatched_exec_event' };
}

/** `node.event` (9.3): `node.host.stats` is kept and broadcast; presence and exec events are acknowledged. */
export const handleNodeEvent = defineMethod('node.event', NodeEventParamsSchema, (ctx, params) => {
  const nodeId = requireApproved(ctx);
  let payload: unknown = params.payload;
  if (params.payloadJSON !== undefined) {
    try {
      payload = JSON.parse(params.payloadJSON);
    } catch {
      throw new GatewayError(ErrorCode.INVALID_REQUEST, 'invalid node.event params: payloadJSON is not JSON');
    }
  }
  const { event } = params;
  if (event === 'node.host.stats') {
    const stats = hostStatsOf(payload);
    if (!stats) return { ok: true, event, handled: false, reason: 'invalid payload' };
    const updatedAtMs = ctx.services.nodes.saveHostStats(nodeId, stats);
    ctx.services.broadcast('node.hostStats', { nodeId, hostStats: { ...stats, updatedAtMs } });
    return { ok: true, event, handled: true, reason: 'updated' };
  }
  if (EXEC_EVENTS.has(event)) return execEvent(ctx, nodeId, event, payload);
  const known = ['node.presence.alive', 'node.presence.activity'];
  return known.includes(event) ? { ok: true, event, handled: true } : { ok: true, event, handled: false };
});

const listOf = (params: object, key: string): unknown[] => {
  const v = (params as Record<string, unknown>)[key];
  return Array.isArray(v) ? v : [];
};

export const handleNodeSkillsUpdate = defineMethod('node.skills.update', NodeUpdateParamsSchema, ({ principal }, params) => ({
  nodeId: nodeIdOf(principal),
  skills: listOf(params, 'skills'),
}));

export const handleNodePluginToolsUpdate = defineMethod('node.pluginTools.update', NodeUpdateParamsSchema, ({ principal }, params) => ({
  nodeId: nodeIdOf(principal),
  tools: listOf(params, 'tools'),
}));

/**
 * `node.runnerInventory.update` (assistant.md 8.8): refused with the pending request's approve
 * command until an operator approves the node's surface; the node retries by itself.
 */
export const handleNodeRunnerInventoryUpdate = defineMethod('node.runnerInventory.update', NodeUpdateParamsSchema, ({ services, principal }) => {
  const nodeId = nodeIdOf(principal);
  if (!services.nodes.isApproved(nodeId)) {
    const requestId = services.nodes.pendingFor(nodeId)?.requestId;
    if (requestId === undefined) throw pairingChanged();
    throw new GatewayError(ErrorCode.UNAVAILABLE,
      `node capability surface is awaiting operator approval; run \`openclaw nodes approve ${requestId}\` (see \`openclaw nodes pending\`), then this node retries automatically`);
  }
  return { nodeId };
});
