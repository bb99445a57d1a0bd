import { randomUUID } from 'node:crypto';
import { textOf } from '../../chat/rows.js';
import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import {
  SessionKeyParamsSchema, SessionsCreateParamsSchema, SessionsDeleteParamsSchema, SessionsListParamsSchema,
  SessionsMessagesSubscribeParamsSchema, SessionsPatchParamsSchema, SessionsPreviewParamsSchema, SessionsResetParamsSchema,
  SessionsSubscribeParamsSchema,
} from '../../protocol/schema/chat.js';
import { agentIdOf, DEFAULT_AGENT_ID, isMainKey } from '../../sessions/session-key.js';
import { defineMethod, type MethodContext } from '../rpc/dispatcher.js';
import { keyOf } from './chat.js';

function listDefaults(ctx: MethodContext): Record<string, unknown> {
  const d = ctx.services.chat.modelDefaults();
  return {
    modelProvider: d.provider, model: d.model, contextTokens: d.contextTokens,
    agentRuntime: { id: 'auto', cloudPlacementSupported: false, devicePlacementSupported: false, source: 'implicit' },
    thinkingLevels: [{ id: 'off', label: 'off' }], thinkingOptions: ['off'], thinkingDefault: 'off', modelSelectionTarget: 'session',
  };
}

/** The newest text of a session, for `lastMessagePreview`. */
function previewOf(ctx: MethodContext, key: string): string | undefined {
  const last = ctx.services.chat.transcript.latest(key, 1)[0];
  return last ? textOf(last.message.content).slice(0, 240) : undefined;
}

/** `sessions.list` (assistant.md 5): stored sessions, newest first; a fresh gateway has none. */
export const handleSessionsList = defineMethod('sessions.list', SessionsListParamsSchema, (ctx, p) => {
  const chat = ctx.services.chat;
  let all = chat.sessions.list();
  if (p.agentId) all = all.filter((s) => s.agentId === p.agentId);
  if (p.archived !== undefined) all = all.filter((s) => (s.patch.archived === true) === p.archived);
  if (p.label !== undefined) all = all.filter((s) => s.patch.label === p.label);
  // Sessions record their parent only when one created them (sessions.create parentSessionKey).
  if (p.spawnedBy !== undefined) all = all.filter((s) => s.patch.parentSessionKey === keyOf(ctx, p.spawnedBy as string));
  if (p.includeGlobal === false) all = all.filter((s) => s.key !== 'global');
  if (p.search) {
    const q = p.search.toLowerCase();
    all = all.filter((s) => s.key.toLowerCase().includes(q) || String(s.patch.label ?? '').toLowerCase().includes(q));
  }
  const offset = p.offset ?? 0;
  const limit = p.limit ?? 50;
  const page = all.slice(offset, offset + limit);
  const sessions = page.map((s) => ({ ...chat.row(s.key, s), ...(p.includeLastMessage ? { lastMessagePreview: previewOf(ctx, s.key) ?? null } : {}) }));
  const next = offset + page.length;
  return {
    ts: Date.now(), path: '(multiple)', count: sessions.length, totalCount: all.length, limitApplied: limit,
    nextOffset: next < all.length ? next : null, hasMore: next < all.length, owners: [], defaults: listDefaults(ctx), sessions,
  };
});

/** `sessions.subscribe`: this connection gets `sessions.changed` from now on. */
export const handleSessionsSubscribe = defineMethod('sessions.subscribe', SessionsSubscribeParamsSchema, (ctx) => {
  ctx.services.chatSubscriptions.subscribeSessions(ctx.principal.connId);
  return { subscribed: true };
});

/** `sessions.messages.subscribe`: this connection gets the key's `session.message` events. */
export const handleSessionsMessagesSubscribe = defineMethod('sessions.messages.subscribe', SessionsMessagesSubscribeParamsSchema, (ctx, p) => {
  const key = keyOf(ctx, p.key);
  ctx.services.chatSubscriptions.subscribeMessages(ctx.principal.connId, key);
  return { subscribed: true, key, ...(p.includeApprovals ? { approvalReplay: { sessionKey: key, updatedAtMs: Date.now(), approvals: [], truncated: false } } : {}) };
});

export const handleSessionsMessagesUnsubscribe = defineMethod('sessions.messages.unsubscribe', SessionsMessagesSubscribeParamsSchema, (ctx, p) => {
  const key = keyOf(ctx, p.key);
  ctx.services.chatSubscriptions.unsubscribeMessages(ctx.principal.connId, key);
  return { subscribed: false, key };
});

function resolved(ctx: MethodContext): Record<string, unknown> {
  const d = ctx.services.chat.modelDefaults();
  return { modelProvider: d.provider, model: d.model, agentRuntime: { id: 'auto' }, runtimeSelectionLocked: false };
}

/** `sessions.create`: a dashboard session (`agent:<a>:dashboard:<uuid>`) unless a key is given. */
export const handleSessionsCreate = defineMethod('sessions.create', SessionsCreateParamsSchema, (ctx, p) => {
  const chat = ctx.services.chat;
  const key = p.key ? keyOf(ctx, p.key) : `agent:${p.agentId ?? DEFAULT_AGENT_ID}:dashboard:${randomUUID()}`;
  const patch = {
    ...(p.label ? { label: p.label } : {}), ...(p.displayName ? { displayName: p.displayName } : {}), ...(p.model ? { model: p.model } : {}),
    ...(typeof p.parentSessionKey === 'string' ? { parentSessionKey: keyOf(ctx, p.parentSessionKey) } : {}),
  };
  const { record } = chat.sessions.ensure(key, agentIdOf(key), 'operator', patch);
  chat.sessionsChanged(key, { reason: 'create' });
  return { ok: true, key, sessionId: record.sessionId, entry: chat.row(key, record), runStarted: false, resolved: resolved(ctx) };
});

/** `sessions.patch`: label, model, flags; `null` clears a field. */
export const handleSessionsPatch = defineMethod('sessions.patch', SessionsPatchParamsSchema, (ctx, p) => {
  const chat = ctx.services.chat;
  const key = keyOf(ctx, p.key);
  const { key: _k, ...fields } = p as Record<string, unknown>;
  chat.sessions.ensure(key, agentIdOf(key), 'operator');
  const rec = chat.sessions.patch(key, fields);
  chat.sessionsChanged(key, { reason: 'patch' });
  return { ok: true, path: '(sqlite)', key, entry: chat.row(key, rec), resolved: resolved(ctx) };
});

/** `sessions.preview`: the last few rows of each key; unknown keys are `missing`. */
export const handleSessionsPreview = defineMethod('sessions.preview', SessionsPreviewParamsSchema, (ctx, p) => {
  const chat = ctx.services.chat;
  const limit = p.limit ?? 12;
  const maxChars = p.maxChars ?? 240;
  const previews = p.keys.map((raw) => {
    const key = keyOf(ctx, raw);
    if (!chat.sessions.get(key)) return { key, status: 'missing', items: [] };
    const items = chat.transcript.latest(key, limit).map((r) => ({ role: r.role, text: textOf(r.message.content).slice(0, maxChars) }));
    return { key, status: items.length > 0 ? 'ok' : 'empty', items };
  });
  return { ts: Date.now(), previews };
});

/** `sessions.reset`: appends a Reset boundary row; the key and sessionId stay (assistant.md 1.3). */
export const handleSessionsReset = defineMethod('sessions.reset', SessionsResetParamsSchema, async (ctx, p) => {
  const chat = ctx.services.chat;
  const key = keyOf(ctx, p.key);
  const { record } = chat.sessions.ensure(key, agentIdOf(key), 'operator');
  if (p.expectedSessionId && p.expectedSessionId !== record.sessionId) {
    throw new GatewayError(ErrorCode.INVALID_REQUEST, `session ${key} has sessionId ${record.sessionId}, not ${p.expectedSessionId}`);
  }
  await chat.abort(key);
  // The boundary is announced by sessions.changed `reset`, not as a session.message (sessions.json);
  // cursor catch-up (chat.history) still returns it.
  chat.transcript.append(key, { role: 'system', kind: 'reset', inContext: false, message: { role: 'system', content: [{ type: 'text', text: 'Reset' }], timestamp: Date.now() } });
  chat.sessionsChanged(key, { reason: 'reset' });
  return { ok: true, key, entry: chat.row(key), resolved: resolved(ctx) };
});

/** `sessions.delete`: removes a session and its transcript; the main session is refused. */
export const handleSessionsDelete = defineMethod('sessions.delete', SessionsDeleteParamsSchema, async (ctx, p) => {
  const chat = ctx.services.chat;
  const key = keyOf(ctx, p.key);
  if (isMainKey(key, chat.config)) throw new GatewayError(ErrorCode.INVALID_REQUEST, `Cannot delete the main session (${key}).`);
  const rec = chat.sessions.get(key);
  await chat.abort(key);
  const deleted = chat.sessions.delete(key);
  const now = Date.now();
  chat.emit('sessions.changed', { sessionKey: key, ...(rec ? { sessionId: rec.sessionId } : {}), agentId: agentIdOf(key), reason: 'delete', ts: now }, { kind: 'sessions' });
  chat.emit('sessions.changed', { reason: 'delete', ts: now }, { kind: 'sessions' });
  return { ok: true, key, deleted, archived: [] };
});

/** `sessions.describe`: one session row (synthetic for a key with no row yet). */
export const handleSessionsDescribe = defineMethod('sessions.describe', SessionKeyParamsSchema, (ctx, p) => {
  const key = keyOf(ctx, p.key);
  return ctx.services.chat.row(key);
});

/** Every sessions.* method. */
export const SESSIONS_METHODS = [
  handleSessionsList, handleSessionsSubscribe, handleSessionsMessagesSubscribe, handleSessionsMessagesUnsubscribe, handleSessionsCreate,
  handleSessionsPatch, handleSessionsPreview, handleSessionsReset, handleSessionsDelete, handleSessionsDescribe,
];
