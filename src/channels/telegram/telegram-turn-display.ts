import type { Api } from 'grammy';
import type { Logger } from '../../infra/logger.js';
import type { ChannelQueueRepo, NewOutbound } from '../../store/channel-queue-repo.js';
import type { TelegramSettings } from './telegram-config.js';
import { renderTelegramChunks } from './telegram-format.js';
import { ProgressDraft } from './telegram-progress.js';
import { BLOCK_MAX_CHARS, TelegramPreview, type PreviewPage } from './telegram-preview.js';

export interface TurnDisplayOptions {
  api: Api;
  queue: ChannelQueueRepo;
  settings: TelegramSettings;
  logger: Logger;
  chatId: string;
  updateId: number;
  /** The inbound message the answer threads to (replyToMode), when it has one. */
  messageId: number;
}

/**
 * What a chat sees of one turn before its answer, by `streaming` mode (assistant.md 10.1):
 * `off` nothing, `progress` a status draft for tool calls, `partial`/`block` a live preview of the
 * answer. Every draft message is recorded as soon as Telegram accepted it. `finalReplies` turns
 * the answer into outbox rows that finish the drafts: the preview's pages are edited into the
 * answer (extra chunks sent, extra pages deleted), a progress draft is deleted after the answer.
 */
export class TurnDisplay {
  private readonly progress: ProgressDraft | undefined;
  private readonly preview: TelegramPreview | undefined;
  private readonly pageChars: number;

  constructor(private readonly opts: TurnDisplayOptions) {
    const { settings, api, chatId, logger, queue, updateId } = opts;
    const onShown = (messageId: number) => queue.recordDraft({ chatId, messageId, updateId }, Date.now());
    this.pageChars = settings.streaming === 'block' ? Math.min(BLOCK_MAX_CHARS, settings.textChunkLimit) : settings.textChunkLimit;
    if (settings.streaming === 'progress') this.progress = new ProgressDraft(api, chatId, logger, onShown);
    if (settings.streaming === 'partial' || settings.streaming === 'block') {
      this.preview = new TelegramPreview({
        api, chatId, logger, mode: settings.streaming, pageChars: this.pageChars, onShown,
        ...(this.replyTo(0) !== undefined ? { replyToMessageId: opts.messageId } : {}),
      });
    }
  }

  /** Hooks for the turn runner (undefined when this mode shows nothing before the answer). */
  hooks(): { onToolStart?(name: string, args: unknown): void; onText?(text: string): void } {
    if (this.progress) return { onToolStart: (n, a) => this.progress?.toolStarted(n, a) };
    if (this.preview) return { onToolStart: (n, a) => this.preview?.toolStarted(n, a), onText: (t) => this.preview?.update(t) };
    return {};
  }

  /** Outbox rows of the answer `text` (Markdown), finishing this turn's drafts. */
  async finalReplies(text: string): Promise<NewOutbound[]> {
    const { chatId, updateId } = this.opts;
    const pages: PreviewPage[] = (await this.preview?.finish()) ?? [];
    const draftId = await this.progress?.finish();
    const chunks = renderTelegramChunks(text, pages.length > 0 ? this.pageChars : this.opts.settings.textChunkLimit);
    const rows: NewOutbound[] = [];
    chunks.forEach((c, i) => {
      const page = pages[i];
      const source = `reply:${updateId}:${i}`;
      if (!page) rows.push({ chatId, html: c.html, plain: c.plain, source, ...this.replyField(i) });
      else if (page.html !== c.html) rows.push({ op: 'edit', chatId, targetMessageId: page.messageId, html: c.html, plain: c.plain, source });
    });
    for (const page of pages.slice(chunks.length)) rows.push(this.deletion(page.messageId));
    if (draftId !== undefined) rows.push(this.deletion(draftId));
    return rows;
  }

  /** Outbox rows of a plain apology: every draft removed, the apology sent as a new message. */
  async apology(plain: string): Promise<NewOutbound[]> {
    const pages = (await this.preview?.finish()) ?? [];
    const draftId = await this.progress?.finish();
    const ids = [...pages.map((p) => p.messageId), ...(draftId !== undefined ? [draftId] : [])];
    return [{ chatId: this.opts.chatId, html: null, plain, source: `error:${this.opts.updateId}` }, ...ids.map((id) => this.deletion(id))];
  }

  /** Stops showing anything (the turn failed and will run again; its drafts are retired then). */
  async abandon(): Promise<void> {
    await this.preview?.finish();
    await this.progress?.finish();
  }

  private deletion(messageId: number): NewOutbound {
    return { op: 'delete', chatId: this.opts.chatId, targetMessageId: messageId, html: null, plain: '', source: `draft:${this.opts.updateId}` };
  }

  /** replyToMode: `first` threads the first message, `all` every one (assistant.md 10.1). */
  private replyTo(i: number): number | undefined {
    const mode = this.opts.settings.replyToMode;
    return (mode === 'all' || (mode !== 'off' && i === 0)) && this.opts.messageId > 0 ? this.opts.messageId : undefined;
  }

  private replyField(i: number): { replyToMessageId?: number } {
    const id = this.replyTo(i);
    return id !== undefined ? { replyToMessageId: id } : {};
  }
}
