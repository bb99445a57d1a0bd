import { EmptyParamsSchema } from '../../protocol/schema/methods.js';
import { NodeIdParamsSchema, NodeInvokeParamsSchema } from '../../protocol/schema/nodes.js';
import { defineMethod } from '../rpc/dispatcher.js';

/** `node.list` (9.4): every known node, connected or not, with its true `connected` state. */
export const handleNodeList = defineMethod('node.list', EmptyParamsSchema, ({ services }) => services.nodeService.list());

export const handleNodeDescribe = defineMethod('node.describe', NodeIdParamsSchema, ({ services }, params) => services.nodeService.describe(params.nodeId));

/** `node.invoke` (9.2): the policy and the run are NodeService's (the agent's node tools share them). */
export const handleNodeInvoke = defineMethod('node.invoke', NodeInvokeParamsSchema, ({ services, principal }, params) =>
  services.nodeService.invoke(principal, {
    nodeId: params.nodeId, command: params.command, params: params.params, idempotencyKey: params.idempotencyKey,
    ...(params.timeoutMs !== undefined ? { timeoutMs: params.timeoutMs } : {}),
  }),
);
