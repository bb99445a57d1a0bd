import type { LanguageModelV3, LanguageModelV3FunctionTool, LanguageModelV3Message, LanguageModelV3Prompt, LanguageModelV3ProviderTool, LanguageModelV3StreamPart, LanguageModelV3ToolChoice, SharedV3ProviderMetadata } from '@ai-sdk/provider';
import { NoOutputGeneratedError, type AssistantContent, type ModelMessage, type ToolSet } from 'ai';
import { convertToLanguageModelPrompt, prepareToolsAndToolChoice, standardizePrompt } from 'ai/internal';
import type { LoopEvent, LoopOptions, RunUsage } from './agent-loop.js';
import { executeToolCall, parseToolCall, toolResultPart, type ToolCall, type ToolOutcome } from './tool-calls.js';

/**
 * The agent's step loop, over the provider model's own `doStream` (the provider's request and
 * stream parsing stay the AI SDK's): each step streams one model answer, reports its end as soon
 * as the provider's `finish` part arrives, then runs the step's tools and sends their results as
 * the next step's prompt, in the message shapes the AI SDK's streamText builds. It replaces
 * streamText, whose per-chunk stream layers and step bookkeeping cost more than the rest of
 * the gateway's work per delta and per tool call (bench:chat, bench:tools).
 */

/** How one pass over the steps ended (the caller decides about retries). */
export interface AttemptResult {
  error?: unknown;
  stopReason: string;
  /** Some step asked for a tool (a retry would then repeat its effects). */
  sawTool: boolean;
}

/** What a step's stream gave: the assistant message of the step and its tool calls. */
interface StepRead {
  content: Exclude<AssistantContent, string>;
  calls: ToolCall[];
  /** The provider's unified finish reason; undefined when the stream ended without `finish`. */
  finishReason?: string;
  error?: unknown;
}

/** The AI SDK runs a step's tools only after these finish reasons (streamText does the same). */
const TOOL_FINISH_REASONS = new Set(['stop', 'tool-calls']);

/** What streamText reports when a stream ends with neither output nor `finish`. */
const NO_OUTPUT_MESSAGE = 'No output generated. The model stream ended without a finish chunk.';

/** The state one pass shares across its steps. */
interface Pass {
  opts: LoopOptions;
  signal: AbortSignal;
  blocks: string[];
  usage: RunUsage;
  /** A new block starts with the first text after a tool call (assistant.md 3.5). */
  blockOpen: boolean;
  sawTool: boolean;
  /**
   * The result of a step's last tool to finish, when another step follows: reported once the
   * next request is on its way (see `deferResults`).
   */
  pending: ToolResultEvent[];
  /** Reporting a deferred result threw: the run ends with this error at the next step event. */
  deferredError?: unknown;
}

type ToolResultEvent = Extract<LoopEvent, { type: 'tool-result' }>;

/**
 * One pass of a run: model steps until the model stops asking for tools, `maxSteps` is reached,
 * a step fails or `signal` aborts. Appends text to `blocks` and usage to `usage`; never throws.
 */
export async function runSteps(opts: LoopOptions, signal: AbortSignal, blocks: string[], usage: RunUsage): Promise<AttemptResult> {
  const pass: Pass = { opts, signal, blocks, usage, blockOpen: false, sawTool: false, pending: [] };
  const result = await stepsOf(pass);
  // However the pass ended, every tool result is reported before the caller hears of the end.
  try {
    reportPending(pass);
  } catch (err) {
    pass.deferredError ??= err;
  }
  return result.error === undefined && pass.deferredError !== undefined ? { ...result, error: pass.deferredError } : result;
}

async function stepsOf(pass: Pass): Promise<AttemptResult> {
  const { opts, signal } = pass;
  let stopReason = 'stop';
  // The first step's model event goes out before the request, so a request that fails at once
  // still shows which model it went to (agent-run.json); later steps announce theirs when their
  // response starts.
  opts.onEvent({ type: 'model', provider: opts.model.provider, model: opts.model.modelId });
  try {
    const model = opts.model.create();
    const supportedUrls = await model.supportedUrls;
    // The messages are typed ModelMessages built from stored rows (toModelMessages), so the SDK's
    // zod check of each one is skipped: standardizePrompt returns them unchanged, and its check
    // cost about 60 µs per message at every run (the whole history each time). An empty list
    // still goes through it, for its error.
    const initial = opts.messages.length > 0
      ? { system: opts.system, messages: opts.messages }
      : await standardizePrompt({ system: opts.system, messages: opts.messages });
    const messages: ModelMessage[] = [...initial.messages];
    const prompt = await convertToLanguageModelPrompt({ prompt: initial, supportedUrls, download: undefined });
    // The tools' JSON schemas are the same at every step: converted once per pass.
    const prepared = await prepareToolsAndToolChoice({ tools: opts.tools, toolChoice: undefined, activeTools: undefined });
    for (let step = 1; ; step += 1) {
      const read = await streamStep(pass, model, prompt, prepared, step);
      if (signal.aborted) return { stopReason, sawTool: pass.sawTool };
      if (read.error !== undefined) return { error: read.error, stopReason, sawTool: pass.sawTool };
      stopReason = read.finishReason === 'tool-calls' ? 'toolUse' : read.finishReason === 'length' ? 'length' : 'stop';
      const ours = read.calls.filter((c) => c.providerExecuted !== true);
      if (ours.length === 0) break;
      const mayRun = read.finishReason !== undefined && TOOL_FINISH_REASONS.has(read.finishReason);
      const outcomes = await runTools(pass, mayRun ? ours : ours.filter((c) => c.invalid !== undefined), messages);
      if (signal.aborted) return { stopReason, sawTool: pass.sawTool };
      if (!mayRun || outcomes.length < ours.length || step >= opts.maxSteps) break;
      deferResults(pass);
      const next = await stepMessages(read.content, outcomes, opts.tools);
      messages.push(...next);
      // The run's prompt grows by the step's two messages; earlier ones are never converted again.
      prompt.push(...(stepPrompt(next) ?? await convertToLanguageModelPrompt({ prompt: { messages: next }, supportedUrls, download: undefined })));
    }
  } catch (err) {
    if (signal.aborted) return { stopReason, sawTool: pass.sawTool };
    return { error: err, stopReason, sawTool: pass.sawTool };
  }
  return { stopReason: stopReason === 'toolUse' ? 'stop' : stopReason, sawTool: pass.sawTool };
}

type PreparedTools = { tools: (LanguageModelV3FunctionTool | LanguageModelV3ProviderTool)[] | undefined; toolChoice: LanguageModelV3ToolChoice | undefined };

/** Sends one model request and reads its stream to the end with a plain reader loop. */
async function streamStep(pass: Pass, model: LanguageModelV3, prompt: LanguageModelV3Prompt, prepared: PreparedTools, step: number): Promise<StepRead> {
  const { opts, signal } = pass;
  const { stream } = await model.doStream({
    prompt, abortSignal: signal, includeRawChunks: false,
    ...(prepared.tools ? { tools: prepared.tools } : {}), ...(prepared.toolChoice ? { toolChoice: prepared.toolChoice } : {}),
  });
  const read: StepRead = { content: [], calls: [] };
  /** Text and reasoning parts still streaming, by the provider's part id. */
  const open = new Map<string, OpenPart>();
  let sawOutput = false;
  let isDone = false;
  const reader = stream.getReader();
  try {
    if (step > 1) emit(pass, { type: 'model', provider: opts.model.provider, model: opts.model.modelId });
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        isDone = true;
        break;
      }
      // Nothing of an aborted run is reported any more (streamText's abort does the same).
      if (signal.aborted) break;
      const part: LanguageModelV3StreamPart = next.value;
      switch (part.type) {
        case 'text-delta': {
          sawOutput = true;
          const into = open.get(part.id) ?? startPart(read, open, 'text', part.id, undefined);
          into.text += part.delta;
          if (part.providerMetadata) into.providerOptions = part.providerMetadata;
          if (part.delta !== '') onText(pass, part.delta);
          break;
        }
        case 'text-start':
        case 'reasoning-start':
          sawOutput = true;
          startPart(read, open, part.type === 'text-start' ? 'text' : 'reasoning', part.id, part.providerMetadata);
          break;
        case 'reasoning-delta': {
          sawOutput = true;
          const into = open.get(part.id) ?? startPart(read, open, 'reasoning', part.id, undefined);
          into.text += part.delta;
          if (part.providerMetadata) into.providerOptions = part.providerMetadata;
          break;
        }
        case 'text-end':
        case 'reasoning-end': {
          sawOutput = true;
          const ended = open.get(part.id);
          if (ended && part.providerMetadata) ended.providerOptions = part.providerMetadata;
          open.delete(part.id);
          break;
        }
        case 'tool-call': {
          sawOutput = true;
          const call = await parseToolCall(part, opts.tools);
          read.calls.push(call);
          read.content.push({
            type: 'tool-call', toolCallId: call.toolCallId, toolName: call.toolName,
            input: call.invalid !== undefined && typeof call.input !== 'object' ? {} : call.input,
            ...(call.providerExecuted !== undefined ? { providerExecuted: call.providerExecuted } : {}),
            ...(call.providerMetadata !== undefined ? { providerOptions: call.providerMetadata } : {}),
          });
          if (call.providerExecuted === true) break;
          pass.sawTool = true;
          emit(pass, { type: 'tool-call', toolCallId: call.toolCallId, name: call.toolName, args: call.input,
            precedingText: pass.blockOpen ? (pass.blocks[pass.blocks.length - 1] ?? '') : '' });
          pass.blockOpen = false;
          break;
        }
        case 'finish': {
          read.finishReason = part.finishReason.unified;
          const output = part.usage.outputTokens.total ?? 0;
          // OpenClaw reports a step's usage as soon as the model's answer is complete, then the
          // tool-call row, then runs the tools (agent-node-exec.json).
          emit(pass, { type: 'step-end', outputTokens: pass.usage.output + output, toolCalls: read.calls.filter((c) => c.providerExecuted !== true).length });
          addUsage(pass.usage, part.usage);
          break;
        }
        case 'error':
          read.error ??= part.error;
          break;
        case 'tool-input-start':
        case 'tool-input-delta':
        case 'tool-input-end':
        case 'tool-result':
        case 'tool-approval-request':
        case 'file':
        case 'source':
          sawOutput = true;
          break;
        default:
          break;
      }
    }
  } catch (err) {
    read.error ??= err;
  } finally {
    // An aborted or failed stream is released, not left for the provider to drain.
    if (!isDone) reader.cancel().catch(() => undefined);
  }
  if (read.error === undefined && read.finishReason === undefined && !sawOutput && !signal.aborted) {
    read.error = new NoOutputGeneratedError({ message: NO_OUTPUT_MESSAGE });
  }
  // Empty text parts are left out of the next prompt, as streamText does.
  read.content = read.content.filter((p) => p.type !== 'text' || p.text.length > 0);
  return read;
}

/** A text or reasoning part of the step's answer (the object in `content`, filled as deltas come). */
interface OpenPart {
  type: 'text' | 'reasoning';
  text: string;
  providerOptions?: SharedV3ProviderMetadata;
}

function startPart(read: StepRead, open: Map<string, OpenPart>, type: OpenPart['type'], id: string, providerMetadata: SharedV3ProviderMetadata | undefined): OpenPart {
  const part: OpenPart = { type, text: '', ...(providerMetadata ? { providerOptions: providerMetadata } : {}) };
  open.set(id, part);
  read.content.push(part);
  return part;
}

/** A text delta: appended to the current block (a new one after a tool call) and reported. */
function onText(pass: Pass, delta: string): void {
  const { blocks } = pass;
  if (!pass.blockOpen) {
    blocks.push('');
    pass.blockOpen = true;
  }
  blocks[blocks.length - 1] += delta;
  emit(pass, { type: 'text', block: blocks.length - 1, delta });
}

/**
 * Runs a step's tool calls side by side (an invalid one answers its own error) and reports each
 * result as it comes, except the last one to finish, which waits in `pass.pending` for the
 * caller to report or defer; resolves with the outcomes of the calls that have one, in
 * completion order.
 */
async function runTools(pass: Pass, calls: ToolCall[], messages: ModelMessage[]): Promise<ToolOutcome[]> {
  const { opts, signal } = pass;
  const tools = opts.tools ?? {};
  const outcomes: ToolOutcome[] = [];
  let running = calls.length;
  await Promise.all(calls.map(async (call) => {
    try {
      if (call.invalid === undefined && !tools[call.toolName]?.execute) return;
      const outcome = call.invalid !== undefined
        ? { call, output: call.invalid, isError: true }
        : await executeToolCall(call, tools, messages, signal);
      if (signal.aborted) return;
      outcomes.push(outcome);
      const event: ToolResultEvent = { type: 'tool-result', toolCallId: call.toolCallId, name: call.toolName, output: outcome.output, isError: outcome.isError };
      if (running > 1) emit(pass, event);
      else pass.pending.push(event);
    } finally {
      running -= 1;
    }
  }));
  return outcomes;
}

/** Reports a step event, after any tool result still waiting (the caller sees them in order). */
function emit(pass: Pass, event: LoopEvent): void {
  reportPending(pass);
  pass.opts.onEvent(event);
}

function reportPending(pass: Pass): void {
  if (pass.deferredError !== undefined) throw pass.deferredError;
  const pending = pass.pending;
  pass.pending = [];
  for (const event of pending) pass.opts.onEvent(event);
}

/**
 * The step's last tool result is reported after the next request has been written, not before
 * it: the caller stores it and tells its clients (a transcript commit and a socket write), which
 * then overlaps the model's wait instead of delaying its request. The request goes out within
 * the current turn of the event loop (the provider's fetch writes its body there), so an
 * immediate runs just after it, and before the model's answer can be read. Every other step
 * event, and the pass's end, reports it first if the immediate has not run yet, so the order
 * the caller sees is unchanged.
 */
function deferResults(pass: Pass): void {
  if (pass.pending.length === 0) return;
  setImmediate(() => {
    try {
      reportPending(pass);
    } catch (err) {
      pass.deferredError ??= err;
    }
  });
}

/** The next step's new messages: the model's answer, then the tool results (streamText's shapes). */
async function stepMessages(content: StepRead['content'], outcomes: ToolOutcome[], tools: ToolSet | undefined): Promise<ModelMessage[]> {
  const results = await Promise.all(outcomes.map((o) => toolResultPart(o, tools)));
  return [
    ...(content.length > 0 ? [{ role: 'assistant' as const, content }] : []),
    { role: 'tool', content: results },
  ];
}

/**
 * The step's messages as the provider's prompt, in the shapes convertToLanguageModelPrompt gives
 * them, built directly: the step's answer holds only text, reasoning and tool-call parts, and a
 * tool result whose output is text, JSON or an error has nothing to download. Undefined when a
 * result carries `content` (it may name URLs to fetch): the AI SDK converts that one.
 */
export function stepPrompt(next: ModelMessage[]): LanguageModelV3Prompt | undefined {
  const out: LanguageModelV3Prompt = [];
  for (const m of next) {
    if (m.role === 'assistant' && typeof m.content !== 'string') {
      const content: Extract<LanguageModelV3Message, { role: 'assistant' }>['content'] = [];
      for (const p of m.content) {
        const options = 'providerOptions' in p && p.providerOptions ? { providerOptions: p.providerOptions } : {};
        if (p.type === 'text') content.push({ type: 'text', text: p.text, ...options });
        else if (p.type === 'reasoning') content.push({ type: 'reasoning', text: p.text, ...options });
        else if (p.type === 'tool-call') {
          content.push({ type: 'tool-call', toolCallId: p.toolCallId, toolName: p.toolName, input: p.input,
            ...(p.providerExecuted !== undefined ? { providerExecuted: p.providerExecuted } : {}), ...options });
        } else return undefined;
      }
      out.push({ role: 'assistant', content, ...(m.providerOptions ? { providerOptions: m.providerOptions } : {}) });
    } else if (m.role === 'tool') {
      const content: Extract<LanguageModelV3Message, { role: 'tool' }>['content'] = [];
      for (const p of m.content) {
        if (p.type !== 'tool-result' || p.output.type === 'content') return undefined;
        content.push({ type: 'tool-result', toolCallId: p.toolCallId, toolName: p.toolName, output: p.output, ...(p.providerOptions ? { providerOptions: p.providerOptions } : {}) });
      }
      out.push({ role: 'tool', content, ...(m.providerOptions ? { providerOptions: m.providerOptions } : {}) });
    } else {
      return undefined;
    }
  }
  return out;
}

function addUsage(into: RunUsage, u: Extract<LanguageModelV3StreamPart, { type: 'finish' }>['usage']): void {
  into.input += u.inputTokens.total ?? 0;
  into.output += u.outputTokens.total ?? 0;
  into.cacheRead += u.inputTokens.cacheRead ?? 0;
  into.cacheWrite += u.inputTokens.cacheWrite ?? 0;
  into.totalTokens = into.input + into.output;
}
