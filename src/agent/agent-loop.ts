import type { ModelMessage, ToolSet } from 'ai';
import { classifyError, isRetryable, retryAfterMs, type RunError } from './errors.js';
import { runSteps } from './model-steps.js';
import type { ResolvedModel } from './providers.js';

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
 * Runs one agent turn over the AI SDK's provider models: streams text, executes tool calls for
 * up to `maxSteps` model calls, stops on abort or timeout, and retries 429/5xx with backoff while
 * nothing has been streamed yet (a retry after output would show the user duplicate text).
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
      const result = await runSteps(opts, run.signal, blocks, usage);
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
