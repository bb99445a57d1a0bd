import type { FarclawConfig } from '../infra/config-schema.js';
import { readEnv } from '../infra/env.js';
import { DEFAULT_PORT } from '../infra/port.js';
import type { HostKeyPolicy } from './ssh-command.js';
import { parseSshTarget, type SshTarget } from './ssh-target.js';

/** How to reach the gateway over SSH, from `gateway.remote.*` (remote-access.md 2.2). */
export interface SshRoute {
  target: SshTarget;
  identity: string | undefined;
  remotePort: number;
  /** The configured local endpoint's port (`gateway.remote.url`), else the remote port. */
  preferredLocalPort: number;
  hostKeyPolicy: HostKeyPolicy;
  /** ssh_config for `ssh -F` (FARCLAW_SSH_CONFIG), e.g. a dedicated known_hosts. */
  configFile: string | undefined;
}

function loopbackPort(url: string | undefined): { port: number; host: string } | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || (u.protocol === 'wss:' ? 443 : 80)) };
  } catch {
    return undefined;
  }
}

const isLoopbackHost = (h: string): boolean => h === 'localhost' || h === '::1' || h.startsWith('127.');

/**
 * Whether CLI calls go through an SSH tunnel: `gateway.remote.sshTarget` is set, the transport is
 * not `direct`, and the config is in remote mode (or names `transport: "ssh"` with no mode).
 */
export function usesSshTransport(config: FarclawConfig): boolean {
  const gw = config.gateway ?? {};
  const remote = gw.remote ?? {};
  if (!remote.sshTarget || remote.transport === 'direct') return false;
  return gw.mode === 'remote' || (gw.mode === undefined && remote.transport === 'ssh');
}

/**
 * The SSH route of a config (whether or not usesSshTransport), or null without `sshTarget`.
 * Remote port: `remotePort` → the port of `remote.url` when that URL is loopback with a
 * non-default port or names the SSH host → 18789 (10.3). Throws SshTargetError.
 */
export function sshRouteFromConfig(config: FarclawConfig, env: NodeJS.ProcessEnv): SshRoute | null {
  const remote = config.gateway?.remote ?? {};
  if (!remote.sshTarget) return null;
  const target = parseSshTarget(remote.sshTarget);
  const fromUrl = loopbackPort(remote.url);
  const urlNamesRemote = fromUrl !== undefined && ((isLoopbackHost(fromUrl.host) && fromUrl.port !== DEFAULT_PORT) || fromUrl.host === target.host);
  const remotePort = remote.remotePort ?? (urlNamesRemote && fromUrl ? fromUrl.port : DEFAULT_PORT);
  const preferredLocalPort = fromUrl !== undefined && isLoopbackHost(fromUrl.host) ? fromUrl.port : remotePort;
  return {
    target, identity: remote.sshIdentity, remotePort, preferredLocalPort,
    hostKeyPolicy: remote.sshHostKeyPolicy ?? 'strict', configFile: readEnv('SSH_CONFIG', env),
  };
}
