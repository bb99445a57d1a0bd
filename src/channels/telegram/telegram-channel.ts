import type { IncomingMessage, ServerResponse } from 'node:http';
import { Api } from 'grammy';
import type { Database } from 'better-sqlite3';
import type { FarclawConfig } from '../../infra/config-schema.js';
import type { Logger } from '../../infra/logger.js';
import { ChannelPairingRepo } from '../../store/channel-pairing-repo.js';
import { ChannelQueueRepo } from '../../store/channel-queue-repo.js';
import { sleep, Wakeup } from '../backoff.js';
import type { Channel, ChannelAccountStatus, ChannelTurnRunner } from '../channel.js';
import type { TelegramSettings } from './telegram-config.js';
import { classifyApiError, retryDelayMs } from './telegram-errors.js';
import { runFollowupLoop } from './telegram-followups.js';
import { runInboundLoop } from './telegram-inbound.js';
import { runOutboxLoop } from './telegram-outbox.js';
import { ALLOWED_UPDATES, runPollLoop, LONG_POLL_TIMEOUT_S } from './telegram-poller.js';
import { handleWebhookRequest } from './telegram-webhook.js';
import { lockBotToken, TokenLockedError } from './token-lock.js';

export interface TelegramChannelOptions {
  settings: TelegramSettings;
  db: Database;
  logger: Logger;
  stateDir: string;
  /** The assistant, looked up per message; while undefined, answerable messages wait in the queue. */
  turnRunner(): ChannelTurnRunner | undefined;
  /** The gateway config (session keys by `session.dmScope`). */
  config: FarclawConfig;
  agentId?: string;
  /** Directory of the per-token poller lock (default: the machine's temp dir). */
  lockDir?: string;
  /** Long-poll timeout asked of getUpdates (s); tests shorten it. */
  pollTimeoutS?: number;
}

const DONE_PRUNE_INTERVAL_MS = 10 * 60_000;

/**
 * One Telegram bot account on grammY's Bot API client: the poller lock, start-up calls, the
 * long-poll loop, the inbound worker and the outbox sender (assistant.md 10). Every loop
 * survives any Bot API failure and retries forever with capped backoff until `stop()`.
 */
export class TelegramChannel implements Channel {
  readonly channel = 'telegram';
  readonly accountId: string;
  private readonly queue: ChannelQueueRepo;
  private readonly pairing: ChannelPairingRepo;
  private readonly api: Api;
  private readonly stateOf: ChannelAccountStatus;
  private readonly inboundWake = new Wakeup();
  private readonly followupWake = new Wakeup();
  private readonly outboxWake = new Wakeup();
  private abort: AbortController | undefined;
  private loops: Promise<unknown> | undefined;
  private bot: { id: number | null; username: string | null } = { id: null, username: null };
  /** Webhook mode: deliveries are stored only while this instance holds the token lock. */
  private receiving = false;
  private commandsCleared = false;

  constructor(private readonly opts: TelegramChannelOptions) {
    this.accountId = opts.settings.accountId;
    this.queue = new ChannelQueueRepo(opts.db, { channel: 'telegram', accountId: this.accountId });
    this.pairing = new ChannelPairingRepo(opts.db);
    this.api = new Api(opts.settings.token, {
      apiRoot: opts.settings.apiRoot,
      fetch: nativeFetch,
      timeoutSeconds: (opts.pollTimeoutS ?? LONG_POLL_TIMEOUT_S) + 60,
    });
    this.stateOf = {
      channel: 'telegram', accountId: this.accountId, enabled: true, configured: true, state: 'stopped', running: false,
      mode: opts.settings.webhook ? 'webhook' : 'polling', botUsername: null, lastStartAt: null, lastPollAt: null,
      lastInboundAt: null, lastOutboundAt: null, backlog: { inbound: 0, outbound: 0 }, lastError: null, problem: null, restarts: 0,
    };
  }

  /** Starts the loops and returns at once; the lock and getMe are retried in the background. */
  async start(): Promise<void> {
    if (this.abort) return;
    const abort = (this.abort = new AbortController());
    this.stateOf.running = true;
    this.stateOf.lastStartAt = Date.now();
    this.stateOf.state = 'starting';
    this.refreshBacklog();
    this.loops = this.run(abort.signal).catch((err: unknown) => {
      this.stateOf.state = 'error';
      this.stateOf.lastError = err instanceof Error ? err.message : String(err);
      this.opts.logger.error({ channel: 'telegram', err }, 'telegram channel stopped by an unexpected error');
    });
  }

  async stop(): Promise<void> {
    const abort = this.abort;
    if (!abort) return;
    abort.abort();
    await this.loops;
    this.abort = undefined;
    this.stateOf.running = false;
    this.stateOf.state = 'stopped';
  }

  /**
   * Answers a webhook delivery when `path` is this account's `webhookPath` (webhook mode only);
   * returns false for any other request.
   */
  /** The webhook path in webhook mode, else undefined. */
  webhookPath(): string | undefined {
    return this.opts.settings.webhook?.path;
  }

  handleHttp(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const webhook = this.opts.settings.webhook;
    if (!webhook || path !== webhook.path) return false;
    if (!this.receiving) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' }).end('channel not receiving');
      return true;
    }
    handleWebhookRequest(req, res, {
      secret: webhook.secret, queue: this.queue, status: this.stateOf, chatOf: chatIdOfUpdate, onStored: () => this.inboundWake.notify(),
    });
    return true;
  }

  /** Follow-ups were owed to this account's chats: deliver them now rather than at the next look. */
  followupsQueued(): void {
    this.followupWake.notify();
  }

  status(): ChannelAccountStatus {
    this.refreshBacklog();
    return { ...this.stateOf, backlog: { ...this.stateOf.backlog } };
  }

  private refreshBacklog(): void {
    this.stateOf.backlog.inbound = this.queue.pendingCount();
    this.stateOf.backlog.outbound = this.queue.outboxCount();
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { settings, logger } = this.opts;
    // Replies queued before a restart go out even while the lock or getMe still wait.
    const outbox = runOutboxLoop(
      {
        api: this.api, target: { apiRoot: settings.apiRoot, token: settings.token }, queue: this.queue, status: this.stateOf, logger,
        retry: settings.retry, wakeup: this.outboxWake,
      },
      signal,
    );
    const lock = await this.takeLock(signal);
    if (!lock) return void (await outbox);
    // Drafts left by a killed or stopped run belong to no live turn: their removal is queued.
    if (this.queue.retireDrafts(Date.now()) > 0) this.outboxWake.notify();
    try {
      if (!(await this.hello(signal))) return void (await outbox);
      const inbound = runInboundLoop({
        api: this.api, queue: this.queue, pairing: this.pairing, settings, status: this.stateOf,
        logger, wakeup: this.inboundWake, onQueued: () => this.outboxWake.notify(), turnRunner: this.opts.turnRunner, config: this.opts.config,
        bot: () => this.bot, agentId: this.opts.agentId ?? 'main',
      }, signal);
      const followups = runFollowupLoop({
        queue: this.queue, pairing: this.pairing, settings, logger, wakeup: this.followupWake,
        onQueued: () => this.outboxWake.notify(), turnRunner: this.opts.turnRunner,
      }, signal);
      const prune = setInterval(() => this.queue.prune(Date.now()), DONE_PRUNE_INTERVAL_MS);
      try {
        if (settings.webhook) {
          this.stateOf.state = 'webhook';
          this.receiving = true;
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        } else await runPollLoop({
          api: this.api, queue: this.queue, status: this.stateOf, logger, retry: settings.retry,
          chatOf: (u) => chatIdOfUpdate(u), onStored: () => this.inboundWake.notify(),
          ...(this.opts.pollTimeoutS !== undefined ? { pollTimeoutS: this.opts.pollTimeoutS } : {}),
        }, signal);
      } finally {
        this.receiving = false;
        clearInterval(prune);
      }
      await Promise.all([inbound, followups, outbox]);
    } finally {
      lock.release();
    }
  }

  /** The per-token poller lock, retried while another gateway holds it (its refusal in status). */
  private async takeLock(signal: AbortSignal): Promise<{ release(): void } | undefined> {
    let announced = false;
    while (!signal.aborted) {
      try {
        return lockBotToken(this.opts.settings.token, { stateDir: this.opts.stateDir }, this.opts.lockDir);
      } catch (err) {
        if (!(err instanceof TokenLockedError)) throw err;
        this.stateOf.state = 'locked';
        this.stateOf.problem = err.message;
        if (!announced) this.opts.logger.error({ channel: 'telegram' }, `telegram: ${err.message}`);
        announced = true;
        await sleep(this.opts.settings.retry.maxDelayMs, signal);
      }
    }
    return undefined;
  }

  /**
   * Once per process start (assistant.md 10.2: a channel restart does not touch commands): removes
   * the bot's command menu in both scopes. farclaw answers no slash command of its own, so a bot
   * that OpenClaw ran before must not keep offering its commands; a failure only logs.
   */
  private async clearCommands(signal: AbortSignal): Promise<void> {
    this.commandsCleared = true;
    try {
      await this.api.deleteMyCommands({}, signal as never);
      await this.api.deleteMyCommands({ scope: { type: 'all_group_chats' } }, signal as never);
    } catch (err) {
      this.opts.logger.warn({ channel: 'telegram', err: classifyApiError(err).message }, 'telegram command menu not cleared');
    }
  }

  /** getMe, deleteWebhook and the command menu (assistant.md 10.2), retried with backoff until they succeed. */
  private async hello(signal: AbortSignal): Promise<boolean> {
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        const me = await this.api.getMe(signal as never);
        this.bot = { id: me.id, username: me.username };
        this.stateOf.botUsername = me.username;
        const webhook = this.opts.settings.webhook;
        if (webhook) {
          await this.api.setWebhook(webhook.url, { secret_token: webhook.secret, allowed_updates: [...ALLOWED_UPDATES] as never }, signal as never);
        } else await this.api.deleteWebhook({ drop_pending_updates: false }, signal as never);
        if (!this.commandsCleared) await this.clearCommands(signal);
        this.stateOf.problem = null;
        return true;
      } catch (err) {
        if (signal.aborted) break;
        const failure = classifyApiError(err);
        this.stateOf.state = failure.kind === 'unauthorized' ? 'error' : 'backoff';
        this.stateOf.lastError = failure.message;
        if (failure.kind === 'unauthorized') this.stateOf.problem = 'Telegram refused the bot token (check channels.telegram.botToken)';
        const delayMs = retryDelayMs(failure, attempt, this.opts.settings.retry);
        this.opts.logger.warn({ channel: 'telegram', err: failure.message, retryInMs: delayMs }, 'telegram start-up call failed');
        await sleep(delayMs, signal);
      }
    }
    return false;
  }
}

/**
 * Node's own fetch for grammY's calls, with grammY's abort signal carried over to a native one.
 * grammY hands its fetch a signal of the `abort-controller` polyfill; node-fetch recognises that
 * class only by its name, which bundling renames, so every call failed in the bundled CLI.
 */
const nativeFetch = ((url: string, init?: RequestInit & { signal?: { aborted: boolean; addEventListener(t: 'abort', l: () => void): void } | null }) => {
  const native = new AbortController();
  const given = init?.signal;
  if (given) {
    if (given.aborted) native.abort();
    else given.addEventListener('abort', () => native.abort());
  }
  return fetch(url, { ...init, signal: native.signal });
}) as unknown as NonNullable<ConstructorParameters<typeof Api>[1]>['fetch'];

/** The chat an update belongs to (its message's chat), or '' when it has none. */
export function chatIdOfUpdate(update: Record<string, unknown>): string {
  for (const key of ['message', 'edited_message', 'channel_post', 'edited_channel_post', 'business_message']) {
    const chat = (update[key] as { chat?: { id?: number } } | undefined)?.chat;
    if (typeof chat?.id === 'number') return String(chat.id);
  }
  return '';
}
