import type { Api } from 'grammy';
import type { Logger } from '../../infra/logger.js';
import { sleep } from '../backoff.js';

/** Longest the draft waits for the final answer to be accepted before it is removed anyway. */
const FINAL_WAIT_MS = 10 * 60_000;
const FINAL_CHECK_MS = 300;
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
 * plain-text status message sent at the first tool call, edited at each next one, and deleted
 * once the final answer was accepted by Telegram (it is sent as a new message). Text-only turns
 * never get one. The draft is best effort and not durable: a failed call only costs the
 * indicator, and a gateway killed mid-turn can leave one behind.
 */
export class ProgressDraft {
  private readonly lines: string[] = [];
  private messageId: number | undefined;
  /** Calls to Telegram in order, so an edit never overtakes the send that creates the message. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly api: Api, private readonly chatId: string, private readonly logger: Logger) {}

  /** Adds a tool call to the draft (creating it on the first one). */
  toolStarted(name: string, args: unknown): void {
    this.lines.push(toolLine(name, args));
    const text = ['Working on it…', ...this.lines.slice(-10)].join('\n');
    this.chain = this.chain.then(async () => {
      if (this.messageId === undefined) this.messageId = (await this.api.sendMessage(Number(this.chatId), text)).message_id;
      else await this.api.editMessageText(Number(this.chatId), this.messageId, text);
    }).catch((err: unknown) => this.logger.debug({ channel: 'telegram', err: String(err) }, 'telegram progress draft not updated'));
  }

  /** Deletes the draft once `finalSent()` says the answer went out (or after a long wait, or on abort). */
  async removeAfter(finalSent: () => boolean, signal: AbortSignal): Promise<void> {
    await this.chain;
    if (this.messageId === undefined) return;
    const deadline = Date.now() + FINAL_WAIT_MS;
    while (!finalSent() && Date.now() < deadline && (await sleep(FINAL_CHECK_MS, signal)));
    if (signal.aborted) return;
    await this.api.deleteMessage(Number(this.chatId), this.messageId)
      .catch((err: unknown) => this.logger.debug({ channel: 'telegram', err: String(err) }, 'telegram progress draft not deleted'));
  }
}
