import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface GroupRunResult {
  /** Exit code, or null when the process was killed by a signal (e.g. on timeout). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the timeout passed and the process group was killed. */
  timedOut: boolean;
}

/** Children still running; their process groups are killed if this process exits first. */
const liveChildren = new Set<ChildProcess>();
let isExitHookInstalled = false;

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Runs a command to completion in its own process group and collects its output.
 *
 * The group is killed with SIGKILL when `timeoutMs` passes, right after the command exits (so
 * nothing it spawned outlives the call or holds its pipes open), and when this process exits.
 * Rejects only if the command cannot be spawned (e.g. ENOENT).
 */
export async function runInProcessGroup(
  command: string,
  args: readonly string[],
  opts: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number },
): Promise<GroupRunResult> {
  if (!isExitHookInstalled) {
    isExitHookInstalled = true;
    process.on('exit', () => {
      for (const child of liveChildren) killGroup(child);
    });
  }
  const child = spawn(command, args, {
    env: opts.env,
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  liveChildren.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const closed = once(child, 'close');
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, opts.timeoutMs);
  try {
    // `once` rejects on 'error', which is how a spawn failure surfaces.
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    killGroup(child);
    await closed;
    return { code, signal, stdout, stderr, timedOut };
  } catch (err) {
    killGroup(child);
    throw err;
  } finally {
    clearTimeout(timer);
    liveChildren.delete(child);
  }
}
