import type { BrowserGatewayClient, GatewayEventFrame } from '../client/browser-gateway-client.js';
import { RequestFailed } from '../client/browser-gateway-client.js';

/** One transcript row as chat.history returns it (assistant.md 2); fields we read only. */
export interface TranscriptRow {
  role: string;
  content?: unknown;
  toolCallId?: string;
  toolName?: string;
  isError?: boolean;
  stopReason?: string;
  timestamp?: number;
  __openclaw?: { id?: string; seq?: number; kind?: string };
}

/** A message typed here that the gateway has not acknowledged yet. */
export interface OutboxItem {
  idempotencyKey: string;
  text: string;
  inFlight: boolean;
}

/** A pending exec approval shown inline in the chat (assistant.md 8.3 step 5). */
export interface PendingApproval {
  id: string;
  commandText: string;
  host?: string;
  allowedDecisions: string[];
}

interface HistoryResult {
  kind?: 'delta' | 'reset';
  messages?: unknown[];
  deltaCursor?: string;
  hasMore?: boolean;
}

const PAGE_ROWS = 50;
const NOTIFY_EVERY_MS = 16;

const rowId = (row: TranscriptRow, fallback: string): string => row.__openclaw?.id ?? fallback;

/**
 * The state of one chat session in the page: the transcript rows loaded so far, the catch-up
 * cursor, the answer being streamed, messages waiting to be sent and inline approvals. Rows
 * only ever come from the gateway's transcript (full load or delta since the cursor), so a
 * reconnect can neither lose nor double a message; the streamed text is a preview that the
 * stored row replaces at the end of the run (style B3.6).
 */
export class ChatSession {
  rows: TranscriptRow[] = [];
  hasMore = false;
  loaded = false;
  stream: { runId: string; text: string } | undefined;
  outbox: OutboxItem[] = [];
  approvals = new Map<string, PendingApproval>();
  error: string | undefined;
  private cursor: string | undefined;
  private ids = new Set<string>();
  private limit = PAGE_ROWS;
  private listeners = new Set<() => void>();
  private notifyTimer: ReturnType<typeof setTimeout> | undefined;
  private catchingUp: Promise<void> | undefined;

  constructor(private readonly client: BrowserGatewayClient, readonly sessionKey: string) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Coalesces re-renders: thousands of deltas a second still paint at most once a frame. */
  private notify(): void {
    if (this.notifyTimer !== undefined) return;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = undefined;
      for (const fn of this.listeners) fn();
    }, NOTIFY_EVERY_MS);
  }

  private setRows(rows: TranscriptRow[]): void {
    this.rows = rows;
    this.ids = new Set(rows.map((r, i) => rowId(r, `#${i}`)));
  }

  /** Loads the newest `limit` rows from scratch. */
  async load(limit = this.limit): Promise<void> {
    this.limit = limit;
    const r = await this.client.request<HistoryResult>('chat.history', { sessionKey: this.sessionKey, limit });
    this.setRows((r.messages ?? []) as TranscriptRow[]);
    this.cursor = r.deltaCursor;
    this.hasMore = r.hasMore === true;
    this.loaded = true;
    this.error = undefined;
    this.notify();
  }

  /** Pages back: the next older rows. */
  loadOlder(): Promise<void> {
    return this.load(this.limit + PAGE_ROWS);
  }

  /** Fetches every row after the cursor (after a reconnect, a send or a final). */
  catchUp(): Promise<void> {
    this.catchingUp ??= this.doCatchUp().finally(() => (this.catchingUp = undefined));
    return this.catchingUp;
  }

  private async doCatchUp(): Promise<void> {
    if (!this.cursor) return this.load();
    const r = await this.client.request<HistoryResult>('chat.history', { sessionKey: this.sessionKey, cursor: this.cursor });
    if (r.kind === 'reset') return this.load();
    for (const item of r.messages ?? []) {
      const wrapped = item as { message?: TranscriptRow; messageId?: string };
      const row = wrapped.message ?? (item as TranscriptRow);
      const id = rowId(row, wrapped.messageId ?? `#${this.rows.length}`);
      if (this.ids.has(id)) continue;
      this.ids.add(id);
      this.rows = [...this.rows, row];
    }
    if (r.deltaCursor) this.cursor = r.deltaCursor;
    this.notify();
  }

  /** Feeds a gateway event; events of other sessions are ignored. */
  handleEvent(e: GatewayEventFrame): void {
    const p = (e.payload ?? {}) as Record<string, unknown>;
    if (e.event === 'chat' && p.sessionKey === this.sessionKey) {
      const runId = String(p.runId ?? '');
      if (p.state === 'delta') {
        const snapshot = textOf((p.message as TranscriptRow | undefined)?.content);
        const base = this.stream?.runId === runId ? this.stream.text : '';
        const text = snapshot ?? (p.replace === true ? String(p.deltaText ?? '') : base + String(p.deltaText ?? ''));
        this.stream = { runId, text };
        this.notify();
      } else if (p.state === 'final' || p.state === 'aborted' || p.state === 'error') {
        if (this.stream?.runId === runId || p.state !== 'final') this.stream = undefined;
        this.error = p.state === 'error' ? String(p.errorMessage ?? 'the run failed') : undefined;
        this.notify();
        void this.catchUp().catch(() => undefined);
      }
    } else if (e.event === 'session.message' && p.sessionKey === this.sessionKey) {
      void this.catchUp().catch(() => undefined);
    } else if (e.event === 'exec.approval.requested') {
      this.addApproval(p);
    } else if (e.event === 'exec.approval.resolved' && typeof p.id === 'string') {
      if (this.approvals.delete(p.id)) this.notify();
    }
  }

  /** Adds an `exec.approval.requested` payload (or list entry) that belongs to this session. */
  addApproval(p: Record<string, unknown>): void {
    const req = (p.request ?? {}) as Record<string, unknown>;
    if (typeof p.id !== 'string' || (req.sessionKey !== undefined && req.sessionKey !== this.sessionKey)) return;
    const command = req.command ?? (req.systemRunPlan as { commandText?: unknown } | undefined)?.commandText ?? '';
    this.approvals.set(p.id, {
      id: p.id,
      commandText: Array.isArray(command) ? command.join(' ') : String(command),
      ...(typeof req.host === 'string' ? { host: req.host } : {}),
      allowedDecisions: Array.isArray(req.allowedDecisions) ? req.allowedDecisions.map(String) : ['allow-once', 'deny'],
    });
    this.notify();
  }

  async resolveApproval(id: string, decision: string): Promise<void> {
    await this.client.request('exec.approval.resolve', { id, decision });
    this.approvals.delete(id);
    this.notify();
  }

  /** Queues a message; it is sent now, or once the connection is back. */
  send(text: string): void {
    this.outbox = [...this.outbox, { idempotencyKey: crypto.randomUUID(), text, inFlight: false }];
    this.notify();
    void this.flush();
  }

  /**
   * Sends what is queued. A retry after a lost connection reuses the idempotency key, so the
   * gateway runs each message once even when the first attempt did reach it (assistant.md 6).
   */
  async flush(): Promise<void> {
    if (!this.client.isOnline) return;
    for (const item of this.outbox) {
      if (item.inFlight) continue;
      item.inFlight = true;
      try {
        await this.client.request('chat.send', { sessionKey: this.sessionKey, message: item.text, deliver: false, idempotencyKey: item.idempotencyKey });
        this.outbox = this.outbox.filter((o) => o !== item);
        this.error = undefined;
        await this.catchUp().catch(() => undefined);
      } catch (err) {
        item.inFlight = false;
        if (err instanceof RequestFailed) {
          this.outbox = this.outbox.filter((o) => o !== item);
          this.error = err.message;
        }
      }
      this.notify();
    }
  }

  async abort(): Promise<void> {
    const runId = this.stream?.runId;
    await this.client.request('chat.abort', { sessionKey: this.sessionKey, ...(runId ? { runId } : {}) });
  }
}

/** The concatenated text parts of a row's content (a string or an array of parts). */
export function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts = content.filter((c): c is { type: 'text'; text: string } => (c as { type?: unknown })?.type === 'text' && typeof (c as { text?: unknown }).text === 'string');
  return texts.length > 0 ? texts.map((t) => t.text).join('\n\n') : undefined;
}
