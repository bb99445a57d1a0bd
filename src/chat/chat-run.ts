import { randomUUID } from 'node:crypto';
import type { ToolSet } from 'ai';
import type { LoopEvent, LoopOutcome } from '../agent/agent-loop.js';
import { NoModelError, type ResolvedModel } from '../agent/providers.js';
import type { RunError } from '../agent/errors.js';
import type { TranscriptRecord } from '../store/transcript-repo.js';
import { toModelMessages } from './rows.js';
import type { Audience } from './events.js';
import { RunTask } from './run-task.js';
import { DeltaPacer } from './delta-pacer.js';
import { flattenedRow, ToolActivity, type ExecRunDetails } from './tool-activity.js';

/** Live text waiting for its turn: the agent `assistant` delta and the chat `deltaText` since the last send. */
interface PendingText {
  block: number;
  delta: string;
  deltaText: string;
}

/** What a run needs from its service: storage, event delivery and settings. */
export interface RunHost {
  /** `live`: a reply's streaming text (ChatEventSink.emit). */
  emit(event: string, payload: Record<string, unknown>, audience: Audience, live?: boolean): void;
  /** Whether an event of run `runId` for `audience` could reach anyone (a connection, or an in-process listener of the run). */
  isHeard(audience: Audience, runId: string): boolean;
  /** Stores a row and (unless `broadcast` is false) sends it as `session.message`. */
  appendRow(sessionKey: string, row: Parameters<import('../store/transcript-repo.js').TranscriptRepo['append']>[1], broadcast?: boolean): TranscriptRecord;
  /** The session row (assistant.md 1.2) as events carry it. */
  sessionRow(sessionKey: string): Record<string, unknown>;
  sessionsChanged(sessionKey: string, fields: Record<string, unknown>): void;
  contextRows(sessionKey: string): TranscriptRecord[];
  resolveModel(): Promise<ResolvedModel>;
  systemPrompt(extra?: string): string;
  /** May load the tools' modules on first use, hence a promise. */
  tools(run: ToolRunContext): Promise<ToolSet | undefined> | ToolSet | undefined;
  settings: { maxSteps: number; timeoutMs: number; maxAttempts: number; retryBaseMs: number };
  now(): number;
}

/** What a run tells the tools it offers: whose run it is, and a way to add agent events to it. */
export interface ToolRunContext {
  runId: string;
  sessionKey: string;
  agentId: string;
  sessionId: string;
  /** Emits an `agent` event of this run (e.g. lifecycle `waiting-approval`, assistant.md 4.3). */
  agentEvent(stream: string, data: Record<string, unknown>): void;
  /** What an exec call ran (exit code, duration, output), for its result and `command_output` events. */
  toolDetails(toolCallId: string, details: ExecRunDetails): void;
}

/** The terminal state of a run, kept for replays and `agent.wait` (assistant.md 4.2, 6). */
export interface RunResult {
  runId: string;
  status: 'ok' | 'aborted' | 'timeout' | 'error';
  text: string;
  stopReason: string;
  startedAt: number;
  endedAt: number;
  provider?: string;
  model?: string;
  sessionId?: string;
  usage?: LoopOutcome['usage'];
  error?: RunError;
}

/** One agent turn of a session: drives the loop and turns its events into chat/agent events. */
export class ChatRun {
  private seq = 0;
  readonly abortController = new AbortController();
  private readonly itemBase = randomUUID();
  private startedAt = 0;

  constructor(
    private readonly host: RunHost,
    readonly runId: string,
    readonly sessionKey: string,
    readonly agentId: string,
    private readonly sessionId: string,
    /** `chat` runs show status phases; `agent` runs do not (assistant.md 3.5). */
    private readonly kind: 'chat' | 'agent',
    private readonly extraSystemPrompt?: string,
    /** The user's message: an `agent` run's task title. */
    private readonly title = '',
  ) {}

  /** `agent` runs report a task (assistant.md 3.7); chat.send runs do not. */
  private task: RunTask | undefined;

  private base(): Record<string, unknown> {
    return { runId: this.runId, sessionKey: this.sessionKey, agentId: this.agentId };
  }

  /** Live text goes out at most every 75 ms, and before any other event of the run (assistant.md 3.5). */
  private readonly pacer = new DeltaPacer<PendingText>(
    (t) => this.sendText(t),
    (a, b) => ({ block: b.block, delta: a.delta + b.delta, deltaText: a.deltaText + b.deltaText }),
  );

  private chat(seq: number, fields: Record<string, unknown>, live = false): void {
    this.pacer.flush();
    this.host.emit('chat', { ...this.base(), seq, ...fields }, { kind: 'run', sessionKey: this.sessionKey }, live);
  }

  private agent(stream: string, data: Record<string, unknown>, opts: { seq?: number; toolEvents?: boolean; sessionId?: boolean; lane?: boolean; sessionRow?: boolean; live?: boolean } = {}): number {
    this.pacer.flush();
    const seq = opts.seq ?? ++this.seq;
    // chat.send runs carry isHeartbeat (and `lane` on the closing model event); `agent` runs
    // carry neither (chat-stream.json vs agent-run.json).
    const isChat = this.kind === 'chat';
    const audience: Audience = { kind: 'run', sessionKey: this.sessionKey, ...(opts.toolEvents ? { toolEvents: true } : {}) };
    // A tool event nobody may receive (no connection sent caps ["tool-events"], no in-process
    // listener of the run) is not built: its seq is still taken, so the numbering is the same
    // whoever listens.
    if (opts.toolEvents && !this.host.isHeard(audience, this.runId)) return seq;
    // `tool` events carry the session row, flattened and as `session` (agent-node-exec.json).
    const row = opts.sessionRow ? this.host.sessionRow(this.sessionKey) : undefined;
    this.host.emit('agent', {
      ...this.base(), ...(opts.sessionId ? { sessionId: this.sessionId } : {}), ...(opts.lane && isChat ? { lane: 'main' } : {}),
      stream, data, seq, ts: this.host.now(), ...(isChat ? { isHeartbeat: false } : {}),
      ...(row ? { ...flattenedRow(row), session: row } : {}),
    }, audience, opts.live);
    return seq;
  }

  /** The lifecycle `model` event that closes the model step (provider/model null). */
  private modelStepEnded(): void {
    this.agent('lifecycle', { phase: 'model', provider: null, model: null }, { sessionId: true, lane: true });
  }

  private status(phase: string, extra: Record<string, unknown> = {}): void {
    if (this.kind !== 'chat') return;
    const seq = ++this.seq;
    this.chat(seq, { state: 'status', phase, ...extra });
    this.agent('run_status', { phase, ...extra }, { seq });
  }

  /** Runs the turn to its end; never throws (failures end in the `error` state). */
  async execute(): Promise<RunResult> {
    this.startedAt = this.host.now();
    if (this.kind === 'agent') {
      this.task = new RunTask((payload) => this.host.emit('task', payload, { kind: 'run', sessionKey: this.sessionKey }),
        { runId: this.runId, sessionKey: this.sessionKey, agentId: this.agentId, title: this.title }, () => this.host.now());
      this.task.started();
    }
    this.status('preparing_workspace');
    this.status('preparing_context');
    let model: ResolvedModel;
    try {
      model = await this.host.resolveModel();
    } catch (err) {
      const error: RunError = err instanceof NoModelError
        ? { kind: 'no_model', message: err.message, status: undefined }
        : { kind: 'unknown', message: 'Could not set up the model provider.', status: undefined };
      return this.finishWithoutModel(error);
    }
    this.agent('lifecycle', { phase: 'start', startedAt: this.startedAt }, { sessionId: true });
    this.status('starting_model');
    this.host.sessionsChanged(this.sessionKey, { reason: 'agent.run.started', status: 'running' });
    this.host.sessionsChanged(this.sessionKey, { phase: 'start', runId: this.runId });
    const tools = await this.host.tools({
      runId: this.runId, sessionKey: this.sessionKey, agentId: this.agentId, sessionId: this.sessionId,
      agentEvent: (stream, data) => void this.agent(stream, data, { sessionId: true }),
      toolDetails: (toolCallId, details) => void this.toolDetails.set(toolCallId, details),
    });
    // The loop (and the AI SDK under it) loads with the first run, so an idle gateway never holds it.
    const { runAgentLoop } = await import('../agent/agent-loop.js');
    const outcome = await runAgentLoop({
      model,
      system: this.host.systemPrompt(this.extraSystemPrompt),
      messages: toModelMessages(this.host.contextRows(this.sessionKey)),
      ...(tools ? { tools } : {}),
      maxSteps: this.host.settings.maxSteps,
      timeoutMs: this.host.settings.timeoutMs,
      signal: this.abortController.signal,
      maxAttempts: this.host.settings.maxAttempts,
      retryBaseMs: this.host.settings.retryBaseMs,
      onEvent: (e) => this.onLoopEvent(e, model),
    });
    this.pacer.flush();
    if (outcome.status === 'ok') return this.finishOk(outcome, model);
    if (outcome.status === 'aborted') return this.finishAborted(outcome, model);
    return this.finishError(outcome, model);
  }

  private sawModelPhase = false;
  private currentBlock = -1;
  private blockText = '';

  private onLoopEvent(e: LoopEvent, model: ResolvedModel): void {
    switch (e.type) {
      case 'model':
        this.agent('lifecycle', { phase: 'model', provider: e.provider, model: e.model }, { sessionId: true });
        break;
      case 'retry':
        this.status('retry', { retry: { attempt: e.attempt, maxAttempts: e.maxAttempts, reason: e.reason } });
        break;
      case 'text': {
        let deltaText = e.delta;
        if (e.block !== this.currentBlock) {
          // A block after a tool call starts with "\n\n" in the chat stream (assistant.md 3.5).
          if (this.currentBlock >= 0 || e.block > 0) deltaText = `\n\n${e.delta}`;
          // A new block is a new agent item: the previous one's text goes out first.
          this.pacer.flush();
          this.currentBlock = e.block;
          this.blockText = '';
        }
        this.blockText += e.delta;
        this.cumulative += deltaText;
        this.pacer.push({ block: e.block, delta: e.delta, deltaText });
        break;
      }
      case 'tool-call':
        this.toolCall(e);
        break;
      case 'step-end':
        this.stepEnd(e.outputTokens, model);
        break;
      case 'tool-result':
        this.toolResult(e);
        break;
    }
  }

  /** The current step's tool calls, reported when the model's answer is complete. */
  private stepCalls: { activity: ToolActivity; args: unknown }[] = [];
  private stepPreamble: { itemId: string; text: string; precedingText: string } | undefined;
  private readonly activities = new Map<string, ToolActivity>();
  private readonly toolDetails = new Map<string, ExecRunDetails>();
  private preambles = 0;

  /** A tool call as the model streams it: text before it is a preamble (agent-node-exec.json). */
  private toolCall(e: Extract<LoopEvent, { type: 'tool-call' }>): void {
    this.pacer.flush();
    if (this.stepCalls.length === 0 && e.precedingText !== '') {
      const itemId = `commentary-${this.preambles++}-${randomUUID().replaceAll('-', '').slice(0, 24)}`;
      this.stepPreamble = { itemId, text: e.precedingText.trim(), precedingText: e.precedingText };
      this.agent('item', { kind: 'preamble', title: 'Preamble', phase: 'update', progressText: this.stepPreamble.text, itemId }, { toolEvents: true });
    }
    this.stepCalls.push({ activity: new ToolActivity(e.toolCallId, e.name, e.args, this.host.now()), args: e.args });
  }

  /**
   * The model's answer of a step is complete: its usage (the run's output tokens so far), then,
   * before any tool runs, the preamble's end, the tool-call row and each call's start (4.3).
   */
  private stepEnd(outputTokens: number, model: ResolvedModel): void {
    this.agent('usage', { outputTokens });
    const calls = this.stepCalls;
    const preamble = this.stepPreamble;
    this.stepCalls = [];
    this.stepPreamble = undefined;
    if (calls.length === 0) return;
    if (preamble) this.agent('item', { kind: 'preamble', title: 'Preamble', phase: 'end', progressText: preamble.text, itemId: preamble.itemId }, { toolEvents: true });
    const content = [
      ...(preamble ? [{ type: 'text', text: preamble.precedingText }] : []),
      ...calls.map((c) => ({ type: 'toolCall', id: c.activity.toolCallId, name: c.activity.name, arguments: c.args })),
    ];
    this.host.appendRow(this.sessionKey, {
      role: 'assistant', kind: 'message', runId: this.runId, inContext: true,
      message: { role: 'assistant', content, ...this.modelFields(model), stopReason: 'toolUse', timestamp: this.host.now() },
    });
    for (const { activity, args } of calls) {
      this.activities.set(activity.toolCallId, activity);
      this.agent('item', activity.startItem(), { toolEvents: true });
      this.agent('tool', { phase: 'start', name: activity.name, toolCallId: activity.toolCallId, args }, { toolEvents: true, sessionRow: true });
    }
  }

  /** A tool's result: stored (not broadcast, assistant.md 3.7), then result, item end and command output. */
  private toolResult(e: Extract<LoopEvent, { type: 'tool-result' }>): void {
    const text = typeof e.output === 'string' ? e.output : JSON.stringify(e.output);
    this.host.appendRow(this.sessionKey, {
      role: 'toolResult', kind: 'message', runId: this.runId, inContext: true,
      message: { role: 'toolResult', toolCallId: e.toolCallId, toolName: e.name, content: [{ type: 'text', text }], isError: e.isError, timestamp: this.host.now() },
    }, false);
    const activity = this.activities.get(e.toolCallId) ?? new ToolActivity(e.toolCallId, e.name, undefined, this.host.now());
    const details = this.toolDetails.get(e.toolCallId);
    this.agent('tool', activity.result(text, e.isError, details), { toolEvents: true, sessionRow: true });
    this.agent('item', activity.endItem(text, e.isError, this.host.now()), { toolEvents: true });
    const output = activity.commandOutput(text, e.isError, details);
    if (output) this.agent('command_output', output, { toolEvents: true });
  }

  private cumulative = '';

  /** Sends one paced batch of live text as an agent `assistant` event and its chat `delta` twin. */
  private sendText(t: PendingText): void {
    const seq = this.agent('assistant', { text: this.blockText, delta: t.delta, itemId: `${this.itemBase}:${t.block + 1}` }, { live: true });
    this.chat(seq, { state: 'delta', deltaText: t.deltaText, message: { role: 'assistant', content: [{ type: 'text', text: this.cumulative }], timestamp: this.host.now() } }, true);
    this.task?.activity(this.cumulative);
    if (!this.sawModelPhase) {
      this.task?.flushActivity();
      this.sawModelPhase = true;
      this.host.sessionsChanged(this.sessionKey, { phase: 'model', runId: this.runId });
    }
  }

  private modelFields(model: ResolvedModel): Record<string, unknown> {
    return { api: model.api, provider: model.provider, model: model.modelId };
  }

  private usageOf(o: LoopOutcome): Record<string, unknown> {
    const u = o.usage;
    return { input: u.input, output: u.output, totalTokens: u.totalTokens, cacheRead: u.cacheRead, cacheWrite: u.cacheWrite,
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 } };
  }

  /** The text the turn ends with: the last block (earlier blocks were stored with their tool calls). */
  private finalBlock(o: LoopOutcome): string {
    return o.blocks.length > 0 && this.currentBlock === o.blocks.length - 1 ? (o.blocks.at(-1) ?? '') : '';
  }

  private result(o: LoopOutcome, model: ResolvedModel | undefined, status: RunResult['status']): RunResult {
    return {
      runId: this.runId, status, text: o.text, stopReason: o.stopReason, startedAt: this.startedAt, endedAt: this.host.now(),
      ...(model ? { provider: model.provider, model: model.modelId } : {}), sessionId: this.sessionId, usage: o.usage,
      ...(o.error ? { error: o.error } : {}),
    };
  }

  private finishOk(o: LoopOutcome, model: ResolvedModel): RunResult {
    const text = this.finalBlock(o);
    this.host.appendRow(this.sessionKey, {
      role: 'assistant', kind: 'message', runId: this.runId, inContext: true,
      message: { role: 'assistant', content: [{ type: 'text', text }], ...this.modelFields(model), usage: this.usageOf(o), stopReason: 'stop', timestamp: this.host.now(), responseId: this.runId },
    });
    const result = this.result(o, model, 'ok');
    this.task?.flushActivity();
    // A run that called tools cannot be replayed from its text alone: finishing says so only then,
    // the end always (agent-node-exec.json vs chat-stream.json).
    const replayInvalid = this.activities.size > 0;
    this.agent('lifecycle', { phase: 'finishing', stopReason: 'stop', aborted: false, livenessState: 'working', ...(replayInvalid ? { replayInvalid } : {}), endedAt: result.endedAt }, { sessionId: true });
    this.modelStepEnded();
    const seq = this.agent('lifecycle', {
      phase: 'end', startedAt: this.startedAt, endedAt: result.endedAt, aborted: false, stopReason: 'stop', livenessState: 'working',
      replayInvalid, terminalReply: { disposition: 'visible', text: o.text },
      terminalReceipt: this.receipt(model, 'visible'), executionSettled: true,
    }, { sessionId: true });
    this.task?.ended('completed', 'completed');
    this.chat(seq, { state: 'final', stopReason: 'stop', message: { role: 'assistant', content: [{ type: 'text', text: o.text }], timestamp: this.host.now() }, usage: this.usageOf(o) });
    this.settled();
    return result;
  }

  private receipt(model: ResolvedModel | undefined, disposition: string): Record<string, unknown> {
    const ref = model ? { provider: model.provider, model: model.modelId } : null;
    return { runId: this.runId, sessionId: this.sessionId, turnId: this.itemBase, requested: ref, effective: ref, successfulToolNames: [], rerouted: false, terminalDisposition: disposition };
  }

  private finishAborted(o: LoopOutcome, model: ResolvedModel): RunResult {
    if (o.text !== '') {
      // The partial text stays in history but is not shown to the model again (assistant.md 2).
      this.host.appendRow(this.sessionKey, {
        role: 'assistant', kind: 'aborted', runId: this.runId, inContext: false,
        message: { role: 'assistant', content: [{ type: 'text', text: this.finalBlock(o) }], ...this.modelFields(model), stopReason: 'stop', timestamp: this.host.now() },
      });
    }
    const result = this.result(o, model, 'aborted');
    const seq = this.agent('lifecycle', { phase: 'end', status: 'cancelled', aborted: true, stopReason: 'rpc', startedAt: this.startedAt, endedAt: result.endedAt }, { sessionId: true });
    this.chat(seq, { state: 'aborted', stopReason: 'rpc', ...(o.text !== '' ? { message: { role: 'assistant', content: [{ type: 'text', text: o.text }], timestamp: this.host.now() } } : {}) });
    // After the terminal chat state the agent stream still closes the model step and reports the
    // abort as an error; clients ignore this noise (assistant.md 3.3, chat-abort.json).
    this.agent('lifecycle', { phase: 'model', provider: model.provider, model: model.modelId }, { sessionId: true });
    this.modelStepEnded();
    this.agent('lifecycle', {
      phase: 'error', endedAt: this.host.now(), startedAt: this.startedAt, error: 'This operation was aborted', aborted: true, stopReason: 'aborted', executionSettled: true,
    }, { sessionId: true });
    this.task?.ended('cancelled', 'aborted');
    this.settled('killed');
    return result;
  }

  private finishError(o: LoopOutcome, model: ResolvedModel | undefined): RunResult {
    const error = o.error ?? { kind: 'unknown' as const, message: 'LLM request failed.', status: undefined };
    if (o.text !== '' && model) {
      this.host.appendRow(this.sessionKey, {
        role: 'assistant', kind: 'aborted', runId: this.runId, inContext: false,
        message: { role: 'assistant', content: [{ type: 'text', text: this.finalBlock(o) }], ...this.modelFields(model), stopReason: 'error', errorMessage: error.message, timestamp: this.host.now() },
      });
    }
    const result = this.result(o, model, o.status === 'timeout' ? 'timeout' : 'error');
    const observation = { provider: model?.provider ?? null, model: model?.modelId ?? null, failoverReason: error.detail?.failoverReason ?? error.kind,
      providerRuntimeFailureKind: error.detail?.providerRuntimeFailureKind ?? error.kind };
    this.agent('lifecycle', { phase: 'finishing', stopReason: 'error', aborted: false, livenessState: 'working', endedAt: result.endedAt, error: error.message, errorObservation: observation }, { sessionId: true });
    this.modelStepEnded();
    const seq = this.agent('lifecycle', {
      phase: 'error', startedAt: this.startedAt, endedAt: result.endedAt, error: error.message, errorObservation: observation, executionSettled: true,
    }, { sessionId: true });
    this.task?.ended('failed', error.message, error.message);
    const errorKind = chatErrorKind(error.kind);
    this.chat(seq, { state: 'error', errorMessage: error.message, ...(error.detail ? { errorDetail: error.detail } : {}), errorKind });
    this.settled(o.status === 'timeout' ? 'timeout' : 'failed');
    return result;
  }

  /**
   * A run that found no model to call never starts: the model step closes empty and the run
   * errors, with no lifecycle start or usage (chat.json, a gateway without credentials).
   */
  private finishWithoutModel(error: RunError): RunResult {
    const endedAt = this.host.now();
    this.modelStepEnded();
    const seq = this.agent('lifecycle', { phase: 'error', endedAt, startedAt: this.startedAt, error: error.message, executionSettled: true }, { sessionId: true });
    this.task?.ended('failed', error.message, error.message);
    this.chat(seq, { state: 'error', errorMessage: error.message, errorKind: chatErrorKind(error.kind) });
    this.settled('failed');
    return { runId: this.runId, status: 'error', text: '', stopReason: 'error', startedAt: this.startedAt, endedAt, sessionId: this.sessionId, error };
  }

  private settled(status: 'done' | 'failed' | 'killed' | 'timeout' = 'done'): void {
    this.host.sessionsChanged(this.sessionKey, { reason: 'agent.input.settled' });
    this.host.sessionsChanged(this.sessionKey, { phase: 'model', runId: this.runId });
    this.host.sessionsChanged(this.sessionKey, { phase: 'end', runId: this.runId, status });
  }
}

/**
 * The chat `errorKind` of a run error: OpenClaw's clients know refusal, timeout, rate_limit,
 * context_length and unknown (assistant.md 3.5). A provider that cannot be reached or drops the
 * connection (ECONNREFUSED, ECONNRESET, a cut stream) is transient like a timeout, so clients offer
 * the same retry.
 */
export function chatErrorKind(kind: RunError['kind']): string {
  if (kind === 'network') return 'timeout';
  return ['refusal', 'timeout', 'rate_limit', 'context_length'].includes(kind) ? kind : 'unknown';
}
