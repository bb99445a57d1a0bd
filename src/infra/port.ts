import type { FarclawConfig } from './config-schema.js';
import { readEnv } from './env.js';
import { profilePort } from './profile.js';
import { readRuntimeEndpoint } from './runtime-endpoint.js';

export const DEFAULT_PORT = 18789;

/** A port value that is not a port; the message names where it came from. */
export class InvalidPortError extends Error {}

/** Parses a port from a flag or env value (`19001`, `host:19001`, `[::1]:19001`). */
export function parsePort(value: string, source: string): number {
  const m = /^(?:\[[^\]]*\]:|[^:[\]]*:)?(\d{1,5})$/.exec(value.trim());
  const port = m?.[1] ? Number(m[1]) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidPortError(`Invalid ${source}: "${value}" is not a port number (1-65535).`);
  }
  return port;
}

export type PortSource = '--port' | 'env FARCLAW_GATEWAY_PORT' | 'running gateway' | 'config gateway.port' | 'profile' | 'default';

/**
 * The local gateway port: `--port` → `FARCLAW_GATEWAY_PORT` → `gateway.port` → the profile's
 * derived port → 18789 (remote-access.md 3.1). Throws InvalidPortError for unusable values.
 */
export function resolvePort(flag: string | undefined, config: FarclawConfig, env: NodeJS.ProcessEnv): { port: number; source: PortSource } {
  if (flag !== undefined) return { port: parsePort(flag, '--port'), source: '--port' };
  const fromEnv = readEnv('GATEWAY_PORT', env);
  if (fromEnv !== undefined) return { port: parsePort(fromEnv, 'FARCLAW_GATEWAY_PORT'), source: 'env FARCLAW_GATEWAY_PORT' };
  const configured = config.gateway?.port;
  if (configured !== undefined) return { port: configured, source: 'config gateway.port' };
  const fromProfile = profilePort(env);
  if (fromProfile !== undefined) return { port: fromProfile, source: 'profile' };
  return { port: DEFAULT_PORT, source: 'default' };
}

/**
 * The port a local CLI command talks to: like resolvePort, except that a gateway running on this
 * state dir (its published runtime endpoint) wins over the config, the profile and the default,
 * so a gateway started with `--port N` is found without flags.
 */
export function resolveLocalPort(
  flag: string | undefined, config: FarclawConfig, env: NodeJS.ProcessEnv, stateDir: string,
): { port: number; source: PortSource } {
  if (flag === undefined && readEnv('GATEWAY_PORT', env) === undefined) {
    const running = readRuntimeEndpoint(stateDir);
    if (running) return { port: running.port, source: 'running gateway' };
  }
  return resolvePort(flag, config, env);
}
