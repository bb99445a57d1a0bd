import type { GatewayConfig } from './config-schema.js';

/** `gateway.controlUi` as the gateway and `farclaw dashboard` read it. */
export interface ControlUiSettings {
  /** `gateway.controlUi.enabled`, default true. */
  enabled: boolean;
  /** `""` or `/a/b`: no trailing slash. */
  basePath: string;
}

/**
 * Normalises `gateway.controlUi.{enabled,basePath}` (`"ui/"` → `/ui`).
 * @throws Error when the base path is not a plain URL path.
 */
export function controlUiSettingsOf(gw: GatewayConfig | undefined): ControlUiSettings {
  const ui = (gw?.controlUi ?? {}) as { enabled?: unknown; basePath?: unknown };
  const raw = typeof ui.basePath === 'string' ? ui.basePath.trim() : '';
  const basePath = raw === '' || raw === '/' ? '' : `/${raw.replace(/^\/+|\/+$/g, '')}`;
  if (!/^(\/[A-Za-z0-9._~-]+)*$/.test(basePath)) {
    throw new Error(`gateway.controlUi.basePath ${JSON.stringify(raw)} is not a plain URL path (letters, digits, . _ ~ - between slashes)`);
  }
  return { enabled: ui.enabled !== false, basePath };
}

/** The page URL of a gateway WebSocket URL: `ws://h:p` → `http://h:p<basePath>/`. */
export function dashboardUrlOf(wsUrl: string, basePath: string): string {
  const u = new URL(wsUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  u.pathname = `${basePath}/`;
  u.search = '';
  u.hash = '';
  return u.toString();
}
