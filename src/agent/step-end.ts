import { wrapLanguageModel, type LanguageModel, type LanguageModelMiddleware, type ToolSet } from 'ai';

/**
 * Where a model step's response ends, before its tools run. The AI SDK reports a step's usage
 * (`finish-step`) only after the step's tool calls have finished, but OpenClaw reports it as soon
 * as the model's answer is complete, then the tool-call row, then the tools (agent-node-exec.json:
 * usage, preamble end, session.message, item/tool start). The middleware below puts a marker with
 * the step's output tokens into the stream just before the provider's `finish` chunk, and the
 * tools wait at a gate the loop opens once it has reported everything up to that marker.
 */
const STEP_END = Symbol('farclaw.step-end');

/** The marker's payload: the step's own output tokens. */
export interface StepEnd {
  [STEP_END]: true;
  outputTokens: number;
}

/** Whether a `raw` stream part's value is our step-end marker. */
export function isStepEnd(rawValue: unknown): rawValue is StepEnd {
  return typeof rawValue === 'object' && rawValue !== null && (rawValue as Partial<StepEnd>)[STEP_END] === true;
}

const stepEndMiddleware: LanguageModelMiddleware = {
  specificationVersion: 'v3',
  // The provider's own raw chunks are not wanted: only our marker travels as `raw`.
  transformParams: async ({ params }) => ({ ...params, includeRawChunks: false }),
  wrapStream: async ({ doStream }) => {
    const result = await doStream();
    const stream = result.stream.pipeThrough(new TransformStream({
      transform(chunk, controller) {
        if (chunk.type === 'raw') return;
        if (chunk.type === 'finish') {
          const marker: StepEnd = { [STEP_END]: true, outputTokens: chunk.usage.outputTokens.total ?? 0 };
          controller.enqueue({ type: 'raw', rawValue: marker });
        }
        controller.enqueue(chunk);
      },
    }));
    return { ...result, stream };
  },
};

/** The model with step-end markers (streamText must run with `includeRawChunks: true`). */
export function withStepEnds(model: LanguageModel): LanguageModel {
  // A model given by id string is resolved by the AI SDK's global provider; ours never are.
  if (typeof model === 'string' || model.specificationVersion !== 'v3') return model;
  return wrapLanguageModel({ model, middleware: stepEndMiddleware });
}

/**
 * Holds each tool call until the loop has reported its step's end (see above). `open` before
 * `wait` is fine (the call then starts at once); an aborted run releases every waiter.
 */
export class ToolGate {
  private readonly opened = new Set<string>();
  private readonly waiting = new Map<string, () => void>();

  /** Lets the tool call `toolCallId` run. */
  open(toolCallId: string): void {
    this.opened.add(toolCallId);
    this.waiting.get(toolCallId)?.();
    this.waiting.delete(toolCallId);
  }

  /** Resolves once `toolCallId` is opened or `signal` aborts. */
  wait(toolCallId: string, signal: AbortSignal | undefined): Promise<void> {
    if (this.opened.has(toolCallId) || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        this.waiting.delete(toolCallId);
        resolve();
      };
      this.waiting.set(toolCallId, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** `tools` with every `execute` waiting at this gate first. */
  guard(tools: ToolSet): ToolSet {
    const out: ToolSet = {};
    for (const [name, t] of Object.entries(tools)) {
      const execute = t.execute;
      out[name] = execute
        ? { ...t, execute: async (input: unknown, options: Parameters<typeof execute>[1]) => {
          await this.wait(options.toolCallId, options.abortSignal);
          options.abortSignal?.throwIfAborted();
          return execute(input, options);
        } } as typeof t
        : t;
    }
    return out;
  }
}
