import type { ConnectParams, DeviceProof } from './schema/connect.js';

/**
 * The string a device signs to prove its key (protocol.md 5.2). Pure: shared by the gateway,
 * which verifies, and by our clients, which sign.
 */

/** `client.platform` / `client.deviceFamily` as signed: trimmed, only ASCII A–Z lowercased (5.2). */
export function normalizeDeviceMetadata(value: string | undefined): string {
  return (value ?? '').trim().replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** The token field of the signed payload: first non-empty of token, deviceToken, bootstrapToken. */
export function signedToken(auth: ConnectParams['auth']): string {
  for (const value of [auth?.token, auth?.deviceToken, auth?.bootstrapToken]) if (value) return value;
  return '';
}

/** Everything the signed payload string is made of (protocol.md 5.2). */
export interface SignedPayloadFields {
  deviceId: string;
  clientId: string;
  clientMode: string;
  role: string;
  /** As sent, in order. */
  scopes: readonly string[];
  signedAtMs: number;
  token: string;
  nonce: string;
  platform?: string | undefined;
  deviceFamily?: string | undefined;
}

/**
 * Builds the string a device signs.
 * @example buildSignedPayload('v2', f) // 'v2|<id>|cli|cli|operator|operator.read|<ms>|<token>|<nonce>'
 */
export function buildSignedPayload(version: 'v2' | 'v3', f: SignedPayloadFields): string {
  const base = [version, f.deviceId, f.clientId, f.clientMode, f.role, f.scopes.join(','), String(f.signedAtMs), f.token, f.nonce];
  if (version === 'v2') return base.join('|');
  return [...base, normalizeDeviceMetadata(f.platform), normalizeDeviceMetadata(f.deviceFamily)].join('|');
}

/** The signed fields of a connect, for a given nonce (the trimmed one the device sent). */
export function payloadFieldsOf(params: ConnectParams, device: DeviceProof, nonce: string): SignedPayloadFields {
  return {
    deviceId: device.id,
    clientId: params.client.id,
    clientMode: params.client.mode,
    role: params.role ?? 'operator',
    scopes: params.scopes ?? [],
    signedAtMs: device.signedAt,
    token: signedToken(params.auth),
    nonce,
    platform: params.client.platform,
    deviceFamily: params.client.deviceFamily,
  };
}
