import { APICallError, RetryError } from 'ai';
import type { ResolvedModel } from './providers.js';

/** The `errorKind` a failed run reports (assistant.md 3.5), plus `auth` and `no_model` for clearer messages. */
export type RunErrorKind = 'rate_limit' | 'timeout' | 'context_length' | 'refusal' | 'format' | 'auth' | 'server' | 'network' | 'no_model' | 'unknown';

/** A run failure as the chat/agent events report it; `message` is safe to show (no secrets, no stack). */
export interface RunError {
  kind: RunErrorKind;
  message: string;
  status: number | undefined;
  detail?: Record<string, unknown>;
}

function apiError(err: unknown): APICallError | undefined {
  if (APICallError.isInstance(err)) return err;
  if (RetryError.isInstance(err) && APICallError.isInstance(err.lastError)) return err.lastError;
  return undefined;
}

/** 429 and 5xx (and connection failures before a response) are worth another attempt. */
export function isRetryable(err: unknown): boolean {
  const api = apiError(err);
  if (api) return api.statusCode === undefined ? api.isRetryable : api.statusCode === 429 || api.statusCode >= 500;
  return false;
}

/** The provider's `retry-after` header in ms, when it sent one. */
export function retryAfterMs(err: unknown): number | undefined {
  const value = apiError(err)?.responseHeaders?.['retry-after'];
  if (!value) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** Maps a provider/SDK failure to the kind and user-facing message of the `error` chat state. */
export function classifyError(err: unknown, model: Pick<ResolvedModel, 'provider' | 'modelId'>): RunError {
  const api = apiError(err);
  const detail = (failoverReason: string, kind: string): Record<string, unknown> => ({
    provider: model.provider, model: model.modelId, failoverReason, providerRuntimeFailureKind: kind,
  });
  if (api) {
    const status = api.statusCode;
    const body = `${api.message} ${api.responseBody ?? ''}`.toLowerCase();
    if (status === 429) return { kind: 'rate_limit', status, message: 'LLM request failed: the provider is rate limiting requests (HTTP 429).', detail: detail('rate_limit', 'rate_limit') };
    if (status === 401 || status === 403) return { kind: 'auth', status, message: `LLM request failed: the provider refused the API key (HTTP ${status}).`, detail: detail('auth', 'auth') };
    if (status === 413 || /context|too many tokens|maximum.*tokens/.test(body)) {
      return { kind: 'context_length', status, message: 'LLM request failed: the conversation is too long for the model context window.', detail: detail('context_length', 'context_length') };
    }
    if (status !== undefined && status >= 400 && status < 500) {
      return { kind: 'format', status, message: 'LLM request failed: provider rejected the request schema or tool payload.', detail: detail('format', 'schema') };
    }
    if (status !== undefined && status >= 500) return { kind: 'server', status, message: `LLM request failed: the provider answered HTTP ${status}.`, detail: detail('server', 'server') };
    return { kind: 'network', status, message: 'LLM request failed: could not reach the provider.', detail: detail('network', 'network') };
  }
  const message = err instanceof Error ? err.message : String(err);
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|fetch failed|cannot connect/i.test(message)) {
    return { kind: 'network', status: undefined, message: 'LLM request failed: could not reach the provider.', detail: detail('network', 'network') };
  }
  if (/terminated|socket|ECONNRESET|premature|aborted/i.test(message)) {
    return { kind: 'network', status: undefined, message: 'LLM request failed: the provider closed the stream before it finished.', detail: detail('network', 'stream') };
  }
  return { kind: 'unknown', status: undefined, message: `LLM request failed: ${message.split('\n')[0]?.slice(0, 200)}` };
}
