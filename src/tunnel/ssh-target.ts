/** An SSH destination as `gateway.remote.sshTarget` / `--ssh` give it: `user@host[:port]`. */
export interface SshTarget {
  user: string | undefined;
  host: string;
  port: number;
  /** Canonical text: `user@host:port` (port always written), for state files and messages. */
  text: string;
}

/** A target we refuse before spawning anything (remote-access.md 10.2, acceptance H9). */
export class SshTargetError extends Error {
  constructor(raw: string, why: string) {
    super(`invalid SSH target ${JSON.stringify(raw)}: ${why} (expected user@host[:port])`);
    this.name = 'SshTargetError';
  }
}

export const DEFAULT_SSH_PORT = 22;
// Whitespace and control characters: a target is one argv word, never an option list.
const UNSAFE = /[\s\u0000-\u001f\u007f]/;

/**
 * Parses and checks a target. A leading `ssh ` is dropped (people paste commands); the user and
 * host must not start with `-` (no option injection: `-oProxyCommand=…` is refused) nor contain
 * whitespace or control characters; the port must be 1–65535. IPv6 hosts go in brackets.
 * Throws SshTargetError, whose message starts with `invalid SSH target`.
 */
export function parseSshTarget(raw: string): SshTarget {
  let s = raw.trim();
  if (s.startsWith('ssh ')) s = s.slice(4).trim();
  if (s === '') throw new SshTargetError(raw, 'empty');
  if (UNSAFE.test(s)) throw new SshTargetError(raw, 'contains whitespace or control characters');
  const at = s.lastIndexOf('@');
  const user = at >= 0 ? s.slice(0, at) : undefined;
  const hostPart = at >= 0 ? s.slice(at + 1) : s;
  if (user !== undefined && (user === '' || user.startsWith('-'))) throw new SshTargetError(raw, 'bad user name');
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(hostPart);
  if (v6) {
    host = v6[1] ?? '';
    portText = v6[2];
  } else {
    const colon = hostPart.indexOf(':');
    if (colon >= 0 && hostPart.indexOf(':', colon + 1) >= 0) throw new SshTargetError(raw, 'put an IPv6 address in brackets');
    host = colon >= 0 ? hostPart.slice(0, colon) : hostPart;
    portText = colon >= 0 ? hostPart.slice(colon + 1) : undefined;
  }
  if (host === '' || host.startsWith('-')) throw new SshTargetError(raw, 'bad host name');
  let port = DEFAULT_SSH_PORT;
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) throw new SshTargetError(raw, 'port must be 1-65535');
  }
  const hostText = host.includes(':') ? `[${host}]` : host;
  return { user, host, port, text: `${user !== undefined ? `${user}@` : ''}${hostText}:${port}` };
}

/** How a host appears in known_hosts (`host`, or `[host]:port` off port 22), for `ssh-keygen -R`. */
export function knownHostsName(host: string, port: number): string {
  return port === DEFAULT_SSH_PORT ? host : `[${host}]:${port}`;
}
