import type { BrowserGatewayClient } from '../client/browser-gateway-client.js';
import { useConnectionState, useGatewayQuery } from '../ui/hooks.js';

/** The gateway's `status` and `health` answers, refreshed by the matching events. */
export function StatusPage(props: { client: BrowserGatewayClient }) {
  const state = useConnectionState(props.client);
  const status = useGatewayQuery<Record<string, unknown>>(props.client, 'status', {}, ['health']);
  const health = useGatewayQuery<Record<string, unknown>>(props.client, 'health', {}, ['health']);
  const hello = state.kind === 'online' ? state.hello : undefined;
  return (
    <section data-testid="status-page">
      <h2>Gateway</h2>
      {hello ? (
        <dl class="facts">
          <dt>Version</dt><dd data-testid="server-version">{hello.server.version}</dd>
          <dt>Connection</dt><dd>{hello.server.connId}</dd>
          <dt>Auth</dt><dd>{hello.auth.method ?? 'token'} · {hello.auth.scopes.join(', ')}</dd>
          <dt>Uptime</dt><dd>{Math.round(hello.snapshot.uptimeMs / 1000)} s at connect</dd>
          <dt>Clients present</dt><dd>{hello.snapshot.presence.length}</dd>
        </dl>
      ) : null}
      <h2>status</h2>
      {status.error ? <p class="error">{status.error}</p> : null}
      <pre class="result">{status.data ? JSON.stringify(status.data, null, 2) : '…'}</pre>
      <h2>health</h2>
      <pre class="result">{health.data ? JSON.stringify(health.data, null, 2) : '…'}</pre>
    </section>
  );
}
