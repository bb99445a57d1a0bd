import type { Logger } from '../../infra/logger.js';
import type { ChannelPairingRepo } from '../../store/channel-pairing-repo.js';
import type { ChannelQueueRepo, FollowupRecord, NewOutbound } from '../../store/channel-queue-repo.js';
import { backoffDelayMs, sleep, type Wakeup } from '../backoff.js';
import type { ChannelTurnRunner } from '../channel.js';
import { GATEWAY_ORIGIN } from '../gateway-turns.js';
import { mayFollowUp } from './telegram-access.js';
import type { TelegramSettings } from './telegram-config.js';
import { renderTelegramChunks } from './telegram-format.js';

/** A follow-up whose answer could not be had this often is given up (logged, nothing sent). */
const MAX_FOLLOWUP_ATTEMPTS = 3;
/** How often owed answers are looked at again while some are owed (a wait for the assistant). */
const OWED_CHECK_MS = 1_000;
/** With nothing owed, only a new follow-up (its wake-up) needs a look; this is a safety net. */
const NOTHING_OWED_CHECK_MS = 600_000;

export interface FollowupDeps {
  queue: ChannelQueueRepo;
  pairing: ChannelPairingRepo;
  settings: TelegramSettings;
  logger: Logger;
  wakeup: Wakeup;
  /** Wakes the outbox after an answer was queued. */
  onQueued(): void;
  /** The assistant; without one, owed answers wait. */
  turnRunner(): ChannelTurnRunner | undefined;
}

/**
 * Delivers the answers chats are owed for turns the gateway started in their sessions (exec
 * completion notes): waits for each run's answer (a run a crash interrupted is run again) and
 * queues it in the outbox as a reply of this chat would be, in the transaction that settles the
 * follow-up, so it goes out once across restarts. A chat whose access rules no longer let the bot
 * answer there gets nothing.
 */
export async function runFollowupLoop(deps: FollowupDeps, signal: AbortSignal): Promise<void> {
  const busy = new Map<string, Promise<void>>();
  const attempts = new Map<string, number>();
  while (!signal.aborted) {
    const owed = deps.queue.followups();
    for (const f of owed) {
      if (busy.has(f.runId)) continue;
      const work = deliverFollowup(deps, f, attempts, signal)
        .catch((err: unknown) => deps.logger.error({ channel: 'telegram', runId: f.runId, err }, 'telegram follow-up could not be handled'))
        .finally(() => busy.delete(f.runId));
      busy.set(f.runId, work);
    }
    await deps.wakeup.wait(owed.length > 0 ? OWED_CHECK_MS : NOTHING_OWED_CHECK_MS, signal);
  }
  await Promise.allSettled(busy.values());
}

async function deliverFollowup(deps: FollowupDeps, f: FollowupRecord, attempts: Map<string, number>, signal: AbortSignal): Promise<void> {
  const { queue, settings, logger } = deps;
  const settle = (replies: NewOutbound[]) => {
    if (queue.completeFollowup(f.runId, replies, Date.now()) && replies.length > 0) deps.onQueued();
  };
  if (!mayFollowUp(f, settings, deps.pairing.isApproved('telegram', settings.accountId, f.senderId))) {
    logger.info({ channel: 'telegram', runId: f.runId, chatId: f.chatId }, 'telegram follow-up not sent: the chat\'s access rules no longer allow it');
    return settle([]);
  }
  const runTurn = deps.turnRunner();
  if (!runTurn) return;
  try {
    const result = await runTurn({
      channel: 'telegram', accountId: settings.accountId, sessionKey: f.sessionKey, to: `telegram:${f.chatId}`, senderId: f.senderId,
      senderName: null, text: f.message, idempotencyKey: f.runId, startedBy: GATEWAY_ORIGIN, signal,
    });
    attempts.delete(f.runId);
    settle(renderTelegramChunks(result.text, settings.textChunkLimit).map((c, i) => ({
      chatId: f.chatId, html: c.html, plain: c.plain, source: `followup:${f.runId}:${i}`, ...(f.threadId !== undefined ? { threadId: f.threadId } : {}),
    })));
  } catch (err) {
    if (signal.aborted) return;
    const n = (attempts.get(f.runId) ?? 0) + 1;
    attempts.set(f.runId, n);
    const reason = err instanceof Error ? err.message : String(err);
    logger.warn({ channel: 'telegram', runId: f.runId, attempt: n, err: reason }, 'telegram follow-up has no answer');
    if (n >= MAX_FOLLOWUP_ATTEMPTS) {
      attempts.delete(f.runId);
      // As a message of the chat's own that fails for good: the chat hears why, not silence.
      return settle([{
        chatId: f.chatId, html: null, plain: `Sorry, I could not answer about a finished background command (${reason.slice(0, 200)}).`,
        source: `followup-error:${f.runId}`, ...(f.threadId !== undefined ? { threadId: f.threadId } : {}),
      }]);
    }
    await sleep(backoffDelayMs(n, settings.retry), signal);
  }
}
