import { DetailCode } from '../../protocol/error-details.js';
import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import { EmptyParamsSchema } from '../../protocol/schema/methods.js';
import { NodeIdParamsSchema, NodeInvokeParamsSchema } from '../../protocol/schema/nodes.js';
import type { GatewayServices } from '../rpc/context.js';
import { defineMethod } from '../rpc/dispatcher.js';
import { refusalMessage, refusalOf, invokeAllowlist } from '../nodes/command-policy.js';
import { outcomeError } from '../nodes/node-invoker.js';

/** Without `timeoutMs` an invoke still ends: the real CLI's default budget. */
const DEFAULT_INVOKE_TIMEOUT_MS = 30_000;

export const pairingChanged = (): GatewayError =>
  new GatewayError(ErrorCode.UNAVAILABLE, 'node pairing changed while invocation was active', {
    retryable: true, details: { code: DetailCode.PAIRING_CHANGED },
  });

/** `node.list` (9.4): every known node, connected or not, with its true `connected` state. */
export const handleNodeList = defineMethod('node.list', EmptyParamsSchema, ({ services }) => ({
  ts: Date.now(),
  nodes: services.nodes.listRecords().map((r) => services.nodes.nodeView(r)),
}));

export const handleNodeDescribe = defineMethod('node.describe', NodeIdParamsSchema, ({ services }, params) => {
  const record = services.nodes.record(params.nodeId);
  if (!record) throw new GatewayError(ErrorCode.INVALID_REQUEST, 'unknown nodeId');
  return { ts: Date.now(), ...services.nodes.nodeView(record) };
});

function commandsConfig(services: GatewayServices) {
  return services.config.config.gateway?.nodes?.commands ?? {};
}

/**
 * `node.invoke` (9.2): the command must be declared ∩ approved ∩ allowed; then it goes to the
 * node as `node.invoke.request` with what is left of the caller's budget.
 */
export const handleNodeInvoke = defineMethod('node.invoke', NodeInvokeParamsSchema, async ({ services, principal }, params) => {
  const started = performance.now();
  const { nodeId, command } = params;
  if (command === 'system.execApprovals.get' || command === 'system.execApprovals.set') {
    throw new GatewayError(ErrorCode.INVALID_REQUEST, 'node.invoke does not allow system.execApprovals.*; use exec.approvals.node.*', { details: { command } });
  }
  const record = services.nodes.record(nodeId);
  if (!record) throw pairingChanged();
  const cfg = commandsConfig(services);
  const allowlist = invokeAllowlist(cfg, record, record.approvedCommands ?? []);
  let reason = refusalOf(command, services.nodes.effectiveCommands(record), allowlist);
  // A host command waiting in a pending surface is not "outside the allowlist": say what is missing.
  if (reason === 'command not allowlisted' && services.nodes.pendingFor(nodeId)?.commands.includes(command)) reason = 'node did not declare commands';
  if (reason) {
    throw new GatewayError(ErrorCode.INVALID_REQUEST, refusalMessage(reason, command, record.platform, cfg, record.declaredCommands), {
      details: { reason, command },
    });
  }
  const timeoutMs = params.timeoutMs !== undefined && params.timeoutMs > 0 ? params.timeoutMs : DEFAULT_INVOKE_TIMEOUT_MS;
  const outcome = await services.invoker.invoke({
    nodeId, command, params: params.params, deadline: started + timeoutMs, idempotencyKey: params.idempotencyKey, callerConnId: principal.connId,
  });
  if (!outcome.ok) throw outcomeError(outcome);
  const payload = outcome.payloadJSON !== undefined ? parsePayload(outcome.payloadJSON) : outcome.payload;
  return { ok: true, nodeId, command, payload, payloadJSON: outcome.payloadJSON ?? null };
});

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { payloadJSON: text };
  }
}
