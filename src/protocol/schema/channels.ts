import { Type } from '@sinclair/typebox';
import { NonEmptyString } from './primitives.js';

/** `channels.status` params: `probe` and `timeoutMs` are accepted like the real gateway's. */
export const ChannelsStatusParamsSchema = Type.Object(
  { probe: Type.Optional(Type.Boolean()), timeoutMs: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: true },
);

/** `channels.pairing.list` (assistant.md 10.4). */
export const ChannelPairingListParamsSchema = Type.Object(
  { channel: NonEmptyString, accountId: Type.Optional(NonEmptyString) },
  { additionalProperties: false },
);

/** `channels.pairing.approve` / `channels.pairing.dismiss`: a live code of the channel. */
export const ChannelPairingCodeParamsSchema = Type.Object(
  { channel: NonEmptyString, code: NonEmptyString, accountId: Type.Optional(NonEmptyString), notify: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

/** `channels.start` / `channels.stop` / `channels.logout`: one channel account (the default when omitted). */
export const ChannelAccountParamsSchema = Type.Object(
  { channel: NonEmptyString, accountId: Type.Optional(NonEmptyString) },
  { additionalProperties: true },
);

/** What a channel reports in `channels.status`, `health` and `status` (issue 16, "status that tells the truth"). */
export interface ChannelAccountStatus {
  channel: string;
  accountId: string;
  enabled: boolean;
  configured: boolean;
  /** `polling` | `webhook` | `stopped` | `conflict` | `backoff` | `locked` | `error` */
  state: string;
  running: boolean;
  mode: 'polling' | 'webhook' | null;
  /** The bot's @username once getMe succeeded. */
  botUsername: string | null;
  lastStartAt: number | null;
  /** Last completed getUpdates (or webhook delivery) and last stored update, ms since epoch. */
  lastPollAt: number | null;
  lastInboundAt: number | null;
  lastOutboundAt: number | null;
  /** Stored updates not yet handled, and replies not yet accepted by the far side. */
  backlog: { inbound: number; outbound: number };
  lastError: string | null;
  /** Human sentence when the channel is not doing its job (e.g. another poller owns the token). */
  problem: string | null;
  restarts: number;
}

/** The `channels.status` answer (beside health's channel view): every account's status, by channel. */
export interface ChannelsStatusResult {
  ts: number;
  channels: Record<string, unknown>;
  channelOrder: string[];
  channelLabels: Record<string, string>;
  channelAccounts: Record<string, ChannelAccountStatus[]>;
  channelDefaultAccountId: Record<string, string>;
}
