import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import type { SshTarget } from './ssh-target.js';

/**
 * Directories an OS or its package manager owns. The ssh client is taken only from here, never
 * from a PATH lookup that a user-writable directory could shadow (remote-access.md 10.2).
 */
export const TRUSTED_SSH_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/usr/local/bin', '/opt/homebrew/bin', '/run/current-system/sw/bin'] as const;

export const UNTRUSTED_SSH_MESSAGE = 'trusted SSH client not found in system directories';

/**
 * The first `ssh` in a trusted directory that is a regular executable file owned by root (or by
 * us) and writable by nobody else. Throws with UNTRUSTED_SSH_MESSAGE when there is none.
 */
export function findTrustedSsh(dirs: readonly string[] = TRUSTED_SSH_DIRS): string {
  const uid = process.getuid?.() ?? 0;
  for (const dir of dirs) {
    const path = `${dir}/ssh`;
    try {
      const st = statSync(path);
      const isOwnedSafely = st.uid === 0 || st.uid === uid;
      if (st.isFile() && (st.mode & 0o111) !== 0 && (st.mode & 0o022) === 0 && isOwnedSafely) return path;
    } catch {
      // Not there: try the next directory.
    }
  }
  throw new Error(`${UNTRUSTED_SSH_MESSAGE} (${dirs.join(', ')})`);
}

/** Host-key checking for tunnels we start (`gateway.remote.sshHostKeyPolicy`). */
export type HostKeyPolicy = 'strict' | 'openssh';

export interface TunnelCommand {
  target: SshTarget;
  localPort: number;
  remotePort: number;
  identity?: string | undefined;
  hostKeyPolicy: HostKeyPolicy;
  /** An ssh_config to use instead of ~/.ssh/config (`-F`, from FARCLAW_SSH_CONFIG). */
  configFile?: string | undefined;
}

/** `-F <file>` when an ssh_config was named, for every ssh we run. */
const configArgs = (file: string | undefined): string[] => (file ? ['-F', file] : []);

/**
 * The argv (after the ssh path) of a forward-only tunnel: remote-access.md 10.2's command plus
 * the app's hardening of 10.3 (no control master, no backgrounding, keepalives). Under the
 * `strict` policy unknown or changed host keys are refused; `openssh` defers to the user's
 * OpenSSH config. The target comes after `--`, so it can never be read as an option.
 */
export function tunnelArgs(c: TunnelCommand): string[] {
  const args = [
    ...configArgs(c.configFile),
    '-n', '-N', '-T',
    '-L', `127.0.0.1:${c.localPort}:127.0.0.1:${c.remotePort}`,
    '-p', String(c.target.port),
    '-o', 'ExitOnForwardFailure=yes',
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=5',
    '-o', 'ServerAliveInterval=15',
    '-o', 'ServerAliveCountMax=3',
    '-o', 'TCPKeepAlive=yes',
    '-o', 'ControlMaster=no',
    '-o', 'ControlPath=none',
    '-o', 'ControlPersist=no',
    '-o', 'ForkAfterAuthentication=no',
    '-o', 'ClearAllForwardings=no',
  ];
  if (c.hostKeyPolicy === 'strict') args.push('-o', 'StrictHostKeyChecking=yes', '-o', 'UpdateHostKeys=yes');
  if (c.identity) args.push('-i', c.identity, '-o', 'IdentitiesOnly=yes');
  if (c.target.user !== undefined) args.push('-l', c.target.user);
  args.push('--', c.target.host);
  return args;
}

/** What `ssh -G` says the connection will really use (after ~/.ssh/config). */
export interface EffectiveTarget {
  user: string | undefined;
  hostname: string;
  port: number;
  identityFiles: string[];
}

const SSH_G_BUDGET_MS = 800;

/**
 * Expands a target with `ssh -G` (aliases, User/Port/HostName/IdentityFile from ssh_config) within
 * 800 ms; falls back to the target as written when ssh cannot tell in time.
 */
export async function expandTarget(ssh: string, target: SshTarget, identity: string | undefined, configFile: string | undefined): Promise<EffectiveTarget> {
  const fallback: EffectiveTarget = { user: target.user, hostname: target.host, port: target.port, identityFiles: identity ? [identity] : [] };
  const args = [...configArgs(configFile), '-G', '-p', String(target.port)];
  if (identity) args.push('-i', identity);
  if (target.user !== undefined) args.push('-l', target.user);
  args.push('--', target.host);
  const stdout = await new Promise<string | null>((resolve) => {
    execFile(ssh, args, { timeout: SSH_G_BUDGET_MS, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, out) => resolve(err ? null : out));
  });
  if (stdout === null) return fallback;
  const values = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const key = line.slice(0, space).toLowerCase();
    values.set(key, [...(values.get(key) ?? []), line.slice(space + 1).trim()]);
  }
  const port = Number(values.get('port')?.[0]);
  return {
    user: values.get('user')?.[0] ?? target.user,
    hostname: values.get('hostname')?.[0] ?? target.host,
    port: Number.isInteger(port) && port > 0 ? port : target.port,
    identityFiles: values.get('identityfile') ?? fallback.identityFiles,
  };
}
