import type { LanguageModelV3ToolCall } from '@ai-sdk/provider';
import { asSchema, getErrorMessage, safeParseJSON, safeValidateTypes } from '@ai-sdk/provider-utils';
import { InvalidToolInputError, NoSuchToolError, type ModelMessage, type ToolResultPart, type ToolSet } from 'ai';

/** A tool call of one model step, its input parsed and checked against the tool's schema. */
export interface ToolCall {
  toolCallId: string;
  toolName: string;
  /** The parsed input; for an invalid call, the parsed JSON or, failing that, the raw text. */
  input: unknown;
  /** Why the call cannot run (unknown tool, bad JSON, input the schema refuses): the model reads it as the tool's error. */
  invalid?: string;
  /** The provider ran it itself (never ours to execute). */
  providerExecuted?: boolean;
  providerMetadata?: LanguageModelV3ToolCall['providerMetadata'];
}

/** What a tool call gave back: `output` is what the model reads (an error's message when `isError`). */
export interface ToolOutcome {
  call: ToolCall;
  output: unknown;
  isError: boolean;
}

/**
 * Parses the provider's tool call and validates its input against the tool's schema, as the AI SDK
 * does (empty input is `{}`): a failure is not thrown but kept in `invalid`, with the SDK's own
 * error message (InvalidToolInputError, NoSuchToolError), so the model can correct itself.
 */
export async function parseToolCall(part: LanguageModelV3ToolCall, tools: ToolSet | undefined): Promise<ToolCall> {
  const base = {
    toolCallId: part.toolCallId, toolName: part.toolName,
    ...(part.providerExecuted !== undefined ? { providerExecuted: part.providerExecuted } : {}),
    ...(part.providerMetadata !== undefined ? { providerMetadata: part.providerMetadata } : {}),
  };
  const tool = tools?.[part.toolName];
  let error: Error;
  if (!tool) {
    error = new NoSuchToolError({ toolName: part.toolName, availableTools: Object.keys(tools ?? {}) });
  } else {
    const schema = asSchema(tool.inputSchema);
    const parsed = part.input.trim() === ''
      ? await safeValidateTypes({ value: {}, schema })
      : await safeParseJSON({ text: part.input, schema });
    if (parsed.success) return { ...base, input: parsed.value };
    error = new InvalidToolInputError({ toolName: part.toolName, toolInput: part.input, cause: parsed.error });
  }
  const raw = await safeParseJSON({ text: part.input });
  return { ...base, input: raw.success ? raw.value : part.input, invalid: getErrorMessage(error) };
}

/** Runs a valid call's `execute` (its last value when it streams); a throw is the tool's error. */
export async function executeToolCall(call: ToolCall, tools: ToolSet, messages: ModelMessage[], abortSignal: AbortSignal): Promise<ToolOutcome> {
  const execute = tools[call.toolName]?.execute;
  if (!execute) throw new Error(`tool ${call.toolName} has no execute`);
  try {
    const result: unknown = execute(call.input, { toolCallId: call.toolCallId, messages, abortSignal });
    // A streaming tool's answer is its last value (the AI SDK's executeTool); a plain one is awaited
    // directly, without the async generator's extra turns.
    if (!isAsyncIterable(result)) return { call, output: await result, isError: false };
    let output: unknown;
    for await (const value of result) output = value;
    return { call, output, isError: false };
  } catch (err) {
    return { call, output: err instanceof Error ? err.message : String(err), isError: true };
  }
}

/** The tool-result part the next model request carries, in the shape the AI SDK's streamText builds. */
export async function toolResultPart(outcome: ToolOutcome, tools: ToolSet | undefined): Promise<ToolResultPart> {
  const { call } = outcome;
  const toModelOutput = tools?.[call.toolName]?.toModelOutput;
  let output: ToolResultPart['output'];
  if (outcome.isError) output = { type: 'error-text', value: getErrorMessage(outcome.output) };
  else if (toModelOutput) output = await toModelOutput({ toolCallId: call.toolCallId, input: call.input, output: outcome.output });
  else if (typeof outcome.output === 'string') output = { type: 'text', value: outcome.output };
  else output = { type: 'json', value: (outcome.output ?? null) as never };
  return { type: 'tool-result', toolCallId: call.toolCallId, toolName: call.toolName, output };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}
