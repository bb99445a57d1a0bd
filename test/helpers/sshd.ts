// A real OpenSSH sshd on a loopback port, run as the current user (root in CI), with every key
// in a temp dir (shared/spec/acceptance.md, "Harness"). Clients pass `sshConfigFile` to ssh as
// `-F` (farclaw reads it from FARCLAW_SSH_CONFIG): it names the client key and a known_hosts
// file holding only this sshd's host key, with strict host-key checking.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';
import { killOnExit } from './kill-on-exit.js';

const SSHD = '/usr/sbin/sshd';
const SSH_KEYGEN = '/usr/bin/ssh-keygen';


export interface Sshd {
  port: number;
  /** The login name the client key is authorized for (the current user). */
  user: string;
  /** `user@127.0.0.1:port`, the form `gateway.remote.sshTarget` takes. */
  target: string;
  dir: string;
  clientKey: string;
  knownHosts: string;
  /** An ssh_config for `ssh -F`: client key, this known_hosts, strict checking, batch mode. */
  sshConfigFile: string;
  /** The known_hosts line of the current host key (`[127.0.0.1]:port ssh-ed25519 …`). */
  knownHostsLine(): string;
  proc(): ChildProcess | undefined;
  /**
   * Stops sshd and its per-connection processes (they run in sessions of their own and would
   * otherwise keep existing tunnels alive), like a host going down. Idempotent.
   */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts sshd again on the same port with the current host key. */
  start(): Promise<void>;
  /** Replaces the host key with a new one (known_hosts keeps the old one); restarts sshd. */
  changeHostKey(): Promise<void>;
  /** Stops sshd and removes the temp dir. */
  dispose(): Promise<void>;
}

/** Pids of every descendant of `pid` (Linux /proc): sshd's per-connection processes. */
export function descendantPids(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command, which may itself contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(name), ppid);
    } catch {
      // The process exited while we looked.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const [child, ppid] of parentOf) {
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** Whether `pid` runs (a zombie, dead but not yet reaped, does not count). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

function keygen(path: string): void {
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  const r = spawnSync(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-f', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

/** Starts a real sshd; `opts.port` reuses a port (e.g. to bring one back after a crash). */
export async function startSshd(opts: { port?: number } = {}): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), 'farclaw-sshd-'));
  // Privilege separation directory; sshd refuses to start without it.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(dir, 'host_key');
  const clientKey = join(dir, 'client_key');
  const knownHosts = join(dir, 'known_hosts');
  const sshConfigFile = join(dir, 'ssh_config');
  keygen(hostKey);
  keygen(clientKey);
  copyFileSync(`${clientKey}.pub`, join(dir, 'authorized_keys'));
  chmodSync(join(dir, 'authorized_keys'), 0o600);
  const user = userInfo().username;
  const port = opts.port ?? (await freePort());
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    // The temp dir sits in world-writable /tmp.
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin prohibit-password',
    'AllowTcpForwarding yes',
    'UsePAM no',
    // Quick detection of a dead client while tests stop and restart things.
    'ClientAliveInterval 5',
  ];
  writeFileSync(join(dir, 'sshd_config'), config.join('\n') + '\n');
  const knownHostsLine = (): string => {
    const [type, key] = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/);
    return `[127.0.0.1]:${port} ${type ?? ''} ${key ?? ''}`;
  };
  writeFileSync(knownHosts, knownHostsLine() + '\n', { mode: 0o600 });
  writeFileSync(
    sshConfigFile,
    [
      'Host *',
      `  UserKnownHostsFile ${knownHosts}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      `  IdentityFile ${clientKey}`,
      '  IdentitiesOnly yes',
      '  BatchMode yes',
    ].join('\n') + '\n',
    { mode: 0o600 },
  );

  let proc: ChildProcess | undefined;
  let stderr = '';
  const start = async (): Promise<void> => {
    stderr = '';
    const p = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    killOnExit(p);
    proc = p;
    p.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let exited = false;
    p.once('exit', () => (exited = true));
    await waitFor(`sshd on port ${port} to listen`, () => {
      if (exited) throw new Error(`sshd exited: ${stderr.trim()}`);
      return stderr.includes(`Server listening on 127.0.0.1 port ${port}`);
    }, 10_000, 10);
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    const sessions = p.pid === undefined ? [] : descendantPids(p.pid);
    p.kill(signal);
    for (const pid of sessions) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await gone;
    await waitFor('sshd session processes to end', () => sessions.every((pid) => !isRunning(pid)), 5000, 10);
  };
  await start();
  return {
    port, user, target: `${user}@127.0.0.1:${port}`, dir, clientKey, knownHosts, sshConfigFile,
    knownHostsLine, proc: () => proc, stop, start,
    async changeHostKey() {
      await stop();
      keygen(hostKey);
      await start();
    },
    async dispose() {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Arguments for a plain `ssh` client against this sshd (the checklist's SSHOPTS). */
export function sshClientArgs(sshd: Sshd): string[] {
  return ['-F', sshd.sshConfigFile, '-o', 'ExitOnForwardFailure=yes', '-p', String(sshd.port), `${sshd.user}@127.0.0.1`];
}
