/**
 * The channel seam: a messaging surface (Telegram first) that turns inbound messages into
 * session turns and delivers the replies. A channel owns its sockets, timers and loops from
 * `start()` to `stop()`; the gateway owns the channels.
 */

import type { ChannelAccountStatus } from '../protocol/schema/channels.js';

/** What a channel reports in `channels.status`, `health` and `status`: a wire shape, so it lives in the protocol. */
export type { ChannelAccountStatus };

/** One inbound chat message after access checks, handed to the assistant. */
export interface ChannelTurn {
  channel: string;
  accountId: string;
  /** Session key chosen by `session.dmScope` (assistant.md 1.1). */
  sessionKey: string;
  /** Where replies go, e.g. `telegram:777001`. */
  to: string;
  /**
   * The chat (and forum topic) the message came from: it becomes the session's last route,
   * stored with the message. Absent for a follow-up.
   */
  route?: { chatId: string; chatType: string; threadId?: number };
  senderId: string;
  senderName: string | null;
  text: string;
  /** Stable per inbound message: the assistant dedupes a turn replayed after a crash by it. */
  idempotencyKey: string;
  /**
   * Set for a follow-up, a turn the gateway started (run `idempotencyKey`) whose answer the chat
   * is owed: a rerun carries this origin, and `signal` only stops the wait (the run is the gateway's).
   */
  startedBy?: { clientId: string; clientMode: string };
  signal: AbortSignal;
  /** Called when the assistant starts a tool call during this turn (progress drafts). */
  onToolStart?(name: string, args: unknown): void;
  /** Called with the whole answer so far as it grows (live previews). */
  onText?(text: string): void;
}

/** The answer of one turn: the assistant's final text (Markdown). */
export interface ChannelTurnResult {
  text: string;
}

/**
 * How a channel reaches the assistant: run one turn in the session and return the final text.
 * Throws when the assistant cannot answer now (the update stays queued and is retried).
 */
export type ChannelTurnRunner = (turn: ChannelTurn) => Promise<ChannelTurnResult>;

/** A running channel (one per configured account). */
export interface Channel {
  readonly channel: string;
  readonly accountId: string;
  start(): Promise<void>;
  /** Idempotent; abandons an open long poll and waits for the loops to end. */
  stop(): Promise<void>;
  status(): ChannelAccountStatus;
}
