import type { Database } from 'better-sqlite3';
import type { ChatService } from '../chat/chat-service.js';
import type { ChannelManager } from './channel-manager.js';

/** The origin of turns the gateway starts itself (an exec completion note). */
export const GATEWAY_ORIGIN = { clientId: 'gateway', clientMode: 'backend' } as const;

/**
 * Starts a turn of the gateway's own in a session (OpenClaw delivers such turns to the session's
 * last channel route). When a configured channel chat owns the session, that chat is owed the
 * answer: the follow-up is stored in the transaction that queues the run, so a crash leaves both
 * or neither, and a key already used (a replayed note) owes nothing new.
 * @throws whatever `ChatService.send` throws (the run and the follow-up are then both absent).
 */
export function startGatewayTurn(
  deps: { db: Database; chat: ChatService; channels: ChannelManager },
  sessionKey: string,
  message: string,
  idempotencyKey: string,
): void {
  const { db, chat, channels } = deps;
  const key = chat.canonicalKey(sessionKey);
  // chat.send's own transaction is a savepoint of this one; its events go out when it releases,
  // and nothing that can fail follows it here.
  const owes = db.transaction(() => {
    const owed = chat.runs.get(idempotencyKey) === undefined && channels.oweFollowup(key, idempotencyKey, message);
    chat.send(key, message, { idempotencyKey, origin: GATEWAY_ORIGIN });
    return owed;
  })();
  if (owes) channels.followupsQueued();
}
