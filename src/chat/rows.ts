import type { ModelMessage } from 'ai';
import type { FarclawConfig } from '../infra/config-schema.js';
import { agentIdOf, classify, isMainKey } from '../sessions/session-key.js';
import type { SessionRecord } from '../store/session-repo.js';
import type { TranscriptRecord } from '../store/transcript-repo.js';

/** A transcript row as clients see it (assistant.md 2): the stored message plus `__openclaw`. */
export type WireRow = Record<string, unknown> & { role: string; __openclaw: Record<string, unknown> };

/** Rows larger than this are replaced in history pages (assistant.md 2, "oversized rows"). */
export const MAX_ROW_BYTES = 256 * 1024;
const OMITTED_TEXT = '[chat.history omitted: message too large]';

/** The stored message with its `__openclaw` block (id, seq, runId, kind, idempotency key). */
export function toWireRow(r: TranscriptRecord): WireRow {
  const base = r.bytes > MAX_ROW_BYTES ? { role: r.role, content: [{ type: 'text', text: OMITTED_TEXT }], timestamp: r.createdAtMs } : r.message;
  return {
    ...base,
    role: r.role,
    __openclaw: {
      id: r.id, seq: r.seq,
      ...(r.runId !== undefined && r.role !== 'user' ? { runId: r.runId } : {}),
      ...(r.idempotencyKey !== undefined ? { idempotencyKey: r.idempotencyKey } : {}),
      ...(r.kind === 'reset' ? { kind: 'reset' } : {}),
      ...(r.kind === 'interrupted' ? { kind: 'interrupted' } : {}),
      recordTimestampMs: r.createdAtMs,
      transcriptPosition: { source: 'farclaw', rawSeq: r.seq },
    },
  };
}

/** Text of a row's content (string or text parts). */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: { type?: string; text?: string }) => (p?.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
}

/** Session-row fields (assistant.md 1.2) for `sessions.list`, events and `sessionInfo`. */
export function sessionRow(key: string, rec: SessionRecord | undefined, config: FarclawConfig, extra: { activeRunIds?: string[]; preview?: string; model?: { provider: string; model: string; contextTokens: number } } = {}): Record<string, unknown> {
  const active = extra.activeRunIds ?? [];
  const patch = rec?.patch ?? {};
  return {
    key,
    kind: key === 'global' ? 'global' : classify(key, config) === 'group' ? 'group' : 'direct',
    ...(rec ? { sessionId: rec.sessionId } : {}),
    label: typeof patch.label === 'string' ? patch.label : null,
    displayName: typeof patch.displayName === 'string' ? patch.displayName : null,
    agentId: agentIdOf(key),
    chatType: classify(key, config) === 'group' ? 'group' : 'direct',
    classification: classify(key, config),
    isMain: isMainKey(key, config),
    isBackground: false,
    updatedAt: rec?.updatedAtMs ?? null,
    ...(rec ? { createdAt: rec.createdAtMs, createdVia: rec.createdVia } : {}),
    ...(rec?.status ? { status: rec.status } : {}),
    hasActiveRun: active.length > 0,
    activeRunIds: active,
    ...(extra.model ? { modelProvider: extra.model.provider, model: typeof patch.model === 'string' ? patch.model : extra.model.model, contextTokens: extra.model.contextTokens } : {}),
    ...(rec ? { totalTokens: rec.inputTokens + rec.outputTokens, totalTokensFresh: true } : {}),
    ...(typeof patch.thinkingLevel === 'string' ? { thinkingLevel: patch.thinkingLevel } : {}),
    pinned: patch.pinned === true,
    archived: patch.archived === true,
    unread: patch.unread === true,
    visibility: 'shared',
    ...(extra.preview !== undefined ? { lastMessagePreview: extra.preview } : {}),
  };
}

/** What the model reads for a tool call whose result never made it into the transcript. */
export const MISSING_TOOL_RESULT_TEXT = '[farclaw] this tool call has no result in the session history (its run was aborted or the gateway stopped before it finished); treat it as failed.';

type ToolResultSlot = { toolCallId: string; toolName: string; output?: { type: 'text' | 'error-text'; value: string } };

/**
 * Transcript rows → the AI SDK's messages. Every provider refuses a history where a tool call is
 * not answered right after its assistant message, so the results are paired here: each call's
 * result (by id, the oldest open call of that id first, since some providers reuse ids) goes in
 * one tool message right behind its call, wherever the row landed (a message queued during a
 * run is stored before the run's results); a call whose run ended without a result (aborted, or
 * the gateway stopped mid-tool) gets an error result saying so; a result without its call (cut
 * off by the context window) is left out.
 */
export function toModelMessages(rows: readonly TranscriptRecord[]): ModelMessage[] {
  const out: (ModelMessage | ToolResultSlot[])[] = [];
  const open = new Map<string, ToolResultSlot[]>();
  for (const r of rows) {
    const m = r.message;
    if (r.role === 'user') out.push({ role: 'user', content: textOf(m.content) });
    else if (r.role === 'assistant') {
      const parts = Array.isArray(m.content) ? (m.content as Record<string, unknown>[]) : [];
      const calls = parts.filter((p) => p.type === 'toolCall');
      const text = textOf(m.content);
      if (calls.length === 0) {
        if (text !== '') out.push({ role: 'assistant', content: text });
        continue;
      }
      out.push({
        role: 'assistant',
        content: [
          ...(text !== '' ? [{ type: 'text' as const, text }] : []),
          ...calls.map((c) => ({ type: 'tool-call' as const, toolCallId: String(c.id), toolName: String(c.name), input: c.arguments ?? {} })),
        ],
      });
      const slots = calls.map((c) => ({ toolCallId: String(c.id), toolName: String(c.name) }));
      for (const slot of slots) open.set(slot.toolCallId, [...(open.get(slot.toolCallId) ?? []), slot]);
      out.push(slots);
    } else if (r.role === 'toolResult') {
      const waiting = open.get(String(m.toolCallId));
      const slot = waiting?.shift();
      if (!slot) continue;
      if (waiting?.length === 0) open.delete(slot.toolCallId);
      slot.output = { type: m.isError === true ? 'error-text' : 'text', value: textOf(m.content) };
    }
  }
  return out.map((m) => Array.isArray(m)
    ? {
        role: 'tool' as const,
        content: m.map((slot) => ({
          type: 'tool-result' as const, toolCallId: slot.toolCallId, toolName: slot.toolName,
          output: slot.output ?? { type: 'error-text' as const, value: MISSING_TOOL_RESULT_TEXT },
        })),
      }
    : m);
}
