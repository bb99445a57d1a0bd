import type { ChannelsStatusResult } from '../../protocol/schema/channels.js';
import type { BrowserGatewayClient } from '../client/browser-gateway-client.js';
import { ago } from '../ui/format.js';
import { useAction, useGatewayQuery } from '../ui/hooks.js';

interface SenderRequest {
  id: string;
  code: string;
  createdAt: string;
  meta: { username?: string; firstName?: string; lastName?: string; accountId?: string };
}

/** Channel state and sender pairing requests change without an event: looked at again this often. */
const REFRESH_MS = 5_000;
const at = (ms: number | null): string => ago(ms ?? undefined);

/** Who asked, as Telegram named them. */
function sender(r: SenderRequest): string {
  const name = [r.meta.firstName, r.meta.lastName].filter(Boolean).join(' ');
  return [name, r.meta.username ? `@${r.meta.username}` : ''].filter(Boolean).join(' ') || r.id;
}

function PairingRequests(props: { client: BrowserGatewayClient; channel: string; label: string }) {
  const { client, channel } = props;
  const list = useGatewayQuery<{ requests: SenderRequest[] }>(client, 'channels.pairing.list', { channel }, [], REFRESH_MS);
  const action = useAction();
  const act = (method: string, code: string) => action.run(async () => {
    await client.request(method, { channel, code });
    list.reload();
  });
  const requests = list.data?.requests ?? [];
  return (
    <div data-testid={`pairing-${channel}`}>
      <h3>{props.label} senders waiting for access</h3>
      {list.error ? <p class="error">{list.error}</p> : null}
      {action.error ? <p class="error" data-testid="action-error">{action.error}</p> : null}
      {requests.length === 0 ? <p class="muted">No sender is waiting.</p> : (
        <table>
          <thead><tr><th>Code</th><th>Sender</th><th>User id</th><th>Asked</th><th /></tr></thead>
          <tbody>
            {requests.map((r) => (
              <tr key={r.code} data-testid="pairing-request" data-code={r.code}>
                <td><code>{r.code}</code></td>
                <td>{sender(r)}</td>
                <td>{r.id}</td>
                <td>{ago(Date.parse(r.createdAt))}</td>
                <td class="actions">
                  <button disabled={action.busy} onClick={() => act('channels.pairing.approve', r.code)} data-testid="pairing-approve">Approve</button>
                  <button class="danger" disabled={action.busy} onClick={() => act('channels.pairing.dismiss', r.code)} data-testid="pairing-dismiss">Dismiss</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Channels: each account's live state (`channels.status`) and its sender pairing requests. */
export function ChannelsPage(props: { client: BrowserGatewayClient }) {
  const { client } = props;
  const status = useGatewayQuery<ChannelsStatusResult>(client, 'channels.status', {}, [], REFRESH_MS);
  const order = status.data?.channelOrder ?? [];
  return (
    <section data-testid="channels-page">
      <h2>Channels</h2>
      {status.error ? <p class="error">{status.error}</p> : null}
      {status.data && order.length === 0 ? <p class="muted">No channel is configured (see channels.telegram in the config).</p> : null}
      {order.map((channel) => {
        const label = status.data?.channelLabels[channel] ?? channel;
        return (
          <div key={channel}>
            <table>
              <thead><tr><th>{label}</th><th>State</th><th>Last poll</th><th>Last in / out</th><th>Backlog in / out</th><th>Problem</th></tr></thead>
              <tbody>
                {(status.data?.channelAccounts[channel] ?? []).map((a) => (
                  <tr key={a.accountId} data-testid="channel-account" data-channel={channel}>
                    <td>{a.accountId}{a.botUsername ? <span class="muted"> @{a.botUsername}</span> : null}</td>
                    <td data-testid="channel-state">{a.state}{a.mode ? <span class="muted"> ({a.mode})</span> : null}</td>
                    <td>{at(a.lastPollAt)}</td>
                    <td>{at(a.lastInboundAt)} / {at(a.lastOutboundAt)}</td>
                    <td data-testid="channel-backlog">{a.backlog.inbound} / {a.backlog.outbound}</td>
                    <td class={a.problem || a.lastError ? 'error' : 'muted'}>{a.problem ?? a.lastError ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <PairingRequests client={client} channel={channel} label={label} />
          </div>
        );
      })}
    </section>
  );
}
