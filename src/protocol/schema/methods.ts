import { Type } from '@sinclair/typebox';
import { NonEmptyString, OpenObject } from './primitives.js';

/**
 * Params schemas of the methods we implement. "Not schema-checked" methods (health, status)
 * take an open object; the rest are closed like the real gateway's (protocol.md 11).
 */
export const EmptyParamsSchema = Type.Object({}, { additionalProperties: false });
/** `models.list`: the Control UI asks per agent or session, with a `view` (`default`) and `refresh`. */
export const ModelsListParamsSchema = Type.Object(
  {
    agentId: Type.Optional(Type.String({ maxLength: 128 })),
    sessionKey: Type.Optional(Type.String({ maxLength: 512 })),
    view: Type.Optional(Type.String({ maxLength: 64 })),
    refresh: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const HealthParamsSchema = Type.Object({ probe: Type.Optional(Type.Unknown()) }, { additionalProperties: true });
export const StatusParamsSchema = OpenObject;
export const LogsTailParamsSchema = Type.Object(
  {
    cursor: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
    maxBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);
export const NodeDescribeParamsSchema = Type.Object({ nodeId: NonEmptyString }, { additionalProperties: false });
export const SendParamsSchema = Type.Object(
  {
    to: NonEmptyString,
    message: Type.Optional(Type.String()),
    mediaUrl: Type.Optional(Type.String()),
    mediaUrls: Type.Optional(Type.Array(Type.String())),
    buffer: Type.Optional(Type.String()),
    filename: Type.Optional(Type.String()),
    contentType: Type.Optional(Type.String()),
    asVoice: Type.Optional(Type.Boolean()),
    gifPlayback: Type.Optional(Type.Boolean()),
    channel: Type.Optional(Type.String()),
    accountId: Type.Optional(Type.String()),
    agentId: Type.Optional(Type.String()),
    replyToId: Type.Optional(Type.String()),
    threadId: Type.Optional(Type.String()),
    forceDocument: Type.Optional(Type.Boolean()),
    silent: Type.Optional(Type.Boolean()),
    parseMode: Type.Optional(Type.Literal('HTML')),
    sessionKey: Type.Optional(Type.String()),
    idempotencyKey: NonEmptyString,
  },
  { additionalProperties: false },
);
