import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Database } from 'better-sqlite3';
import type { FarclawConfig } from '../infra/config-schema.js';
import type { Logger } from '../infra/logger.js';
import { ChannelPairingRepo, type SenderPairingRequest } from '../store/channel-pairing-repo.js';
import { ChannelQueueRepo } from '../store/channel-queue-repo.js';
import { SessionRouteRepo } from '../store/session-route-repo.js';
import type { ChannelAccountStatus, ChannelTurnRunner } from './channel.js';
import type { TelegramChannel } from './telegram/telegram-channel.js';
import { resolveTelegramAccounts, type TelegramSettings } from './telegram/telegram-config.js';

/** Channels farclaw knows, in display order, with their labels. */
export const CHANNEL_LABELS: Readonly<Record<string, string>> = { telegram: 'Telegram' };

/** An HTTP route as the gateway's router takes it (structurally; channels do not import the gateway). */
export interface HttpRouteLike {
  path: string;
  methods: readonly string[];
  allowUnattributed: boolean;
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/** Thrown for a pairing call naming a channel farclaw does not have. */
export class UnknownChannelError extends Error {}

export interface ChannelManagerOptions {
  config: FarclawConfig;
  env: NodeJS.ProcessEnv;
  db: Database;
  logger: Logger;
  stateDir: string;
  /** The assistant; channels hold answerable messages until it is set. */
  runTurn?: ChannelTurnRunner;
  /** Per-token lock directory (tests); default the machine's temp dir. */
  lockDir?: string;
}

/**
 * Owns the configured channels: reads their config at construction (throws ConfigError for a
 * config that cannot work), builds and starts them with the gateway, stops them, and answers
 * status and sender-pairing calls for the methods and the CLI.
 *
 * The Telegram channel (and grammY under it) is loaded at `start()` and only when an account is
 * configured: a gateway without channels never reads that code (issue 13: idle RSS).
 */
export class ChannelManager {
  /** One entry per account, the default account first (assistant.md 10.1 `accounts.<id>`). */
  private readonly accounts: TelegramSettings[];
  /** Built at the first start, in `accounts` order. */
  private channels: TelegramChannel[] = [];
  private readonly pairing: ChannelPairingRepo;
  private readonly sessionRoutes: SessionRouteRepo;
  /** Queues of the accounts follow-ups were owed to, by account id. */
  private readonly queues = new Map<string, ChannelQueueRepo>();
  private readonly turnRunner: ChannelTurnRunner | undefined;

  constructor(private readonly opts: ChannelManagerOptions) {
    this.pairing = new ChannelPairingRepo(opts.db);
    this.sessionRoutes = new SessionRouteRepo(opts.db);
    this.turnRunner = opts.runTurn;
    this.accounts = resolveTelegramAccounts(opts.config.channels?.telegram, opts.env);
  }

  async start(): Promise<void> {
    if (this.accounts.length > 0 && this.channels.length === 0) {
      const { TelegramChannel } = await import('./telegram/telegram-channel.js');
      const { opts } = this;
      this.channels = this.accounts.map((settings) => new TelegramChannel({
        settings, db: opts.db, logger: opts.logger, stateDir: opts.stateDir,
        turnRunner: () => this.turnRunner,
        config: opts.config,
        ...(opts.lockDir !== undefined ? { lockDir: opts.lockDir } : {}),
      }));
    }
    for (const c of this.channels) await c.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.channels.map((c) => c.stop()));
  }

  /**
   * HTTP routes of the channels: the webhook path of each account in webhook mode. Telegram
   * authenticates with its secret header, so the route is served even behind an unlisted proxy.
   * Until the channels are built, a delivery is answered 503 (Telegram retries it).
   */
  routes(): HttpRouteLike[] {
    return this.accounts.flatMap((a) => {
      const path = a.webhook?.path;
      return path === undefined ? [] : [{
        path, methods: ['POST'], allowUnattributed: true,
        handle: (req: IncomingMessage, res: ServerResponse) => {
          const channel = this.channels.find((c) => c.webhookPath() === path);
          if (channel) return channel.handleHttp(req, res, path);
          res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' }).end('channel not receiving');
          return true;
        },
      }];
    });
  }

  /**
   * Starts one account at runtime (`channels.start`); `already` when it was running. Lasts until
   * the gateway stops: the next start follows the config again.
   */
  async startAccount(channel: string, accountId?: string): Promise<{ accountId: string; started: boolean; already: boolean }> {
    const c = this.account(channel, accountId);
    const already = c.status().running;
    await c.start();
    return { accountId: c.accountId, started: c.status().running, already };
  }

  /** Stops one account at runtime (`channels.stop`): its poll ends, stored messages wait for a start. */
  async stopAccount(channel: string, accountId?: string): Promise<{ accountId: string; stopped: boolean }> {
    const c = this.account(channel, accountId);
    await c.stop();
    return { accountId: c.accountId, stopped: !c.status().running };
  }

  /**
   * Records that the chat the session last heard from is owed the answer of run `runId` (a turn
   * the gateway starts there with `message`). False, and nothing stored, when no chat of a
   * configured account owns the session. Call it in the transaction that queues the run, then
   * `followupsQueued()` after the commit.
   */
  oweFollowup(sessionKey: string, runId: string, message: string): boolean {
    const route = this.sessionRoutes.get(sessionKey);
    if (!route || !(route.channel in CHANNEL_LABELS) || !this.accounts.some((a) => a.accountId === route.accountId)) return false;
    let queue = this.queues.get(route.accountId);
    if (!queue) this.queues.set(route.accountId, (queue = new ChannelQueueRepo(this.opts.db, { channel: route.channel, accountId: route.accountId })));
    queue.addFollowup({
      runId, sessionKey, chatId: route.chatId, chatType: route.chatType, senderId: route.senderId, message,
      ...(route.threadId !== undefined ? { threadId: route.threadId } : {}),
    }, Date.now());
    return true;
  }

  /** Wakes the channels to deliver follow-ups owed since they last looked. */
  followupsQueued(): void {
    for (const c of this.channels) c.followupsQueued();
  }

  /** Every configured account's status. */
  statuses(): ChannelAccountStatus[] {
    return this.channels.map((c) => c.status());
  }

  /** Live sender pairing requests of a channel (assistant.md 10.4). */
  pairingList(channel: string, accountId?: string): SenderPairingRequest[] {
    this.check(channel);
    return this.pairing.list(channel, Date.now(), accountId);
  }

  /** Approves a code: its sender is answered from the next message on. Undefined: no such live code. */
  pairingApprove(channel: string, code: string): SenderPairingRequest | undefined {
    this.check(channel);
    return this.pairing.approve(channel, code, Date.now());
  }

  /** Drops a code without allowing its sender. */
  pairingReject(channel: string, code: string): SenderPairingRequest | undefined {
    this.check(channel);
    return this.pairing.reject(channel, code, Date.now());
  }

  private account(channel: string, accountId: string | undefined): TelegramChannel {
    this.check(channel);
    // Without an account id: the channel's default account (listed first).
    const found = this.channels.find((c) => c.channel === channel && (accountId === undefined || c.accountId === accountId));
    if (!found) {
      throw new UnknownChannelError(accountId === undefined
        ? `channel ${channel} is not configured on this gateway`
        : `channel ${channel} has no account "${accountId}"`);
    }
    return found;
  }

  private check(channel: string): void {
    if (!(channel in CHANNEL_LABELS)) throw new UnknownChannelError(`unknown channel "${channel}" (known: ${Object.keys(CHANNEL_LABELS).join(', ')})`);
  }
}
