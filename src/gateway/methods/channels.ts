import { CHANNEL_LABELS, UnknownChannelError } from '../../channels/channel-manager.js';
import { channelsStatusResult } from '../../channels/channel-status.js';
import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import {
  ChannelAccountParamsSchema, ChannelPairingCodeParamsSchema, ChannelPairingListParamsSchema, ChannelsStatusParamsSchema,
} from '../../protocol/schema/channels.js';
import type { SenderPairingRequest } from '../../store/channel-pairing-repo.js';
import { defineMethod } from '../rpc/dispatcher.js';

/** A pairing request as `openclaw pairing list --json` shows it (assistant.md 10.4). */
function requestView(r: SenderPairingRequest) {
  return {
    id: r.senderId,
    code: r.code,
    createdAt: new Date(r.createdAtMs).toISOString(),
    lastSeenAt: new Date(r.lastSeenAtMs).toISOString(),
    meta: { ...r.meta, accountId: r.accountId },
  };
}

const pairingCall = <T>(fn: () => T): T => {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UnknownChannelError) throw new GatewayError(ErrorCode.INVALID_REQUEST, err.message);
    throw err;
  }
};

const accountCall = async <T>(fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UnknownChannelError) throw new GatewayError(ErrorCode.INVALID_REQUEST, err.message);
    throw err;
  }
};

/** `channels.status`: every configured channel account as it is now (polling, last update, backlog, last error). */
export const handleChannelsStatus = defineMethod('channels.status', ChannelsStatusParamsSchema, ({ services }) =>
  channelsStatusResult(services.channels.statuses()),
);

/** `channels.pairing.list`: live sender pairing requests of a channel. */
export const handleChannelPairingList = defineMethod('channels.pairing.list', ChannelPairingListParamsSchema, ({ services }, params) => ({
  channel: params.channel,
  requests: pairingCall(() => services.channels.pairingList(params.channel, params.accountId)).map(requestView),
}));

/** `channels.pairing.approve`: the code's sender is answered from its next message on (not notified). */
export const handleChannelPairingApprove = defineMethod('channels.pairing.approve', ChannelPairingCodeParamsSchema, ({ services }, params) => {
  const approved = pairingCall(() => services.channels.pairingApprove(params.channel, params.code));
  if (!approved) throw new GatewayError(ErrorCode.INVALID_REQUEST, `No pending pairing request found for code: ${params.code}`);
  services.logger.info({ channel: params.channel, senderId: approved.senderId }, 'channel sender approved');
  return { ok: true, channel: params.channel, id: approved.senderId, entry: requestView(approved) };
});

/** `channels.pairing.dismiss`: drops the code without allowing its sender. */
export const handleChannelPairingDismiss = defineMethod('channels.pairing.dismiss', ChannelPairingCodeParamsSchema, ({ services }, params) => {
  const dropped = pairingCall(() => services.channels.pairingReject(params.channel, params.code));
  if (!dropped) throw new GatewayError(ErrorCode.INVALID_REQUEST, `No pending pairing request found for code: ${params.code}`);
  return { ok: true, channel: params.channel, id: dropped.senderId };
});

/** `channels.start`: starts a configured account at runtime (OpenClaw's answer shape). */
export const handleChannelsStart = defineMethod('channels.start', ChannelAccountParamsSchema, async ({ services }, params) => {
  const r = await accountCall(() => services.channels.startAccount(params.channel, params.accountId));
  services.logger.info({ channel: params.channel, accountId: r.accountId }, 'channel started by an operator');
  return { channel: params.channel, accountId: r.accountId, started: r.started, outcome: r.already ? 'already-running' : 'started' };
});

/** `channels.stop`: stops an account until `channels.start` or the next gateway start. */
export const handleChannelsStop = defineMethod('channels.stop', ChannelAccountParamsSchema, async ({ services }, params) => {
  const r = await accountCall(() => services.channels.stopAccount(params.channel, params.accountId));
  services.logger.info({ channel: params.channel, accountId: r.accountId }, 'channel stopped by an operator');
  return { channel: params.channel, accountId: r.accountId, stopped: r.stopped };
});

/**
 * `channels.logout`: a Telegram bot has no login session to end (its token is config), so this
 * is refused the way OpenClaw refuses a channel without logout, with what to do instead.
 */
export const handleChannelsLogout = defineMethod('channels.logout', ChannelAccountParamsSchema, (_ctx, params) => {
  if (!(params.channel in CHANNEL_LABELS)) throw new GatewayError(ErrorCode.INVALID_REQUEST, `unknown channel ${params.channel}`);
  throw new GatewayError(
    ErrorCode.INVALID_REQUEST,
    `channel ${params.channel} does not support logout: remove channels.${params.channel}.botToken from the config, or use channels.stop`,
  );
});
