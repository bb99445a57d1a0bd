import { ACCOUNT_SELECTION, modelCatalog } from '../../agent/model-catalog.js';
import { history } from '../../chat/chat-history.js';
import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import {
  ChatAbortParamsSchema, ChatHistoryParamsSchema, ChatInjectParamsSchema, ChatMetadataParamsSchema, ChatSendParamsSchema,
} from '../../protocol/schema/chat.js';
import { SessionKeyError } from '../../sessions/session-key.js';
import { defineMethod, type MethodContext } from '../rpc/dispatcher.js';

/** The canonical key, or INVALID_REQUEST with the reason. */
export function keyOf(ctx: MethodContext, key: string): string {
  try {
    return ctx.services.chat.canonicalKey(key);
  } catch (err) {
    if (err instanceof SessionKeyError) throw new GatewayError(ErrorCode.INVALID_REQUEST, err.message);
    throw err;
  }
}

/** `chat.send` (assistant.md 3.1): acknowledges at once; the run streams chat/agent events. */
export const handleChatSend = defineMethod('chat.send', ChatSendParamsSchema, (ctx, p) => {
  const key = keyOf(ctx, p.sessionKey);
  if (p.message.trim() === '' && (p.attachments?.length ?? 0) === 0) throw new GatewayError(ErrorCode.INVALID_REQUEST, 'invalid chat.send params: message is empty');
  // The sender sees the rows of its own turn without sessions.messages.subscribe (sessions.json).
  ctx.services.chatSubscriptions.subscribeMessages(ctx.principal.connId, key);
  const r = ctx.services.chat.send(key, p.message, {
    idempotencyKey: p.idempotencyKey,
    origin: { clientId: ctx.principal.client.id, clientMode: ctx.principal.client.mode, senderIsOwner: true },
    ...(p.queueMode ? { queueMode: p.queueMode } : {}),
  });
  if ('replay' in r) {
    // A replay of a failed run answers like `agent`'s failed final response: ok:false with the
    // outcome as payload and UNAVAILABLE (chat.json cli-2#1).
    if (r.status === 'error') {
      const summary = typeof r.replay.summary === 'string' ? r.replay.summary : 'The run failed.';
      throw new GatewayError(ErrorCode.UNAVAILABLE, summary, { payload: r.replay });
    }
    return r.replay;
  }
  return r.status === 'in_flight' ? { runId: r.runId, status: 'in_flight' } : {
    runId: r.runId, status: 'started', ...(r.messageSeq !== undefined ? { messageSeq: r.messageSeq } : {}),
    ...(r.interruptedActiveRun ? { interruptedActiveRun: true } : {}),
  };
});

/** `chat.history` (assistant.md 3.2, 7): a page, or the rows after a cursor, or `reset`. */
export const handleChatHistory = defineMethod('chat.history', ChatHistoryParamsSchema, (ctx, p) =>
  history(ctx.services.chat, keyOf(ctx, p.sessionKey), {
    ...(p.limit !== undefined ? { limit: p.limit } : {}), ...(p.maxBytes !== undefined ? { maxBytes: p.maxBytes } : {}),
    ...(p.cursor !== undefined ? { cursor: p.cursor } : {}), ...(p.offset !== undefined ? { offset: p.offset } : {}),
  }, true));

/** `chat.startup`: the Control UI's first page (no deltaCursor, assistant.md 3.2). */
export const handleChatStartup = defineMethod('chat.startup', ChatHistoryParamsSchema, (ctx, p) =>
  history(ctx.services.chat, keyOf(ctx, p.sessionKey), {
    ...(p.limit !== undefined ? { limit: p.limit } : {}), ...(p.maxBytes !== undefined ? { maxBytes: p.maxBytes } : {}),
  }, false));

/** `chat.abort` (assistant.md 3.3): answers after the aborted events went out. */
export const handleChatAbort = defineMethod('chat.abort', ChatAbortParamsSchema, async (ctx, p) => {
  const runIds = await ctx.services.chat.abort(keyOf(ctx, p.sessionKey), p.runId);
  return { ok: true, aborted: runIds.length > 0, runIds };
});

/** `chat.inject` (assistant.md 3.4): an operator note, no model call. */
export const handleChatInject = defineMethod('chat.inject', ChatInjectParamsSchema, (ctx, p) => {
  const row = ctx.services.chat.inject(keyOf(ctx, p.sessionKey), p.message, p.label);
  return { ok: true, messageId: row.id };
});

/** `chat.metadata`: what the Control UI refetches on `chat.metadata.changed`. */
export const handleChatMetadata = defineMethod('chat.metadata', ChatMetadataParamsSchema, (ctx) => ({
  // The composer's model picker reads `models`; without one the real UI says "Models unavailable".
  models: modelCatalog(ctx.services.chat.config), commands: [], swarmEnabled: false, accountSelection: ACCOUNT_SELECTION, runtimeSelectionLocked: false,
}));
