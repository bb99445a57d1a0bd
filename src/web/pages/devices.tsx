import type { BrowserGatewayClient } from '../client/browser-gateway-client.js';
import { ago, short } from '../ui/format.js';
import { useAction, useGatewayQuery } from '../ui/hooks.js';

interface PendingDevice {
  requestId: string;
  deviceId: string;
  displayName?: string;
  platform?: string;
  clientId?: string;
  role: string;
  scopes: string[];
  ts: number;
  remoteIp?: string;
}

interface PairedDevice {
  deviceId: string;
  displayName?: string;
  platform?: string;
  clientId?: string;
  roles: string[];
  scopes: string[];
  approvedVia: string;
  lastSeenAtMs?: number;
  connected?: boolean;
}

const REFRESH_ON = ['device.pair.requested', 'device.pair.resolved', 'presence'];

/** Pending device requests (approve / reject) and paired devices (remove). */
export function DevicesPage(props: { client: BrowserGatewayClient }) {
  const { client } = props;
  const list = useGatewayQuery<{ pending: PendingDevice[]; paired: PairedDevice[] }>(client, 'device.pair.list', {}, REFRESH_ON);
  const action = useAction();
  const act = (method: string, params: unknown) => action.run(async () => {
    await client.request(method, params);
    list.reload();
  });
  const pending = list.data?.pending ?? [];
  const paired = list.data?.paired ?? [];
  return (
    <section data-testid="devices-page">
      <h2>Pending requests</h2>
      {list.error ? <p class="error">{list.error}</p> : null}
      {action.error ? <p class="error" data-testid="action-error">{action.error}</p> : null}
      {pending.length === 0 ? <p class="muted">No device is waiting for approval.</p> : (
        <table>
          <thead><tr><th>Request</th><th>Device</th><th>Client</th><th>Role / scopes</th><th>From</th><th>Asked</th><th /></tr></thead>
          <tbody>
            {pending.map((p) => (
              <tr key={p.requestId} data-testid="pending-device" data-request-id={p.requestId}>
                <td><code>{short(p.requestId, 8)}</code></td>
                <td>{p.displayName ?? short(p.deviceId)}</td>
                <td>{p.clientId ?? '—'} {p.platform ? <span class="muted">({p.platform})</span> : null}</td>
                <td>{p.role} <span class="muted">{p.scopes.join(', ')}</span></td>
                <td>{p.remoteIp ?? 'local'}</td>
                <td>{ago(p.ts)}</td>
                <td class="actions">
                  <button disabled={action.busy} onClick={() => act('device.pair.approve', { requestId: p.requestId })}>Approve</button>
                  <button class="danger" disabled={action.busy} onClick={() => act('device.pair.reject', { requestId: p.requestId })}>Reject</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Paired devices</h2>
      <table>
        <thead><tr><th>Device</th><th>Client</th><th>Roles</th><th>Approved</th><th>Seen</th><th /></tr></thead>
        <tbody>
          {paired.map((d) => (
            <tr key={d.deviceId} data-testid="paired-device" data-device-id={d.deviceId}>
              <td>
                <span class={d.connected ? 'dot on' : 'dot'} title={d.connected ? 'connected' : 'not connected'} />
                {d.displayName ?? short(d.deviceId)}
              </td>
              <td>{d.clientId ?? '—'} {d.platform ? <span class="muted">({d.platform})</span> : null}</td>
              <td>{d.roles.join(', ')}</td>
              <td>{d.approvedVia}</td>
              <td>{ago(d.lastSeenAtMs)}</td>
              <td class="actions">
                <button
                  class="danger"
                  disabled={action.busy}
                  onClick={() => {
                    if (confirm(`Remove device ${d.displayName ?? short(d.deviceId)}? Its sessions are closed and it must pair again.`)) {
                      void act('device.pair.remove', { deviceId: d.deviceId });
                    }
                  }}
                >
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
