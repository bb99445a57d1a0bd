import type { TelegramSettings } from './telegram-config.js';

/** The parts of a Telegram message access decisions need. */
export interface InboundMessage {
  updateId: number;
  messageId: number;
  chatId: string;
  chatType: string;
  senderId: string;
  senderName: string | null;
  meta: Record<string, string>;
  text: string;
  /** Forum topic, when the message is in one. */
  threadId?: string;
  /** The message replies to one of the bot's. */
  isReplyToBot: boolean;
}

/** What to do with a message. */
export type AccessDecision =
  | { kind: 'answer'; text: string }
  | { kind: 'pair' }
  | { kind: 'ignore'; why: string };

/** Reads a Telegram update into an InboundMessage; undefined for anything but a text message. */
export function readInboundMessage(update: Record<string, unknown>, botId: number | null): InboundMessage | undefined {
  const m = update.message as Record<string, unknown> | undefined;
  const text = typeof m?.text === 'string' ? m.text : typeof m?.caption === 'string' ? m.caption : undefined;
  const chat = m?.chat as { id?: number; type?: string } | undefined;
  const from = m?.from as { id?: number; is_bot?: boolean; first_name?: string; last_name?: string; username?: string } | undefined;
  if (!m || text === undefined || typeof chat?.id !== 'number' || typeof from?.id !== 'number' || from.is_bot) return undefined;
  const name = [from.first_name, from.last_name].filter(Boolean).join(' ') || null;
  const meta: Record<string, string> = {};
  if (from.username) meta.username = from.username;
  if (from.first_name) meta.firstName = from.first_name;
  if (from.last_name) meta.lastName = from.last_name;
  const replyTo = m.reply_to_message as { from?: { id?: number } } | undefined;
  return {
    updateId: update.update_id as number,
    messageId: typeof m.message_id === 'number' ? m.message_id : 0,
    chatId: String(chat.id),
    chatType: chat.type ?? 'private',
    senderId: String(from.id),
    senderName: name,
    meta,
    text,
    ...(m.is_topic_message === true && typeof m.message_thread_id === 'number' ? { threadId: String(m.message_thread_id) } : {}),
    isReplyToBot: botId !== null && replyTo?.from?.id === botId,
  };
}

/**
 * DM and group policy (assistant.md 10.1): DMs by `dmPolicy` (config `allowFrom`, plus senders
 * approved through pairing); groups by `groupPolicy`/`groups`/`groupAllowFrom`, answering only
 * when the bot is mentioned (or replied to) unless the group sets `requireMention: false`.
 */
export function decideAccess(
  msg: InboundMessage,
  s: TelegramSettings,
  ctx: { isPairedSender: boolean; botUsername: string | null },
): AccessDecision {
  const refusal = chatRefusal(msg, s, ctx.isPairedSender);
  if (msg.chatType === 'private') {
    if (refusal === undefined) return { kind: 'answer', text: msg.text };
    return s.dmPolicy === 'pairing' && refusal === NOT_ALLOWED_DM ? { kind: 'pair' } : { kind: 'ignore', why: refusal };
  }
  if (refusal !== undefined) return { kind: 'ignore', why: refusal };
  const group = s.groups[msg.chatId] ?? s.groups['*'];
  if (group?.requireMention === false) return { kind: 'answer', text: msg.text };
  const mention = ctx.botUsername ? new RegExp(`[ \\t]*@${ctx.botUsername}\\b`, 'i') : undefined;
  if (mention?.test(msg.text)) return { kind: 'answer', text: msg.text.replace(mention, '').trim() };
  if (msg.isReplyToBot) return { kind: 'answer', text: msg.text };
  return { kind: 'ignore', why: 'not mentioned' };
}

/**
 * Whether the bot may still write to a chat unasked (a follow-up): the policy that let `senderId`
 * be answered there must still let them, mentions aside (no message is being answered).
 */
export function mayFollowUp(
  chat: { chatId: string; chatType: string; senderId: string },
  s: TelegramSettings,
  isPairedSender: boolean,
): boolean {
  return chatRefusal(chat, s, isPairedSender) === undefined;
}

const NOT_ALLOWED_DM = 'sender not in allowFrom';

/** Why the chat's policy refuses this sender, or undefined when it lets them be answered. */
function chatRefusal(msg: { chatId: string; chatType: string; senderId: string }, s: TelegramSettings, isPairedSender: boolean): string | undefined {
  if (msg.chatType === 'private') {
    if (s.dmPolicy === 'disabled') return 'dmPolicy disabled';
    return s.allowFrom.includes('*') || s.allowFrom.includes(msg.senderId) || isPairedSender ? undefined : NOT_ALLOWED_DM;
  }
  if (msg.chatType !== 'group' && msg.chatType !== 'supergroup') return `chat type ${msg.chatType}`;
  if (s.groupPolicy === 'disabled') return 'groupPolicy disabled';
  if (s.groupPolicy === 'allowlist') {
    if (!(s.groups[msg.chatId] ?? s.groups['*'])) return 'group not in channels.telegram.groups';
    if (s.groupAllowFrom.length > 0 && !s.groupAllowFrom.includes('*') && !s.groupAllowFrom.includes(msg.senderId)) {
      return 'sender not in groupAllowFrom';
    }
  }
  return undefined;
}

/** The reply to a new pairing request (assistant.md 10.4, with farclaw's own name and CLI). */
export function pairingReplyHtml(senderId: string, code: string): string {
  return [
    'farclaw: access not configured.',
    '',
    `Your Telegram user id: ${senderId}`,
    'Pairing code:',
    '',
    `<pre><code>${code}\n</code></pre>`,
    'Ask the bot owner to approve with:',
    '',
    `<pre><code>farclaw pairing approve telegram ${code}\n</code></pre>`,
  ].join('\n');
}
