import { Type, type Static } from '@sinclair/typebox';
import { NonEmptyString } from './primitives.js';

const SessionKey = Type.String({ minLength: 1, maxLength: 512 });
const Opt = Type.Optional;
const closed = { additionalProperties: false } as const;
const open = { additionalProperties: true } as const;

/** `chat.send` (assistant.md 3.1): closed; runId = idempotencyKey. */
export const ChatSendParamsSchema = Type.Object({
  sessionKey: SessionKey,
  idempotencyKey: NonEmptyString,
  message: Type.String(),
  agentId: Opt(Type.String()),
  sessionId: Opt(Type.String()),
  thinking: Opt(Type.String()),
  fastMode: Opt(Type.Boolean()),
  queueMode: Opt(Type.Union([Type.Literal('steer'), Type.Literal('followup'), Type.Literal('collect'), Type.Literal('interrupt')])),
  deliver: Opt(Type.Boolean()),
  attachments: Opt(Type.Array(Type.Unknown())),
  mentions: Opt(Type.Array(Type.Unknown())),
  timeoutMs: Opt(Type.Integer({ minimum: 1 })),
  expectedLeafEntryId: Opt(Type.Union([Type.String(), Type.Null()])),
  replyToId: Opt(Type.String()),
  originatingChannel: Opt(Type.String()),
  originatingTo: Opt(Type.String()),
  originatingAccountId: Opt(Type.String()),
  originatingThreadId: Opt(Type.String()),
}, closed);
export type ChatSendParams = Static<typeof ChatSendParamsSchema>;

/** `chat.history` / `chat.startup` (assistant.md 3.2). */
export const ChatHistoryParamsSchema = Type.Object({
  sessionKey: SessionKey,
  agentId: Opt(Type.String()),
  cursor: Opt(Type.String()),
  limit: Opt(Type.Integer({ minimum: 1, maximum: 1000 })),
  maxBytes: Opt(Type.Integer({ minimum: 1024 })),
  offset: Opt(Type.Integer({ minimum: 0 })),
  pendingBefore: Opt(Type.Unknown()),
  inputRunIds: Opt(Type.Array(Type.String())),
  messageId: Opt(Type.String()),
  sessionId: Opt(Type.String()),
  maxChars: Opt(Type.Integer({ minimum: 1 })),
}, closed);
export type ChatHistoryParams = Static<typeof ChatHistoryParamsSchema>;

/** `chat.abort` (assistant.md 3.3). */
export const ChatAbortParamsSchema = Type.Object({
  sessionKey: SessionKey, agentId: Opt(Type.String()), runId: Opt(Type.String()), preserveSideRuns: Opt(Type.Boolean()),
}, closed);

/** `chat.inject` (assistant.md 3.4). */
export const ChatInjectParamsSchema = Type.Object({
  sessionKey: SessionKey, agentId: Opt(Type.String()), message: NonEmptyString, label: Opt(Type.String({ maxLength: 100 })),
}, closed);

/** `chat.metadata`: what the Control UI refetches after `chat.metadata.changed`. */
export const ChatMetadataParamsSchema = Type.Object({ sessionKey: Opt(SessionKey) }, open);

/** `agent` (assistant.md 4.1); open, because OpenClaw's clients send many optional routing fields. */
export const AgentParamsSchema = Type.Object({
  message: NonEmptyString,
  idempotencyKey: NonEmptyString,
  agentId: Opt(Type.String()),
  sessionKey: Opt(SessionKey),
  sessionId: Opt(Type.String()),
  extraSystemPrompt: Opt(Type.String()),
  timeout: Opt(Type.Number({ minimum: 0 })),
  label: Opt(Type.String()),
}, open);
export type AgentParams = Static<typeof AgentParamsSchema>;

/** `agent.wait` (assistant.md 4.2). */
export const AgentWaitParamsSchema = Type.Object({ runId: NonEmptyString, timeoutMs: Opt(Type.Integer({ minimum: 0 })) }, open);

/** `sessions.list` (assistant.md 5); open: the Control UI sends many filters. */
export const SessionsListParamsSchema = Type.Object({
  limit: Opt(Type.Integer({ minimum: 1 })), offset: Opt(Type.Integer({ minimum: 0 })), search: Opt(Type.String()),
  label: Opt(Type.String()), archived: Opt(Type.Boolean()), includeLastMessage: Opt(Type.Boolean()), agentId: Opt(Type.String()),
  // The Control UI lists a session's children with spawnedBy (assistant.md 11.7).
  spawnedBy: Opt(Type.String()), includeGlobal: Opt(Type.Boolean()),
}, open);
export const SessionsSubscribeParamsSchema = Type.Object({}, open);
export const SessionsMessagesSubscribeParamsSchema = Type.Object({ key: SessionKey, includeApprovals: Opt(Type.Boolean()) }, open);
export const SessionKeyParamsSchema = Type.Object({ key: SessionKey, agentId: Opt(Type.String()) }, open);
export const SessionsCreateParamsSchema = Type.Object({
  agentId: Opt(Type.String()), key: Opt(SessionKey), label: Opt(Type.String()), displayName: Opt(Type.String()), model: Opt(Type.String()),
  message: Opt(Type.String()), parentSessionKey: Opt(SessionKey),
}, open);
export const SessionsPatchParamsSchema = Type.Object({
  key: SessionKey, label: Opt(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])), model: Opt(Type.Union([Type.String(), Type.Null()])),
  thinkingLevel: Opt(Type.Union([Type.String(), Type.Null()])), pinned: Opt(Type.Boolean()), archived: Opt(Type.Boolean()), unread: Opt(Type.Boolean()),
}, open);
export const SessionsPreviewParamsSchema = Type.Object({
  keys: Type.Array(SessionKey, { minItems: 1, maxItems: 64 }), limit: Opt(Type.Integer({ minimum: 1 })), maxChars: Opt(Type.Integer({ minimum: 20 })),
}, open);
export const SessionsResetParamsSchema = Type.Object({
  key: SessionKey, reason: Opt(Type.Union([Type.Literal('new'), Type.Literal('reset')])), agentId: Opt(Type.String()), expectedSessionId: Opt(Type.String()),
}, open);
export const SessionsDeleteParamsSchema = Type.Object({ key: SessionKey, deleteTranscript: Opt(Type.Boolean()) }, open);
