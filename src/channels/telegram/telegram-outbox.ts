import type { Api } from 'grammy';
import type { Logger } from '../../infra/logger.js';
import type { ChannelQueueRepo, OutboxRecord } from '../../store/channel-queue-repo.js';
import { sleep, Wakeup } from '../backoff.js';
import type { ChannelAccountStatus } from '../channel.js';
import { callBotApi } from './bot-api-call.js';
import { classifyApiError, retryDelayMs } from './telegram-errors.js';

/** Longest a sendMessage may take before it counts as a failed attempt (a hung Bot API). */
export const SEND_TIMEOUT_MS = 20_000;
/** How often the outbox is looked at without a wake-up (deferred rows come due). */
const IDLE_CHECK_MS = 1_000;

export interface OutboxDeps {
  api: Api;
  /** Where sends go (callBotApi records an accepted send before any other work runs). */
  target: { apiRoot: string; token: string };
  queue: ChannelQueueRepo;
  status: ChannelAccountStatus;
  logger: Logger;
  retry: { minDelayMs: number; maxDelayMs: number };
  wakeup: Wakeup;
  sendTimeoutMs?: number;
}

/**
 * Delivers the outbox (style B3.7): rows go out oldest first, one chat's rows strictly in order,
 * and a row is deleted only after Telegram accepted it. A failure keeps the row for a later
 * attempt with capped backoff; a 429 pauses all sending for its `retry_after`; an HTML parse
 * error is retried at once as plain text; a request Telegram will never accept (chat gone, bot
 * blocked) is dropped with the reason logged and kept in status.
 */
export async function runOutboxLoop(deps: OutboxDeps, signal: AbortSignal): Promise<void> {
  const { queue, status } = deps;
  let pausedUntil = 0;
  while (!signal.aborted) {
    const now = Date.now();
    if (pausedUntil > now) {
      await sleep(pausedUntil - now, signal);
      continue;
    }
    const blocked = new Set<string>();
    let sentAny = false;
    for (const row of queue.outbox()) {
      if (signal.aborted) return;
      if (blocked.has(row.chatId)) continue;
      if (row.notBeforeMs > Date.now()) {
        blocked.add(row.chatId);
        continue;
      }
      const outcome = await deliver(deps, row, signal);
      if (outcome.kind === 'paused') {
        pausedUntil = Date.now() + outcome.ms;
        break;
      }
      if (outcome.kind === 'deferred') blocked.add(row.chatId);
      else sentAny = true;
      // The row changed (an edit became a send): the chat's later rows wait for it.
      if (outcome.kind === 'again') blocked.add(row.chatId);
    }
    status.backlog.outbound = queue.outboxCount();
    if (!sentAny) await deps.wakeup.wait(IDLE_CHECK_MS, signal);
  }
}

type Outcome = { kind: 'done' } | { kind: 'again' } | { kind: 'deferred' } | { kind: 'paused'; ms: number };

async function deliver(deps: OutboxDeps, row: OutboxRecord, signal: AbortSignal): Promise<Outcome> {
  const { queue, status, logger } = deps;
  const chatId = /^-?\d+$/.test(row.chatId) ? Number(row.chatId) : row.chatId;
  /** One Bot API call under the send timeout and the loop's abort. */
  const call = <T>(fn: (s: AbortSignal) => Promise<T>): Promise<T> => {
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => ac.abort(), deps.sendTimeoutMs ?? SEND_TIMEOUT_MS);
    return fn(ac.signal).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    });
  };
  const send = async (asHtml: boolean): Promise<void> => {
    const html = asHtml && row.html !== null;
    const text = html ? (row.html as string) : row.plain;
    if (row.op === 'delete' && row.targetMessageId !== null) {
      await call((s) => deps.api.deleteMessage(chatId, row.targetMessageId as number, s as never));
    } else if (row.op === 'edit' && row.targetMessageId !== null) {
      await call((s) => deps.api.editMessageText(chatId, row.targetMessageId as number, text, html ? { parse_mode: 'HTML' } : {}, s as never));
    } else {
      await call((s) => callBotApi(deps.target, 'sendMessage', {
        chat_id: chatId,
        text,
        ...(html ? { parse_mode: 'HTML' } : {}),
        ...(row.threadId !== null ? { message_thread_id: row.threadId } : {}),
        ...(row.replyToMessageId !== null ? { reply_parameters: { message_id: row.replyToMessageId, allow_sending_without_reply: true } } : {}),
      }, { signal: s, onAccepted: () => queue.delivered(row.id) }));
    }
  };
  try {
    try {
      await send(true);
    } catch (err) {
      if (row.html === null || classifyApiError(err).kind !== 'parse-error') throw err;
      logger.warn({ channel: 'telegram', outboxId: row.id }, 'telegram refused the HTML of a reply; sending it as plain text');
      await send(false);
    }
    // A send was recorded in the callback that read Telegram's answer; edits and deletes are here.
    queue.delivered(row.id);
    status.lastOutboundAt = Date.now();
    return { kind: 'done' };
  } catch (err) {
    if (signal.aborted) return { kind: 'deferred' };
    const failure = classifyApiError(err);
    if (row.op !== 'send' && failure.kind === 'permanent') return settleNonSend(deps, row, failure.message);
    status.lastError = failure.message;
    if (failure.kind === 'rate-limited') {
      queue.deferred(row.id, Date.now() + failure.retryAfterMs, failure.message);
      logger.warn({ channel: 'telegram', retryAfterMs: failure.retryAfterMs }, 'telegram rate limit (429): sending paused for retry_after');
      return { kind: 'paused', ms: failure.retryAfterMs };
    }
    if (failure.kind === 'permanent' || failure.kind === 'parse-error') {
      queue.delivered(row.id);
      logger.error({ channel: 'telegram', outboxId: row.id, chatId: row.chatId, err: failure.message }, `telegram will never accept a reply; dropped it: ${failure.message}`);
      return { kind: 'done' };
    }
    const delayMs = retryDelayMs(failure, row.attempts + 1, deps.retry);
    queue.deferred(row.id, Date.now() + delayMs, failure.message);
    logger.warn({ channel: 'telegram', outboxId: row.id, err: failure.message, retryInMs: delayMs }, 'telegram send failed; will retry');
    return { kind: 'deferred' };
  }
}

/**
 * A Bot API refusal of an edit or delete that retrying cannot fix. An edit that changes nothing
 * is done; an edit of a message that is gone or too old goes out as a new message instead (the
 * answer is never lost); a delete of a message already gone is done.
 */
function settleNonSend(deps: OutboxDeps, row: OutboxRecord, reason: string): Outcome {
  if (row.op === 'edit' && !/message is not modified/i.test(reason)) {
    deps.logger.info({ channel: 'telegram', outboxId: row.id, err: reason }, 'telegram preview could not be finished in place; sending the answer as a new message');
    deps.queue.editBecomesSend(row.id);
    return { kind: 'again' };
  }
  if (row.op === 'delete') deps.logger.debug({ channel: 'telegram', outboxId: row.id, err: reason }, 'telegram draft already gone');
  deps.queue.delivered(row.id);
  return { kind: 'done' };
}
