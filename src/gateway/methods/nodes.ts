import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import { EmptyParamsSchema } from '../../protocol/schema/methods.js';
import { NodeIdParamsSchema, NodeInvokeParamsSchema } from '../../protocol/schema/nodes.js';
import { defineMethod } from '../rpc/dispatcher.js';

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

/** `node.invoke` (9.2): the policy and the run are NodeService's (the agent's node tools share them). */
export const handleNodeInvoke = defineMethod('node.invoke', NodeInvokeParamsSchema, ({ services, principal }, params) =>
  services.nodeService.invoke(principal, {
    nodeId: params.nodeId, command: params.command, params: params.params, idempotencyKey: params.idempotencyKey,
    ...(params.timeoutMs !== undefined ? { timeoutMs: params.timeoutMs } : {}),
  }),
);
