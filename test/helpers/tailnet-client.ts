import type { ConnectParams } from '../../src/protocol/schema/connect.js';
import { RawClient, type Frame } from './raw-client.js';
import { newTestDevice, withDeviceProof, type TestDevice } from './test-device.js';

/** The tailnet name the stand-in tailscale reports (vector tailscale-cli). */
export const TAILNET_DNS = 'lab-host.tail1234.ts.net';

/** What a browser on the tailnet sends through Tailscale Serve: Host and Origin of the tailnet name. */
export const TAILNET_BROWSER_HEADERS = { Host: TAILNET_DNS, Origin: `https://${TAILNET_DNS}` };

/** The Control UI's operator scopes (vector tailscale-cli). */
export const UI_SCOPES = ['operator.admin', 'operator.read', 'operator.write', 'operator.approvals', 'operator.pairing'];

/**
 * Opens a WebSocket to 127.0.0.1:`port` (the stand-in's serve proxy, or a listener directly) and
 * connects as the Control UI with a device proof and no token unless `auth` says otherwise.
 */
export async function connectControlUi(
  port: number,
  opts: { scopes?: string[]; device?: TestDevice | null; auth?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<{ client: RawClient; res: Frame }> {
  const client = await RawClient.open(`ws://127.0.0.1:${port}`, opts.headers ?? TAILNET_BROWSER_HEADERS);
  const challenge = client.frames.find((f) => f.event === 'connect.challenge')?.payload as { nonce: string; ts: number };
  const params = {
    minProtocol: 4,
    maxProtocol: 4,
    client: { id: 'openclaw-control-ui', version: '2026.9.6', platform: 'Linux x86_64', mode: 'webchat' },
    role: 'operator',
    scopes: opts.scopes ?? UI_SCOPES,
    caps: ['tool-events'],
    auth: opts.auth ?? {},
  } as ConnectParams;
  const device = opts.device === undefined ? newTestDevice() : opts.device;
  const res = await client.connect((device ? withDeviceProof(device, params, challenge) : params) as unknown as Record<string, unknown>);
  return { client, res };
}
