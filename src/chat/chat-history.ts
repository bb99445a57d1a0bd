import type { TranscriptRecord } from '../store/transcript-repo.js';
import type { ChatService } from './chat-service.js';
import { toWireRow, type WireRow } from './rows.js';
import { activitySummary } from './tool-activity.js';

export const DEFAULT_HISTORY_LIMIT = 200;
/** A catch-up longer than this answers `reset` (the client reloads the page instead). */
const MAX_DELTA_ROWS = 1000;

/** The opaque catch-up cursor (assistant.md 7): base64url JSON with the session id and last seq. */
interface Cursor {
  agentId: string;
  generation: string;
  lastSeq: number;
  sessionId: string;
  version: 1;
}

export function encodeCursor(c: Omit<Cursor, 'version'>): string {
  return Buffer.from(JSON.stringify({ ...c, version: 1 })).toString('base64url');
}

function decodeCursor(text: string): Cursor | undefined {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (c.version !== 1 || typeof c.sessionId !== 'string' || typeof c.lastSeq !== 'number' || !Number.isInteger(c.lastSeq) || c.lastSeq < 0) return undefined;
    return c as Cursor;
  } catch {
    return undefined;
  }
}

export interface HistoryParams {
  limit?: number;
  maxBytes?: number;
  cursor?: string;
  /** Rows skipped from the newest end (older pages). */
  offset?: number;
}

/** `pendingInputs`: messages queued behind the active run. */
function pendingInputs(svc: ChatService, sessionKey: string): { items: unknown[]; total: number } {
  const items = svc.runs.withStatus('queued').filter((r) => r.sessionKey === sessionKey && !svc.activeRunIds(sessionKey).includes(r.runId))
    .map((r) => ({ runId: r.runId, text: r.request.message, createdAt: r.createdAtMs }));
  return { items, total: items.length };
}

/** The newest rows within `limit` and `maxBytes` (oldest dropped first), oldest first. */
export function page(rows: TranscriptRecord[], maxBytes: number | undefined): WireRow[] {
  const wire = rows.map(toWireRow);
  if (maxBytes === undefined) return wire;
  let total = 0;
  let first = wire.length;
  while (first > 0) {
    const size = Buffer.byteLength(JSON.stringify(wire[first - 1]));
    if (total + size > maxBytes && first < wire.length) break;
    total += size;
    first -= 1;
  }
  return wire.slice(first);
}

/**
 * `chat.history` / `chat.startup` (assistant.md 3.2, 7): a page of the newest rows, or with a
 * cursor every row after it as session.message items, or `{kind:"reset"}` when the cursor
 * cannot be honoured (other transcript, or too far behind).
 */
export function history(svc: ChatService, sessionKey: string, params: HistoryParams, withCursor: boolean): Record<string, unknown> {
  const rec = svc.sessions.get(sessionKey);
  const sessionInfo = { ...svc.row(sessionKey, rec), activeRunIds: svc.activeRunIds(sessionKey) };
  const defaults = { modelProvider: svc.modelDefaults().provider, model: svc.modelDefaults().model, contextTokens: svc.modelDefaults().contextTokens,
    agentRuntime: { id: 'auto', cloudPlacementSupported: false, devicePlacementSupported: false, source: 'implicit' }, modelSelectionTarget: 'session' };
  const cursorOf = (lastSeq: number): string | undefined =>
    rec ? encodeCursor({ agentId: rec.agentId, generation: rec.sessionId, lastSeq, sessionId: rec.sessionId }) : undefined;
  if (params.cursor !== undefined) {
    const c = decodeCursor(params.cursor);
    if (!c || !rec || c.sessionId !== rec.sessionId || c.lastSeq > rec.lastSeq || rec.lastSeq - c.lastSeq > MAX_DELTA_ROWS) {
      return { kind: 'reset', sessionKey, pendingInputs: pendingInputs(svc, sessionKey), sessionInfo };
    }
    const rows = svc.transcript.since(sessionKey, c.lastSeq, MAX_DELTA_ROWS);
    return {
      kind: 'delta', messages: rows.map((r) => svc.messageEvent(r)), deltaCursor: cursorOf(rows.at(-1)?.seq ?? c.lastSeq),
      pendingInputs: pendingInputs(svc, sessionKey), sessionInfo,
    };
  }
  const limit = params.limit ?? DEFAULT_HISTORY_LIMIT;
  const offset = params.offset ?? 0;
  const rows = rec ? svc.transcript.page(sessionKey, limit, offset) : [];
  const messages = page(rows, params.maxBytes);
  // Rows are only ever appended (each takes the next seq) or deleted with their session, so the
  // last seq is the count, without counting the session's rows at every call.
  const total = rec?.lastSeq ?? 0;
  const deltaCursor = withCursor ? cursorOf(rec?.lastSeq ?? 0) : undefined;
  const activity = activitySummary(messages);
  return {
    sessionKey, ...(rec ? { sessionId: rec.sessionId } : {}), messages, ...(activity.length > 0 ? { activity } : {}), pendingInputs: pendingInputs(svc, sessionKey),
    ...(deltaCursor ? { deltaCursor } : {}),
    // nextOffset is the `offset` of the next older page, present while there is one (chat-abort.json).
    ...(offset + messages.length < total ? { nextOffset: offset + messages.length } : {}),
    hasMore: offset + messages.length < total, totalMessages: total, defaults, sessionInfo,
  };
}
