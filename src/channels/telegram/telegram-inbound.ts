import type { Api } from 'grammy';
import type { FarclawConfig } from '../../infra/config-schema.js';
import type { Logger } from '../../infra/logger.js';
import { sessionKeyForPeer } from '../../sessions/session-key.js';
import type { ChannelPairingRepo } from '../../store/channel-pairing-repo.js';
import type { ChannelQueueRepo, InboundRecord, NewOutbound } from '../../store/channel-queue-repo.js';
import { backoffDelayMs, sleep, Wakeup } from '../backoff.js';
import type { ChannelAccountStatus, ChannelTurnRunner } from '../channel.js';
import { MAX_PENDING_PAIRING_REQUESTS, PAIRING_REQUEST_TTL_MS, newPairingCode } from '../pairing-code.js';
import { decideAccess, pairingReplyHtml, readInboundMessage } from './telegram-access.js';
import type { TelegramSettings } from './telegram-config.js';
import { htmlToPlain } from './telegram-format.js';
import { TurnDisplay } from './telegram-turn-display.js';

/** Telegram shows "typing…" for about 5 s; it is renewed this often while a turn runs (assistant.md 10.5). */
export const TYPING_INTERVAL_MS = 4_000;
/** A turn that failed this often is answered with an apology instead of being retried again. */
const MAX_TURN_ATTEMPTS = 3;

export interface InboundDeps {
  api: Api;
  queue: ChannelQueueRepo;
  pairing: ChannelPairingRepo;
  settings: TelegramSettings;
  status: ChannelAccountStatus;
  logger: Logger;
  wakeup: Wakeup;
  /** Wakes the outbox after replies were queued. */
  onQueued(): void;
  /** The assistant; without one, answerable messages wait in the queue. */
  turnRunner(): ChannelTurnRunner | undefined;
  /** The gateway config (`session.dmScope` decides a DM's session, assistant.md 1.1). */
  config: FarclawConfig;
  bot(): { id: number | null; username: string | null };
  agentId: string;
}

/**
 * Works through the stored updates: one chat's updates strictly in order, chats in parallel.
 * Each update ends in one transaction that marks it done and queues its replies, so a crash
 * mid-turn leaves it pending (the turn runs again after restart, with the same idempotency key)
 * and a finished turn's replies are queued exactly once.
 */
export async function runInboundLoop(deps: InboundDeps, signal: AbortSignal): Promise<void> {
  const busy = new Map<string, Promise<void>>();
  const attempts = new Map<number, number>();
  while (!signal.aborted) {
    deps.status.backlog.inbound = deps.queue.pendingCount();
    for (const chatId of deps.queue.pendingChats()) {
      if (busy.has(chatId)) continue;
      const work = handleChat(deps, chatId, attempts, signal).then((drained) => {
        busy.delete(chatId);
        // A chat left waiting (no assistant, a failed turn) is looked at again on the next tick.
        if (drained) deps.wakeup.notify();
      });
      busy.set(chatId, work);
    }
    await deps.wakeup.wait(1_000, signal);
  }
  await Promise.allSettled(busy.values());
}

/** Handles one chat's pending updates in order; false when one of them has to wait. */
async function handleChat(deps: InboundDeps, chatId: string, attempts: Map<number, number>, signal: AbortSignal): Promise<boolean> {
  for (;;) {
    if (signal.aborted) return false;
    const next = deps.queue.nextPending(chatId);
    if (!next) return true;
    try {
      if (!(await handleUpdate(deps, next, attempts, signal))) return false;
    } catch (err) {
      deps.logger.error({ channel: 'telegram', updateId: next.updateId, err }, 'telegram update could not be handled');
      return false;
    }
  }
}

/** Returns false when the update stays pending (retried later). */
async function handleUpdate(deps: InboundDeps, row: InboundRecord, attempts: Map<number, number>, signal: AbortSignal): Promise<boolean> {
  const { settings, status, logger } = deps;
  const msg = readInboundMessage(JSON.parse(row.payload) as Record<string, unknown>, deps.bot().id);
  const finish = (replies: NewOutbound[]) => {
    if (deps.queue.complete(row.updateId, replies, Date.now()) && replies.length > 0) deps.onQueued();
    return true;
  };
  if (!msg) return finish([]);
  const isPairedSender = deps.pairing.isApproved('telegram', settings.accountId, msg.senderId);
  const decision = decideAccess(msg, settings, { isPairedSender, botUsername: deps.bot().username });
  if (decision.kind === 'ignore') {
    logger.debug({ channel: 'telegram', updateId: row.updateId, why: decision.why }, 'telegram message ignored');
    return finish([]);
  }
  if (decision.kind === 'pair') {
    const outcome = deps.pairing.request(
      { channel: 'telegram', accountId: settings.accountId, senderId: msg.senderId, meta: { ...msg.meta, accountId: settings.accountId } },
      { nowMs: Date.now(), ttlMs: PAIRING_REQUEST_TTL_MS, maxPending: MAX_PENDING_PAIRING_REQUESTS, newCode: newPairingCode },
    );
    if (outcome.kind !== 'created') return finish([]);
    logger.info({ channel: 'telegram', senderId: msg.senderId }, 'telegram pairing request created');
    const html = pairingReplyHtml(msg.senderId, outcome.request.code);
    return finish([{ chatId: msg.chatId, html, plain: htmlToPlain(html), source: `pairing:${msg.senderId}` }]);
  }
  const runTurn = deps.turnRunner();
  if (!runTurn) {
    status.problem = 'messages wait: no assistant is connected to the channels';
    return false;
  }
  if (status.problem?.startsWith('messages wait')) status.problem = null;
  // Drafts of an earlier attempt at this message (a failed turn, or a gateway killed mid-turn).
  if (deps.queue.retireDrafts(Date.now(), row.updateId) > 0) deps.onQueued();
  const typing = startTyping(deps, msg.chatId, signal);
  const display = new TurnDisplay({
    api: deps.api, queue: deps.queue, settings, logger, chatId: msg.chatId, updateId: row.updateId, messageId: msg.messageId,
  });
  const sessionKey = sessionKeyForPeer({
    channel: 'telegram',
    accountId: settings.accountId,
    peerId: msg.senderId,
    ...(msg.chatType === 'private' ? {} : { group: { groupId: msg.chatId, ...(msg.threadId !== undefined ? { topicId: msg.threadId } : {}) } }),
  }, deps.config, deps.agentId);
  try {
    const result = await runTurn({
      channel: 'telegram',
      accountId: settings.accountId,
      sessionKey,
      to: `telegram:${msg.chatId}`,
      route: { chatId: msg.chatId, chatType: msg.chatType, ...(msg.threadId !== undefined ? { threadId: Number(msg.threadId) } : {}) },
      senderId: msg.senderId,
      senderName: msg.senderName,
      text: decision.text,
      idempotencyKey: `telegram:${settings.accountId}:${row.updateId}`,
      signal,
      ...display.hooks(),
    });
    attempts.delete(row.updateId);
    return finish(await display.finalReplies(result.text));
  } catch (err) {
    await display.abandon();
    if (signal.aborted) return false;
    const n = (attempts.get(row.updateId) ?? 0) + 1;
    attempts.set(row.updateId, n);
    const reason = err instanceof Error ? err.message : String(err);
    status.lastError = `turn for update ${row.updateId} failed: ${reason}`;
    logger.warn({ channel: 'telegram', updateId: row.updateId, attempt: n, err: reason }, 'telegram turn failed');
    if (n >= MAX_TURN_ATTEMPTS) {
      attempts.delete(row.updateId);
      return finish(await display.apology(`Sorry, I could not answer that (${reason.slice(0, 200)}).`));
    }
    await sleep(backoffDelayMs(n, settings.retry), signal);
    return false;
  } finally {
    typing.stop();
  }
}

/** Sends "typing" now and every TYPING_INTERVAL_MS until stopped; failures only cost the indicator. */
function startTyping(deps: InboundDeps, chatId: string, signal: AbortSignal): { stop(): void } {
  const send = () => {
    if (signal.aborted) return;
    deps.api.sendChatAction(Number(chatId), 'typing').catch(() => undefined);
  };
  send();
  const timer = setInterval(send, TYPING_INTERVAL_MS);
  return { stop: () => clearInterval(timer) };
}
