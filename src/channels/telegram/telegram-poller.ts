import type { Api } from 'grammy';
import type { Logger } from '../../infra/logger.js';
import type { ChannelQueueRepo } from '../../store/channel-queue-repo.js';
import { sleep } from '../backoff.js';
import type { ChannelAccountStatus } from '../channel.js';
import { classifyApiError, retryDelayMs } from './telegram-errors.js';

/** Update types the real gateway asks for (assistant.md 10.2, vector telegram-bot-api). */
export const ALLOWED_UPDATES = [
  'message', 'edited_message', 'channel_post', 'edited_channel_post', 'business_connection', 'business_message',
  'edited_business_message', 'deleted_business_messages', 'guest_message', 'inline_query', 'chosen_inline_result',
  'callback_query', 'shipping_query', 'pre_checkout_query', 'purchased_paid_media', 'poll', 'poll_answer', 'my_chat_member',
  'managed_bot', 'chat_join_request', 'chat_boost', 'removed_chat_boost', 'subscription', 'message_reaction',
] as const;

export const LONG_POLL_TIMEOUT_S = 30;
/** A getUpdates with no answer this long after its own timeout is a silent stall: cut and restart it. */
export const POLL_STALL_GRACE_MS = 15_000;

export interface PollerDeps {
  api: Api;
  queue: ChannelQueueRepo;
  status: ChannelAccountStatus;
  logger: Logger;
  retry: { minDelayMs: number; maxDelayMs: number };
  /** Extracts the chat an update belongs to ('' for none). */
  chatOf(update: { update_id: number } & Record<string, unknown>): string;
  /** Called after new updates were stored. */
  onStored(): void;
  pollTimeoutS?: number;
  stallGraceMs?: number;
}

/** A poll still open after this long is taken as healthy (status `polling`). */
const POLL_HEALTHY_AFTER_MS = 2_000;

class PollStall extends Error {}

function markPolling(status: ChannelAccountStatus): void {
  status.state = 'polling';
  status.problem = null;
}

/**
 * The long-poll loop (assistant.md 10.2, 10.3). Each batch is stored in SQLite together with
 * the offset after it before the next getUpdates confirms it to Telegram, so an update is never
 * confirmed unstored. Any failure restarts the poll after a capped backoff, forever; a 409
 * Conflict (another poller) backs off instead of fighting; a 429 waits its `retry_after`; a poll
 * that stays silent past its timeout plus a grace is cut (the watchdog).
 */
export async function runPollLoop(deps: PollerDeps, signal: AbortSignal): Promise<void> {
  const { api, queue, status, logger } = deps;
  const pollTimeoutS = deps.pollTimeoutS ?? LONG_POLL_TIMEOUT_S;
  const graceMs = deps.stallGraceMs ?? POLL_STALL_GRACE_MS;
  let failures = 0;
  let first = true;
  while (!signal.aborted) {
    const timeoutS = first ? 0 : pollTimeoutS;
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const watchdog = setTimeout(() => ac.abort(new PollStall()), timeoutS * 1000 + graceMs);
    // Telegram answers a conflicting or refused poll at once: one still open after a moment is a
    // healthy long poll, so status stops reporting the last failure as current.
    const healthy = setTimeout(() => markPolling(status), POLL_HEALTHY_AFTER_MS);
    try {
      const offset = queue.nextOffset();
      const updates = await api.getUpdates(
        { timeout: timeoutS, limit: 100, allowed_updates: [...ALLOWED_UPDATES] as never, ...(offset !== undefined ? { offset } : {}) },
        ac.signal as never,
      );
      const now = Date.now();
      const added = queue.storeBatch(
        updates.map((u) => ({ updateId: u.update_id, chatId: deps.chatOf(u as never), payload: JSON.stringify(u) })),
        now,
      );
      status.lastPollAt = now;
      if (updates.length > 0) status.lastInboundAt = now;
      if (failures > 0) logger.info({ channel: 'telegram', accountId: status.accountId }, 'telegram polling recovered');
      failures = 0;
      first = false;
      markPolling(status);
      if (added > 0) deps.onStored();
    } catch (err) {
      if (signal.aborted) break;
      failures += 1;
      const stalled = ac.signal.reason instanceof PollStall;
      const failure = stalled
        ? { kind: 'transient' as const, message: `getUpdates gave no answer within ${timeoutS + graceMs / 1000} s (stall); poll restarted` }
        : classifyApiError(err);
      let delayMs = retryDelayMs(failure, failures, deps.retry);
      status.lastError = failure.message;
      status.restarts += 1;
      if (failure.kind === 'conflict') {
        status.state = 'conflict';
        status.problem = 'Telegram answered 409 Conflict: another poller or a webhook uses this bot token; backing off instead of fighting';
        delayMs = Math.max(delayMs, Math.min(deps.retry.maxDelayMs, 5_000));
      } else if (failure.kind === 'rate-limited') {
        status.state = 'backoff';
      } else if (failure.kind === 'unauthorized') {
        status.state = 'error';
        status.problem = 'Telegram refused the bot token (check channels.telegram.botToken)';
      } else {
        status.state = 'backoff';
        if (stalled) status.problem = 'polling stalled; restarted by the watchdog';
      }
      logger.warn({ channel: 'telegram', accountId: status.accountId, err: failure.message, retryInMs: delayMs }, 'telegram polling failed');
      await sleep(delayMs, signal);
    } finally {
      clearTimeout(watchdog);
      clearTimeout(healthy);
      signal.removeEventListener('abort', onAbort);
    }
  }
}
