import { userInfo } from 'node:os';
import type { LoadedConfig } from '../../infra/config.js';
import { readEnv } from '../../infra/env.js';
import { parseSshTarget, SshTargetError } from '../../tunnel/ssh-target.js';
import { TunnelSupervisor } from '../../tunnel/supervisor.js';
import type { ProbeWarning } from './probe-report.js';
import type { ProbeTarget } from './targets.js';

/** A probe's SSH tunnel budget (13.6: tunnel ≤ 2000 ms). */
const TUNNEL_BUDGET_MS = 2000;

/** The tunnel `gateway probe` tries: from `--ssh`, `gateway.remote.sshTarget`, or inferred. */
export interface ProbeSshRequest {
  /** As the user wrote it (minus a leading `ssh `), shown as `ssh: <target>`. */
  raw: string;
  identity: string | undefined;
}

/**
 * Which SSH target to try (remote-access.md 10.2): `--ssh`, else `gateway.remote.sshTarget`, else
 * in remote mode `$USER@<host of gateway.remote.url>` (port 22). None with `--port` and no `--url`.
 */
export function probeSshRequest(flags: { ssh?: string; sshIdentity?: string; port?: string; url?: string }, loaded: LoadedConfig, env: NodeJS.ProcessEnv): ProbeSshRequest | null {
  const remote = loaded.config.gateway?.remote ?? {};
  const identity = flags.sshIdentity ?? remote.sshIdentity;
  if (flags.ssh !== undefined) return { raw: flags.ssh.trim().replace(/^ssh\s+/, ''), identity };
  if (remote.sshTarget) return { raw: remote.sshTarget.trim().replace(/^ssh\s+/, ''), identity };
  if (flags.port !== undefined && flags.url === undefined) return null;
  if (loaded.config.gateway?.mode !== 'remote' || !remote.url) return null;
  let host: string;
  try {
    host = new URL(remote.url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
  const user = env.USER ?? userInfo().username;
  return { raw: `${user}@${host.includes(':') ? `[${host}]` : host}`, identity };
}

export type ProbeTunnel =
  | { ok: true; target: ProbeTarget; close(): Promise<void> }
  | { ok: false; warning: ProbeWarning };

const failed = (message: string): ProbeTunnel => ({ ok: false, warning: { code: 'ssh_tunnel_failed', message, targetIds: ['sshTunnel'] } });

/**
 * Opens the probe's tunnel (one ssh attempt, ready once a health call passes through it, within
 * min(2000 ms, budget)). Failures come back as an `ssh_tunnel_failed` warning, never thrown.
 */
export async function openProbeTunnel(
  req: ProbeSshRequest, remotePort: number, budgetMs: number,
  opts: { credentials: { token?: string | undefined; password?: string | undefined }; stateDir: string; env: NodeJS.ProcessEnv },
): Promise<ProbeTunnel> {
  let target;
  try {
    target = parseSshTarget(req.raw);
  } catch (err) {
    if (err instanceof SshTargetError) return failed(err.message);
    throw err;
  }
  const limitMs = Math.min(TUNNEL_BUDGET_MS, budgetMs);
  const sup = new TunnelSupervisor({
    target, remotePort, preferredLocalPort: remotePort, identity: req.identity, hostKeyPolicy: 'strict', configFile: readEnv('SSH_CONFIG', opts.env),
    credentials: opts.credentials, stateDir: opts.stateDir, env: opts.env, readyTimeoutMs: limitMs, isSingleAttempt: true, probeIntervalMs: 60_000,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const snap = await Promise.race([
      sup.start(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`ssh tunnel not ready within ${limitMs}ms`)), limitMs))),
    ]);
    const localPort = snap.localPort ?? 0;
    return {
      ok: true,
      target: {
        id: 'sshTunnel', kind: 'sshTunnel', url: snap.url ?? '', active: true,
        tunnel: { kind: 'ssh', target: req.raw, localPort, remotePort, pid: snap.sshPid },
      },
      close: async () => await sup.stop(),
    };
  } catch (err) {
    await sup.stop();
    return failed(`SSH tunnel to ${req.raw} failed: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}
