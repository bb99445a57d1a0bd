import { join, resolve } from 'node:path';
import type { FarclawConfig } from './config-schema.js';

/** `gateway.tls.*` once resolved (remote-access.md 2.1, 8.1). */
export interface TlsSettings {
  certPath: string;
  keyPath: string;
  caPath?: string;
  autoGenerate: boolean;
  /** `gateway.reload.mode` is not "off": replaced files are picked up while running. */
  hotReload: boolean;
}

interface RawTls { enabled?: unknown; autoGenerate?: unknown; certPath?: unknown; keyPath?: unknown; caPath?: unknown }

/** Default location of generated files: `<state>/gateway/tls/`. */
export const defaultTlsDir = (stateDir: string): string => join(stateDir, 'gateway', 'tls');

/** `gateway.tls` resolved against the state dir; undefined unless `enabled: true`. */
export function tlsSettingsOf(config: FarclawConfig, stateDir: string): TlsSettings | undefined {
  const gw = config.gateway;
  const raw = (gw?.tls ?? {}) as RawTls;
  if (raw.enabled !== true) return undefined;
  const path = (v: unknown, fallback: string) => (typeof v === 'string' && v.trim() !== '' ? resolve(v) : fallback);
  const dir = defaultTlsDir(stateDir);
  const reload = (gw as { reload?: { mode?: unknown } } | undefined)?.reload;
  return {
    certPath: path(raw.certPath, join(dir, 'gateway-cert.pem')),
    keyPath: path(raw.keyPath, join(dir, 'gateway-key.pem')),
    ...(typeof raw.caPath === 'string' && raw.caPath.trim() !== '' ? { caPath: resolve(raw.caPath) } : {}),
    autoGenerate: raw.autoGenerate !== false,
    hotReload: reload?.mode !== 'off',
  };
}

