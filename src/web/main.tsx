import { render } from 'preact';
import { BrowserGatewayClient } from './client/browser-gateway-client.js';
import { loadOrCreateBrowserIdentity } from './client/browser-identity.js';
import { defaultGatewayUrl, takeFragmentCredentials } from './client/credentials.js';
import { App, Problem } from './ui/app.js';
import './styles.css';

const root = document.getElementById('app');
if (root) {
  const url = defaultGatewayUrl();
  // First thing: the token leaves the address bar before anything else can read or log it.
  takeFragmentCredentials(url);
  loadOrCreateBrowserIdentity().then(
    (identity) => {
      const client = new BrowserGatewayClient(url, identity);
      render(<App client={client} />, root);
      client.start();
    },
    (err: unknown) => render(<Problem title="No device identity" message={err instanceof Error ? err.message : String(err)} />, root),
  );
}
