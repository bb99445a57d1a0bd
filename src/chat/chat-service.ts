import { EventEmitter } from 'node:events';
import type { ToolSet } from 'ai';
import type { Database } from 'better-sqlite3';
import { describeDefaultModel, resolveModel, DEFAULT_CONTEXT_TOKENS } from '../agent/providers.js';
import type { FarclawConfig } from '../infra/config-schema.js';
import { agentIdOf, canonicalSessionKey } from '../sessions/session-key.js';
import { ChatRunRepo, type RunRecord } from '../store/chat-run-repo.js';
import { SessionRepo, type SessionRecord } from '../store/session-repo.js';
import { TranscriptRepo, type NewTranscriptRow, type TranscriptRecord } from '../store/transcript-repo.js';
import { ChatRun, type RunHost, type RunResult, type ToolRunContext } from './chat-run.js';
import type { Audience, ChatEventSink, RunEvent } from './events.js';
import { sessionRow, toWireRow } from './rows.js';
import { buildSystemPrompt } from './system-prompt.js';

/** Limits of one run. */
export interface RunSettings {
  maxSteps: number;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
}

const DEFAULT_SETTINGS: RunSettings = { maxSteps: 8, timeoutMs: 600_000, maxAttempts: 3, retryBaseMs: 1_000 };
/** Rows of context the model is shown at most (newest first). */
const CONTEXT_ROWS = 200;
/** Finished runs are remembered this long for replays (assistant.md 6: "minutes" at least). */
const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
const INTERRUPTED_TEXT = 'Run interrupted: the gateway stopped while this reply was being generated.';

export interface ChatServiceOptions {
  db: Database;
  config: FarclawConfig;
  sink: ChatEventSink;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  settings?: Partial<RunSettings>;
  workspaceDir?: string;
  /** Tools offered to the model in a session (node tools plug in here). */
  tools?: (run: ToolRunContext) => Promise<ToolSet | undefined> | ToolSet | undefined;
}

/** Who sent a message: an operator client, or a channel peer. */
export interface MessageOrigin {
  clientId?: string;
  clientMode?: string;
  channel?: string;
  senderId?: string;
  senderIsOwner?: boolean;
}

export interface SendOptions {
  /** The run's id (assistant.md 3.1: runId = idempotencyKey). */
  idempotencyKey: string;
  origin?: MessageOrigin;
  /** `agent` runs emit no chat status phases (assistant.md 3.5). */
  kind?: 'chat' | 'agent';
  extraSystemPrompt?: string;
  /** `createdVia` of a session this message creates (default `operator`). */
  createdVia?: string;
  /**
   * What the message does while the session has an active run (assistant.md 3.1, OpenClaw's
   * queue modes): `interrupt` aborts that run and is answered next; the others wait their turn in
   * order (`followup`; `steer` and `collect` too: our runs take no same-turn steering, and a
   * queued turn already sees every earlier user row).
   */
  queueMode?: QueueMode;
}

/** chat.send's `queueMode` values. */
export type QueueMode = 'steer' | 'followup' | 'collect' | 'interrupt';

/** A run in progress or queued: its events and its end. */
export class RunHandle extends EventEmitter<{ event: [RunEvent] }> {
  readonly done: Promise<RunResult>;
  /** @internal */ resolve!: (r: RunResult) => void;
  constructor(readonly runId: string, readonly sessionKey: string) {
    super();
    this.done = new Promise((r) => (this.resolve = r));
  }
}

/** What `send` answers: a new run, a run already going, or the stored outcome of a finished one. */
export type SendResult =
  | { status: 'started' | 'in_flight'; runId: string; sessionKey: string; handle: RunHandle; messageSeq?: number; interruptedActiveRun?: boolean }
  | { status: 'ok' | 'error' | 'timeout'; runId: string; sessionKey: string; replay: Record<string, unknown> };

/**
 * The assistant's chat service: sessions, transcripts and agent runs. The gateway's methods and
 * in-process callers (channels, node tools) use the same instance.
 */
export class ChatService {
  readonly sessions: SessionRepo;
  readonly transcript: TranscriptRepo;
  readonly runs: ChatRunRepo;
  private readonly active = new Map<string, { run: ChatRun; handle: RunHandle }>();
  private readonly handles = new Map<string, RunHandle>();
  private readonly settings: RunSettings;
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly opts: ChatServiceOptions) {
    this.now = opts.now ?? Date.now;
    this.sessions = new SessionRepo(opts.db, this.now);
    this.transcript = new TranscriptRepo(opts.db, this.now, this.sessions);
    this.runs = new ChatRunRepo(opts.db, this.now);
    this.settings = { ...DEFAULT_SETTINGS, ...timeoutFromConfig(opts.config), ...opts.settings };
  }

  get config(): FarclawConfig {
    return this.opts.config;
  }

  /** Canonical form of a client's key (`main` → `agent:main:main`); throws SessionKeyError. */
  canonicalKey(key: string): string {
    return canonicalSessionKey(key, this.opts.config);
  }

  private defaults: { provider: string; model: string; contextTokens: number } | undefined;

  /**
   * Model defaults as hello-ok, chat.history and sessions.list report them. Worked out once: the
   * config and environment are fixed for the service's life, and every session row carries them.
   */
  modelDefaults(): { provider: string; model: string; contextTokens: number } {
    this.defaults ??= describeDefaultModel(this.opts.config, this.opts.env ?? process.env) ?? { provider: 'unknown', model: 'unknown', contextTokens: DEFAULT_CONTEXT_TOKENS };
    return { ...this.defaults };
  }

  activeRunIds(sessionKey: string): string[] {
    const a = this.active.get(sessionKey);
    return a ? [a.run.runId] : [];
  }

  /** The session row as clients see it (assistant.md 1.2). */
  row(key: string, rec: Readonly<SessionRecord> | undefined = this.sessions.get(key)): Record<string, unknown> {
    return sessionRow(key, rec, this.opts.config, { activeRunIds: this.activeRunIds(key), model: this.modelDefaults() });
  }

  emit(event: string, payload: Record<string, unknown>, audience: Audience, live = false): void {
    if (this.heldEvents) {
      this.heldEvents.push([event, payload, audience, live]);
      return;
    }
    this.opts.sink.emit(event, payload, audience, live);
    const runId = typeof payload.runId === 'string' ? payload.runId : undefined;
    if (runId && (event === 'chat' || event === 'agent')) this.handles.get(runId)?.emit('event', { event, payload });
  }

  /** Events emitted inside `atomically`, sent once its transaction committed. */
  private heldEvents: Parameters<ChatService['emit']>[] | undefined;

  /**
   * Runs `fn`'s writes as one transaction (one commit instead of one per write: a run's start
   * and end each took three), its events held until the commit, so nobody hears of a row that
   * was rolled back. Nested, it is a savepoint of the outer one, whose commit sends the events.
   */
  private atomically<T>(fn: () => T): T {
    if (this.heldEvents) return this.opts.db.transaction(fn)();
    this.heldEvents = [];
    let held: Parameters<ChatService['emit']>[];
    let result: T;
    try {
      result = this.opts.db.transaction(fn)();
    } finally {
      held = this.heldEvents;
      this.heldEvents = undefined;
    }
    for (const e of held) this.emit(...e);
    return result;
  }

  /** Whether an event for `audience` could reach anyone (the sink decides; by default yes). */
  private isHeard(audience: Audience): boolean {
    return this.opts.sink.isHeard?.(audience) ?? true;
  }

  private metadataAnnounced = false;

  /** Broadcasts a `sessions.changed` with the current row flattened in (assistant.md 3.7). */
  sessionsChanged(sessionKey: string, fields: Record<string, unknown>): void {
    if (!this.isHeard({ kind: 'sessions' })) return;
    const row = this.row(sessionKey);
    this.emit('sessions.changed', { sessionKey, agentId: agentIdOf(sessionKey), ...row, ...fields, ts: this.now(), session: row, key: undefined }, { kind: 'sessions' });
  }

  /** A `session.message` payload for a stored row (also the delta catch-up item, assistant.md 7). */
  messageEvent(r: TranscriptRecord): Record<string, unknown> {
    const row = this.row(r.sessionKey);
    // The session row is flattened in beside `session` (assistant.md 3.7).
    return { ...row, key: undefined, sessionKey: r.sessionKey, agentId: agentIdOf(r.sessionKey), message: toWireRow(r), messageId: r.id, messageSeq: r.seq, session: row };
  }

  /** Stores a row and (unless `broadcast` is false) sends it to the session's subscribers. */
  appendRow(sessionKey: string, row: NewTranscriptRow, broadcast = true): TranscriptRecord {
    const stored = this.transcript.append(sessionKey, row);
    const audience: Audience = { kind: 'session', sessionKey };
    if (broadcast && this.isHeard(audience)) this.emit('session.message', this.messageEvent(stored), audience);
    return stored;
  }

  /**
   * Sends a user message (chat.send, agent, a channel): stores it, then starts a run or queues it
   * behind the session's active run. Returns at once; a replay of the idempotency key never
   * starts a second run (assistant.md 6), also after a restart (runs are in SQLite).
   */
  send(sessionKeyIn: string, message: string, opts: SendOptions): SendResult {
    const sessionKey = this.canonicalKey(sessionKeyIn);
    const runId = opts.idempotencyKey;
    const replay = this.replay(runId, sessionKey);
    if (replay) return replay;
    const kind = opts.kind ?? 'chat';
    const o = opts.origin ?? {};
    const transport = o.channel ? { channel: o.channel, ...(o.senderId ? { senderId: o.senderId } : {}) } : { clients: [{ id: o.clientId ?? 'unknown', mode: o.clientMode ?? 'unknown' }] };
    const active = this.active.get(sessionKey);
    const wasAnnounced = this.metadataAnnounced;
    let sent: { sessionId: string; userRow: TranscriptRecord };
    try {
      // The session, the run and the user's row are stored together or not at all.
      sent = this.atomically(() => {
        const { record, created } = this.sessions.ensure(sessionKey, agentIdOf(sessionKey), opts.createdVia ?? 'operator');
        this.runs.insert({ runId, sessionKey, kind, status: 'queued', request: {
          message, kind, ...(opts.extraSystemPrompt ? { extraSystemPrompt: opts.extraSystemPrompt } : {}), ...(opts.queueMode ? { queueMode: opts.queueMode } : {}),
        } });
        // A send into an existing session announces `send` first; a session the send creates gets only
        // `participants` (chat-stream.json vs sessions.json).
        if (!created) this.sessionsChanged(sessionKey, { reason: 'send', status: 'running' });
        this.sessionsChanged(sessionKey, { reason: 'participants', status: 'running' });
        if (!this.metadataAnnounced) {
          // The first send of the process prepares the model runtime; every operator is told once to
          // refetch chat.metadata (chat-stream.json, chat.json; later captures show no such event).
          this.metadataAnnounced = true;
          this.emit('chat.metadata.changed', {}, { kind: 'operators' });
        }
        const userRow = this.appendRow(sessionKey, {
          role: 'user', kind: 'message', runId, idempotencyKey: `${runId}:user`, inContext: true,
          message: { role: 'user', content: message, timestamp: this.now(), idempotencyKey: `${runId}:user`, senderIsOwner: o.senderIsOwner ?? true, transport },
        });
        if (active) this.sessions.setStatus(sessionKey, 'queued');
        return { sessionId: record.sessionId, userRow };
      });
    } catch (err) {
      this.metadataAnnounced = wasAnnounced;
      throw err;
    }
    const { userRow } = sent;
    const handle = new RunHandle(runId, sessionKey);
    this.handles.set(runId, handle);
    if (!active) queueMicrotask(() => this.startRun(runId, sessionKey, sent.sessionId));
    // The aborted run ends on its own; its end starts this one ahead of older queued messages.
    if (active && opts.queueMode === 'interrupt') active.run.abortController.abort(new Error('interrupted by a newer message'));
    return { status: 'started', runId, sessionKey, handle, messageSeq: userRow.seq, ...(active && opts.queueMode === 'interrupt' ? { interruptedActiveRun: true } : {}) };
  }

  /** The answer to a repeated idempotency key, or undefined when the key is new. */
  private replay(runId: string, sessionKey: string): SendResult | undefined {
    const live = this.handles.get(runId);
    if (live) return { status: 'in_flight', runId, sessionKey: live.sessionKey, handle: live };
    const rec = this.runs.get(runId);
    if (!rec) return undefined;
    if (rec.status === 'queued' || rec.status === 'running') {
      // Only a run of a previous process can be here (recover() closes those at start).
      return { status: 'error', runId, sessionKey: rec.sessionKey, replay: { runId, status: 'error', summary: INTERRUPTED_TEXT } };
    }
    return { ...replayOf(rec), sessionKey };
  }

  private startRun(runId: string, sessionKey: string, sessionId: string): void {
    const handle = this.handles.get(runId);
    const rec = this.runs.get(runId);
    if (!handle || !rec || this.stopped) return;
    const run = new ChatRun(this.host(), runId, sessionKey, agentIdOf(sessionKey), sessionId, rec.kind,
      typeof rec.request.extraSystemPrompt === 'string' ? rec.request.extraSystemPrompt : undefined,
      typeof rec.request.message === 'string' ? rec.request.message : '');
    this.active.set(sessionKey, { run, handle });
    this.atomically(() => {
      this.runs.markStarted(runId);
      this.sessions.setStatus(sessionKey, 'running');
    });
    void run.execute().then((result) => this.onRunEnded(result, sessionKey, handle));
  }

  private onRunEnded(result: RunResult, sessionKey: string, handle: RunHandle): void {
    const runStatus = result.status;
    this.atomically(() => {
      this.runs.finish(result.runId, runStatus, { ...result });
      if (result.usage) this.sessions.addUsage(sessionKey, result.usage.input, result.usage.output);
      this.sessions.setStatus(sessionKey, runStatus === 'ok' ? 'done' : runStatus === 'aborted' ? 'killed' : runStatus === 'timeout' ? 'timeout' : 'failed');
    });
    this.active.delete(sessionKey);
    this.handles.delete(result.runId);
    handle.resolve(result);
    const next = nextQueued(this.runs.withStatus('queued').filter((r) => r.sessionKey === sessionKey));
    const session = this.sessions.get(sessionKey);
    if (next && session && this.handles.has(next.runId)) this.startRun(next.runId, sessionKey, session.sessionId);
  }

  private host(): RunHost {
    return {
      emit: (e, p, a, live) => this.emit(e, p, a, live),
      isHeard: (a, runId) => this.isHeard(a) || (this.handles.get(runId)?.listenerCount('event') ?? 0) > 0,
      appendRow: (k, r, broadcast) => this.appendRow(k, r, broadcast),
      sessionRow: (k) => this.row(k),
      sessionsChanged: (k, f) => this.sessionsChanged(k, f),
      contextRows: (k) => this.transcript.context(k, CONTEXT_ROWS),
      resolveModel: () => resolveModel(this.opts.config, this.opts.env ?? process.env),
      systemPrompt: (extra) => buildSystemPrompt({ now: this.now(), ...(this.opts.workspaceDir ? { workspaceDir: this.opts.workspaceDir } : {}), ...(extra ? { extra } : {}) }),
      tools: (run) => this.opts.tools?.(run),
      settings: this.settings,
      now: this.now,
    };
  }

  /** Aborts the session's active run (or the given one); returns the aborted run ids (assistant.md 3.3). */
  async abort(sessionKeyIn: string, runId?: string): Promise<string[]> {
    const sessionKey = this.canonicalKey(sessionKeyIn);
    const a = this.active.get(sessionKey);
    if (!a || (runId !== undefined && a.run.runId !== runId)) return [];
    a.run.abortController.abort(new Error('aborted by rpc'));
    await a.handle.done;
    return [a.run.runId];
  }

  /** Appends an operator note without a model call (assistant.md 3.4). */
  inject(sessionKeyIn: string, message: string, label?: string): TranscriptRecord {
    const sessionKey = this.canonicalKey(sessionKeyIn);
    this.sessions.ensure(sessionKey, agentIdOf(sessionKey), 'operator');
    const text = label ? `[${label}]\n\n${message}` : message;
    const zero = { input: 0, output: 0, totalTokens: 0, cacheRead: 0, cacheWrite: 0, cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 } };
    const body = { role: 'assistant', content: [{ type: 'text', text }], timestamp: this.now(), stopReason: 'stop', usage: zero, api: 'openai-responses', provider: 'openclaw', model: 'gateway-injected' };
    const stored = this.transcript.append(sessionKey, { role: 'assistant', kind: 'injected', inContext: true, message: body });
    this.emit('chat', { runId: `inject-${stored.id}`, sessionKey, agentId: agentIdOf(sessionKey), seq: 0, state: 'final', message: body }, { kind: 'run', sessionKey });
    const audience: Audience = { kind: 'session', sessionKey };
    if (this.isHeard(audience)) this.emit('session.message', this.messageEvent(stored), audience);
    return stored;
  }

  /** A live run's handle, if it is running or queued in this process. */
  handle(runId: string): RunHandle | undefined {
    return this.handles.get(runId);
  }

  /** The outcome of a run, waiting up to `timeoutMs` (assistant.md 4.2); undefined on timeout/unknown. */
  async wait(runId: string, timeoutMs: number): Promise<RunResult | undefined> {
    const live = this.handles.get(runId);
    if (live) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs)));
      try {
        return await Promise.race([live.done, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    const rec = this.runs.get(runId);
    if (rec?.outcome && rec.status !== 'queued' && rec.status !== 'running') return rec.outcome as unknown as RunResult;
    await new Promise((r) => setTimeout(r, timeoutMs));
    return undefined;
  }

  /**
   * Start-up recovery (OpenClaw #114255): runs a dead process left running end as failed with a
   * row saying why; queued messages start again in order; old outcomes are pruned.
   */
  recover(): void {
    for (const rec of this.runs.withStatus('running')) {
      this.runs.finish(rec.runId, 'interrupted', { runId: rec.runId, status: 'error', error: { kind: 'unknown', message: INTERRUPTED_TEXT } });
      if (this.sessions.get(rec.sessionKey)) {
        this.transcript.append(rec.sessionKey, {
          role: 'assistant', kind: 'interrupted', runId: rec.runId, inContext: false,
          message: { role: 'assistant', content: [{ type: 'text', text: INTERRUPTED_TEXT }], stopReason: 'error', errorMessage: INTERRUPTED_TEXT, timestamp: this.now() },
        });
      }
    }
    for (const s of this.sessions.listStuck()) this.sessions.setStatus(s.key, 'failed');
    this.runs.prune(this.now() - IDEMPOTENCY_WINDOW_MS);
    for (const rec of this.runs.withStatus('queued')) {
      const session = this.sessions.get(rec.sessionKey);
      if (!session) continue;
      this.handles.set(rec.runId, new RunHandle(rec.runId, rec.sessionKey));
      if (!this.active.has(rec.sessionKey)) this.startRun(rec.runId, rec.sessionKey, session.sessionId);
    }
  }

  /** Aborts every active run (gateway stop); their outcomes are stored before this resolves. */
  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.active.values()];
    for (const a of all) a.run.abortController.abort(new Error('gateway stopping'));
    await Promise.all(all.map((a) => a.handle.done));
  }
}

function timeoutFromConfig(config: FarclawConfig): Partial<RunSettings> {
  const s = config.agents?.defaults?.timeoutSeconds;
  return s ? { timeoutMs: s * 1000 } : {};
}

/** The replay answer for a finished run (assistant.md 6). */
function replayOf(rec: RunRecord): { status: 'ok' | 'error' | 'timeout'; runId: string; replay: Record<string, unknown> } {
  const outcome = (rec.outcome ?? {}) as Partial<RunResult>;
  if (rec.status === 'ok') return { status: 'ok', runId: rec.runId, replay: { runId: rec.runId, status: 'ok' } };
  if (rec.status === 'aborted') {
    return { status: 'timeout', runId: rec.runId, replay: { runId: rec.runId, status: 'timeout', summary: 'aborted', stopReason: 'rpc', endedAt: rec.endedAtMs } };
  }
  const summary = outcome.error?.message ?? INTERRUPTED_TEXT;
  return { status: 'error', runId: rec.runId, replay: { runId: rec.runId, status: 'error', summary } };
}

/** The queued run that goes next: the newest `interrupt` message, else the oldest (FIFO). */
function nextQueued<T extends { request: Record<string, unknown> }>(queued: T[]): T | undefined {
  return queued.filter((r) => r.request.queueMode === 'interrupt').at(-1) ?? queued[0];
}
