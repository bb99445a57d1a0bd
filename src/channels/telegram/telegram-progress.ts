import type { Api } from 'grammy';
import type { Logger } from '../../infra/logger.js';

/** A draft call that takes longer is abandoned (it is only an indicator). */
const DRAFT_CALL_TIMEOUT_MS = 10_000;
/** A tool's arguments are shown up to this many characters. */
const ARGS_PREVIEW_CHARS = 120;

/** One line of the draft for a tool call, e.g. `⚙ exec: echo hi`. */
export function toolLine(name: string, args: unknown): string {
  const a = (args ?? {}) as Record<string, unknown>;
  const detail = typeof a.command === 'string' ? a.command : Object.keys(a).length > 0 ? JSON.stringify(a) : '';
  const short = detail.length > ARGS_PREVIEW_CHARS ? `${detail.slice(0, ARGS_PREVIEW_CHARS - 1)}…` : detail;
  return `⚙ ${name}${short ? `: ${short}` : ''}`;
}

/**
 * The progress draft of one turn with tools (assistant.md 10.5, streaming mode `progress`): a
 * plain-text status message sent at the first tool call and edited at each next one. Text-only
 * turns never get one. Its message id is handed to `onShown` as soon as Telegram accepted it (it
 * is recorded as a draft); the turn's completion queues its deletion after the answer, through
 * the outbox. Updates are best effort: a failed call only costs the indicator.
 */
export class ProgressDraft {
  private readonly lines: string[] = [];
  private messageId: number | undefined;
  private finished = false;
  /** Calls to Telegram in order, so an edit never overtakes the send that creates the message. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: Api,
    private readonly chatId: string,
    private readonly logger: Logger,
    private readonly onShown: (messageId: number) => void,
  ) {}

  /** Adds a tool call to the draft (creating it on the first one). */
  toolStarted(name: string, args: unknown): void {
    if (this.finished) return;
    this.lines.push(toolLine(name, args));
    const text = ['Working on it…', ...this.lines.slice(-10)].join('\n');
    this.chain = this.chain.then(async () => {
      if (this.finished) return;
      const signal = AbortSignal.timeout(DRAFT_CALL_TIMEOUT_MS) as never;
      if (this.messageId === undefined) {
        this.messageId = (await this.api.sendMessage(Number(this.chatId), text, {}, signal)).message_id;
        this.onShown(this.messageId);
      } else await this.api.editMessageText(Number(this.chatId), this.messageId, text, {}, signal);
    }).catch((err: unknown) => this.logger.debug({ channel: 'telegram', err: String(err) }, 'telegram progress draft not updated'));
  }

  /** Stops updating and waits for a call in flight; the draft's message id, if it was shown. */
  async finish(): Promise<number | undefined> {
    this.finished = true;
    await this.chain;
    return this.messageId;
  }
}
