import { GrammyError, HttpError } from 'grammy';
import { backoffDelayMs } from '../backoff.js';

/** How a failed Bot API call should be handled. */
export type ApiFailure =
  | { kind: 'rate-limited'; retryAfterMs: number; message: string }
  | { kind: 'conflict'; message: string }
  | { kind: 'parse-error'; message: string }
  | { kind: 'unauthorized'; message: string }
  /** The request will never succeed as it is (e.g. chat not found, bot blocked). */
  | { kind: 'permanent'; message: string }
  /** Network trouble, a hang cut by our timeout, or a 5xx: try again later. */
  | { kind: 'transient'; message: string };

/**
 * Sorts an error from a grammY call. Messages are safe to log and show: grammY's HttpError
 * names the method, never the URL with the token.
 */
export function classifyApiError(err: unknown): ApiFailure {
  if (err instanceof GrammyError) {
    const message = `${err.method}: ${err.error_code} ${err.description}`;
    if (err.error_code === 429) {
      return { kind: 'rate-limited', retryAfterMs: Math.max(1, err.parameters.retry_after ?? 1) * 1000, message };
    }
    if (err.error_code === 409) return { kind: 'conflict', message };
    if (err.error_code === 401 || err.error_code === 404) return { kind: 'unauthorized', message };
    if (err.error_code === 400 && /can't parse entities|unsupported start tag|can't find end tag/i.test(err.description)) {
      return { kind: 'parse-error', message };
    }
    if (err.error_code >= 500) return { kind: 'transient', message };
    return { kind: 'permanent', message };
  }
  if (err instanceof HttpError) {
    const cause = err.error instanceof Error ? err.error.message : '';
    return { kind: 'transient', message: `${err.message}${cause ? ` (${cause.slice(0, 120)})` : ''}` };
  }
  return { kind: 'transient', message: err instanceof Error ? err.message : String(err) };
}

/**
 * How long to wait before retry number `attempt` (1-based) of a failed Bot API call: Telegram's
 * `retry_after` when it sent one (never less than the backoff), else capped backoff. One rule for
 * start-up calls, the poller and the outbox.
 */
export function retryDelayMs(failure: ApiFailure, attempt: number, policy: { minDelayMs: number; maxDelayMs: number }): number {
  const backoff = backoffDelayMs(attempt, policy);
  return failure.kind === 'rate-limited' ? Math.max(backoff, failure.retryAfterMs) : backoff;
}
