import { knownHostsName } from './ssh-target.js';

/** Why an ssh tunnel process ended, and whether trying again can help. */
export interface SshFailure {
  /** `host-key`, `auth` and `config` are fatal: retrying cannot fix them. */
  kind: 'host-key' | 'auth' | 'config' | 'forward' | 'transient';
  isFatal: boolean;
  /** One paragraph for a person: OpenSSH's own reason lines, then the fix when there is one. */
  message: string;
}

const HOST_KEY = /Host key verification failed\./;
const AUTH = /Permission denied \(|Too many authentication failures|no such identity|Load key .*: (invalid format|No such file)/i;
const CONFIG = /Bad configuration option|command-line line \d+:|Bad port|Unsupported option|bad local forwarding specification|terminating, \d+ bad configuration options/i;
const FORWARD = /Address already in use|cannot listen to port|Could not request local forwarding|bind \[?127\.0\.0\.1\]?:\d+/i;
// The lines of the "REMOTE HOST IDENTIFICATION HAS CHANGED" banner that say what happened.
const HOST_KEY_REASON = /(Host key for .* has changed and you have requested strict checking\.|No .* host key is known for .* and you have requested strict checking\.|REMOTE HOST IDENTIFICATION HAS CHANGED!|Offending .* key in .*|Host key verification failed\.)/;

/** The stderr lines worth showing (no banners of `@`, no blank lines). */
export function sshStderrLines(stderr: string): string[] {
  return stderr.split('\n').map((l) => l.replace(/\r$/, '').trim()).filter((l) => l !== '' && !/^@+$/.test(l));
}

/**
 * Classifies an ssh exit from its code and stderr. A host-key failure keeps OpenSSH's reason and
 * adds the fix (`ssh-keygen -R <host>`, exactly as OpenSSH suggests it when it printed one).
 */
export function classifySshExit(code: number | null, signal: string | null, stderr: string, host: string, port: number): SshFailure {
  const lines = sshStderrLines(stderr);
  const head = `ssh exited (${code ?? signal ?? 'unknown'})`;
  if (HOST_KEY.test(stderr)) {
    const reason = lines.filter((l) => HOST_KEY_REASON.test(l));
    const suggested = lines.find((l) => /^ssh-keygen .*-R /.test(l));
    const fix = suggested ?? `ssh-keygen -R '${knownHostsName(host, port)}'`;
    const message = [
      head, ...reason,
      `Fix: if the host's key changed on purpose (reinstall, new key), remove the old entry with: ${fix}`,
      `then connect once with ssh -p ${port} ${host} to check and accept the new key. Otherwise do not connect: someone may be intercepting the connection.`,
    ].join('\n');
    return { kind: 'host-key', isFatal: true, message };
  }
  if (AUTH.test(stderr)) {
    return { kind: 'auth', isFatal: true, message: [head, ...lines, 'Fix: check gateway.remote.sshIdentity and that its public key is in ~/.ssh/authorized_keys on the gateway host.'].join('\n') };
  }
  if (CONFIG.test(stderr)) return { kind: 'config', isFatal: true, message: [head, ...lines].join('\n') };
  if (FORWARD.test(stderr)) return { kind: 'forward', isFatal: false, message: [head, ...lines].join('\n') };
  return { kind: 'transient', isFatal: false, message: [head, ...lines].join('\n') };
}
