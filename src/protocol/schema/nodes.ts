import { Type } from '@sinclair/typebox';
import { NonEmptyString } from './primitives.js';

/** Params of the node methods (protocol.md 6.4, 9). Closed like the real gateway's. */

export const NodeIdParamsSchema = Type.Object({ nodeId: NonEmptyString }, { additionalProperties: false });
export const NodeRequestIdParamsSchema = Type.Object({ requestId: NonEmptyString }, { additionalProperties: false });
export const NodeRenameParamsSchema = Type.Object(
  { nodeId: NonEmptyString, displayName: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const NodeInvokeParamsSchema = Type.Object(
  {
    nodeId: NonEmptyString,
    command: NonEmptyString,
    params: Type.Optional(Type.Unknown()),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 0 })),
    idempotencyKey: NonEmptyString,
    sessionKey: Type.Optional(Type.String()),
    turnSourceChannel: Type.Optional(Type.String()),
    turnSourceTo: Type.Optional(Type.String()),
    turnSourceAccountId: Type.Optional(Type.String()),
    turnSourceThreadId: Type.Optional(Type.Union([Type.String(), Type.Number()])),
  },
  { additionalProperties: false },
);

export const NodeInvokeResultParamsSchema = Type.Object(
  {
    id: NonEmptyString,
    nodeId: NonEmptyString,
    ok: Type.Boolean(),
    payload: Type.Optional(Type.Unknown()),
    payloadJSON: Type.Optional(Type.String()),
    error: Type.Optional(Type.Object(
      { code: Type.Optional(Type.String()), message: Type.Optional(Type.String()) },
      { additionalProperties: true },
    )),
  },
  { additionalProperties: false },
);

export const NodeInvokeProgressParamsSchema = Type.Object(
  { invokeId: NonEmptyString, nodeId: NonEmptyString, seq: Type.Integer({ minimum: 0 }), chunk: Type.String() },
  { additionalProperties: false },
);

export const NodeEventParamsSchema = Type.Object(
  { event: NonEmptyString, payload: Type.Optional(Type.Unknown()), payloadJSON: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

/** `node.skills.update`, `node.pluginTools.update`, `node.runnerInventory.update`: content not checked. */
export const NodeUpdateParamsSchema = Type.Object({}, { additionalProperties: true });
