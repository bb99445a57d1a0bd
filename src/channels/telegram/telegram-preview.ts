import type { Api } from 'grammy';
import type { Logger } from '../../infra/logger.js';
import { classifyApiError } from './telegram-errors.js';
import { renderTelegramChunks, type TelegramChunk } from './telegram-format.js';
import { toolLine } from './telegram-progress.js';

/** Fewest milliseconds between two preview calls of one turn (OpenClaw's default; Telegram allows ~1 edit/s per chat). */
export const PREVIEW_THROTTLE_MS = 1_000;
/** The first preview waits for this much answer text, so a notification does not show a single word. */
export const PREVIEW_MIN_INITIAL_CHARS = 30;
/** `block` mode: a new block is shown once this much text after the last one has a paragraph end... */
export const BLOCK_MIN_CHARS = 200;
/** ...or is cut at the best break once this long; also the largest message of a `block` preview. */
export const BLOCK_MAX_CHARS = 800;
/** A preview call that takes longer is abandoned (the final answer goes through the outbox anyway). */
const PREVIEW_CALL_TIMEOUT_MS = 10_000;
/** Failed preview calls in a row after which the turn stops previewing. */
const MAX_PREVIEW_FAILURES = 3;
/** Longest pause of the preview on a 429 (its retry_after, capped). */
const MAX_PREVIEW_SUSPEND_MS = 60_000;

/** A message of the preview as Telegram last accepted it. */
export interface PreviewPage {
  messageId: number;
  html: string;
}

export interface PreviewOptions {
  api: Api;
  chatId: string;
  logger: Logger;
  /** `partial`: the answer as it grows; `block`: only completed blocks, in messages of at most BLOCK_MAX_CHARS. */
  mode: 'partial' | 'block';
  /** Largest message of the preview (HTML characters); text beyond it continues in a new message. */
  pageChars: number;
  replyToMessageId?: number;
  /** Called as soon as Telegram accepted a new preview message (it is recorded as a draft). */
  onShown(messageId: number): void;
  throttleMs?: number;
}

/**
 * The live answer preview of one turn (streaming modes `partial` and `block`, assistant.md 10.1):
 * one message sent when enough text arrived, then edited as the text grows, at most once per
 * throttle interval. Text beyond a message's cap continues in a new message; the pages already
 * shown stay. While a tool runs and no text followed it, the tool's line is shown under the text.
 * Preview calls are best effort (a 429 pauses them, three failures in a row end them): the final
 * answer is delivered through the outbox, editing these pages in place.
 */
export class TelegramPreview {
  private readonly pages: PreviewPage[] = [];
  private answer = '';
  /** `block` mode: how much of the answer is shown (a completed block boundary). */
  private blockEnd = 0;
  private tool: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private dirty = false;
  private lastCallAt = 0;
  private failures = 0;
  private suspendedUntil = 0;
  private stopped = false;

  constructor(private readonly opts: PreviewOptions) {}

  /** The turn's answer so far (the whole text, not a delta). */
  update(text: string): void {
    this.answer = text;
    this.tool = undefined;
    if (this.opts.mode === 'block') this.blockEnd = nextBlockEnd(text, this.blockEnd);
    this.schedule();
  }

  /** A tool call started: its line shows under the text until more text arrives. */
  toolStarted(name: string, args: unknown): void {
    this.tool = toolLine(name, args);
    this.schedule();
  }

  /** Stops previewing and waits for a call in flight; returns the pages as Telegram holds them. */
  async finish(): Promise<PreviewPage[]> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inflight;
    return this.pages.map((p) => ({ ...p }));
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer || this.inflight) {
      this.dirty = true;
      return;
    }
    const waitMs = Math.max(0, this.lastCallAt + (this.opts.throttleMs ?? PREVIEW_THROTTLE_MS) - Date.now(), this.suspendedUntil - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inflight = this.flush().finally(() => {
        this.inflight = undefined;
        if (this.dirty) {
          this.dirty = false;
          this.schedule();
        }
      });
    }, waitMs);
  }

  /** The messages the preview should show now. */
  private wanted(): TelegramChunk[] {
    const text = this.opts.mode === 'block' ? this.answer.slice(0, this.blockEnd) : this.answer;
    const toolHtml = this.tool ? escapeHtml(this.tool) : '';
    if (text.trim() === '') return toolHtml ? [{ html: `Working on it…\n${toolHtml}`, plain: `Working on it…\n${this.tool}` }] : [];
    // Room for the tool line in the last page, so showing it never moves a page boundary.
    const chunks = renderTelegramChunks(text, this.opts.pageChars - (this.tool ? 200 : 0));
    const last = chunks.at(-1);
    if (last && this.tool) chunks[chunks.length - 1] = { html: `${last.html}\n\n${toolHtml}`, plain: `${last.plain}\n\n${this.tool}` };
    return chunks;
  }

  private async flush(): Promise<void> {
    if (this.stopped) return;
    const wanted = this.wanted();
    const first = wanted[0];
    if (!first) return;
    if (this.pages.length === 0 && !this.tool && first.plain.trim().length < PREVIEW_MIN_INITIAL_CHARS) return;
    this.lastCallAt = Date.now();
    const chatId = Number(this.opts.chatId);
    try {
      for (const [i, page] of wanted.entries()) {
        if (this.stopped && i >= this.pages.length) return;
        const shown = this.pages[i];
        if (shown?.html === page.html) continue;
        const signal = AbortSignal.timeout(PREVIEW_CALL_TIMEOUT_MS) as never;
        if (shown) {
          await this.opts.api.editMessageText(chatId, shown.messageId, page.html, { parse_mode: 'HTML' }, signal)
            .catch((err: unknown) => {
              if (!/message is not modified/i.test(classifyApiError(err).message)) throw err;
            });
          shown.html = page.html;
        } else {
          const reply = i === 0 && this.opts.replyToMessageId !== undefined
            ? { reply_parameters: { message_id: this.opts.replyToMessageId, allow_sending_without_reply: true } } : {};
          const sent = await this.opts.api.sendMessage(chatId, page.html, { parse_mode: 'HTML', ...reply }, signal);
          this.pages.push({ messageId: sent.message_id, html: page.html });
          this.opts.onShown(sent.message_id);
        }
      }
      this.failures = 0;
    } catch (err) {
      const failure = classifyApiError(err);
      if (failure.kind === 'rate-limited') this.suspendedUntil = Date.now() + Math.min(failure.retryAfterMs, MAX_PREVIEW_SUSPEND_MS);
      this.failures += 1;
      if (this.failures >= MAX_PREVIEW_FAILURES) this.stopped = true;
      else this.dirty = true;
      this.opts.logger.debug({ channel: 'telegram', err: failure.message }, 'telegram preview not updated');
    }
  }
}

/**
 * `block` mode: where the shown text ends after `text` grew, given it ended at `from`. A block
 * ends at the last paragraph break once BLOCK_MIN_CHARS arrived after `from`; text that reached
 * BLOCK_MAX_CHARS without one is cut at the last line end, sentence end or space before it.
 */
export function nextBlockEnd(text: string, from: number): number {
  if (text.length - from < BLOCK_MIN_CHARS) return from;
  const window = text.slice(from, from + BLOCK_MAX_CHARS);
  const paragraph = window.lastIndexOf('\n\n');
  if (paragraph > 0) return from + paragraph + 2;
  if (text.length - from < BLOCK_MAX_CHARS) return from;
  for (const brk of ['\n', '. ', ' ']) {
    const at = window.lastIndexOf(brk);
    if (at > 0) return from + at + brk.length;
  }
  return from + BLOCK_MAX_CHARS;
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
