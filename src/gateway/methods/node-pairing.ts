import { missingScopeError } from '../../protocol/errors.js';
import { EmptyParamsSchema } from '../../protocol/schema/methods.js';
import { NodeIdParamsSchema, NodeRenameParamsSchema, NodeRequestIdParamsSchema } from '../../protocol/schema/nodes.js';
import { hasScope } from '../../protocol/scopes.js';
import { defineMethod } from '../rpc/dispatcher.js';
import { requiredApproveScopes } from '../nodes/command-policy.js';
import { closeDeviceSessions, denied } from './device-authz.js';

/** `node.pair.list` (6.4): surfaces waiting for approval, and approved nodes. */
export const handleNodePairList = defineMethod('node.pair.list', EmptyParamsSchema, ({ services }) => {
  const { nodes } = services;
  return {
    pending: nodes.listRequests().map(({ request, record }) => nodes.pendingView(request, record)),
    paired: nodes.listRecords().filter((r) => r.approvedCommands !== undefined).map((r) => nodes.approvedView(r)),
  };
});

/**
 * `node.pair.approve` (6.4): the caller must hold the request's `requiredApproveScopes`
 * (`operator.admin` for host commands such as `system.run`, `operator.write` for the others).
 */
export const handleNodePairApprove = defineMethod('node.pair.approve', NodeRequestIdParamsSchema, ({ services, principal }, params) => {
  const request = services.nodes.request(params.requestId);
  if (!request) throw denied('unknown requestId');
  const missing = requiredApproveScopes(request.commands).find((s) => !hasScope(principal.scopes, s));
  if (missing) throw missingScopeError(missing);
  const node = services.nodes.approve(params.requestId);
  if (!node) throw denied('unknown requestId');
  services.logger.info({ nodeId: node.nodeId, commands: node.approvedCommands }, 'node surface approved');
  return { requestId: params.requestId, node: services.nodes.approvedView(node) };
});

export const handleNodePairReject = defineMethod('node.pair.reject', NodeRequestIdParamsSchema, ({ services }, params) => {
  const rejected = services.nodes.reject(params.requestId);
  if (!rejected) throw denied('unknown requestId');
  services.logger.info({ nodeId: rejected.nodeId }, 'node surface rejected');
  return { requestId: rejected.requestId, nodeId: rejected.nodeId };
});

/**
 * `node.pair.remove` (6.4): forgets the node's surface, takes the node role from its device
 * (a node-only device is forgotten) and closes its node sessions (4001).
 */
export const handleNodePairRemove = defineMethod('node.pair.remove', NodeIdParamsSchema, ({ services }, params) => {
  const { nodeId } = params;
  const hadNode = services.nodes.remove(nodeId);
  const hadRole = services.devices.removeRole(nodeId, 'node');
  if (!hadNode && !hadRole) throw denied('unknown nodeId');
  services.logger.info({ nodeId }, 'node removed');
  closeDeviceSessions(services, nodeId, 'node');
  return { nodeId };
});

export const handleNodeRename = defineMethod('node.rename', NodeRenameParamsSchema, ({ services }, params) => {
  const displayName = params.displayName.trim();
  if (displayName === '') throw denied('displayName required');
  if (!services.nodes.rename(params.nodeId, displayName)) throw denied('unknown nodeId');
  return { nodeId: params.nodeId, displayName };
});
