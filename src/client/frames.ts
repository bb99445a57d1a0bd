import { randomUUID } from 'node:crypto';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import type { ConnectParams } from '../protocol/schema/connect.js';

/** Builds the `connect` params our clients send (protocol.md 3.2). */
export function buildConnectParams(opts: {
  clientId: ConnectParams['client']['id'];
  mode: ConnectParams['client']['mode'];
  version: string;
  displayName?: string;
  role?: 'operator' | 'node';
  scopes: string[];
  token?: string | undefined;
  password?: string | undefined;
  minProtocol?: number;
  /** Client capabilities (e.g. `approvals`: this client answers exec approvals). */
  caps?: string[];
}): ConnectParams {
  const auth: NonNullable<ConnectParams['auth']> = {};
  if (opts.token !== undefined) auth.token = opts.token;
  if (opts.password !== undefined) auth.password = opts.password;
  return {
    minProtocol: opts.minProtocol ?? PROTOCOL_VERSION,
    maxProtocol: PROTOCOL_VERSION,
    client: {
      id: opts.clientId,
      version: opts.version,
      platform: process.platform,
      deviceFamily: process.platform === 'darwin' ? 'Mac' : process.platform === 'linux' ? 'Linux' : process.platform,
      mode: opts.mode,
      instanceId: randomUUID(),
      ...(opts.displayName ? { displayName: opts.displayName } : {}),
    },
    caps: opts.caps ?? [],
    role: opts.role ?? 'operator',
    scopes: opts.scopes,
    ...(Object.keys(auth).length > 0 ? { auth } : {}),
  };
}

/** A request frame with a `<n>:<uuid>` id like the real client's. */
export function buildRequest(n: number, method: string, params: unknown): { type: 'req'; id: string; method: string; params: unknown } {
  return { type: 'req', id: `${n}:${randomUUID()}`, method, params };
}
