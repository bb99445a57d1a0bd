import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../infra/atomic-write.js';
import { identityDir } from './device-identity.js';

/** A device token the gateway issued to this device for one role. */
export interface StoredDeviceToken {
  token: string;
  scopes: string[];
  issuedAtMs: number;
}

type TokenFile = { version: 1; gateways: Record<string, Record<string, Record<string, StoredDeviceToken>>> };

const tokenFile = (stateDir: string): string => join(identityDir(stateDir), 'device-tokens.json');

/** Tokens are per gateway origin: `ws://host:port` (path and query do not matter). */
export function gatewayKey(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}`;
}

function read(stateDir: string): TokenFile {
  try {
    const parsed = JSON.parse(readFileSync(tokenFile(stateDir), 'utf8')) as Partial<TokenFile>;
    if (parsed.version === 1 && parsed.gateways && typeof parsed.gateways === 'object') return parsed as TokenFile;
  } catch {
    // missing or unreadable: start empty (the gateway can always issue a new token)
  }
  return { version: 1, gateways: {} };
}

/** The stored token of (gateway, device, role), if any. */
export function readDeviceToken(stateDir: string, url: string, deviceId: string, role: string): StoredDeviceToken | undefined {
  return read(stateDir).gateways[gatewayKey(url)]?.[deviceId]?.[role];
}

/** Persists (0600, atomically) the token hello-ok issued; replaces the previous one. */
export function saveDeviceToken(stateDir: string, url: string, deviceId: string, role: string, token: StoredDeviceToken): void {
  const file = read(stateDir);
  const key = gatewayKey(url);
  const devices = (file.gateways[key] ??= {});
  const roles = (devices[deviceId] ??= {});
  roles[role] = token;
  mkdirSync(identityDir(stateDir), { recursive: true, mode: 0o700 });
  writeFileAtomic(tokenFile(stateDir), JSON.stringify(file, null, 2) + '\n');
}

/** Forgets a token the gateway no longer accepts. */
export function dropDeviceToken(stateDir: string, url: string, deviceId: string, role: string): void {
  const file = read(stateDir);
  const roles = file.gateways[gatewayKey(url)]?.[deviceId];
  if (!roles?.[role]) return;
  delete roles[role];
  writeFileAtomic(tokenFile(stateDir), JSON.stringify(file, null, 2) + '\n');
}
