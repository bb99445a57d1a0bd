import { isIP } from 'node:net';
import type { ConnectChallenge, ConnectParams } from '../protocol/schema/connect.js';
import type { HelloOk } from '../protocol/schema/snapshot.js';
import { loadOrCreateDeviceIdentity, withDeviceProof, type DeviceIdentity } from './device-identity.js';
import { dropDeviceToken, readDeviceToken, saveDeviceToken } from './device-token-store.js';
import { RequestError } from './errors.js';

/** Whether the URL's host is this machine's loopback (no device block is needed there). */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** How one connect authenticates with this device, and what it learns from the answer. */
export interface DeviceAuthPlan {
  identity: DeviceIdentity | undefined;
  /** Builds the connect params for a challenge (adds the device token and proof when used). */
  params(challenge: ConnectChallenge): ConnectParams;
  /** Persists the device token(s) a hello-ok carries. */
  accept(hello: HelloOk): void;
  /** Forgets a stored token the gateway refused. */
  reject(err: unknown): void;
}

/**
 * Device auth for a CLI connection (protocol.md 12, last paragraph): toward any non-loopback
 * gateway the CLI proves its device key (creating the identity on first use) and, when it has
 * no shared secret for that gateway, presents the device token stored for it.
 */
export function planDeviceAuth(url: string, base: ConnectParams, stateDir: string): DeviceAuthPlan {
  const role = base.role ?? 'operator';
  if (isLoopbackUrl(url)) {
    return { identity: undefined, params: () => base, accept: () => undefined, reject: () => undefined };
  }
  const identity = loadOrCreateDeviceIdentity(stateDir);
  const stored = readDeviceToken(stateDir, url, identity.deviceId, role);
  const hasSecret = base.auth?.token !== undefined || base.auth?.password !== undefined;
  const usesStoredToken = !hasSecret && stored !== undefined;
  const withToken: ConnectParams = usesStoredToken ? { ...base, auth: { ...base.auth, deviceToken: stored.token } } : base;
  return {
    identity,
    params: (challenge) => withDeviceProof(identity, withToken, challenge),
    accept(hello) {
      const token = hello.auth.deviceToken;
      if (token) saveDeviceToken(stateDir, url, identity.deviceId, role, { token, scopes: hello.auth.scopes, issuedAtMs: hello.auth.issuedAtMs ?? Date.now() });
      // A setup-code handoff also carries the tokens of the device's other roles.
      for (const t of hello.auth.deviceTokens ?? []) {
        if (t.role !== role) saveDeviceToken(stateDir, url, identity.deviceId, t.role, { token: t.deviceToken, scopes: t.scopes, issuedAtMs: t.issuedAtMs });
      }
    },
    reject(err) {
      const code = err instanceof RequestError ? (err.shape.details as { code?: string } | undefined)?.code : undefined;
      if (usesStoredToken && code === 'AUTH_DEVICE_TOKEN_MISMATCH') dropDeviceToken(stateDir, url, identity.deviceId, role);
    },
  };
}
