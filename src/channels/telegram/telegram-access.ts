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
  if (msg.chatType === 'private') {
    if (s.dmPolicy === 'disabled') return { kind: 'ignore', why: 'dmPolicy disabled' };
    if (s.allowFrom.includes('*') || s.allowFrom.includes(msg.senderId) || ctx.isPairedSender) {
      return { kind: 'answer', text: msg.text };
    }
    return s.dmPolicy === 'pairing' ? { kind: 'pair' } : { kind: 'ignore', why: 'sender not in allowFrom' };
  }
  if (msg.chatType !== 'group' && msg.chatType !== 'supergroup') return { kind: 'ignore', why: `chat type ${msg.chatType}` };
  if (s.groupPolicy === 'disabled') return { kind: 'ignore', why: 'groupPolicy disabled' };
  const group = s.groups[msg.chatId] ?? s.groups['*'];
  if (s.groupPolicy === 'allowlist') {
    if (!group) return { kind: 'ignore', why: 'group not in channels.telegram.groups' };
    if (s.groupAllowFrom.length > 0 && !s.groupAllowFrom.includes('*') && !s.groupAllowFrom.includes(msg.senderId)) {
      return { kind: 'ignore', why: 'sender not in groupAllowFrom' };
    }
  }
  if (group?.requireMention === false) return { kind: 'answer', text: msg.text };
  const mention = ctx.botUsername ? new RegExp(`[ \\t]*@${ctx.botUsername}\\b`, 'i') : undefined;
  if (mention?.test(msg.text)) return { kind: 'answer', text: msg.text.replace(mention, '').trim() };
  if (msg.isReplyToBot) return { kind: 'answer', text: msg.text };
  return { kind: 'ignore', why: 'not mentioned' };
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
