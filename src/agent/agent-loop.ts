import { streamText, stepCountIs, type ModelMessage, type ToolSet } from 'ai';
import { classifyError, isRetryable, retryAfterMs, type RunError } from './errors.js';
import type { ResolvedModel } from './providers.js';
import { isStepEnd, ToolGate, withStepEnds } from './step-end.js';

/** What the loop reports while a run streams; the chat service turns these into wire events. */
export type LoopEvent =
  /** A model step starts (once per step, assistant.md 4.3 lifecycle `model`). */
  | { type: 'model'; provider: string; model: string }
  | { type: 'retry'; attempt: number; maxAttempts: number; reason: RunError['kind']; delayMs: number }
  /** A text chunk of assistant block `block` (0-based, a new block starts after tool calls). */
  | { type: 'text'; block: number; delta: string }
  /** A tool call of the current step; it runs only after the step's `step-end`. */
  | { type: 'tool-call'; toolCallId: string; name: string; args: unknown; precedingText: string }
  /**
   * The model's answer of this step is complete (before its tools run): `outputTokens` counts the
   * whole run so far, `toolCalls` the calls the step made.
   */
  | { type: 'step-end'; outputTokens: number; toolCalls: number }
  | { type: 'tool-result'; toolCallId: string; name: string; output: unknown; isError: boolean };

/** Token counts of a run (all steps). */
export interface RunUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  totalTokens: number;
}

/** How a run ended. `text` is the assistant text blocks joined by "\n\n" (assistant.md 3.5). */
export interface LoopOutcome {
  status: 'ok' | 'aborted' | 'timeout' | 'error';
  text: string;
  blocks: string[];
  usage: RunUsage;
  stopReason: string;
  error?: RunError;
}

export interface LoopOptions {
  model: ResolvedModel;
  system: string;
  messages: ModelMessage[];
  tools?: ToolSet;
  /** Most model calls per run (tool round trips + 1). */
  maxSteps: number;
  timeoutMs: number;
  /** Aborts the run (chat.abort); the outcome is then `aborted`. */
  signal: AbortSignal;
  /** Attempts on 429 / 5xx before any output, including the first. */
  maxAttempts: number;
  /** First backoff delay; doubles per attempt, capped at 8 s (or the provider's Retry-After, capped at 30 s). */
  retryBaseMs: number;
  onEvent(event: LoopEvent): void;
}

const MAX_BACKOFF_MS = 8_000;
const MAX_RETRY_AFTER_MS = 30_000;

const zeroUsage = (): RunUsage => ({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, totalTokens: 0 });

/** Waits `ms` unless `signal` aborts first. */
function backoff(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs one agent turn on the AI SDK: streams text, executes tool calls for up to `maxSteps`
 * model calls, stops on abort or timeout, and retries 429/5xx with backoff while nothing has
 * been streamed yet (a retry after output would show the user duplicate text).
 */
export async function runAgentLoop(opts: LoopOptions): Promise<LoopOutcome> {
  const run = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    run.abort(new Error('run timed out'));
  }, opts.timeoutMs);
  const onAbort = (): void => run.abort(opts.signal.reason);
  opts.signal.addEventListener('abort', onAbort, { once: true });
  const blocks: string[] = [];
  const usage = zeroUsage();
  try {
    for (let attempt = 1; ; attempt += 1) {
      const result = await attemptOnce(opts, run.signal, blocks, usage);
      if (run.signal.aborted) {
        const status = timedOut ? 'timeout' : 'aborted';
        const error: RunError | undefined = timedOut
          ? { kind: 'timeout', message: `LLM request timed out after ${Math.round(opts.timeoutMs / 1000)} s.`, status: undefined }
          : undefined;
        return { status, text: blocks.join('\n\n'), blocks, usage, stopReason: timedOut ? 'timeout' : 'rpc', ...(error ? { error } : {}) };
      }
      if (!result.error) return { status: 'ok', text: blocks.join('\n\n'), blocks, usage, stopReason: result.stopReason };
      const error = classifyError(result.error, opts.model);
      const nothingStreamed = blocks.length === 0 && !result.sawTool;
      if (nothingStreamed && isRetryable(result.error) && attempt < opts.maxAttempts) {
        const hinted = retryAfterMs(result.error);
        const delayMs = hinted !== undefined ? Math.min(hinted, MAX_RETRY_AFTER_MS) : Math.min(opts.retryBaseMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
        opts.onEvent({ type: 'retry', attempt: attempt + 1, maxAttempts: opts.maxAttempts, reason: error.kind, delayMs });
        await backoff(delayMs, run.signal);
        continue;
      }
      return { status: 'error', text: blocks.join('\n\n'), blocks, usage, stopReason: 'error', error };
    }
  } finally {
    clearTimeout(timer);
    opts.signal.removeEventListener('abort', onAbort);
  }
}

interface AttemptResult {
  error?: unknown;
  stopReason: string;
  sawTool: boolean;
}

async function attemptOnce(opts: LoopOptions, signal: AbortSignal, blocks: string[], usage: RunUsage): Promise<AttemptResult> {
  let error: unknown;
  let stopReason = 'stop';
  let sawTool = false;
  // A new block starts with the first text after a tool call (assistant.md 3.5).
  let blockOpen = false;
  let steps = 0;
  let stepCalls: string[] = [];
  const gate = new ToolGate();
  // The first step's model event goes out before the request, so a request that fails at once
  // still shows which model it went to (agent-run.json); later steps announce theirs at start-step.
  opts.onEvent({ type: 'model', provider: opts.model.provider, model: opts.model.modelId });
  const stream = streamText({
    model: withStepEnds(opts.model.create()),
    system: opts.system,
    messages: opts.messages,
    ...(opts.tools ? { tools: gate.guard(opts.tools) } : {}),
    stopWhen: stepCountIs(opts.maxSteps),
    maxRetries: 0,
    abortSignal: signal,
    includeRawChunks: true,
    onError: () => undefined,
  });
  try {
    for await (const part of stream.fullStream) {
      switch (part.type) {
        case 'start-step':
          steps += 1;
          if (steps > 1) opts.onEvent({ type: 'model', provider: opts.model.provider, model: opts.model.modelId });
          break;
        case 'raw':
          if (!isStepEnd(part.rawValue)) break;
          opts.onEvent({ type: 'step-end', outputTokens: usage.output + part.rawValue.outputTokens, toolCalls: stepCalls.length });
          for (const id of stepCalls) gate.open(id);
          stepCalls = [];
          break;
        case 'text-delta':
          if (part.text === '') break;
          if (!blockOpen) {
            blocks.push('');
            blockOpen = true;
          }
          blocks[blocks.length - 1] += part.text;
          opts.onEvent({ type: 'text', block: blocks.length - 1, delta: part.text });
          break;
        case 'tool-call':
          sawTool = true;
          stepCalls.push(part.toolCallId);
          opts.onEvent({ type: 'tool-call', toolCallId: part.toolCallId, name: part.toolName, args: part.input,
            precedingText: blockOpen ? (blocks[blocks.length - 1] ?? '') : '' });
          blockOpen = false;
          break;
        case 'tool-result':
          opts.onEvent({ type: 'tool-result', toolCallId: part.toolCallId, name: part.toolName, output: part.output, isError: false });
          break;
        case 'tool-error':
          opts.onEvent({ type: 'tool-result', toolCallId: part.toolCallId, name: part.toolName,
            output: part.error instanceof Error ? part.error.message : String(part.error), isError: true });
          break;
        case 'finish-step':
          addUsage(usage, part.usage);
          stopReason = part.finishReason === 'tool-calls' ? 'toolUse' : part.finishReason === 'length' ? 'length' : 'stop';
          break;
        case 'error':
          error ??= part.error;
          break;
        default:
          break;
      }
    }
  } catch (err) {
    error ??= err;
  }
  if (!error && stopReason === 'toolUse') stopReason = 'stop';
  return { ...(error !== undefined ? { error } : {}), stopReason, sawTool };
}

function addUsage(into: RunUsage, u: { inputTokens?: number | undefined; outputTokens?: number | undefined; inputTokenDetails?: { cacheReadTokens?: number | undefined; cacheWriteTokens?: number | undefined } }): void {
  into.input += u.inputTokens ?? 0;
  into.output += u.outputTokens ?? 0;
  into.cacheRead += u.inputTokenDetails?.cacheReadTokens ?? 0;
  into.cacheWrite += u.inputTokenDetails?.cacheWriteTokens ?? 0;
  into.totalTokens = into.input + into.output;
}
