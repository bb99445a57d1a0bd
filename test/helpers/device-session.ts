import type { ConnectParams } from '../../src/protocol/schema/connect.js';
import { TEST_TOKEN } from './gateway-process.js';
import { RawClient, type Frame } from './raw-client.js';
import { withDeviceProof, type TestDevice } from './test-device.js';

/**
 * Where a test client connects: a URL dialled from this process, or a URL dialled from inside
 * a network namespace by a relay there (`{ url, via: NetnsRelay }`), which is how a test plays
 * a remote peer (netns.ts).
 */
export type Endpoint = string | { url: string; via: { open(url: string): Promise<RawClient> } };

/** Opens a socket to `to` and waits for `connect.challenge`. */
export async function openClient(to: Endpoint): Promise<RawClient> {
  return typeof to === 'string' ? await RawClient.open(to) : await to.via.open(to.url);
}

/** An operator CLI connect with the shared token (cli/cli, like the raw clients of the vectors). */
export function operatorParams(scopes: string[] = ['operator.read'], auth: ConnectParams['auth'] = { token: TEST_TOKEN }): ConnectParams {
  return {
    minProtocol: 4, maxProtocol: 4, client: { id: 'cli', version: 'test', platform: 'linux', mode: 'cli', deviceFamily: 'Linux' },
    role: 'operator', scopes, caps: [], ...(auth ? { auth } : {}),
  };
}

/** A node-host connect with the shared token. */
export function nodeParams(): ConnectParams {
  return {
    minProtocol: 4, maxProtocol: 4, client: { id: 'node-host', version: 'test', platform: 'linux', mode: 'node', displayName: 'test-node' },
    role: 'node', scopes: [], caps: [], commands: [], auth: { token: TEST_TOKEN },
  };
}

/** The challenge of a freshly opened client. */
export function challengeOf(c: RawClient): { nonce: string; ts: number } {
  const frame = c.frames.find((f) => f.type === 'event' && f.event === 'connect.challenge');
  if (!frame) throw new Error('no connect.challenge yet');
  return frame.payload as { nonce: string; ts: number };
}

/** Opens a socket and connects with `params`, proved by `device` when given. */
export async function connectWith(to: Endpoint, params: ConnectParams, device?: TestDevice): Promise<{ client: RawClient; res: Frame }> {
  const client = await openClient(to);
  const full = device ? withDeviceProof(device, params, challengeOf(client)) : params;
  const res = await client.connect(full as unknown as Record<string, unknown>);
  return { client, res };
}

/** A device-less local operator with admin and pairing scopes (the vectors' admin). */
export async function adminClient(loopbackUrl: Endpoint, scopes = ['operator.admin', 'operator.pairing']): Promise<RawClient> {
  const { client, res } = await connectWith(loopbackUrl, operatorParams(scopes));
  if (res.ok !== true) throw new Error(`admin connect refused: ${JSON.stringify(res.error)}`);
  return client;
}

/** Approves a pending request as a local admin. */
export async function approve(loopbackUrl: Endpoint, requestId: string): Promise<Frame> {
  const admin = await adminClient(loopbackUrl);
  try {
    return await admin.call('device.pair.approve', { requestId });
  } finally {
    admin.terminate();
  }
}
