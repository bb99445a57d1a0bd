import type { BrowserGatewayClient, ConnectionState } from '../client/browser-gateway-client.js';
import { ChannelsPage } from '../pages/channels.js';
import { ChatPage } from '../pages/chat.js';
import { DevicesPage } from '../pages/devices.js';
import { LogsPage } from '../pages/logs.js';
import { NodesPage } from '../pages/nodes.js';
import { StatusPage } from '../pages/status.js';
import { useConnectionState } from './hooks.js';
import { navigate, PAGES, usePage, type Page } from './router.js';

const TITLES: Record<Page, string> = { chat: 'Chat', nodes: 'Nodes', devices: 'Devices', channels: 'Channels', status: 'Status', logs: 'Logs' };

/** A full-page message (no identity, refused credentials). */
export function Problem(props: { title: string; message: string }) {
  return (
    <main class="problem" data-testid="problem">
      <h1>{props.title}</h1>
      <p>{props.message}</p>
    </main>
  );
}

function Waiting(props: { requestId: string; deviceId: string }) {
  return (
    <main class="problem" data-testid="pairing">
      <h1>Waiting for approval</h1>
      <p>This browser is a new device for this gateway. An operator has to approve it once.</p>
      <p>Request id: <code data-testid="pairing-request-id">{props.requestId}</code></p>
      <p>Device id: <code>{props.deviceId.slice(0, 16)}…</code></p>
      <p>Approve it with <code>farclaw devices approve {props.requestId}</code>, or from the Devices page of a Control UI that is already paired. This page continues by itself.</p>
    </main>
  );
}

function Banner(props: { state: ConnectionState }) {
  const s = props.state;
  if (s.kind === 'online') return null;
  const text = s.kind === 'offline' ? `Disconnected (${s.reason}). Reconnecting…` : s.kind === 'connecting' ? 'Connecting…' : '';
  if (!text) return null;
  return <div class="banner" role="status" data-testid="reconnect-banner">{text}</div>;
}

/** The Control UI: navigation, connection banner, and the current page. */
export function App(props: { client: BrowserGatewayClient }) {
  const state = useConnectionState(props.client);
  const page = usePage();
  if (state.kind === 'failed') {
    return <Problem title="Cannot connect" message={`${state.message}. Run \`farclaw dashboard\` and open the URL it prints.`} />;
  }
  if (state.kind === 'pairing') return <Waiting requestId={state.requestId} deviceId={state.deviceId} />;
  const everOnline = state.kind === 'online' || props.client.hasBeenOnline;
  if (!everOnline) {
    return <main class="problem" data-testid="connecting"><h1>Connecting…</h1><Banner state={state} /></main>;
  }
  return (
    <div class="shell" data-testid="app">
      <nav class="nav">
        <span class="brand">farclaw</span>
        {PAGES.map((p) => (
          <a
            href={p}
            class={p === page ? 'active' : ''}
            data-testid={`nav-${p}`}
            onClick={(e) => {
              e.preventDefault();
              navigate(p);
            }}
          >
            {TITLES[p]}
          </a>
        ))}
      </nav>
      <Banner state={state} />
      <div class="page">
        {page === 'chat' ? <ChatPage client={props.client} /> : null}
        {page === 'nodes' ? <NodesPage client={props.client} /> : null}
        {page === 'devices' ? <DevicesPage client={props.client} /> : null}
        {page === 'channels' ? <ChannelsPage client={props.client} /> : null}
        {page === 'status' ? <StatusPage client={props.client} /> : null}
        {page === 'logs' ? <LogsPage client={props.client} /> : null}
      </div>
    </div>
  );
}
