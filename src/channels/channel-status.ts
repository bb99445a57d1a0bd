import type { ChannelAccountStatus, ChannelsStatusResult } from '../protocol/schema/channels.js';
import { CHANNEL_LABELS } from './channel-manager.js';

/** One channel's summary: the default account's figures plus every account's snapshot. */
function summary(accounts: readonly ChannelAccountStatus[]): Record<string, unknown> {
  const first = accounts[0];
  return {
    configured: accounts.some((a) => a.configured),
    running: accounts.some((a) => a.running),
    state: first?.state ?? 'stopped',
    mode: first?.mode ?? null,
    lastStartAt: first?.lastStartAt ?? null,
    lastPollAt: first?.lastPollAt ?? null,
    lastInboundAt: first?.lastInboundAt ?? null,
    lastOutboundAt: first?.lastOutboundAt ?? null,
    backlog: first?.backlog ?? { inbound: 0, outbound: 0 },
    lastError: first?.lastError ?? null,
    problem: first?.problem ?? null,
    accounts: Object.fromEntries(accounts.map((a) => [a.accountId, a])),
  };
}

const byChannel = (statuses: readonly ChannelAccountStatus[]): Map<string, ChannelAccountStatus[]> => {
  const map = new Map<string, ChannelAccountStatus[]>();
  for (const s of statuses) map.set(s.channel, [...(map.get(s.channel) ?? []), s]);
  return map;
};

/** The `channels`, `channelOrder` and `channelLabels` of a health snapshot (protocol.md 8). */
export function healthChannels(statuses: readonly ChannelAccountStatus[]): {
  channels: Record<string, unknown>;
  channelOrder: string[];
  channelLabels: Record<string, string>;
} {
  const grouped = byChannel(statuses);
  const order = [...grouped.keys()];
  return {
    channels: Object.fromEntries(order.map((c) => [c, summary(grouped.get(c) ?? [])])),
    channelOrder: order,
    channelLabels: Object.fromEntries(order.map((c) => [c, CHANNEL_LABELS[c] ?? c])),
  };
}

/** The `channels.status` answer: health's channel view plus per-account snapshots. */
export function channelsStatusResult(statuses: readonly ChannelAccountStatus[], nowMs = Date.now()): ChannelsStatusResult {
  const grouped = byChannel(statuses);
  return {
    ts: nowMs,
    ...healthChannels(statuses),
    channelAccounts: Object.fromEntries([...grouped].map(([c, accounts]) => [c, accounts])),
    channelDefaultAccountId: Object.fromEntries([...grouped].map(([c, accounts]) => [c, accounts[0]?.accountId ?? 'default'])),
  };
}

/** One line per account for `status.channelSummary` and the CLI, e.g. `Telegram default: polling, backlog 0/0`. */
export function channelSummaryLines(statuses: readonly ChannelAccountStatus[]): string[] {
  return statuses.map((s) => {
    const label = CHANNEL_LABELS[s.channel] ?? s.channel;
    const bits = [s.state, `backlog in ${s.backlog.inbound} / out ${s.backlog.outbound}`];
    if (s.problem) bits.push(s.problem);
    else if (s.lastError) bits.push(`last error: ${s.lastError}`);
    return `${label} ${s.accountId}${s.botUsername ? ` (@${s.botUsername})` : ''}: ${bits.join(', ')}`;
  });
}
