import { readTunnelState } from './state.js';
import type { SshRoute } from './route.js';
import { FatalTunnelError, TunnelSupervisor } from './supervisor.js';

/** A usable gateway URL through SSH, and how to let go of it. */
export interface TunnelLease {
  url: string;
  /** `managed`: the running `farclaw tunnel up`; `on-demand`: opened for this command. */
  kind: 'managed' | 'on-demand';
  sshPid: number | null;
  localPort: number;
  close(): Promise<void>;
}

/** The tunnel could not be opened; `isFatal` when retrying cannot help (host key, auth…). */
export class TunnelOpenError extends Error {
  constructor(message: string, readonly isFatal: boolean) {
    super(message);
    this.name = 'TunnelOpenError';
  }
}

/** How long a command waits for a reconnecting managed tunnel, or for an on-demand one to open. */
const MAX_OPEN_WAIT_MS = 10_000;
const STATE_POLL_MS = 100;

const sameRoute = (route: SshRoute, state: { target: string; remotePort: number }): boolean =>
  state.target === route.target.text && state.remotePort === route.remotePort;

/**
 * Gives a command a gateway URL through SSH: the managed tunnel when one runs for this target
 * (waiting, within the budget, while it reconnects), else a tunnel of its own for the duration of
 * the command (closed by `close()`, and killed on exit or signals if the command dies first).
 */
export async function openSshRoute(
  route: SshRoute,
  opts: { credentials: { token?: string | undefined; password?: string | undefined }; stateDir: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<TunnelLease> {
  const budgetMs = Math.min(opts.timeoutMs, MAX_OPEN_WAIT_MS);
  const deadline = performance.now() + budgetMs;
  let managed = readTunnelState(opts.stateDir);
  if (managed && sameRoute(route, managed)) {
    while (managed && managed.status !== 'up' && managed.status !== 'degraded' && managed.status !== 'failed' && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, STATE_POLL_MS));
      managed = readTunnelState(opts.stateDir);
    }
    if (managed && managed.status !== 'failed' && managed.localPort !== null) {
      return { url: `ws://127.0.0.1:${managed.localPort}`, kind: 'managed', sshPid: managed.sshPid, localPort: managed.localPort, close: async () => undefined };
    }
  }
  const supervisor = new TunnelSupervisor({
    target: route.target, remotePort: route.remotePort, preferredLocalPort: route.preferredLocalPort, identity: route.identity,
    hostKeyPolicy: route.hostKeyPolicy, configFile: route.configFile, credentials: opts.credentials, stateDir: opts.stateDir, env: opts.env,
    // One command waits for one ssh: a refused or unreachable host answers now, not after the budget.
    readyTimeoutMs: budgetMs, isSingleAttempt: true,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const snap = await Promise.race([
      supervisor.start(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TunnelOpenError(`SSH tunnel to ${route.target.text} not ready within ${budgetMs}ms`, false)), budgetMs);
      }),
    ]);
    return { url: snap.url ?? '', kind: 'on-demand', sshPid: snap.sshPid, localPort: snap.localPort ?? 0, close: async () => await supervisor.stop() };
  } catch (err) {
    const last = supervisor.snapshot().lastError;
    await supervisor.stop();
    if (err instanceof FatalTunnelError) throw new TunnelOpenError(err.message, true);
    const why = last ? `\n${last}` : '';
    throw new TunnelOpenError(`${(err as Error).message}${why}`, false);
  } finally {
    clearTimeout(timer);
  }
}
