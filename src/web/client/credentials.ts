/**
 * Where the Control UI finds its gateway and credentials (assistant.md 11.2, 11.3). The shared
 * token arrives in the URL fragment (`#token=`), which browsers never send to a server, and is
 * removed from the address bar at once. It is then kept in sessionStorage (this tab only) keyed
 * by the gateway URL; the device token the gateway issues is kept in localStorage.
 */

const TOKEN_KEY = (wsUrl: string): string => `farclaw.control.token.v1:${wsUrl}`;
const DEVICE_TOKEN_KEY = (wsUrl: string): string => `farclaw.device.auth.v1:${wsUrl}`;

/** The gateway WebSocket URL of the page that served this app (`ws(s)://<host><basePath>`). */
export function defaultGatewayUrl(loc: Location = location): string {
  const base = new URL(document.baseURI).pathname.replace(/\/$/, '');
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}${base}`;
}

/**
 * Reads `#token=` / `#password=` from the fragment, stores them for this tab and strips them
 * from the address bar (history.replaceState, so no reload and no history entry keeps them).
 */
export function takeFragmentCredentials(wsUrl: string): void {
  const hash = location.hash.startsWith('#') ? location.hash.slice(1) : '';
  if (hash === '') return;
  const params = new URLSearchParams(hash);
  const token = params.get('token');
  if (token === null && !params.has('password')) return;
  if (token) sessionStorage.setItem(TOKEN_KEY(wsUrl), token);
  params.delete('token');
  params.delete('password');
  const rest = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
}

export function storedToken(wsUrl: string): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY(wsUrl)) ?? undefined;
}

export function forgetToken(wsUrl: string): void {
  sessionStorage.removeItem(TOKEN_KEY(wsUrl));
}

interface StoredDeviceToken {
  version: 1;
  deviceId: string;
  token: string;
  scopes: string[];
}

/** The device token issued to this browser's identity by this gateway, if any. */
export function storedDeviceToken(wsUrl: string, deviceId: string): string | undefined {
  try {
    const parsed = JSON.parse(localStorage.getItem(DEVICE_TOKEN_KEY(wsUrl)) ?? 'null') as StoredDeviceToken | null;
    return parsed?.version === 1 && parsed.deviceId === deviceId ? parsed.token : undefined;
  } catch {
    return undefined;
  }
}

export function saveDeviceToken(wsUrl: string, deviceId: string, token: string, scopes: string[]): void {
  const value: StoredDeviceToken = { version: 1, deviceId, token, scopes };
  localStorage.setItem(DEVICE_TOKEN_KEY(wsUrl), JSON.stringify(value));
}

export function forgetDeviceToken(wsUrl: string): void {
  localStorage.removeItem(DEVICE_TOKEN_KEY(wsUrl));
}
