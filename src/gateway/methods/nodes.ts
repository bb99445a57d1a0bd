import { Type } from '@sinclair/typebox';
import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import { EmptyParamsSchema, NodeDescribeParamsSchema } from '../../protocol/schema/methods.js';
import { NonEmptyString } from '../../protocol/schema/primitives.js';
import type { Principal } from '../context.js';
import { defineMethod, type MethodContext } from '../dispatcher.js';

/** Connected node sessions; pairing and capability approval arrive with the nodes issue (#8). */
function connectedNodes(ctx: MethodContext): Principal[] {
  return ctx.services.principals().filter((p) => p.role === 'node');
}

function describeNode(p: Principal) {
  return {
    nodeId: p.client.instanceId ?? p.connId,
    displayName: p.client.displayName ?? p.client.id,
    platform: p.client.platform,
    version: p.client.version,
    clientId: p.client.id,
    clientMode: p.client.mode,
    deviceFamily: p.client.deviceFamily ?? null,
    caps: [],
    commands: [],
    approvalState: 'pending-approval',
    connectedAtMs: p.connectedAtMs,
    paired: false,
    connected: true,
  };
}

const pairingChanged = (): GatewayError =>
  new GatewayError(ErrorCode.UNAVAILABLE, 'node pairing changed while invocation was active', {
    retryable: true, details: { code: 'PAIRING_CHANGED' },
  });

export const handleNodeList = defineMethod('node.list', EmptyParamsSchema, (ctx) => ({
  ts: Date.now(),
  nodes: connectedNodes(ctx).map(describeNode),
}));

export const handleNodeDescribe = defineMethod('node.describe', NodeDescribeParamsSchema, (ctx, params) => {
  const node = connectedNodes(ctx).find((p) => (p.client.instanceId ?? p.connId) === params.nodeId);
  if (!node) throw new GatewayError(ErrorCode.INVALID_REQUEST, `unknown node: ${params.nodeId}`);
  return { ts: Date.now(), ...describeNode(node) };
});

const NodeInvokeParamsSchema = Type.Object(
  {
    nodeId: NonEmptyString,
    command: NonEmptyString,
    params: Type.Optional(Type.Unknown()),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 0 })),
    idempotencyKey: NonEmptyString,
    sessionKey: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/**
 * `node.invoke` (protocol.md 9.2). Until node capability approval exists (#8) no node has an
 * approved command surface, so every target answers like an unknown node does.
 */
export const handleNodeInvoke = defineMethod('node.invoke', NodeInvokeParamsSchema, () => {
  throw pairingChanged();
});
